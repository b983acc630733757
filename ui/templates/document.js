// Viewer for a cited passage. Everything from the server is inserted as text (textContent),
// never as HTML: document text is data.
(function () {
  "use strict";
  const docId = decodeURIComponent(location.pathname.split("/").filter(Boolean).pop() || "");
  const passage = new URLSearchParams(location.search).get("passage") || "";
  const main = document.getElementById("original");
  const say = (text) => { main.replaceChildren(); const p = document.createElement("p");
    p.id = "status"; p.textContent = text; main.appendChild(p); };

  function showPages(place) {
    main.replaceChildren();
    for (const page of place.pages) {
      const figure = document.createElement("figure");
      const img = document.createElement("img");
      img.alt = "第 " + page + " 页 / page " + page;
      img.dataset.page = String(page);
      img.src = place.page_urls[page];
      const caption = document.createElement("figcaption");
      caption.textContent = "第 " + page + " 页，引用的段落已标出 / page " + page +
        ", the cited passage is highlighted";
      figure.append(img, caption);
      main.appendChild(figure);
    }
  }

  function showSection(place) {
    main.replaceChildren();
    const pre = document.createElement("pre");
    pre.className = "section";
    const [start, end] = place.highlight;
    const mark = document.createElement("mark");
    mark.id = "passage";
    mark.textContent = place.text.slice(start, end);
    pre.append(place.text.slice(0, start), mark, place.text.slice(end));
    main.appendChild(pre);
    mark.scrollIntoView({ block: "center" });
  }

  if (!/^[0-9a-f]{8,64}$/.test(docId) || !passage) {
    say("没有指定引用的段落 / no passage given");
    return;
  }
  fetch("/api/documents/" + docId + "/passages/" + encodeURIComponent(passage))
    .then((r) => r.json().then((body) => ({ ok: r.ok, body })))
    .then(({ ok, body }) => {
      if (!ok) { say(String(body.detail || "无法打开原文 / cannot open the original")); return; }
      document.getElementById("title").textContent = body.title;
      const where = body.section.filter((s) => s !== body.title).join(" / ");
      document.getElementById("where").textContent = where;
      if (body.ocr_confidence !== null && body.ocr_confidence < 0.85) {
        const note = document.getElementById("note");
        note.textContent = "此页经文字识别，置信度较低，请以原件为准 / read by OCR with low " +
          "confidence: trust the page image over the text";
        note.hidden = false;
      }
      if (body.unverified && body.unverified.length) {
        const warn = document.getElementById("unverified");
        warn.textContent = "以下联系方式未经官方渠道核实，请勿轻信，请通过 12333 或官方网站核实：" +
          body.unverified.join("、") + " / not confirmed by any official channel, check before " +
          "you trust them";
        warn.hidden = false;
      }
      if (body.kind === "page") showPages(body); else showSection(body);
    })
    .catch(() => say("无法打开原文 / cannot open the original"));
})();
