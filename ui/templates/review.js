// The counselor's review queue: the list and the transcript side by side, drawn from the data
// of ui/counselor.py. Every text (a graduate's message, an answer, a passage) is inserted with
// textContent, never as HTML, each in its own labelled block, so a message cannot forge a turn
// or an annotation. Keys: J / ↓ next, K / ↑ previous, R or Enter save the rubric, mark the
// conversation reviewed and open the next unreviewed one, 1 2 3 toggle the last turn's
// rubric (correct, citations, tone), F flags, ? lists the keys.
const root = element.querySelector(".cc-review") || element;
const state = { page: null, index: -1, detail: null, rubric: {}, offset: 0 };

// Every action (a key, a click, a filter) runs after the one before it has drawn. A key pressed
// while a transcript is still loading then applies to the transcript shown next, and two loads
// never interleave: an earlier load's reply can no longer reset a rubric a later key has marked.
// The root carries aria-busy while actions are waiting or running.
let pending = Promise.resolve();
let waiting = 0;
function act(task) {
  waiting += 1;
  root.setAttribute("aria-busy", "true");
  pending = pending.then(task)
    .catch((error) => { status.textContent = `出错了 / failed: ${(error && error.message) || error}`; })
    .finally(() => { waiting -= 1; if (!waiting) root.setAttribute("aria-busy", "false"); });
  return pending;
}

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

const head = el("div", { class: "rv-head" });
const filters = el("form", { class: "rv-filters", "aria-label": "筛选 / filters" });
const list = el("ol", { class: "rv-list", "aria-label": "对话列表 / conversations" });
const pager = el("div", { class: "rv-pager" });
const view = el("section", { class: "rv-view", "aria-label": "对话内容 / transcript", tabindex: "-1" });
const status = el("p", { class: "rv-status", role: "status", "aria-live": "polite" });
const keys = el("p", { class: "rv-keys", text: "快捷键 / keys: J 下一条 next · K 上一条 previous · R 或 Enter 保存并标记已审阅 save & next · 1 2 3 切换最后一轮的评分 rubric · F 标记 flag" });
root.replaceChildren(head, filters, el("div", { class: "rv-layout" },
  el("div", { class: "rv-side" }, list, pager), el("div", { class: "rv-main" }, status, view)), keys);

const fields = {
  unreviewed: el("input", { type: "checkbox", id: "rv-unreviewed", checked: true }),
  text: el("input", { type: "search", id: "rv-text", placeholder: "文本 / text" }),
  date_from: el("input", { type: "date", id: "rv-from" }),
  date_to: el("input", { type: "date", id: "rv-to" }),
  negative: el("input", { type: "checkbox", id: "rv-negative" }),
  abstained: el("input", { type: "checkbox", id: "rv-abstained" }),
  flagged: el("input", { type: "checkbox", id: "rv-flagged" }),
};
const labelled = (id, text, input) => el("label", { for: id }, input, document.createTextNode(" " + text));
filters.append(
  labelled("rv-unreviewed", "仅未审阅 / unreviewed only", fields.unreviewed),
  labelled("rv-negative", "有差评 / 👎", fields.negative),
  labelled("rv-abstained", "未作答 / abstained", fields.abstained),
  labelled("rv-flagged", "已标记 / flagged", fields.flagged),
  el("label", { for: "rv-from" }, document.createTextNode("从 / from "), fields.date_from),
  el("label", { for: "rv-to" }, document.createTextNode("到 / to "), fields.date_to),
  el("label", { for: "rv-text", class: "rv-sr" }, document.createTextNode("文本 / text")), fields.text,
  el("button", { type: "submit", id: "rv-search", class: "rv-primary", text: "筛选 / Filter" }));
filters.addEventListener("submit", (event) => {
  event.preventDefault();
  act(() => { state.offset = 0; return load(0); });
});

function query() {
  return {
    unreviewed: fields.unreviewed.checked, text: fields.text.value, date_from: fields.date_from.value,
    date_to: fields.date_to.value, negative: fields.negative.checked, abstained: fields.abstained.checked,
    flagged: fields.flagged.checked, offset: state.offset,
  };
}

async function load(select) {
  state.page = await server.queue(query());
  drawHead();
  drawList();
  if (state.page.error) { status.textContent = state.page.error; return; }
  const rows = state.page.rows || [];
  if (rows.length) await openAt(Math.min(select ?? 0, rows.length - 1));
  else { state.index = -1; state.detail = null; view.replaceChildren(el("p", { text: "没有符合条件的对话 / nothing to review" })); }
}

