// The graduate chat, drawn from the data of ui/chatview.py (props.value), run through
// templates/bridge.js (ui/scripts.py serves both as one same-origin script).
// Every text is inserted with textContent or as a text node, never as HTML: what a graduate,
// a document or a model wrote stays inert. Links are made only for http(s) URLs and tel: numbers.
// Events back to Python: trigger("submit", {...}) asks (streamed), trigger("stop") cancels,
// trigger("select", {action, ...}) opens/renames/deletes conversations, trigger("view", ...)
// redraws in another language; server.rate(...) stores a rating or comment and answers at
// once, so the confirmation shows beside the button.
const root = element.querySelector(".cc-chat") || element;
const local = { feedback: {}, stopped: false, busy: false, openCite: null };
const narrow = window.matchMedia("(max-width: 760px)");

function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (key === "class") node.className = value;
    else if (key === "text") node.textContent = value;
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value === true ? "" : String(value));
  }
  for (const child of children) if (child) node.append(child);
  return node;
}

const data = () => props.value || {};
const L = (key) => (data().labels || {})[key] || key;

// --- safe inline Markdown: **bold**, [n] citations, links; everything else is text ---------
// a URL stops at whitespace, CJK characters and full-width punctuation (。，）…)
const INLINE = /\*\*([^*\n]+)\*\*|\[(\d{1,3})\]|((?:https?:\/\/|www\.)[A-Za-z0-9\-._~:/?#@!$&'*+,;=%]+[A-Za-z0-9/#=_\-])/g;

function inline(text, onCite) {
  const out = [];
  let last = 0;
  for (const m of text.matchAll(INLINE)) {
    if (m.index > last) out.push(document.createTextNode(text.slice(last, m.index)));
    if (m[1] !== undefined) out.push(el("strong", { text: m[1] }));
    else if (m[2] !== undefined) {
      const n = Number(m[2]);
      out.push(el("button", {
        type: "button", class: "cc-cite", text: `[${n}]`,
        "aria-label": `${L("sources")} ${n}`, onclick: () => onCite(n),
      }));
    } else {
      const href = m[3].startsWith("www.") ? `https://${m[3]}` : m[3];
      out.push(el("a", { href, target: "_blank", rel: "noopener noreferrer", text: m[3] }));
    }
    last = m.index + m[0].length;
  }
  if (last < text.length) out.push(document.createTextNode(text.slice(last)));
  return out;
}

function markdown(text, onCite) {
  const box = el("div", { class: "cc-text" });
  let list = null;
  for (const raw of String(text || "").split("\n")) {
    const line = raw.trimEnd();
    const item = line.match(/^\s*(?:[-*•]|\d{1,2}[.、)])\s+(.*)$/);
    if (item) {
      if (!list) { list = el("ul"); box.append(list); }
      list.append(el("li", {}, ...inline(item[1], onCite)));
      continue;
    }
    list = null;
    if (!line.trim()) continue;
    const head = line.match(/^#{1,6}\s+(.*)$/);
    if (head) box.append(el("p", { class: "cc-head" }, el("strong", { text: head[1] })));
    else if (line.startsWith("> ")) box.append(el("p", { class: "cc-quote" }, ...inline(line.slice(2), onCite)));
    else box.append(el("p", {}, ...inline(line, onCite)));
  }
  return box;
}

// --- a source's passage, with the cited sentences marked -------------------------------------
function passageView(cite) {
  const text = String(cite.text || "");
  const body = el("p", { class: "cc-passage-text" });
  let at = 0;
  for (const [start, end] of cite.marks || []) {
    if (start > at) body.append(document.createTextNode(text.slice(at, start)));
    body.append(el("mark", { text: text.slice(start, end) }));
    at = end;
  }
  body.append(document.createTextNode(text.slice(at)));
  const facts = el("dl", { class: "cc-facts" });
  for (const [key, value] of [["document", cite.title], ["section", cite.section],
                              ["page", cite.page], ["date", cite.date]]) {
    if (value === null || value === undefined || value === "") continue;
    facts.append(el("dt", { text: L(key) }), el("dd", { text: String(value) }));
  }
  const box = el("div", { class: "cc-passage", "data-n": cite.n },
    el("p", { class: "cc-passage-title" }, el("strong", { text: cite.label })), facts);
  if ((cite.marks || []).length) box.append(el("p", { class: "cc-note", text: L("highlight_note") }));
  box.append(body);
  if (cite.original) {
    box.append(el("a", { class: "cc-original", href: cite.original, target: "_blank",
                         rel: "noopener", text: L("open_original") }));
  }
  return box;
}

function showCite(message, n, drawer) {
  const cite = (message.citations || []).find((c) => c.n === n);
  if (!cite) return;
  local.openCite = { key: message.turn_id, n };
  const panel = element.querySelector(".cc-side-body");
  if (narrow.matches || !panel) {
    drawer.replaceChildren(passageView(cite), el("button", {
      type: "button", class: "cc-small", text: L("close"), onclick: () => { drawer.replaceChildren(); drawer.hidden = true; },
    }));
    drawer.hidden = false;
    drawer.scrollIntoView({ block: "nearest" });
  } else {
    panel.replaceChildren(passageView(cite));
    element.querySelector(".cc-side").classList.add("cc-has-passage");
  }
  for (const b of element.querySelectorAll(".cc-source[aria-pressed]")) b.setAttribute("aria-pressed", "false");
  const pressed = element.querySelector(`[data-turn="${message.turn_id}"] .cc-source[data-n="${n}"]`);
  if (pressed) pressed.setAttribute("aria-pressed", "true");
}

// --- feedback at each answer ------------------------------------------------------------------
function feedbackView(message) {
  const mine = local.feedback[message.turn_id] || message.feedback || {};
  const status = el("span", { class: "cc-status", role: "status", "aria-live": "polite" });
  const comment = el("div", { class: "cc-comment", hidden: !mine.rating });
  const area = el("textarea", { rows: 2, maxlength: 2000, "aria-label": L("comment_label"),
                                placeholder: L("comment_label") });
  area.value = mine.comment || "";
  const send = async (rating, text) => {
    status.textContent = "…";
    const reply = await server.rate(message.turn_id, rating, text, data().lang);
    status.textContent = reply.message;
    if (reply.ok) local.feedback[message.turn_id] = { rating, comment: text };
    return reply.ok;
  };
  const thumb = (rating, icon, label) => el("button", {
    type: "button", class: "cc-thumb", "aria-label": label, title: label, text: `${icon} ${label}`,
    "aria-pressed": mine.rating === rating ? "true" : "false",
    onclick: async (event) => {
      for (const b of event.currentTarget.parentNode.querySelectorAll(".cc-thumb")) b.setAttribute("aria-pressed", "false");
      event.currentTarget.setAttribute("aria-pressed", "true");
      if (await send(rating, area.value.trim())) { comment.hidden = false; }
    },
  });
  comment.append(area, el("button", {
    type: "button", class: "cc-small", text: L("send_comment"),
    onclick: () => send((local.feedback[message.turn_id] || mine).rating || -1, area.value.trim()),
  }));
  return el("div", { class: "cc-feedback" },
    el("div", { class: "cc-thumbs" }, thumb(1, "👍", L("helpful")), thumb(-1, "👎", L("not_helpful")), status),
    comment);
}

// --- one message ------------------------------------------------------------------------------
function planView(plan) {
  const box = el("div", { class: "cc-plan" }, el("p", { text: plan.lead }),
    el("p", {}, el("strong", { text: plan.next_title })));
  const list = el("ol");
  for (const action of plan.actions || []) {
    list.append(el("li", { text: (action.when ? `${action.when}：` : "") + action.text }));
  }
  box.append(list);
  if (plan.download) {
    box.append(el("a", { class: "cc-download", href: plan.download, download: "", text: L("download_plan") }));
  }
  return box;
}

function messageView(message, index, last) {
  if (message.role === "user") {
    return el("div", { class: "cc-msg cc-user" }, el("p", { class: "cc-plain", text: message.text }));
  }
  const drawer = el("div", { class: "cc-drawer", hidden: true });
  const onCite = (n) => showCite(message, n, drawer);
  const node = el("div", { class: "cc-msg cc-bot", "data-turn": message.turn_id ?? "pending" });
  if (message.verified) {
    node.append(el("p", { class: "cc-verified", text: `✔ ${L("verified")} · ${message.verified.day}` }));
  }
  if (message.error) node.append(el("p", { class: "cc-error", role: "alert", text: message.error }));
  if (message.plan) {
    node.append(planView(message.plan));
    const whole = el("details", { class: "cc-whole" }, el("summary", { text: L("whole_plan") }));
    whole.addEventListener("toggle", () => {
      if (whole.open && whole.children.length === 1) whole.append(markdown(message.text, onCite));
    }, { once: false });
    node.append(whole);
  } else if (message.text || message.streaming) {
    node.append(markdown(message.text || "…", onCite));
  }
  if (message.streaming && local.stopped && last) node.append(el("p", { class: "cc-note", text: L("stopped") }));
  for (const warning of message.warnings || []) node.append(el("p", { class: "cc-warning", text: warning }));
  const cites = message.citations || [];
  if (cites.length) {
    const list = el("ul", { class: "cc-sources" });
    for (const cite of cites) {
      list.append(el("li", {}, el("button", {
        type: "button", class: "cc-source", "data-n": cite.n, "aria-pressed": "false",
        text: cite.label, onclick: () => onCite(cite.n),
      })));
    }
    node.append(el("details", { class: "cc-source-list", open: !narrow.matches },
      el("summary", { text: `${L("sources")} (${cites.length})` }), list));
  }
  node.append(drawer);
  if (message.turn_id) {
    const foot = el("div", { class: "cc-foot" });
    if (message.time) foot.append(el("span", { class: "cc-time", text: message.time }));
    node.append(feedbackView(message), foot);
  }
  return node;
}

// --- the frame: conversation list, messages, composer, source panel -----------------------
const nav = el("nav", { class: "cc-convs", "aria-labelledby": "cc-convs-title" });
const log = el("div", { class: "cc-log", role: "log", "aria-live": "polite", "aria-relevant": "additions" });
const input = el("textarea", { id: "cc-input", rows: 2, maxlength: data().max_chars || 2000 });
const inputLabel = el("label", { for: "cc-input", class: "cc-sr" });
const sendButton = el("button", { type: "button", id: "cc-send", class: "cc-primary" });
const stopButton = el("button", { type: "button", id: "cc-stop", hidden: true });
const regenButton = el("button", { type: "button", id: "cc-regenerate" });
const examples = el("div", { class: "cc-examples" });
const notice = el("p", { class: "cc-notice", role: "alert", hidden: true });
const zone = el("p", { class: "cc-zone" });
const side = el("aside", { class: "cc-side", "aria-labelledby": "cc-side-title" },
  el("h2", { id: "cc-side-title" }), el("div", { class: "cc-side-body" }));
root.replaceChildren(el("div", { class: "cc-layout" }, nav,
  el("section", { class: "cc-main", "aria-label": "chat" }, log, notice,
    el("div", { class: "cc-composer" }, inputLabel, input,
      el("div", { class: "cc-buttons" }, sendButton, stopButton, regenButton)),
    examples, zone),
  side));

function ask(text, regenerate) {
  if (local.busy) return;
  if (!regenerate && !text.trim()) return;
  if (text.length > (data().max_chars || 2000)) { notice.textContent = L("too_long"); notice.hidden = false; return; }
  notice.hidden = true;
  local.busy = true;
  local.stopped = false;
  setBusy(true);
  trigger("submit", { text, regenerate: !!regenerate, conversation_id: data().conversation_id, lang: data().lang });
}

function setBusy(busy) {
  sendButton.disabled = busy;
  sendButton.setAttribute("aria-disabled", busy ? "true" : "false");
  regenButton.disabled = busy || !(data().messages || []).some((m) => m.turn_id);
  stopButton.hidden = !busy;
  for (const b of examples.querySelectorAll("button")) b.disabled = busy;
}

sendButton.addEventListener("click", () => { const text = input.value; input.value = ""; ask(text, false); });
input.addEventListener("keydown", (event) => {
  if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
    event.preventDefault();
    if (!local.busy) sendButton.click();
  }
});
stopButton.addEventListener("click", () => {
  trigger("stop");
  local.stopped = true;
  local.busy = false;
  setBusy(false);
  drawMessages();
});
regenButton.addEventListener("click", () => ask("", true));

function drawNav() {
  const v = data();
  const list = el("ul");
  for (const c of v.conversations || []) {
    const current = c.id === v.conversation_id;
    const open = el("button", { type: "button", class: "cc-conv-open", "aria-current": current ? "true" : null,
      onclick: () => trigger("select", { action: "open", conversation_id: c.id, lang: data().lang }) },
      el("span", { class: "cc-conv-title", text: c.title }), el("span", { class: "cc-time", text: c.updated }));
    const rename = el("button", { type: "button", class: "cc-small", text: L("rename"),
      "aria-label": `${L("rename")}: ${c.title}`,
      onclick: () => {
        const title = window.prompt(L("rename_prompt"), c.title);
        if (title !== null) trigger("select", { action: "rename", conversation_id: c.id, title, lang: data().lang });
      } });
    const remove = el("button", { type: "button", class: "cc-small cc-danger", text: L("delete"),
      "aria-label": `${L("delete")}: ${c.title}`,
      onclick: () => {
        if (window.confirm(`${L("confirm_delete")}\n\n${c.title}`)) trigger("select", { action: "delete", conversation_id: c.id, lang: data().lang });
      } });
    list.append(el("li", { class: current ? "cc-current" : null }, open, el("span", { class: "cc-conv-tools" }, rename, remove)));
  }
  nav.replaceChildren(el("h2", { id: "cc-convs-title", text: L("conversations") }),
    el("button", { type: "button", id: "cc-new", class: "cc-small", text: `＋ ${L("new_chat")}`,
      onclick: () => trigger("select", { action: "new", lang: data().lang }) }), list);
}

let drawn = [];
function drawMessages() {
  const messages = data().messages || [];
  if (!messages.length) {
    log.replaceChildren(el("p", { class: "cc-empty", text: L("empty") }));
    drawn = [];
    return;
  }
  const next = [];
  const nodes = messages.map((message, i) => {
    const key = JSON.stringify([message, local.stopped && i === messages.length - 1, data().lang]);
    const old = drawn[i];
    const node = old && old.key === key ? old.node : messageView(message, i, i === messages.length - 1);
    next.push({ key, node });
    return node;
  });
  const stick = log.scrollHeight - log.scrollTop - log.clientHeight < 80;
  log.replaceChildren(...nodes);
  drawn = next;
  if (stick) log.scrollTop = log.scrollHeight;
}

function drawAll() {
  const v = data();
  inputLabel.textContent = L("input_label");
  input.maxLength = data().max_chars || 2000;  // the server's settings.max_message_chars
  input.placeholder = L("placeholder");
  sendButton.textContent = L("send");
  stopButton.textContent = `■ ${L("stop")}`;
  regenButton.textContent = `↻ ${L("regenerate")}`;
  side.querySelector("h2").textContent = L("sources");
  zone.textContent = `${L("times_in")} ${v.zone || ""}`;
  examples.replaceChildren(el("span", { class: "cc-examples-title", text: L("examples") }),
    ...(v.examples || []).map((q) => el("button", { type: "button", class: "cc-example", text: q,
      onclick: () => ask(q, false) })));
  if (v.notice) { notice.textContent = v.notice; notice.hidden = false; }
  if (!v.busy && !local.stopped) local.busy = false;
  if (v.busy) local.busy = true;
  drawNav();
  drawMessages();
  setBusy(local.busy);
}

// The page's 中文/English switch: the chat follows it and remembers it in this browser.
const LANG_KEY = "careercoach-chat-lang";
document.addEventListener("change", (event) => {
  const target = event.target;
  if (!(target instanceof HTMLInputElement) || !target.closest("#lang")) return;
  const label = `${target.value} ${(target.closest("label") || {}).textContent || ""}`;
  const lang = label.includes("English") ? "en" : "zh";
  localStorage.setItem(LANG_KEY, lang);
  // read by the page's load event (ui/graduate.py), which labels the rest of the page
  document.cookie = `cc_lang=${lang}; path=/; max-age=31536000; SameSite=Lax`;
  if (lang !== data().lang) trigger("view", { lang, conversation_id: data().conversation_id });
});

drawAll();
watch("value", () => {
  if (!data().busy && local.stopped) local.stopped = false;
  drawAll();
});
