// queues.js: deliveries per medical home (GET /console/api/queues, the same data as GET /admin/status).
"use strict";
(async () => {
  const { api, el, age, when, notice, emptyRow } = Console;
  try {
    const status = await api("queues");
    const tile = (n, label, kind, href) =>
      el("a", { class: "tile " + (n > 0 ? kind : ""), href, style: null },
        el("div", { class: "n" }, n), el("div", { class: "label" }, label));
    document.getElementById("tiles").replaceChildren(
      tile(status.deliveries.queued, "Queued", "", "/console/messages?status=queued"),
      tile(status.deliveries.retrying, "Retrying", "warn", "/console/messages?status=retrying"),
      tile(status.deliveries.dead, "Dead letters", "bad", "/console/dead-letters"),
      tile(status.messages.held_for_match, "Held for matching", "warn", "/console/triage"),
      tile(status.messages.unroutable, "Unroutable", "warn", "/console/messages?status=unroutable"));
    // The alerts of GET /admin/status, said for the console's pages.
    const plural = (n, one, many) => (n === 1 ? one : many);
    const alertText = (a) => {
      if (a.code === "dead-letters")
        return [`${a.count} ${plural(a.count, "delivery", "deliveries")} to ${a.medical_home} ${plural(a.count, "is a dead letter", "are dead letters")}: nothing more happens to ${plural(a.count, "it", "them")} by itself. `,
          el("a", { href: "/console/dead-letters" }, "Review and replay →")];
      if (a.code === "held-for-match")
        return [`${a.count} ${plural(a.count, "message waits", "messages wait")} for a person to say which child ${plural(a.count, "it is", "they are")} about. `,
          el("a", { href: "/console/triage" }, "Open triage →")];
      if (a.code === "unroutable")
        return [`${a.count} ${plural(a.count, "message belongs", "messages belong")} to no configured medical home. `,
          el("a", { href: "/console/messages?status=unroutable" }, "See them →")];
      return [a.text];
    };
    document.getElementById("alerts").replaceChildren(
      ...status.alerts.map((a) => el("div", { class: "alert " + a.severity }, ...alertText(a))));
    const rows = status.medical_homes.map((h) =>
      el("tr", { "data-home": h.id },
        el("td", {}, el("strong", {}, h.id), h.configured ? "" : el("span", { class: "muted" }, " (not configured)")),
        el("td", { class: "num" }, h.queued),
        el("td", { class: "num" }, h.retrying),
        el("td", { class: "num" }, h.dead > 0 ? el("a", { href: "/console/dead-letters" }, h.dead) : h.dead),
        el("td", { class: "num" }, h.window ?? "–"),
        el("td", { title: when(h.oldest_queued_at) }, h.oldest_queued_at ? age(h.oldest_queued_at) : "–")));
    document.querySelector("#queues tbody").replaceChildren(...(rows.length ? rows : [emptyRow(6, "No medical homes configured.")]));
    document.body.dataset.loaded = "true";
  } catch (e) {
    notice(e.message, "error");
  }
})();
