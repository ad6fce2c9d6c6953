// messages.js: the message browser (GET /console/api/messages, the filters of GET /admin/messages).
"use strict";
(() => {
  const { api, el, badge, when, notice, emptyRow } = Console;
  const form = document.getElementById("filters");
  const body = document.querySelector("#messages tbody");
  const older = document.getElementById("older");
  const names = ["status", "partner", "event", "received-from", "received-to", "child"];
  let next = null;

  const row = (m) =>
    el("tr", { "data-id": m.id },
      el("td", { class: "num" }, el("a", { href: `/console/messages/${m.id}` }, m.id)),
      el("td", {}, when(m.received_at)),
      el("td", {}, m.partner),
      el("td", {}, el("code", {}, m.event)),
      el("td", {}, m.destination || el("span", { class: "muted" }, "–")),
      el("td", {}, badge(m.status)));

  async function load(query, append) {
    try {
      const data = await api("messages?" + query);
      const rows = data.messages.map(row);
      if (append) body.append(...rows);
      else body.replaceChildren(...(rows.length ? rows : [emptyRow(6, "No messages match.")]));
      next = data.next ? data.next.slice(data.next.indexOf("?") + 1) : null;
      older.hidden = !next;
      document.body.dataset.loaded = "true";
    } catch (e) {
      notice(e.message, "error");
    }
  }

  function queryOfForm() {
    const q = new URLSearchParams();
    for (const n of names) {
      const v = form.elements[n].value.trim();
      if (v) q.set(n, v);
    }
    return q;
  }

  // The filters live in the page's address, so a filtered view can be bookmarked or shared.
  const initial = new URLSearchParams(window.location.search);
  for (const n of names) if (initial.get(n)) form.elements[n].value = initial.get(n);
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    const q = queryOfForm();
    history.replaceState(null, "", "?" + q.toString());
    load(q.toString(), false);
  });
  form.addEventListener("reset", () => {
    history.replaceState(null, "", window.location.pathname);
    setTimeout(() => load("", false));
  });
  older.addEventListener("click", () => next && load(next, true));
  load(queryOfForm().toString(), false);
})();
