// The care coordinator's page: the case-conference agenda, open tasks, letters in flight, the home's
// children and, per child, six weeks of visits, weight checks, referral clocks and the Medical Home
// Checklist. Reads /console/api/coordinator/... (JSON made by gateway/console/coordinator_view); draws with
// DOM calls only (no innerHTML with data). Views live in the URL's hash:
//   #agenda   #tasks   #letters   #child/<patient id>[/<from YYYY-MM-DD>]
// An operator looking at one home carries ?home=<id> in the page's own query; it is passed on to the API.
"use strict";

(function () {
  const api = "/console/api/coordinator/";
  const homeParam = new URLSearchParams(window.location.search).get("home");
  const main = document.getElementById("co-main");
  let children = [];
  let today = null;

  // ---- helpers ----

  function el(tag, attrs, ...content) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === null || v === undefined || v === false) continue;
      if (k === "class") node.className = v;
      else if (k === "text") node.textContent = v;
      else node.setAttribute(k, v === true ? "" : v);
    }
    for (const c of content.flat()) {
      if (c === null || c === undefined || c === false) continue;
      node.append(c instanceof Node ? c : document.createTextNode(String(c)));
    }
    return node;
  }

  function url(path, params) {
    const q = new URLSearchParams(params || {});
    if (homeParam) q.set("home", homeParam);
    const s = q.toString();
    return api + path + (s ? "?" + s : "");
  }

  async function getJson(path, params) {
    const res = await fetch(url(path, params), {
      credentials: "same-origin",
      headers: { Accept: "application/json" },
    });
    if (res.status === 401) {
      window.location.href = "/console/sign-in";
      throw new Error("signed out");
    }
    let body = null;
    try {
      body = await res.json();
    } catch (e) {
      body = null;
    }
    if (!res.ok) {
      const err = new Error(messageOf(body) || "The server answered " + res.status);
      err.status = res.status;
      throw err;
    }
    return body;
  }

  // {"error": "..."} or a FHIR OperationOutcome.
  function messageOf(body) {
    if (!body) return "";
    if (body.error) return body.error;
    if (body.resourceType === "OperationOutcome" && body.issue && body.issue.length)
      return body.issue.map((i) => i.diagnostics || i.code).join("; ");
    return "";
  }

  const months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
  const weekdays = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
  const longWeekdays = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"];

  // "2024-03-12" (or a dateTime: its written date) as a UTC date.
  function day(text) {
    if (!text || text.length < 10) return null;
    const d = new Date(text.slice(0, 10) + "T00:00:00Z");
    return isNaN(d) ? null : d;
  }
  function iso(d) {
    return d.toISOString().slice(0, 10);
  }
  function addDays(d, n) {
    return new Date(d.getTime() + n * 86400000);
  }
  function shortDate(text) {
    const d = day(text);
    return d ? `${d.getUTCDate()} ${months[d.getUTCMonth()]}` : text || "";
  }
  function fullDate(text) {
    const d = day(text);
    return d
      ? `${weekdays[d.getUTCDay()]} ${d.getUTCDate()} ${months[d.getUTCMonth()]} ${d.getUTCFullYear()}`
      : text || "";
  }
  function longDate(text) {
    const d = day(text);
    return d
      ? `${longWeekdays[d.getUTCDay()]} ${d.getUTCDate()} ${months[d.getUTCMonth()]} ${d.getUTCFullYear()}`
      : text || "";
  }
  // A due value: its date, and its time when it has one.
  function dueText(text) {
    if (!text) return "no date";
    const t = text.length >= 16 && text[10] === "T" ? " " + text.slice(11, 16) : "";
    return fullDate(text) + t;
  }

  const roleNames = {
    care_coordinator: "Care coordinator",
    pcp: "Primary care clinician",
    parent_partner: "Parent partner",
    social_worker: "Social worker",
    ei_coordinator: "Early intervention coordinator",
    specialist: "Specialist",
  };
  function roleName(r) {
    return roleNames[r] || (r || "unassigned").replace(/_/g, " ");
  }
  const flowNames = {
    draft: "to be sent",
    sent: "sent",
    accepted: "accepted",
    scheduled: "scheduled",
    seen: "seen, report awaited",
    report_received: "report received",
    closed: "closed",
  };
  const languageNames = { es: "Spanish", en: "English", hi: "Hindi", zh: "Chinese", vi: "Vietnamese", ar: "Arabic" };
  function languageName(code) {
    if (!code || code === "?") return "language not given";
    return languageNames[code.split("-")[0]] || code;
  }

  function pill(kind, text, title) {
    return el("span", { class: "co-pill co-pill-" + kind, title: title || null }, text);
  }

  function childLink(child) {
    if (!child || !child.patient_id) return el("span", {}, child && child.name ? child.name : "(unknown)");
    return el("a", { href: "#child/" + encodeURIComponent(child.patient_id), class: "co-child-link" }, child.name);
  }

  function section(title, ...content) {
    return el("section", { class: "co-panel" }, el("h3", {}, title), ...content);
  }

  function empty(text) {
    return el("p", { class: "co-empty" }, text);
  }

  function show(...nodes) {
    main.replaceChildren(...nodes);
    main.scrollTop = 0;
  }

  function showError(err, what) {
    show(
      el(
        "div",
        { class: "co-error", role: "alert" },
        el("h2", {}, err.status === 404 ? "Not found" : "Could not load " + what),
        el("p", {}, err.message)
      )
    );
  }

  function setActiveTab(view) {
    for (const a of document.querySelectorAll(".co-tab"))
      a.classList.toggle("co-tab-active", a.dataset.view === view);
    for (const li of document.querySelectorAll(".co-children li"))
      li.classList.toggle("co-active", view === "child:" + li.dataset.patient);
  }

  // ---- the children (sidebar) ----

  async function loadChildren() {
    const data = await getJson("children");
    today = data.today;
    document.getElementById("co-home-name").textContent = data.medical_home.name;
    document.title = "Care coordination · " + data.medical_home.name;
    children = data.children;
    document.getElementById("co-children-count").textContent =
      children.length + (children.length === 1 ? " child" : " children") + (data.truncated ? " (first ones)" : "");
    drawChildren();
  }

  function drawChildren() {
    const filter = document.getElementById("co-filter").value.trim().toLowerCase();
    const list = document.getElementById("co-children");
    const items = children
      .filter((c) => !filter || c.name.toLowerCase().includes(filter))
      .map((c) => {
        const badges = el("div", { class: "co-badges" });
        if (c.interpreter_language)
          badges.append(pill("interp", "Interpreter · " + languageName(c.interpreter_language)));
        if (c.overdue_tasks) badges.append(pill("bad", c.overdue_tasks + " overdue"));
        if (c.agenda_items) badges.append(pill("info", "On agenda"));
        const next = c.next_visit
          ? el("div", { class: "co-muted co-small" }, "Next: " + shortDate(c.next_visit.date) + " · " + c.next_visit.specialty_display)
          : el("div", { class: "co-muted co-small" }, "No visit booked ahead");
        return el(
          "li",
          { "data-patient": c.patient_id },
          el(
            "a",
            { href: "#child/" + encodeURIComponent(c.patient_id) },
            el("div", { class: "co-child-name" }, c.name),
            el(
              "div",
              { class: "co-muted co-small" },
              c.corrected_age ? c.corrected_age : "born " + shortDate(c.birth_date),
              " · ",
              c.open_tasks + " open tasks · " + c.open_referrals + " referrals"
            ),
            next,
            badges
          )
        );
      });
    list.replaceChildren(...(items.length ? items : [el("li", { class: "co-empty" }, "No child")]));
    setActiveTab(currentView);
  }

  // ---- case conference ----

  async function showAgenda() {
    const data = await getJson("agenda");
    const conferences = data.conferences || [];
    const next = conferences[0];
    const nodes = [
      el(
        "div",
        { class: "co-title-row" },
        el("div", {}, el("h2", {}, "Case conference"), el("p", { class: "co-muted" }, "Weekly, on " + data.conference_weekday + "s. The coordination rules put children on the agenda; items not yet discussed carry over.")),
      ),
    ];
    if (!data.enabled) nodes.push(el("p", { class: "co-note" }, "The case-conference rule is switched off in this gateway's config."));
    for (const conf of conferences) {
      const byChild = new Map();
      for (const item of conf.items) {
        const k = item.child.patient_id;
        if (!byChild.has(k)) byChild.set(k, []);
        byChild.get(k).push(item);
      }
      const cards = [...byChild.values()].map((items) => {
        const first = items[0];
        return el(
          "article",
          { class: "co-agenda-card" },
          el(
            "div",
            { class: "co-agenda-child" },
            childLink(first.child),
            el(
              "div",
              { class: "co-badges" },
              pill("neutral", first.open_tasks + " open tasks"),
              first.overdue_tasks ? pill("bad", first.overdue_tasks + " overdue") : null,
              pill("neutral", first.open_referrals + " open referrals")
            )
          ),
          el(
            "ul",
            { class: "co-agenda-items" },
            items.map((i) =>
              el(
                "li",
                {},
                el("span", { class: "co-agenda-reason" }, i.reason),
                el(
                  "span",
                  { class: "co-muted co-small" },
                  " · " + ruleName(i.added_by),
                  i.carried_over ? el("span", { class: "co-carried" }, " · carried over from " + shortDate(i.conference_date)) : null
                )
              )
            )
          )
        );
      });
      nodes.push(
        el(
          "section",
          { class: "co-panel" + (conf.next ? " co-panel-accent" : "") },
          el(
            "h3",
            {},
            conf.next ? "Next conference · " : "Later · ",
            longDate(conf.date),
            el("span", { class: "co-muted co-h-count" }, " " + conf.items.length + (conf.items.length === 1 ? " item" : " items"))
          ),
          cards.length ? cards : empty("Nothing on the agenda yet.")
        )
      );
    }
    show(...nodes);
  }

  const ruleNames = {
    "case-conference": "new NICU graduate",
    "appointment-burden": "appointment burden",
  };
  function ruleName(r) {
    return ruleNames[r] || r;
  }

  // ---- open tasks ----

  function taskRow(t, withChild) {
    return el(
      "tr",
      { class: t.overdue ? "co-row-overdue" : null },
      el("td", { class: "co-nowrap" }, t.due ? dueText(t.due) : el("span", { class: "co-muted" }, "no date"), t.overdue ? el("div", {}, pill("bad", "overdue")) : null),
      withChild ? el("td", {}, childLink(t.child)) : null,
      el("td", {}, t.description, el("div", { class: "co-muted co-small" }, (t.type || "").replace(/_/g, " "))),
      el("td", {}, pill(t.priority === "routine" ? "neutral" : "warn", t.priority)),
      el("td", {}, pill("neutral", t.status.replace(/_/g, " ")))
    );
  }

  function taskTable(tasks, withChild) {
    return el(
      "table",
      { class: "co-table" },
      el("thead", {}, el("tr", {}, el("th", {}, "Due"), withChild ? el("th", {}, "Child") : null, el("th", {}, "Task"), el("th", {}, "Priority"), el("th", {}, "Status"))),
      el("tbody", {}, tasks.map((t) => taskRow(t, withChild)))
    );
  }

  async function showTasks() {
    const data = await getJson("tasks");
    document.getElementById("co-task-count").textContent = data.total ? String(data.total) : "";
    const nodes = [
      el(
        "div",
        { class: "co-title-row" },
        el("div", {}, el("h2", {}, "Open coordination tasks"), el("p", { class: "co-muted" }, `${data.total} open, ${data.overdue} overdue, by owner and due date (today is ${fullDate(data.today)}).`))
      ),
    ];
    if (!data.groups.length) nodes.push(empty("No open task."));
    for (const g of data.groups)
      nodes.push(section(el("span", {}, roleName(g.owner_role), el("span", { class: "co-muted co-h-count" }, " " + g.count)), taskTable(g.tasks, true)));
    show(...nodes);
  }

  // ---- letters ----

  const letterPill = { queued: "info", sending: "info", retrying: "warn", blocked: "bad", dead: "bad" };

  async function showLetters() {
    const data = await getJson("letters");
    const n = data.letters.length;
    document.getElementById("co-letter-count").textContent = n ? String(n) : "";
    const counts = Object.entries(data.counts).map(([s, c]) => pill(letterPill[s] || "neutral", c + " " + s));
    const nodes = [
      el("div", { class: "co-title-row" }, el("div", {}, el("h2", {}, "Letters waiting to go"), el("p", { class: "co-muted" }, "School letters about this home's children that are not settled yet."))),
      el("p", { class: "co-note" }, data.approval),
      counts.length ? el("div", { class: "co-badges co-badges-row" }, counts) : null,
    ];
    if (!n) nodes.push(empty("No letter is waiting."));
    else
      nodes.push(
        el(
          "table",
          { class: "co-table" },
          el("thead", {}, el("tr", {}, ["Child", "School", "Letter", "Status", "Why", "Attempts", "Requested"].map((h) => el("th", {}, h)))),
          el(
            "tbody",
            {},
            data.letters.map((l) =>
              el(
                "tr",
                {},
                el("td", {}, childLink(l.child)),
                el("td", {}, l.school.name),
                el("td", {}, l.kind),
                el("td", {}, pill(letterPill[l.status] || "neutral", l.status)),
                el("td", {}, l.reason || el("span", { class: "co-muted" }, l.next_attempt ? "next attempt " + dueText(l.next_attempt) : "—")),
                el("td", {}, String(l.attempts)),
                el("td", { class: "co-nowrap" }, dueText(l.created_at))
              )
            )
          )
        )
      );
    show(...nodes);
  }

  // ---- a child's six weeks ----

  const weightStatus = {
    weighed: ["good", "weighed"],
    booked: ["info", "booked"],
    due: ["warn", "task open"],
    overdue: ["bad", "overdue"],
    missed: ["bad", "missed"],
    expected: ["neutral", "to book"],
    "not-recorded": ["muted", "no weight recorded"],
  };

  function visitChip(v) {
    const cancelled = !["booked", "proposed", "pending", "arrived", "checked-in", "waitlist", "fulfilled"].includes(v.status);
    const cls = ["co-visit", "co-visit-" + v.kind];
    if (v.cluster) cls.push("co-visit-clustered");
    if (cancelled) cls.push("co-visit-cancelled");
    const badges = el("div", { class: "co-visit-badges" });
    if (v.interpreter)
      badges.append(
        pill(v.interpreter.booked ? "interp" : "bad", (v.interpreter.booked ? "Interpreter booked" : "Interpreter needed") + (v.interpreter.language ? " · " + languageName(v.interpreter.language) : ""))
      );
    if (v.transport) badges.append(pill(v.transport.arranged ? "good" : "bad", v.transport.arranged ? "Ride arranged" : "Transport needed"));
    if (v.crowded_day) badges.append(pill("warn", "several sites"));
    if (cancelled) badges.append(pill("bad", v.status === "noshow" ? "missed" : v.status));
    return el(
      "div",
      { class: cls.join(" "), title: v.description || null },
      el("div", { class: "co-visit-top" }, el("span", { class: "co-visit-time" }, v.time || "all day"), v.kind === "weight-check" ? el("span", { class: "co-visit-kind" }, "weight") : null),
      el("div", { class: "co-visit-what" }, v.kind === "weight-check" ? "Weight check" : v.specialty_display),
      v.location ? el("div", { class: "co-visit-where" }, v.location) : null,
      v.with ? el("div", { class: "co-visit-where" }, v.with) : null,
      badges.childNodes.length ? badges : null
    );
  }

  function weightChip(c) {
    const [kind, label] = weightStatus[c.status] || ["neutral", c.status];
    return el("div", { class: "co-weight co-weight-" + kind, title: c.detail || null }, el("span", { class: "co-weight-icon", "aria-hidden": "true" }, "⚖"), " Weight check " + c.week + " · " + label);
  }

  function calendar(data) {
    const from = day(data.from);
    const clusterDays = new Map();
    for (const c of data.clusters) for (let d = day(c.first); d <= day(c.last); d = addDays(d, 1)) clusterDays.set(iso(d), c.id);
    const head = el("div", { class: "co-cal-row co-cal-head" }, el("div", { class: "co-cal-week" }, ""));
    for (let i = 0; i < 7; i++) head.append(el("div", { class: "co-cal-dayname" }, weekdays[addDays(from, i).getUTCDay()]));
    const rows = [head];
    for (const week of data.weeks) {
      const row = el(
        "div",
        { class: "co-cal-row" },
        el("div", { class: "co-cal-week" }, el("strong", {}, "Week " + week.number), el("span", { class: "co-muted co-small" }, shortDate(week.start) + " – " + shortDate(week.end)))
      );
      const start = day(week.start);
      for (let i = 0; i < 7; i++) {
        const d = iso(addDays(start, i));
        const cls = ["co-cal-day"];
        if (d === data.today) cls.push("co-cal-today");
        if (clusterDays.has(d)) cls.push("co-cal-cluster");
        const cell = el("div", { class: cls.join(" "), "data-date": d }, el("div", { class: "co-cal-date" }, shortDate(d)));
        for (const v of week.visits) if (v.date === d) cell.append(visitChip(v));
        for (const c of week.weight_checks) if (c.due === d) cell.append(weightChip(c));
        for (const w of week.weighed) if (w.date === d) cell.append(el("div", { class: "co-weight co-weight-good" }, "Weighed " + w.value + " " + w.unit));
        for (const t of week.tasks_due)
          if (day(t.due) && iso(day(t.due)) === d && !t.key.startsWith("weight-check|"))
            cell.append(el("div", { class: "co-taskdue" + (t.overdue ? " co-taskdue-late" : ""), title: t.description }, "Task: " + t.description));
        row.append(cell);
      }
      rows.push(row);
    }
    return el("div", { class: "co-cal", role: "table", "aria-label": "Six weeks from " + data.from }, rows);
  }

  function clock(c) {
    if (!c) return "";
    if (c.state === "not-started") return el("span", {}, pill("neutral", "not started"), el("div", { class: "co-muted co-small" }, c.note || ""));
    if (c.state === "met") return pill("good", c.name + " · met");
    if (c.state === "overdue") return el("span", {}, pill("bad", "overdue " + -c.days_left + " d"), el("div", { class: "co-muted co-small" }, "due " + fullDate(c.due)));
    return el("span", {}, pill("info", c.days_left + " days left"), el("div", { class: "co-muted co-small" }, "due " + fullDate(c.due)));
  }

  function checklist(data) {
    const kinds = { evidence: "good", gap: "bad", "no-evidence": "neutral", "not-derivable": "info" };
    const names = { evidence: "evidence", gap: "gap", "no-evidence": "no evidence", "not-derivable": "ask the family" };
    return el(
      "ol",
      { class: "co-checklist" },
      data.checklist.items.map((i) =>
        el(
          "li",
          { class: "co-check co-check-" + i.status },
          el("div", { class: "co-check-head" }, el("span", { class: "co-check-num" }, String(i.number)), el("span", { class: "co-check-text" }, i.text), pill(kinds[i.status] || "neutral", names[i.status] || i.status)),
          i.evidence.length ? el("ul", { class: "co-evidence" }, i.evidence.map((e) => el("li", {}, e))) : null
        )
      )
    );
  }

  function stat(value, label, kind) {
    return el("div", { class: "co-stat" + (kind ? " co-stat-" + kind : "") }, el("div", { class: "co-stat-value" }, String(value)), el("div", { class: "co-stat-label" }, label));
  }

  async function showChild(patientId, from) {
    const params = from ? { from } : {};
    const data = await getJson("children/" + encodeURIComponent(patientId) + "/timeline", params);
    const c = data.child;
    const fromDay = day(data.from);
    const go = (d) => "#child/" + encodeURIComponent(patientId) + "/" + iso(d);
    const s = data.summary;

    const facts = [
      c.birth_date ? "born " + fullDate(c.birth_date) : null,
      c.corrected_age || null,
      c.discharged ? "home from the NICU " + fullDate(c.discharged) : null,
    ].filter(Boolean);
    const header = el(
      "div",
      { class: "co-child-head" },
      el(
        "div",
        {},
        el("h2", {}, c.name),
        el("p", { class: "co-muted" }, facts.join(" · ")),
        el(
          "div",
          { class: "co-badges" },
          c.interpreter_language ? pill("interp", "Family needs an interpreter · " + languageName(c.interpreter_language)) : pill("neutral", "Language: " + languageName(c.preferred_language || "en")),
          data.next_clock ? pill("neutral", "Rules look again " + dueText(data.next_clock)) : null
        )
      ),
      el(
        "nav",
        { class: "co-weeknav", "aria-label": "Move the six weeks" },
        el("a", { class: "co-btn", href: go(addDays(fromDay, -7)) }, "‹ Week before"),
        el("a", { class: "co-btn", href: "#child/" + encodeURIComponent(patientId) }, "Today"),
        el("a", { class: "co-btn", href: go(addDays(fromDay, 7)) }, "Week after ›"),
        c.discharged ? el("a", { class: "co-btn co-btn-quiet", href: go(day(c.discharged)) }, "From discharge") : null
      )
    );

    const stats = el(
      "div",
      { class: "co-stats" },
      stat(s.specialist_visits, "specialist visits (" + s.specialties.length + " specialties)"),
      stat(s.weight_checks, "weekly weight checks"),
      stat(data.clusters.length, data.clusters.length === 1 ? "cluster of visits" : "clusters of visits", data.clusters.length ? "warn" : null),
      stat(s.interpreter_needed, "visits needing an interpreter" + (s.interpreter_not_booked ? ` (${s.interpreter_not_booked} not booked)` : ""), s.interpreter_not_booked ? "bad" : null),
      stat(s.transport_needed, "visits needing transport" + (s.transport_not_arranged ? ` (${s.transport_not_arranged} not arranged)` : ""), s.transport_not_arranged ? "bad" : null),
      stat(data.referrals.length, "open referrals")
    );

    const clusterNotes = data.clusters.map((cl) =>
      el("li", {}, pill("warn", "Cluster"), ` ${cl.visits} visits at ${cl.sites} ${cl.sites === 1 ? "site" : "sites"} between ${fullDate(cl.first)} and ${fullDate(cl.last)}`, cl.flagged ? " (the rules raised it for the conference)" : "")
    );

    const legend = el(
      "div",
      { class: "co-legend" },
      el("span", { class: "co-legend-item co-visit-specialist" }, "Specialist"),
      el("span", { class: "co-legend-item co-visit-weight-check" }, "Weight check"),
      el("span", { class: "co-legend-item co-visit-primary-care" }, "Primary care"),
      el("span", { class: "co-legend-item co-legend-cluster" }, "Cluster of visits"),
      el("span", { class: "co-legend-item co-legend-today" }, "Today")
    );

    const referrals = data.referrals.length
      ? el(
          "table",
          { class: "co-table" },
          el("thead", {}, el("tr", {}, ["Referral", "Where it stands", "Visit", "Report back (loop closure)"].map((h) => el("th", {}, h)))),
          el(
            "tbody",
            {},
            data.referrals.map((r) =>
              el(
                "tr",
                {},
                el("td", {}, el("strong", {}, r.specialty_display), r.reason ? el("div", { class: "co-muted co-small" }, r.reason) : null),
                el("td", {}, flowNames[r.flow] || r.flow, r.due_by ? el("div", { class: "co-muted co-small" }, "follow-up by " + fullDate(r.due_by)) : null),
                el("td", { class: "co-nowrap" }, r.appointment ? [fullDate(r.appointment.date) + (r.appointment.time ? " " + r.appointment.time : ""), el("div", { class: "co-muted co-small" }, r.appointment.status)] : el("span", { class: "co-muted" }, "not booked")),
                el("td", {}, clock(r.loop_clock))
              )
            )
          )
        )
      : empty("No open referral" + (data.referrals_closed ? ` (${data.referrals_closed} closed).` : "."));

    const nodes = [header, stats];
    nodes.push(
      section(
        el("span", {}, "Six weeks · " + fullDate(data.from) + " to " + fullDate(data.to)),
        legend,
        clusterNotes.length ? el("ul", { class: "co-cluster-notes" }, clusterNotes) : null,
        calendar(data)
      )
    );
    nodes.push(section("Open referrals and their clocks", referrals));
    if (data.early_intervention) {
      const ei = data.early_intervention;
      nodes.push(
        section(
          "Early intervention (IDEA Part C)",
          ei.family_declined
            ? el("p", {}, "The family declined early intervention; the clocks stopped.")
            : el("ul", { class: "co-clock-list" }, ei.clocks.map((k) => el("li", {}, el("strong", {}, k.name), " ", clock(k))))
        )
      );
    }
    nodes.push(section("Open tasks for " + c.name.split(" ")[0], data.open_tasks.length ? taskTable(data.open_tasks, false) : empty("No open task.")));
    nodes.push(
      section(
        el("span", {}, "Medical Home Checklist", el("span", { class: "co-muted co-h-count" }, " as of " + fullDate(data.checklist.as_of))),
        checklist(data)
      )
    );
    show(...nodes);
  }

  // ---- navigation ----

  let currentView = "agenda";

  async function route() {
    document.body.dataset.loaded = "false";
    main.dataset.ready = "";
    const hash = decodeURIComponent(window.location.hash.replace(/^#/, ""));
    const parts = hash.split("/");
    try {
      if (parts[0] === "child" && parts[1]) {
        currentView = "child:" + parts[1];
        setActiveTab(currentView);
        await showChild(parts[1], parts[2]);
      } else if (parts[0] === "tasks") {
        currentView = "tasks";
        setActiveTab(currentView);
        await showTasks();
      } else if (parts[0] === "letters") {
        currentView = "letters";
        setActiveTab(currentView);
        await showLetters();
      } else {
        currentView = "agenda";
        setActiveTab(currentView);
        await showAgenda();
      }
      main.dataset.ready = currentView;
    } catch (err) {
      showError(err, "this view");
      main.dataset.ready = "error";
    }
    document.body.dataset.loaded = "true";  // the browser tests wait for it
  }

  async function start() {
    document.getElementById("co-filter").addEventListener("input", drawChildren);
    window.addEventListener("hashchange", route);
    try {
      await loadChildren();
    } catch (err) {
      showError(err, "the children");
      document.body.dataset.loaded = "true";
      return;
    }
    // The counts on the tabs, whatever view opens first.
    getJson("tasks")
      .then((d) => (document.getElementById("co-task-count").textContent = d.total ? String(d.total) : ""))
      .catch(() => {});
    getJson("letters")
      .then((d) => (document.getElementById("co-letter-count").textContent = d.letters.length ? String(d.letters.length) : ""))
      .catch(() => {});
    await route();
  }

  start();
})();
