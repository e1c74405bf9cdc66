// Proctor console: refreshes the live table from the live API every few seconds and counts
// the time remaining down in between. Actions are ordinary form POSTs (they work without this
// script); rows whose action panel is open keep it open across refreshes.
(function () {
  "use strict";

  const root = document.getElementById("proctor-console");
  if (!root) return;
  const strings = JSON.parse(document.getElementById("proctor-strings").textContent);
  const liveUrl = root.dataset.liveUrl;
  const actionUrl = root.dataset.actionUrl;
  const logUrl = root.dataset.logUrl;
  const pollMs = Number(root.dataset.pollSeconds || 5) * 1000;
  const tbody = document.getElementById("proctor-rows");
  const updated = document.getElementById("proctor-updated");
  const csrfInput = document.querySelector("input[name=csrfmiddlewaretoken]");
  const csrf = csrfInput ? csrfInput.value : "";
  let offsetMs = 0; // server clock − local clock
  let lastRows = [];

  function format(template, values) {
    return template.replace(/%\((\w+)\)s/g, (match, name) => (name in values ? String(values[name]) : match));
  }

  function clock(seconds) {
    if (seconds === null || seconds === undefined) return "—";
    const s = Math.max(0, Math.floor(seconds));
    const h = Math.floor(s / 3600);
    const m = Math.floor((s % 3600) / 60);
    const sec = s % 60;
    return `${h}:${String(m).padStart(2, "0")}:${String(sec).padStart(2, "0")}`;
  }

  function el(tag, attrs, children) {
    const node = document.createElement(tag);
    Object.entries(attrs || {}).forEach(([name, value]) => {
      if (name === "text") node.textContent = value;
      else if (value !== null && value !== undefined && value !== false) node.setAttribute(name, value);
    });
    (children || []).forEach((child) => node.append(child));
    return node;
  }

  function badge(text, level) {
    return el("span", { class: "badge" + (level ? " badge-" + level : ""), text });
  }

  function actionForm(row, action, fields, label, danger) {
    const url = actionUrl.replace("{attempt}", row.attempt).replace("{action}", action);
    const form = el("form", { method: "post", action: url, class: "stacked" });
    if (action === "terminate") form.dataset.confirm = "terminate";
    form.append(el("input", { type: "hidden", name: "csrfmiddlewaretoken", value: csrf }));
    fields.forEach((field) => {
      const id = `${action}-${field.name}-${row.attempt}`;
      form.append(el("label", { for: id, text: field.label }));
      form.append(el("input", Object.assign({ id, name: field.name }, field.attrs)));
    });
    form.append(el("button", { type: "submit", class: "button button-small" + (danger ? " button-danger" : ""), text: label }));
    return form;
  }

  function actionsCell(row) {
    const cell = el("td");
    if (!row.attempt) return cell;
    const details = el("details", { "data-attempt": row.attempt }, [el("summary", { text: strings.actions })]);
    const reason = { name: "reason", label: strings.reason, attrs: { type: "text", maxlength: "500" } };
    const requiredReason = { name: "reason", label: strings.reason, attrs: { type: "text", maxlength: "500", required: "" } };
    if (row.status === "in_progress") details.append(actionForm(row, "pause", [reason], strings.pause));
    if (row.status === "paused") details.append(actionForm(row, "resume", [], strings.resume));
    if (row.status === "in_progress" || row.status === "paused") {
      const minutes = { name: "minutes", label: strings.minutes, attrs: { type: "number", min: "1", max: "240", required: "" } };
      details.append(actionForm(row, "extend", [minutes, requiredReason], strings.extend));
      details.append(actionForm(row, "terminate", [requiredReason], strings.terminate, true));
    }
    details.append(el("p", {}, [el("a", { href: logUrl.replace("{attempt}", row.attempt), text: strings.log })]));
    cell.append(details);
    return cell;
  }

  function flagsCell(row) {
    const cell = el("td");
    if (row.flags.focus_lost) cell.append(badge(`${row.flags.focus_lost} ${strings.focus_lost}`, "warn"), " ");
    if (row.flags.offline) cell.append(badge(`${row.flags.offline} ${strings.offline}`, "warn"), " ");
    if (row.flags.takeovers) cell.append(badge(`${row.flags.takeovers} ${strings.takeovers}`, "warn"), " ");
    if (row.extension_minutes) cell.append(badge(`+${row.extension_minutes} min`));
    return cell;
  }

  function lastActivity(iso) {
    if (!iso) return "—";
    return new Date(iso).toLocaleTimeString();
  }

  function rowKey(row) {
    return `${row.registration}:${row.paper}`;
  }

  function buildRow(row) {
    const statusLevel = { in_progress: "ok", paused: "warn", terminated: "bad" }[row.status] || "";
    const tr = el("tr", { "data-key": rowKey(row), "data-status": row.status });
    if (row.attempt) tr.dataset.attempt = row.attempt;
    tr.append(
      el("td", {}, [row.candidate.name, el("br"), el("span", { class: "muted", text: row.candidate.username })]),
      el("td", { text: String(row.paper) }),
      el("td", {}, [badge(strings.statuses[row.status] || row.status, statusLevel)]),
      el("td", { text: `${row.answered} / ${row.total}` }),
      el("td", { "data-deadline": row.status === "in_progress" ? row.deadline_at : null, text: clock(row.seconds_left) }),
      el("td", { text: lastActivity(row.last_activity_at) }),
      flagsCell(row),
      actionsCell(row),
    );
    return tr;
  }

  function render(rows) {
    // Keep the rows whose action panel is open, or that hold the focus, exactly as they are.
    const busy = new Set();
    tbody.querySelectorAll("tr").forEach((tr) => {
      const open = tr.querySelector("details[open]");
      if (open || tr.contains(document.activeElement)) busy.add(tr.dataset.key || "");
    });
    const existing = new Map(Array.from(tbody.querySelectorAll("tr[data-key]")).map((tr) => [tr.dataset.key, tr]));
    const fresh = rows.map((row) => {
      const key = rowKey(row);
      const old = existing.get(key);
      if (old && busy.has(key) && old.dataset.status === row.status) {
        const rebuilt = buildRow(row);
        // Refresh every cell but the open action panel.
        for (let i = 0; i < 7; i += 1) old.children[i].replaceWith(rebuilt.children[0]);
        return old;
      }
      return buildRow(row);
    });
    tbody.replaceChildren(...fresh);
  }

  function tick() {
    const now = Date.now() + offsetMs;
    tbody.querySelectorAll("td[data-deadline]").forEach((cell) => {
      cell.textContent = clock((Date.parse(cell.dataset.deadline) - now) / 1000);
    });
  }

  async function poll() {
    try {
      const sent = Date.now();
      const response = await fetch(liveUrl, { credentials: "same-origin", headers: { Accept: "application/json" } });
      if (!response.ok) throw new Error(String(response.status));
      const body = await response.json();
      const received = Date.now();
      offsetMs = Date.parse(body.server_now) - (sent + received) / 2;
      lastRows = body.rows;
      render(lastRows);
      updated.textContent = format(strings.updated, { time: new Date(received).toLocaleTimeString() });
    } catch (error) {
      updated.textContent = strings.stale;
    } finally {
      window.setTimeout(poll, pollMs);
    }
  }

  document.addEventListener("submit", (event) => {
    const form = event.target;
    if (form.dataset && form.dataset.confirm === "terminate" && !window.confirm(strings.terminate_confirm)) {
      event.preventDefault();
    }
  });

  window.setInterval(tick, 1000);
  poll();
})();
