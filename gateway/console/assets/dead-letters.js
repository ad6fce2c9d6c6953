// dead-letters.js: dead letters (GET /console/api/messages?status=dead) and their replay
// (POST /console/api/messages/$replay with the selected ids: message_intake retry for each).
"use strict";
(() => {
  const { api, el, when, notice, emptyRow } = Console;
  const body = document.querySelector("#dead tbody");
  const all = document.getElementById("select-all");
  const replaySelected = document.getElementById("replay-selected");
  const count = document.getElementById("selected-count");

  const boxes = () => [...body.querySelectorAll("input[type=checkbox]")];
  function refreshSelection() {
    const n = boxes().filter((b) => b.checked).length;
    replaySelected.disabled = n === 0;
    count.textContent = n ? `${n} selected` : "";
    all.checked = n > 0 && n === boxes().length;
  }

  async function replay(ids) {
    replaySelected.disabled = true;
    try {
      const answer = await api("messages/$replay", { method: "POST", body: { messages: ids } });
      const ok = answer.results.filter((r) => r.status >= 200 && r.status < 300).length;
      const failed = answer.results.length - ok;
      notice(`Replayed ${ok} of ${answer.results.length}: queued for delivery again.` + (failed ? ` ${failed} could not be replayed.` : ""),
        failed ? "error" : "ok");
    } catch (e) {
      notice(e.message, "error");
    }
    await load();
  }

  async function load() {
    try {
      const data = await api("messages?status=dead&limit=500");
      const rows = data.messages.map((m) =>
        el("tr", { "data-id": m.id },
          el("td", {}, el("input", { type: "checkbox", value: m.id, "aria-label": `Select message ${m.id}`, onchange: refreshSelection })),
          el("td", { class: "num" }, el("a", { href: `/console/messages/${m.id}` }, m.id)),
          el("td", {}, when(m.received_at)),
          el("td", {}, m.partner),
          el("td", {}, el("code", {}, m.event)),
          el("td", {}, m.destination),
          el("td", {}, el("button", { type: "button", class: "replay-one", onclick: () => replay([m.id]) }, "Replay"))));
      body.replaceChildren(...(rows.length ? rows : [emptyRow(7, "No dead letters. Every delivery is on its way or done.")]));
      refreshSelection();
      document.body.dataset.loaded = "true";
    } catch (e) {
      notice(e.message, "error");
    }
  }

  all.addEventListener("change", () => {
    for (const b of boxes()) b.checked = all.checked;
    refreshSelection();
  });
  replaySelected.addEventListener("click", () => replay(boxes().filter((b) => b.checked).map((b) => Number(b.value))));
  load();
})();
