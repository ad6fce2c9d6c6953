// common.js: helpers every console page uses. No framework, no build step.
"use strict";

const Console = (() => {
  const csrf = () => document.querySelector('meta[name="csrf-token"]')?.content ?? "";

  // GET or POST JSON from /console/api; throws an Error with the server's diagnostics on failure.
  async function api(path, options = {}) {
    const init = { method: options.method ?? "GET", headers: { Accept: "application/json" }, credentials: "same-origin" };
    if (init.method !== "GET") {
      init.headers["X-CSRF-Token"] = csrf();
      init.headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(options.body ?? {});
    }
    const res = await fetch("/console/api/" + path, init);
    if (res.status === 401) {
      window.location.assign("/console/sign-in");
      throw new Error("signed out");
    }
    const text = await res.text();
    let data = null;
    try { data = text ? JSON.parse(text) : null; } catch { data = null; }
    if (!res.ok) {
      const issue = data?.issue?.[0];
      throw new Error(issue?.diagnostics ?? `${res.status} ${res.statusText}`);
    }
    return data;
  }

  // el("td", {class: "num"}, "3") -> <td class="num">3</td>; children may be nodes or text.
  function el(tag, attrs = {}, ...children) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs)) {
      if (v === undefined || v === null || v === false) continue;
      if (k === "class") node.className = v;
      else if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
      else node.setAttribute(k, v === true ? "" : v);
    }
    for (const c of children.flat()) {
      if (c === undefined || c === null) continue;
      node.append(c instanceof Node ? c : String(c));
    }
    return node;
  }

  const badge = (status) => el("span", { class: "badge " + status }, String(status).replaceAll("_", " "));

  function when(iso) {
    if (!iso) return "";
    const d = new Date(iso);
    if (Number.isNaN(d.getTime())) return iso;
    return d.toLocaleString("en-US", { year: "numeric", month: "short", day: "numeric", hour: "2-digit", minute: "2-digit" });
  }

  function age(iso) {
    if (!iso) return "";
    const s = Math.max(0, (Date.now() - new Date(iso).getTime()) / 1000);
    if (s < 90) return `${Math.round(s)} s`;
    if (s < 5400) return `${Math.round(s / 60)} min`;
    if (s < 172800) return `${Math.round(s / 3600)} h`;
    return `${Math.round(s / 86400)} d`;
  }

  // Shows a message in the page's #notice box (kind: ok, error, info).
  function notice(text, kind = "info") {
    const box = document.getElementById("notice");
    if (!box) return;
    box.replaceChildren(el("div", { class: "alert " + kind, role: kind === "error" ? "alert" : "status" }, text));
  }

  function emptyRow(colspan, text) {
    return el("tr", {}, el("td", { class: "empty", colspan }, text));
  }

  return { api, el, badge, when, age, notice, emptyRow, csrf };
})();
