// System check: browser features, local storage, cookies, clock drift against the server,
// connection round trip and window size. Nothing is sent anywhere but GET /api/v1/time/.
(function () {
  "use strict";

  const root = document.getElementById("system-check");
  if (!root) return;
  const strings = JSON.parse(document.getElementById("system-check-strings").textContent);
  const timeUrl = root.dataset.timeUrl;
  const statusLine = document.getElementById("system-check-status");
  const PINGS = 5;
  const DRIFT_WARN_SECONDS = 5;
  const RTT_WARN_MS = 1000;

  function format(template, values) {
    return template.replace(/%\((\w+)\)s/g, (match, name) => (name in values ? String(values[name]) : match));
  }

  function show(name, level, details) {
    const row = root.querySelector(`[data-check="${name}"]`);
    if (!row) return;
    const badge = document.createElement("span");
    badge.className = "badge " + { ok: "badge-ok", warning: "badge-warn", failed: "badge-bad" }[level];
    badge.textContent = strings[level];
    row.querySelector(".result").replaceChildren(badge);
    row.querySelector(".details").textContent = details || "";
  }

  function checkFeatures() {
    const missing = [];
    if (!("fetch" in window)) missing.push("fetch");
    if (!("Promise" in window)) missing.push("Promise");
    if (!("JSON" in window)) missing.push("JSON");
    if (!("visibilityState" in document)) missing.push("Page Visibility");
    if (!("AbortController" in window)) missing.push("AbortController");
    if (typeof HTMLDialogElement !== "function") missing.push("<dialog>");
    show("features", missing.length ? "failed" : "ok", missing.join(", ") || navigator.userAgent);
  }

  function checkStorage() {
    try {
      const key = "irexam-system-check";
      window.localStorage.setItem(key, "1");
      const ok = window.localStorage.getItem(key) === "1";
      window.localStorage.removeItem(key);
      show("storage", ok ? "ok" : "failed");
    } catch (error) {
      show("storage", "failed", String(error));
    }
  }

  function checkCookies() {
    show("cookies", navigator.cookieEnabled ? "ok" : "failed");
  }

  function checkScreen() {
    const width = window.innerWidth;
    const height = window.innerHeight;
    const small = width < 1000 || height < 600;
    show("screen", small ? "warning" : "ok", format(strings[small ? "screen_small" : "screen"], { width, height }));
  }

  async function ping() {
    const sent = performance.now();
    const response = await fetch(timeUrl, { cache: "no-store", credentials: "same-origin" });
    if (!response.ok) throw new Error(String(response.status));
    const body = await response.json();
    const received = performance.now();
    const rtt = received - sent;
    // The server read its clock about half-way through the round trip.
    const localAtServerRead = Date.now() - rtt / 2;
    return { rtt, offsetMs: Date.parse(body.server_now) - localAtServerRead };
  }

  async function checkNetwork() {
    const samples = [];
    try {
      for (let i = 0; i < PINGS; i += 1) samples.push(await ping());
    } catch (error) {
      show("clock", "failed", strings.offline);
      show("connection", "failed", strings.offline);
      return;
    }
    // The sample with the shortest round trip gives the most precise clock offset.
    const best = samples.reduce((a, b) => (b.rtt < a.rtt ? b : a));
    const seconds = Math.round(best.offsetMs / 100) / 10;
    const drifted = Math.abs(seconds) >= DRIFT_WARN_SECONDS;
    show("clock", drifted ? "warning" : "ok", format(strings[drifted ? "drift" : "drift_ok"], { seconds }));
    const average = Math.round(samples.reduce((sum, s) => sum + s.rtt, 0) / samples.length);
    const slow = average >= RTT_WARN_MS;
    show(
      "connection",
      slow ? "warning" : "ok",
      slow ? format(strings.rtt_slow, { ms: average }) : format(strings.rtt, { ms: average, count: samples.length }),
    );
  }

  async function run() {
    statusLine.textContent = strings.checking;
    show("javascript", "ok");
    checkFeatures();
    checkStorage();
    checkCookies();
    checkScreen();
    await checkNetwork();
    statusLine.textContent = "";
  }

  document.getElementById("system-check-run").addEventListener("click", run);
  run();
})();
