// triage.js: messages held for patient matching (GET /console/api/triage), the message's child beside
// each candidate, and the answer (POST /console/api/messages/{id}/match {"child": id | "new"}).
"use strict";
(() => {
  const { api, el, when, notice } = Console;
  const holder = document.getElementById("held");

  // One identifier: its value, with the issuing system as a tooltip and a short label.
  const identifier = (text) => {
    const bar = text.lastIndexOf("|");
    const system = text.slice(0, bar);
    const value = text.slice(bar + 1);
    const label = /mrn/i.test(system) ? "MRN" : (system.split("/").filter(Boolean).pop() ?? "");
    return el("div", { title: system }, el("span", { class: "muted" }, label + " "), el("code", {}, value));
  };

  function facts(child, incoming) {
    // Beside a candidate: each fact marked as the same as the message (✓) or not (≠).
    const mark = (key, content) => {
      if (!incoming) return content;
      const same = JSON.stringify(child[key]) === JSON.stringify(incoming[key]);
      return el("span", { class: same ? "same" : "differs", title: same ? "the same as the message" : "not as the message says" },
        content, same ? " ✓" : " ≠");
    };
    const rows = [
      ["Name", mark("name", child.name || "–")],
      ["Born", mark("birth_date", child.birth_date || "–")],
      ["Sex", mark("gender", child.gender || "–")],
    ];
    if (child.multiple_birth_order || incoming?.multiple_birth_order)
      rows.push(["Birth order", mark("multiple_birth_order", String(child.multiple_birth_order || "–"))]);
    rows.push(["Identifiers", mark("identifiers", el("span", {}, child.identifiers.length ? child.identifiers.map(identifier) : "–"))]);
    rows.push(["Family", mark("family", el("span", {}, child.family.length ? child.family.map((f) => el("div", {}, f)) : "–"))]);
    rows.push(["Languages", child.languages.join(", ") || "–"]);
    return el("dl", { class: "kv" }, rows.flatMap(([k, v]) => [el("dt", {}, k), el("dd", {}, v)]));
  }

  async function answer(id, child, button) {
    button.disabled = true;
    try {
      await api(`messages/${id}/match`, { method: "POST", body: { child } });
      notice(child === "new"
        ? `Message ${id} is about a new child: recorded and routed.`
        : `Message ${id} is about child ${child}: merged and routed to the child's medical home.`, "ok");
      await load();
    } catch (e) {
      notice(e.message, "error");
      button.disabled = false;
    }
  }

  async function load() {
    try {
      const data = await api("triage");
      if (!data.held.length) {
        holder.replaceChildren(el("section", { class: "card" }, el("p", { class: "muted" }, "Nothing is waiting for a match.")));
      } else {
        holder.replaceChildren(...data.held.map((m) =>
          el("section", { class: "card", "data-id": m.id },
            el("h3", {}, el("a", { href: `/console/messages/${m.id}` }, `Message ${m.id}`), ` · ${m.event} from ${m.partner}`,
              el("span", { class: "muted" }, ` · ${when(m.received_at)}`)),
            el("p", { class: "muted" }, `Held: ${m.reason}.`),
            el("div", { class: "compare" },
              el("div", { class: "side incoming" }, el("h3", {}, "The message says"),
                m.incoming ? facts(m.incoming, null) : el("p", { class: "muted" }, "(not kept)"),
                el("div", { class: "grow" }),
                el("button", { type: "button", class: "new-child", onclick: (e) => answer(m.id, "new", e.currentTarget) }, "A new child")),
              ...m.candidates.map((c) =>
                el("div", { class: "side candidate", "data-child": c.child_id },
                  el("h3", {}, `Child ${c.child_id}`, el("span", { class: "muted" }, c.medical_home || "")),
                  c.name !== undefined ? facts(c, m.incoming) : el("p", { class: "muted" }, "(no record)"),
                  el("div", { class: "grow" }),
                  el("button", { type: "button", class: "primary match", onclick: (e) => answer(m.id, c.child_id, e.currentTarget) },
                    `This is child ${c.child_id}`)))))));
      }
      document.body.dataset.loaded = "true";
    } catch (e) {
      notice(e.message, "error");
    }
  }
  load();
})();
