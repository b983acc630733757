// The résumé file of the coaching tab (ui/coaching.py): a file input and a button, drawn into
// the empty column #resume-upload, that post the file with the tab's job description and
// "keep" box to /cc/resume/review (ui/coaching.resume_routes). The findings come back as JSON
// and are inserted with textContent only: nothing from the résumé is ever parsed as HTML.
const lang = () => (localStorage.getItem("careercoach-chat-lang") === "en" ? "en" : "zh");
const words = {
  zh: { pick: "或选择简历文件（PDF、Word 或文本）", send: "诊断所选文件", busy: "正在诊断…",
        none: "请先选择简历文件。" },
  en: { pick: "Or choose a résumé file (PDF, Word or text)", send: "Review the chosen file",
        busy: "Reviewing…", none: "Choose a résumé file first." },
};

function node(tag, attrs, text) {
  const made = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) made.setAttribute(key, value);
  if (text !== undefined) made.textContent = text;
  return made;
}

const label = node("label", { for: "resume-file" });
const file = node("input", { type: "file", id: "resume-file", accept: ".pdf,.docx,.txt,.md" });
const send = node("button", { type: "button", id: "resume-file-review", class: "cc-primary" });
const status = node("p", { id: "resume-file-status", role: "status" });
const results = node("ul", { id: "resume-file-findings" });
element.append(label, file, send, status, results);

function relabel() {
  label.textContent = words[lang()].pick;
  send.textContent = words[lang()].send;
}
relabel();
new MutationObserver(relabel).observe(document.documentElement, { attributes: true, subtree: false });
window.addEventListener("storage", relabel);

function show(body) {
  results.replaceChildren();
  if (body.error) {
    status.textContent = lang() === "zh" ? body.error_zh || body.error : body.error;
    return;
  }
  status.textContent = body.findings.length ? "" : body.none;
  for (const finding of body.findings) {
    const item = node("li", { class: "resume-finding" });
    item.append(node("strong", {}, finding.kind), document.createTextNode(" · " + finding.text));
    item.append(node("div", { class: "resume-suggestion" }, "→ " + finding.suggestion));
    results.append(item);
  }
  if (body.rewrites.length) {
    results.append(node("li", { class: "resume-rewrites" }, body.rewrites_title));
    for (const rewrite of body.rewrites) {
      results.append(node("li", {}, rewrite.original + " ⇒ " + rewrite.rewrite));
    }
  }
}

send.addEventListener("click", async () => {
  relabel();
  if (!file.files.length) { status.textContent = words[lang()].none; return; }
  const form = new FormData();
  form.append("file", file.files[0]);
  const job = document.querySelector("#resume-job textarea");
  const keep = document.querySelector("#resume-keep input");
  form.append("job", job ? job.value : "");
  form.append("keep", keep && keep.checked ? "true" : "false");
  form.append("lang", lang());
  send.disabled = true;
  status.textContent = words[lang()].busy;
  try {
    const response = await fetch("/cc/resume/review", {
      method: "POST", body: form, credentials: "same-origin",
    });
    const type = response.headers.get("content-type") || "";
    show(type.includes("json") ? await response.json()
      : { error: `HTTP ${response.status}`, error_zh: `HTTP ${response.status}` });
  } catch (error) {
    show({ error: String(error.message || error), error_zh: String(error.message || error) });
  } finally {
    send.disabled = false;
  }
});
