// message.js: one message (GET /console/api/messages/{id}): status, notes, deliveries with every attempt,
// and the transaction Bundle a delivery sends. Dead letters and unroutable messages can be retried here.
"use strict";
(async () => {
  const { api, el, badge, when, notice } = Console;
  const id = window.location.pathname.split("/").pop();
  const kv = (dl, pairs) =>
    dl.replaceChildren(...pairs.flatMap(([k, v]) => [el("dt", {}, k), el("dd", {}, v ?? "–")]));

  async function load() {
    let data;
    try {
      data = await api("messages/" + id);
    } catch (e) {
      notice(e.message, "error");
      return;
    }
    const m = data.message;
    document.getElementById("title").replaceChildren(`Message ${m.id} `, badge(m.status));
    document.getElementById("subtitle").textContent = `${m.event} from ${m.partner}, received ${when(m.received_at)}`;
    kv(document.getElementById("summary"), [
      ["Partner", m.partner],
      ["Event", el("code", {}, m.event)],
      ["Received", when(m.received_at)],
      ["Medical home", m.destination || null],
      ["Child", m.child_id ? el("a", { href: `/console/messages?child=${m.child_id}` }, `child ${m.child_id}`) : null],
      ["Bundle.id", el("code", {}, m.bundle_id)],
      ["MessageHeader.id", el("code", {}, m.header_id)],
    ]);
    const actions = document.getElementById("actions");
    actions.replaceChildren();
    if (m.status === "dead" || m.status === "unroutable") {
      actions.append(el("button", { class: "primary", id: "retry", onclick: retry },
        m.status === "dead" ? "Replay this dead letter" : "Retry routing"));
    }
    if (m.status === "held_for_match") actions.append(el("a", { href: "/console/triage" }, "Resolve in triage →"));
    const notes = document.getElementById("notes");
    notes.replaceChildren(...(m.notes.length
      ? m.notes.map((n) => el("li", {}, el("span", { class: "badge " + (n.severity === "error" ? "dead" : n.severity === "warning" ? "retrying" : "") }, n.severity), " ",
          n.diagnostics ?? n.details?.text ?? n.code, n.expression ? el("span", { class: "muted" }, " · " + n.expression.join(", ")) : ""))
      : [el("li", { class: "muted" }, "No notes.")]));
    const deliveries = document.getElementById("deliveries");
    deliveries.replaceChildren(...(m.deliveries.length ? m.deliveries.map((d) =>
      el("section", { class: "card" },
        el("h3", {}, `To ${d.destination} `, badge(d.status), el("span", { class: "muted" }, ` · ${d.attempts} attempt${d.attempts === 1 ? "" : "s"}`),
          d.next_attempt_at ? el("span", { class: "muted" }, ` · next ${when(d.next_attempt_at)}`) : ""),
        d.history.length ? el("div", { class: "table-wrap" }, el("table", {},
          el("thead", {}, el("tr", {}, el("th", {}, "At"), el("th", { class: "num" }, "HTTP"), el("th", {}, "Error or answer"))),
          el("tbody", {}, d.history.map((a) => el("tr", {},
            el("td", { class: "when" }, when(a.at)), el("td", { class: "num" }, a.http_status || "–"),
            el("td", {}, a.error ?? el("code", { class: "answer" }, (a.response ?? "").slice(0, 240) + ((a.response ?? "").length > 240 ? " …" : "")))))))) : el("p", { class: "muted" }, "No attempt yet.")))
      : [el("p", { class: "muted" }, "No delivery: the message has not been routed to a medical home.")]));
    const bundle = document.getElementById("bundle");
    bundle.replaceChildren(data.bundle
      ? el("details", { open: true }, el("summary", {}, `Bundle (${data.bundle.type}, ${data.bundle.entry?.length ?? 0} entries)`),
          el("pre", { class: "json" }, JSON.stringify(data.bundle, null, 2)))
      : el("p", { class: "muted" }, "No Bundle: the message is not about a known child yet."));
    document.body.dataset.loaded = "true";
  }

  async function retry() {
    const button = document.getElementById("retry");
    button.disabled = true;
    try {
      await api(`messages/${id}/retry`, { method: "POST" });
      notice("Queued again: the medical home's worker sends it now.", "ok");
      await load();
    } catch (e) {
      notice(e.message, "error");
      button.disabled = false;
    }
  }

  load();
})();
