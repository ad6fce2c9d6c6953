// config.js: the config in force (GET /console/api/config, redacted by gateway/console/config_view).
"use strict";
(async () => {
  const { api, el, notice } = Console;
  const titles = {
    server: "Server", store: "Store", auth: "Authentication", delivery: "Delivery", log: "Logs", metrics: "Metrics",
    partners: "Partners", medical_homes: "Medical homes", schools: "Schools", clients: "Clients",
    coordination: "Coordination", console: "Console",
  };
  const text = (v) => {
    if (v === null || v === undefined || v === "") return el("span", { class: "muted" }, "–");
    if (typeof v === "boolean") return v ? "yes" : "no";
    if (Array.isArray(v)) return v.length ? v.map((x) => el("div", {}, typeof x === "object" ? JSON.stringify(x) : String(x))) : el("span", { class: "muted" }, "–");
    if (typeof v === "object") return Object.entries(v).map(([k, x]) => el("div", {}, el("span", { class: "muted" }, k + ": "), String(x)));
    return String(v);
  };
  const objectCard = (name, obj) =>
    el("section", { class: "card" }, name === "console" ? null : el("h3", {}, titles[name] ?? name),
      el("dl", { class: "kv" }, Object.entries(obj).flatMap(([k, v]) =>
        Array.isArray(v) && v.length && typeof v[0] === "object"
          ? [el("dt", {}, k), el("dd", {}, table(v))]
          : [el("dt", {}, k.replaceAll("_", " ")), el("dd", {}, text(v))])));
  function table(rows) {
    const keys = [...new Set(rows.flatMap((r) => Object.keys(r)))];
    return el("div", { class: "table-wrap" }, el("table", {},
      el("thead", {}, el("tr", {}, keys.map((k) => el("th", {}, k.replaceAll("_", " "))))),
      el("tbody", {}, rows.map((r) => el("tr", {}, keys.map((k) => el("td", {}, text(r[k]))))))));
  }
  try {
    const config = await api("config");
    // Settings first, as cards side by side; then the lists as tables; the console's own settings last.
    const cards = [];
    const parts = [];
    for (const [name, value] of Object.entries(config)) {
      if (Array.isArray(value)) {
        parts.push(el("h2", {}, titles[name] ?? name), value.length ? table(value) : el("p", { class: "muted" }, "None configured."));
      } else if (name !== "console") {
        cards.push(objectCard(name, value));
      }
    }
    parts.unshift(el("div", { class: "cards" }, cards));
    if (config.console) parts.push(el("h2", {}, "Console"), objectCard("console", config.console));
    document.getElementById("config").replaceChildren(...parts);
    document.body.dataset.loaded = "true";
  } catch (e) {
    notice(e.message, "error");
  }
})();