function drawHead() {
  const p = state.page || {};
  head.replaceChildren(
    el("p", { class: p.distress ? "rv-alert" : "rv-calm", role: p.distress ? "alert" : null, id: "rv-distress",
      text: `未审阅的危机标记 / unreviewed distress flags: ${p.distress || 0}` }),
    el("p", { id: "rv-counts", text: `未审阅 / unreviewed: ${p.unreviewed || 0} · 共 / total: ${p.total || 0} · ${p.zone || ""}` }));
  for (const note of p.withdrawn || []) head.append(el("p", { class: "rv-alert", text: note }));
}

function drawList() {
  const p = state.page || {};
  list.replaceChildren();
  (p.rows || []).forEach((row, i) => {
    const badges = el("span", { class: "rv-badges" });
    if (row.distress) badges.append(el("span", { class: "rv-badge rv-red", text: "危机 distress" }));
    if (row.negative) badges.append(el("span", { class: "rv-badge", text: `👎 ${row.negative}` }));
    if (row.abstained) badges.append(el("span", { class: "rv-badge", text: `未答 ${row.abstained}` }));
    if (row.flagged && !row.distress) badges.append(el("span", { class: "rv-badge", text: "已标记 flagged" }));
    if (row.reviewed) badges.append(el("span", { class: "rv-badge rv-green", text: `✓ ${row.reviewed}` }));
    list.append(el("li", { class: i === state.index ? "rv-current" : null },
      el("button", { type: "button", class: "rv-row", "data-id": row.id, "aria-current": i === state.index ? "true" : null,
        onclick: () => act(() => openAt(i)) },
        el("span", { class: "rv-row-title", text: `#${row.id} ${row.title}` }),
        el("span", { class: "rv-time", text: `${row.updated} · ${row.turns} 轮 turns` }), badges)));
  });
  const start = (p.offset || 0) + 1;
  const end = (p.offset || 0) + (p.rows || []).length;
  pager.replaceChildren(
    el("button", { type: "button", id: "rv-prev-page", disabled: !(p.offset > 0), text: "‹ 上一页",
      onclick: () => act(() => { state.offset = Math.max(0, (p.offset || 0) - p.limit); return load(0); }) }),
    el("span", { id: "rv-range", text: end ? `${start}–${end} / ${p.total}` : "0" }),
    el("button", { type: "button", id: "rv-next-page", disabled: !(end < p.total), text: "下一页 ›",
      onclick: () => act(() => { state.offset = (p.offset || 0) + p.limit; return load(0); }) }));
}

async function openAt(i) {
  const rows = (state.page && state.page.rows) || [];
  if (i < 0 || i >= rows.length) return;
  state.index = i;
  state.rubric = {};
  drawList();
  state.detail = await server.transcript(rows[i].id);
  drawDetail();
}

const RUBRIC = [["correct", "回答正确 correct"], ["citations_ok", "引用恰当 citations"], ["tone_ok", "语气合适 tone"]];

function rubricView(turn) {
  const box = el("fieldset", { class: "rv-rubric" }, el("legend", { text: `第 ${turn.position} 轮评分 / rubric, turn ${turn.position}` }));
  const mine = state.rubric[turn.id] || (state.rubric[turn.id] = { correct: null, citations_ok: null, tone_ok: null, note: "" });
  for (const [key, label] of RUBRIC) {
    const group = el("span", { class: "rv-toggle", role: "group", "aria-label": label }, el("span", { text: label }));
    for (const [value, text] of [[true, "✓ 是"], [false, "✗ 否"]]) {
      group.append(el("button", { type: "button", class: "rv-choice", "data-key": key, "data-value": String(value),
        "aria-pressed": mine[key] === value ? "true" : "false", text,
        onclick: (event) => {
          mine[key] = mine[key] === value ? null : value;
          for (const b of event.currentTarget.parentNode.querySelectorAll("button")) b.setAttribute("aria-pressed", "false");
          if (mine[key] === value) event.currentTarget.setAttribute("aria-pressed", "true");
        } }));
    }
    box.append(group);
  }
  const note = el("input", { type: "text", class: "rv-note", "aria-label": `备注 / note, turn ${turn.position}`, placeholder: "备注 / note" });
  note.value = mine.note;
  note.addEventListener("input", () => { mine.note = note.value; });
  box.append(note);
  return box;
}

