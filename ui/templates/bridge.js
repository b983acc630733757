// The bridge between a page script (templates/chat.js, templates/review.js) and its server
// routes (ui/scripts.py). The scripts were written against the interface of a Gradio HTML
// component (element, props, trigger, server, watch); Gradio runs such code with Function(),
// which the Content-Security-Policy forbids (no 'unsafe-eval'), so this file, served from the
// same origin, gives them the same five names over plain same-origin fetch() calls instead.
// The page has an empty column with the mount's id; the script starts once it exists.
(function () {
  "use strict";

  async function post(url, body, signal) {
    const response = await fetch(url, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(body),
      credentials: "same-origin",
      signal,
    });
    if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`);
    return response;
  }

  // Each line of a streamed answer is one JSON document (application/x-ndjson).
  async function eachLine(response, onValue) {
    const reader = response.body.getReader();
    const decoder = new TextDecoder();
    let rest = "";
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      rest += decoder.decode(value, { stream: true });
      let at;
      while ((at = rest.indexOf("\n")) >= 0) {
        const line = rest.slice(0, at).trim();
        rest = rest.slice(at + 1);
        if (line) onValue(JSON.parse(line));
      }
    }
    if (rest.trim()) onValue(JSON.parse(rest));
  }

  function whenPresent(id, start) {
    const found = document.getElementById(id);
    if (found) { start(found); return; }
    const watcher = new MutationObserver(() => {
      const node = document.getElementById(id);
      if (node) { watcher.disconnect(); start(node); }
    });
    watcher.observe(document.documentElement, { childList: true, subtree: true });
  }

  // mount: the column's id; base: the routes' prefix; functions: the server functions' names;
  // events: {name: "stream" | "call" | "abort"}; load: the initial value's route (GET), or null;
  // body: the page script, called with (element, props, trigger, server, watch).
  window.ccMount = function (mount, base, functions, events, load, body) {
    whenPresent(mount, async (element) => {
      let value = {};
      const watchers = [];
      let running = null;
      const props = {};
      Object.defineProperty(props, "value", { get: () => value });
      const setValue = (next) => {
        value = next;
        for (const callback of watchers) callback();
      };
      const server = {};
      for (const name of functions) {
        server[name] = async (...args) => (await post(`${base}/${name}`, { args })).json();
      }
      const watch = (name, callback) => { if (name === "value") watchers.push(callback); };
      const trigger = (name, payload) => {
        const kind = events[name];
        if (kind === "abort") {
          if (running) running.abort();
          running = null;
          return;
        }
        if (!kind) return;
        const controller = new AbortController();
        if (kind === "stream") running = controller;
        (async () => {
          try {
            const response = await post(`${base}/${name}`, payload || {}, controller.signal);
            if (kind === "stream") await eachLine(response, (next) => {
              if (!controller.signal.aborted) setValue(next);
            });
            else setValue(await response.json());
          } catch (error) {
            if (controller.signal.aborted) return;
            setValue({ ...value, busy: false, notice: String(error.message || error) });
          } finally {
            if (running === controller) running = null;
          }
        })();
      };
      if (load) {
        try {
          const response = await fetch(load(), { credentials: "same-origin" });
          if (response.ok) value = await response.json();
        } catch (error) {
          value = { notice: String(error.message || error) };
        }
      }
      body(element, props, trigger, server, watch, setValue);
    });
  };
})();