function turnView(turn) {
  const block = el("article", { class: "rv-turn", "data-turn": turn.id },
    el("h3", { text: `第 ${turn.position} 轮 / turn ${turn.position} · #${turn.id} · ${turn.time}` }),
    el("p", { class: "rv-facts", text: turn.facts }),
    el("div", { class: "rv-said rv-graduate" }, el("p", { class: "rv-who", text: "毕业生 / graduate" }),
      el("p", { class: "rv-text", text: turn.question })),
    el("div", { class: "rv-said rv-answer" }, el("p", { class: "rv-who", text: "回答 / answer" }),
      el("p", { class: "rv-text", text: turn.answer })));
  for (const w of turn.warnings) block.append(el("p", { class: "rv-facts", text: `注意 / note: ${w}` }));
  if (turn.sources.length) {
    const ul = el("ul", { class: "rv-sources" });
    for (const s of turn.sources) ul.append(el("li", { text: s }));
    block.append(el("details", {}, el("summary", { text: `来源 / sources (${turn.sources.length})` }), ul));
  }
  if (turn.feedback) block.append(el("p", { class: "rv-feedback", text: `毕业生评价 / graduate's rating: ${turn.feedback}` }));
  for (const a of turn.annotations) block.append(el("p", { class: "rv-annotation", text: a }));
  block.append(rubricView(turn));
  return block;
}

function drawDetail() {
  const d = state.detail;
  if (!d || d.error) { view.replaceChildren(el("p", { text: (d && d.error) || "—" })); return; }
  const header = el("div", { class: "rv-detail-head" },
    el("h2", { id: "rv-title", text: `对话 / conversation #${d.id}` }),
    el("p", { text: d.summary }),
    el("p", { id: "rv-reviewed", text: d.reviewed }));
  const actions = el("div", { class: "rv-actions" },
    el("button", { type: "button", id: "rv-prev", text: "‹ 上一条 (K)", onclick: () => act(() => move(-1)) }),
    el("button", { type: "button", id: "rv-save", class: "rv-primary", text: "保存并标记已审阅，下一条 (R)", onclick: () => act(save) }),
    el("button", { type: "button", id: "rv-next", text: "下一条 (J) ›", onclick: () => act(() => move(1)) }),
    el("button", { type: "button", id: "rv-flag", text: d.flagged ? "取消标记 / unflag" : "标记 (F) / flag", onclick: () => act(flag) }));
  view.replaceChildren(header, actions, ...d.turns.map(turnView));
}

async function move(step) {
  const rows = (state.page && state.page.rows) || [];
  const next = state.index + step;
  if (next >= 0 && next < rows.length) await openAt(next);
  else if (step > 0 && state.page && state.page.offset + rows.length < state.page.total) {
    state.offset = state.page.offset + state.page.limit; await load(0);
  }
}

async function save() {
  if (!state.detail) return;
  const reply = await server.review(state.detail.id, state.rubric);
  status.textContent = reply.message;
  if (!reply.ok) return;
  // the conversation leaves an "unreviewed" list: the next one takes its place
  if (fields.unreviewed.checked) await load(state.index);
  else await move(1);
}

// keys 1 2 3 mark a problem on the last turn of the transcript shown when the key's turn comes
function markLast(name) {
  const turns = (state.detail && state.detail.turns) || [];
  if (!turns.length) return;
  const last = turns[turns.length - 1];
  const button = view.querySelector(`[data-turn="${last.id}"] .rv-choice[data-key="${name}"][data-value="false"]`);
  if (button) button.click();  // a key marks a problem; a fine turn needs no key
}

async function flag() {
  if (!state.detail) return;
  let reason = "";
  if (!state.detail.flagged) {
    reason = window.prompt("标记原因 / reason for the flag", "");
    if (reason === null) return;
  }
  const reply = await server.flag(state.detail.id, !state.detail.flagged, reason);
  status.textContent = reply.message;
  state.detail = await server.transcript(state.detail.id);
  drawDetail();
}

document.addEventListener("keydown", (event) => {
  if (!root.isConnected || root.offsetParent === null) return;  // another tab is showing
  const typing = /^(INPUT|TEXTAREA|SELECT)$/.test(event.target.tagName);
  if (typing || event.ctrlKey || event.metaKey || event.altKey) return;
  const key = event.key.toLowerCase();
  if (key === "j" || key === "arrowdown") { event.preventDefault(); act(() => move(1)); }
  else if (key === "k" || key === "arrowup") { event.preventDefault(); act(() => move(-1)); }
  else if (key === "r" || (key === "enter" && event.target.tagName !== "BUTTON")) { event.preventDefault(); act(save); }
  else if (key === "f") { event.preventDefault(); act(flag); }
  else if (["1", "2", "3"].includes(key)) {
    event.preventDefault();
    const [name] = RUBRIC[Number(key) - 1];
    act(() => markLast(name));
  } else if (key === "?") { keys.classList.toggle("rv-keys-shown"); }
});

act(() => load(0));
