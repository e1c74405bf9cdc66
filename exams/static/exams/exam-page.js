// The candidate's exam page (docs/exam-delivery-api.md, "Client rules").
//
// Plain script, no libraries. Reads its configuration from the JSON block #exam-config and its
// extra UI strings from the data-* attributes of #exam-text; draws every item from the attempt
// state; saves every change at once with a per-attempt sequence number kept in localStorage;
// keeps unacknowledged saves in a localStorage queue and resends them in order; counts down to
// the server's deadline using the server's clock. The page's GET changes nothing: loading it
// takes the attempt over in this browser by POSTing to the session URL (any other window stops
// saving), which answers the attempt token that saves carry.
(function () {
  "use strict";

  const configNode = document.getElementById("exam-config");
  const app = document.getElementById("exam-app");
  if (!configNode || !app) return;

  const config = JSON.parse(configNode.textContent);
  const urls = config.urls;
  const T = Object.assign({}, config.strings, document.getElementById("exam-text").dataset);
  const CSRF = app.dataset.csrf || "";
  const STORE_PREFIX = "irexam.attempt." + config.attemptId + ".";
  const FINAL = ["submitted", "auto_submitted", "terminated"];
  const RETRY_MIN_MS = 1000;
  const RETRY_MAX_MS = 30000;
  const EVENT_MIN_INTERVAL_MS = 10000;
  const PAUSE_POLL_MS = 5000;
  const SLEEP_GAP_MS = 5000;
  const CHOICE_KEYS = "abcde";

  const $ = (id) => document.getElementById(id);
  const el = {
    loading: $("exam-loading"),
    layout: $("exam-layout"),
    grid: $("exam-grid"),
    item: $("exam-item"),
    progress: $("exam-progress"),
    prev: $("exam-prev"),
    next: $("exam-next"),
    flag: $("exam-flag"),
    reviewOpen: $("exam-review-open"),
    review: $("exam-review"),
    reviewSummary: $("exam-review-summary"),
    reviewBack: $("exam-review-back"),
    submit: $("exam-submit"),
    receipt: $("exam-receipt"),
    clock: $("exam-clock"),
    timer: $("exam-timer"),
    save: $("exam-save"),
    saveText: $("exam-save-text"),
    alert: $("exam-alert"),
    offline: $("exam-offline"),
    error: $("exam-error"),
    blocker: $("exam-blocker"),
    blockerTitle: $("exam-blocker-title"),
    blockerText: $("exam-blocker-text"),
    blockerAction: $("exam-blocker-action"),
    confirm: $("exam-confirm"),
    confirmText: $("exam-confirm-text"),
    zoom: $("exam-zoom"),
    zoomImg: $("exam-zoom-img"),
    zoomCaption: $("exam-zoom-caption"),
    announceBox: $("exam-announce"),
  };

  const { h, fmt } = window.IRExamDom; // exams/dom.js

  // --- storage (localStorage, with an in-memory fallback when it is unavailable) ----------------

  const memory = {};
  const store = {
    get(name, fallback) {
      let raw = null;
      try {
        raw = window.localStorage.getItem(STORE_PREFIX + name);
      } catch (err) {
        raw = name in memory ? memory[name] : null;
      }
      if (raw === null) return fallback;
      try {
        return JSON.parse(raw);
      } catch (err) {
        return fallback;
      }
    },
    set(name, value) {
      const raw = JSON.stringify(value);
      memory[name] = raw;
      try {
        window.localStorage.setItem(STORE_PREFIX + name, raw);
      } catch (err) {
        /* private mode or quota: the in-memory copy still serves this page */
      }
    },
  };

  // --- page state --------------------------------------------------------------------------------

  const S = {
    token: null, // the attempt token, from the session POST in load(); nothing is sent without it
    status: null,
    items: [],
    index: 0,
    answers: {}, // position → {answer, flagged}
    caseStages: {}, // position → stage reached
    total: 0,
    deadline: null, // ms since epoch, server clock
    offset: 0, // server clock − local clock, ms
    bestRtt: Infinity,
    bestAt: 0,
    queue: store.get("queue", []),
    flushing: null,
    inFlight: null,
    retryDelay: RETRY_MIN_MS,
    retryTimer: null,
    netDown: false,
    netDownSince: 0,
    blocked: null, // null | "paused" | "taken_over" | "time_up" | "finished" | "load_failed"
    view: "loading", // "loading" | "item" | "review" | "receipt"
    warned: {},
    lastTick: Date.now(),
    pausePoll: null,
    timeUpPoll: null,
    lastEvent: {},
  };
  if (!Array.isArray(S.queue)) S.queue = [];

  // --- the server: one helper for every request ----------------------------------------------------

  function clockSample(serverNow, sentAt, receivedAt) {
    const server = Date.parse(serverNow);
    if (Number.isNaN(server)) return;
    const rtt = receivedAt - sentAt;
    const offset = server - (sentAt + receivedAt) / 2;
    // The sample with the shortest round trip is the most precise; samples age out after five
    // minutes so a clock adjusted by the operating system (after sleep, NTP) is picked up.
    if (rtt <= S.bestRtt || receivedAt - S.bestAt > 300000) {
      S.offset = offset;
      S.bestRtt = rtt;
      S.bestAt = receivedAt;
    }
  }

  /** fetch() with JSON in and out. Resolves {status, ok, data}; rejects only when the network fails. */
  async function api(method, url, body, useToken) {
    const headers = { Accept: "application/json", "Accept-Language": config.language || "" };
    if (body !== undefined) headers["Content-Type"] = "application/json";
    if (useToken) headers["X-Attempt-Token"] = S.token;
    else if (method !== "GET") headers["X-CSRFToken"] = CSRF;
    const sentAt = Date.now();
    let response;
    try {
      response = await fetch(url, {
        method: method,
        headers: headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        credentials: "same-origin",
        cache: "no-store",
      });
    } catch (err) {
      markOffline();
      throw err;
    }
    const receivedAt = Date.now();
    markOnline();
    let data = null;
    if (response.status !== 204) {
      try {
        data = await response.json();
      } catch (err) {
        data = null;
      }
    }
    if (data && typeof data.server_now === "string") clockSample(data.server_now, sentAt, receivedAt);
    return { status: response.status, ok: response.ok, data: data };
  }

  function detailOf(result) {
    return (result && result.data && result.data.detail) || T.error;
  }

  async function resyncClock() {
    S.bestRtt = Infinity;
    try {
      await api("GET", urls.time);
    } catch (err) {
      /* offline: keep the last offset */
    }
  }

  // --- answers: helpers ---------------------------------------------------------------------------

  function isEmpty(value) {
    if (value === null || value === undefined) return true;
    if (Array.isArray(value)) return value.length === 0;
    if (typeof value === "object") return Object.keys(value).every((key) => isEmpty(value[key]));
    return value === "";
  }

  function itemAt(position) {
    return S.items.find((item) => item.position === position) || null;
  }

  function answerOf(position) {
    return S.answers[position] || { answer: {}, flagged: false };
  }

  function revealedQuestions(item) {
    return (item.stages || []).reduce((all, stage) => all.concat(stage.questions || []), []);
  }

  /** "answered", "partial" (some parts or later case stages left) or "unanswered". */
  function itemStatus(item) {
    const answer = answerOf(item.position).answer || {};
    if (isEmpty(answer)) return "unanswered";
    if (item.type === "emq") {
      const given = answer.answers || {};
      return (item.stems || []).every((stem) => !isEmpty(given[stem.id])) ? "answered" : "partial";
    }
    if (item.type === "case") {
      const given = answer.answers || {};
      const allRevealed = revealedQuestions(item).every((q) => !isEmpty(given[q.id]));
      const lastStage = (item.stages || []).length >= (item.stage_count || 0);
      return allRevealed && lastStage ? "answered" : "partial";
    }
    return "answered";
  }

  // --- saving: the queue ----------------------------------------------------------------------------

  function nextSeq() {
    const seq = Math.max(store.get("seq", 0), S.seqFloor || 0) + 1;
    store.set("seq", seq);
    return seq;
  }

  function persistQueue() {
    store.set("queue", S.queue);
  }

  /** Record a change locally and queue it; the queue is sent in order. */
  function change(position, answer, flagged) {
    S.answers[position] = { answer: answer, flagged: flagged };
    const entry = { position: position, answer: answer, flagged: flagged, seq: nextSeq() };
    // A newer answer replaces an older one still waiting for the same position (never the one in flight).
    S.queue = S.queue.filter((queued) => queued.position !== position || queued === S.inFlight);
    S.queue.push(entry);
    persistQueue();
    refreshChrome();
    updateSaveState();
    flush();
  }

  function saveUrl(position) {
    return urls.save_template.replace(config.positionPlaceholder, String(position));
  }

  function removeFromQueue(entry) {
    S.queue = S.queue.filter((queued) => queued !== entry);
    persistQueue();
  }

  function scheduleRetry() {
    window.clearTimeout(S.retryTimer);
    S.retryTimer = window.setTimeout(flush, S.retryDelay);
    S.retryDelay = Math.min(S.retryDelay * 2, RETRY_MAX_MS);
  }

  /** A response arrived: the connection is back. Reports how long it was gone (once). */
  function markOnline() {
    if (S.netDown) {
      const seconds = Math.round((Date.now() - S.netDownSince) / 1000);
      S.netDown = false;
      S.retryDelay = RETRY_MIN_MS;
      report("offline", { seconds: seconds });
    }
  }

  function markOffline() {
    if (!S.netDown) {
      S.netDown = true;
      S.netDownSince = Date.now();
    }
  }

  async function sendQueue() {
    while (S.queue.length && !S.blocked) {
      const entry = S.queue[0];
      S.inFlight = entry;
      let result;
      try {
        result = await api(
          "PUT",
          saveUrl(entry.position),
          { answer: entry.answer, flagged: entry.flagged, seq: entry.seq },
          true,
        );
      } catch (err) {
        scheduleRetry();
        return;
      }
      S.inFlight = null;
      if (result.ok) {
        removeFromQueue(entry); // accepted, or refused because a newer answer is stored: done either way
        continue;
      }
      if (result.status === 409) {
        handleConflict(result);
        return;
      }
      if (result.status === 401) {
        block("taken_over", T.session_invalid || T.sessionInvalid, true);
        return;
      }
      if (result.status === 400 || result.status === 404) {
        // This answer can never be stored (it does not fit the item): drop it and say so.
        removeFromQueue(entry);
        showError(T.answerDropped + " " + detailOf(result));
        continue;
      }
      // 5xx, 429, a proxy's error page: try again later, in order.
      el.offline.textContent = T.retrying;
      el.offline.hidden = false;
      scheduleRetry();
      return;
    }
  }

  /** Send the queue unless it is already being sent; resolves when this round is over. */
  function flush() {
    window.clearTimeout(S.retryTimer);
    if (S.flushing) return S.flushing;
    if (S.blocked || !S.queue.length || !S.token) {
      updateSaveState();
      return Promise.resolve();
    }
    updateSaveState();
    S.flushing = sendQueue().finally(() => {
      S.flushing = null;
      S.inFlight = null;
      updateSaveState();
    });
    return S.flushing;
  }

  function updateSaveState() {
    let state = "saved";
    let text = T.saved;
    if (S.netDown || navigator.onLine === false) {
      state = "offline";
      text = T.offlineShort;
    } else if (S.queue.length) {
      state = "saving";
      text = T.saving;
    }
    el.save.dataset.state = state;
    if (el.saveText.textContent !== text) el.saveText.textContent = text;
    if (state === "offline") {
      el.offline.textContent = T.offline + (S.queue.length ? " · " + fmt(T.pending, { n: S.queue.length }) : "");
      el.offline.hidden = false;
    } else if (state === "saved") {
      el.offline.hidden = true;
    }
  }

  // --- conflicts: paused, taken over, time up, finished --------------------------------------------

  function handleConflict(result) {
    const code = result.data && result.data.code;
    if (code === "paused") {
      block("paused", T.paused, false);
      startPausePoll();
    } else if (code === "session_taken_over") {
      block("taken_over", T.taken_over, true);
    } else if (code === "deadline_passed" || code === "finished") {
      block("time_up", detailOf(result), false);
      finishLoop();
    } else {
      showError(detailOf(result));
    }
  }

  /** Cover the page with a message (and optionally "Continue here"); saving stops. */
  function block(kind, message, offerContinue) {
    S.blocked = kind;
    if (kind === "paused") S.status = "paused";
    const titles = { paused: T.paused, taken_over: T.taken_over, time_up: T.timeUpTitle, finished: T.finished };
    el.blockerTitle.textContent = titles[kind] || T.error;
    el.blockerText.textContent = message && message !== el.blockerTitle.textContent ? message : "";
    el.blockerAction.hidden = !offerContinue;
    el.blockerAction.textContent = T.continue_here;
    el.layout.inert = true;
    el.review.inert = true;
    el.blocker.hidden = false;
    el.blocker.querySelector(".exam-blocker-box").focus();
    updateSaveState();
  }

  function unblock() {
    S.blocked = null;
    el.blocker.hidden = true;
    el.layout.inert = false;
    el.review.inert = false;
    updateSaveState();
  }

  el.blockerAction.addEventListener("click", async () => {
    el.blockerAction.disabled = true;
    try {
      const result = await api("POST", urls.session, {});
      if (result.ok && result.data) {
        S.token = result.data.token;
        unblock();
        applyState(result.data.attempt, true);
        flush();
      } else {
        el.blockerText.textContent = detailOf(result);
      }
    } catch (err) {
      el.blockerText.textContent = T.offline;
    } finally {
      el.blockerAction.disabled = false;
    }
  });

  function startPausePoll() {
    if (S.pausePoll) return;
    S.pausePoll = window.setInterval(async () => {
      try {
        const result = await api("GET", urls.state);
        if (result.ok && result.data && result.data.status !== "paused") {
          window.clearInterval(S.pausePoll);
          S.pausePoll = null;
          if (S.blocked === "paused") unblock();
          applyState(result.data, true);
          flush();
        }
      } catch (err) {
        /* offline: keep polling */
      }
    }, PAUSE_POLL_MS);
  }

  /** Time is up: send what is left (the server accepts saves within its grace), then poll until final. */
  async function finishLoop() {
    if (S.timeUpPoll) return;
    S.timeUpPoll = true;
    const blockedBefore = S.blocked;
    if (blockedBefore === "time_up") S.blocked = null; // let the last saves through the grace period
    await flush();
    if (blockedBefore === "time_up" || S.blocked === null) S.blocked = "time_up";
    let wait = 1000;
    for (;;) {
      try {
        const result = await api("GET", urls.state);
        if (result.ok && result.data) {
          const state = result.data;
          if (FINAL.indexOf(state.status) >= 0) {
            S.timeUpPoll = null;
            applyState(state, false);
            return;
          }
          if (state.status === "in_progress" && Date.parse(state.deadline_at) > serverNow() + 1000) {
            // Extended by the proctor meanwhile: carry on.
            S.timeUpPoll = null;
            unblock();
            applyState(state, false);
            flush();
            return;
          }
        }
      } catch (err) {
        /* offline: the server auto-submits anyway; keep asking */
      }
      await new Promise((resolve) => window.setTimeout(resolve, wait));
      wait = Math.min(wait * 2, 5000);
    }
  }

  // --- the timer ----------------------------------------------------------------------------------------

  function serverNow() {
    return Date.now() + S.offset;
  }

  function formatClock(ms) {
    const total = Math.max(0, Math.ceil(ms / 1000));
    const h = Math.floor(total / 3600);
    const m = Math.floor((total % 3600) / 60);
    const s = total % 60;
    const mm = String(m).padStart(h ? 2 : 1, "0");
    return (h ? h + ":" : "") + mm + ":" + String(s).padStart(2, "0");
  }

  function warn(text) {
    el.alert.textContent = text;
    el.alert.hidden = false;
    window.setTimeout(() => {
      if (el.alert.textContent === text) el.alert.hidden = true;
    }, 20000);
  }

  function tick() {
    const now = Date.now();
    const gap = now - S.lastTick;
    S.lastTick = now;
    if (gap > SLEEP_GAP_MS && S.status === "in_progress") {
      // The computer slept or the tab was frozen: correct the clock and re-read the deadline.
      resyncClock().then(refreshState);
    }
    if (S.deadline === null || S.status !== "in_progress" || S.view === "receipt" || S.blocked === "paused") return;
    const left = S.deadline - serverNow();
    el.clock.textContent = formatClock(left);
    const level = left <= 60000 ? "critical" : left <= 300000 ? "low" : "normal";
    el.timer.dataset.level = level;
    if (left <= 300000 && left > 60000 && !S.warned.five) {
      S.warned.five = true;
      warn(T.five_minutes);
    }
    if (left <= 60000 && left > 0 && !S.warned.one) {
      S.warned.one = S.warned.five = true;
      warn(T.one_minute);
    }
    if (left <= 0 && !S.timeUpPoll) {
      block("time_up", T.timeUpWait, false);
      finishLoop();
    }
  }

  // --- events: focus lost, tab hidden, offline (throttled per kind) ---------------------------------

  function report(kind, data) {
    if (S.status !== "in_progress" || S.view === "receipt") return;
    const now = Date.now();
    if (S.lastEvent[kind] && now - S.lastEvent[kind] < EVENT_MIN_INTERVAL_MS) return;
    S.lastEvent[kind] = now;
    api("POST", urls.events, { kind: kind, data: data || {} }).catch(() => {});
  }

  // --- state ----------------------------------------------------------------------------------------------

  /** Take a state from the server; ``rerender`` redraws the items (first load, after a pause or takeover). */
  function applyState(state, rerender) {
    S.status = state.status;
    S.deadline = Date.parse(state.deadline_at);
    if (FINAL.indexOf(state.status) >= 0) {
      showReceipt(state.receipt || {}, state.status);
      return;
    }
    if (state.status === "paused") {
      block("paused", T.paused, false);
      startPausePoll();
      return;
    }
    if (!rerender && S.items.length) return;
    S.items = state.items || [];
    S.total = S.items.length;
    S.caseStages = Object.assign({}, state.case_stages || {});
    S.answers = {};
    let floor = 0;
    Object.keys(state.responses || {}).forEach((key) => {
      const response = state.responses[key];
      S.answers[Number(key)] = { answer: response.answer || {}, flagged: !!response.flagged };
      floor = Math.max(floor, response.seq || 0);
    });
    S.seqFloor = floor;
    // Saves the server has not acknowledged are newer than what it sent: show them, keep them queued.
    S.queue = S.queue.filter((entry) => {
      const stored = state.responses && state.responses[String(entry.position)];
      if (stored && stored.seq >= entry.seq) return false;
      S.answers[entry.position] = { answer: entry.answer, flagged: entry.flagged };
      return true;
    });
    persistQueue();
    el.loading.hidden = true;
    tick();
    if (S.view === "loading" || S.view === "item") {
      S.index = Math.min(Math.max(0, S.index), Math.max(0, S.items.length - 1));
      showItems(false);
    } else if (S.view === "review") {
      openReview();
    }
  }

  async function refreshState() {
    try {
      const result = await api("GET", urls.state);
      if (result.ok && result.data) applyState(result.data, false);
    } catch (err) {
      /* offline: the next tick or the online event tries again */
    }
  }

  /** Take the attempt over in this browser (the session POST) and draw the state it answers. */
  async function load() {
    if (document.prerendering) {
      // A prerendered page is not shown yet: take over only when the candidate actually opens it.
      await new Promise((resolve) => document.addEventListener("prerenderingchange", resolve, { once: true }));
    }
    let wait = 2000;
    for (;;) {
      try {
        const result = await api("POST", urls.session, {});
        if (result.ok && result.data) {
          S.token = result.data.token;
          el.error.hidden = true;
          applyState(result.data.attempt, true);
          flush();
          return;
        }
        el.loading.textContent = detailOf(result);
        if (result.status === 404 || result.status === 403) return;
      } catch (err) {
        el.loading.textContent = T.loadFailed;
      }
      await new Promise((resolve) => window.setTimeout(resolve, wait));
      wait = Math.min(wait * 2, RETRY_MAX_MS);
    }
  }

  // --- drawing: small DOM helpers -------------------------------------------------------------------


  function plainText(html) {
    const doc = new DOMParser().parseFromString(html || "", "text/html");
    return (doc.body.textContent || "").replace(/\s+/g, " ").trim();
  }

  function announce(text) {
    el.announceBox.textContent = "";
    window.setTimeout(() => {
      el.announceBox.textContent = text;
    }, 50);
  }

  function showError(text) {
    el.error.textContent = text;
    el.error.hidden = false;
    window.clearTimeout(S.errorTimer);
    S.errorTimer = window.setTimeout(() => {
      el.error.hidden = true;
    }, 15000);
  }

  // --- image zoom ---------------------------------------------------------------------------------------

  let zoomReturn = null;

  function openZoom(img, caption) {
    zoomReturn = document.activeElement;
    el.zoomImg.src = img.currentSrc || img.src;
    el.zoomImg.alt = img.alt || "";
    el.zoomCaption.textContent = caption || img.alt || "";
    el.zoom.showModal();
    $("exam-zoom-close").focus();
  }

  el.zoom.addEventListener("close", () => {
    el.zoomImg.removeAttribute("src");
    if (zoomReturn && typeof zoomReturn.focus === "function") zoomReturn.focus();
  });
  el.zoom.addEventListener("click", (event) => {
    if (event.target === el.zoom) el.zoom.close(); // a click on the backdrop
  });

  /** Every image in ``root`` becomes a button that opens it large. */
  function zoomable(root) {
    root.querySelectorAll("img").forEach((img) => {
      if (img.closest("button")) return;
      const figure = img.closest("figure");
      const caption = figure && figure.querySelector("figcaption") ? figure.querySelector("figcaption").textContent : "";
      const label = T.zoom + (img.alt ? ": " + img.alt : "");
      const button = h("button", { type: "button", className: "zoom-button", "aria-label": label, title: T.zoom });
      img.parentNode.insertBefore(button, img);
      button.appendChild(img);
      button.addEventListener("click", () => openZoom(img, caption));
    });
  }

  function mediaList(media) {
    if (!media || !media.length) return null;
    return h(
      "div",
      { className: "item-media" },
      media.map((m) =>
        h("figure", {}, [
          m.kind === "dicom" && m.manifest_url
            ? dicomHost(m)
            : m.url
              ? h("img", { src: m.url, alt: m.alt || "", loading: "lazy" })
              : h("p", { className: "muted", text: T.imageMissing + (m.alt ? " (" + m.alt + ")" : "") }),
          m.caption ? h("figcaption", { text: m.caption }) : null,
        ]),
      ),
    );
  }

  // --- DICOM series: a DicomViewer (question_bank/dicom-viewer.js, loaded as a module) per element ---

  function dicomHost(m) {
    return h("div", {
      className: "dicom-viewer-host",
      "data-dicom-viewer": true,
      "data-manifest-url": m.manifest_url,
      "data-data-url": m.data_url,
      "data-window-preset": m.window || null,
      "data-initial-frame": m.initial_frame !== undefined ? String(m.initial_frame) : null,
      "aria-label": m.alt || null,
    });
  }

  let dicomViewers = [];

  /** Start the viewers inside ``container`` (again when the viewer module arrives after the item). */
  function startDicomViewers(container) {
    if (!window.DicomViewer || !container) return;
    dicomViewers = dicomViewers.concat(window.DicomViewer.autoInit(container));
  }

  function stopDicomViewers() {
    dicomViewers.forEach((viewer) => viewer.destroy());
    dicomViewers = [];
  }

  document.addEventListener("dicomviewer:available", () => startDicomViewers(el.item));

  // --- drawing: questions -----------------------------------------------------------------------------

  /**
   * One answerable question (sba, tf, mrq, order). ``value`` is its current answer, ``onChange`` gets
   * the new answer, ``key`` makes input names unique on the page.
   */
  function questionBlock(q, value, onChange, key, locked) {
    const leadId = "lead-" + key;
    const fieldset = h("fieldset", {
      className: "question question-" + q.type + (locked ? " is-locked" : ""),
      "data-question": key,
      "data-type": q.type,
      disabled: locked,
    });
    fieldset.appendChild(
      h("legend", { className: "question-lead", id: leadId }, [
        h("div", { className: "question-lead-text", html: q.lead_in_html || "" }),
        h("div", { className: "question-hint", text: T["hint" + q.type.charAt(0).toUpperCase() + q.type.slice(1)] || "" }),
      ]),
    );
    if (q.type === "order") {
      fieldset.appendChild(orderList(q, value, onChange, key, locked));
      return fieldset;
    }
    const multiple = q.type === "mrq";
    const chosen = multiple ? (value && value.choices) || [] : [value && value.choice].filter(Boolean);
    const list = h("div", { className: "options" });
    (q.options || []).forEach((option) => {
      const inputId = "opt-" + key + "-" + option.id;
      const input = h("input", {
        type: multiple ? "checkbox" : "radio",
        name: "q-" + key,
        id: inputId,
        value: option.id,
        "data-label": option.label,
      });
      input.checked = chosen.indexOf(option.id) >= 0;
      input.addEventListener("change", () => {
        if (multiple) {
          const picked = Array.from(list.querySelectorAll("input:checked")).map((i) => i.value);
          onChange(picked.length ? { choices: picked } : {});
        } else if (input.checked) {
          onChange({ choice: option.id });
        }
      });
      list.appendChild(
        h("label", { className: "option", for: inputId }, [
          input,
          h("span", { className: "option-label", "aria-hidden": "true", text: option.label }),
          h("span", { className: "option-text", html: option.html }),
        ]),
      );
    });
    fieldset.appendChild(list);
    return fieldset;
  }

  function orderList(q, value, onChange, key, locked) {
    const byId = {};
    (q.options || []).forEach((option) => {
      byId[option.id] = option;
    });
    const answered = value && Array.isArray(value.order) && value.order.length;
    let order = answered ? value.order.filter((id) => id in byId) : [];
    (q.options || []).forEach((option) => {
      if (order.indexOf(option.id) < 0) order.push(option.id);
    });
    const wrap = h("div", { className: "order-wrap" + (answered ? " is-answered" : "") });
    const list = h("ol", { className: "order-list" });
    wrap.appendChild(list);

    function draw(focusId, focusDir) {
      list.textContent = "";
      order.forEach((id, index) => {
        const option = byId[id];
        const text = plainText(option.html);
        const up = h("button", {
          type: "button",
          className: "button button-secondary button-small order-up",
          "aria-label": T.move_up + ": " + text,
          disabled: locked || index === 0,
          text: "↑",
        });
        const down = h("button", {
          type: "button",
          className: "button button-secondary button-small order-down",
          "aria-label": T.move_down + ": " + text,
          disabled: locked || index === order.length - 1,
          text: "↓",
        });
        up.addEventListener("click", () => move(index, -1));
        down.addEventListener("click", () => move(index, 1));
        list.appendChild(
          h("li", { className: "order-step", "data-id": id }, [
            h("span", { className: "order-place", "aria-hidden": "true", text: String(index + 1) }),
            h("span", { className: "option-text", html: option.html }),
            h("span", { className: "order-buttons" }, [up, down]),
          ]),
        );
        if (id === focusId) {
          const target = focusDir < 0 ? (index === 0 ? down : up) : index === order.length - 1 ? up : down;
          window.setTimeout(() => target.focus(), 0);
        }
      });
    }

    function move(index, dir) {
      const to = index + dir;
      if (to < 0 || to >= order.length) return;
      const id = order[index];
      order = order.slice();
      order[index] = order[to];
      order[to] = id;
      wrap.classList.add("is-answered");
      draw(id, dir);
      announce(fmt(T.moved, { n: to + 1, total: order.length }));
      onChange({ order: order.slice() });
    }

    draw(null, 0);
    if (!locked) {
      const keep = h("button", {
        type: "button",
        className: "button button-small order-keep",
        text: T.keepOrder,
        hidden: answered ? true : null,
      });
      keep.addEventListener("click", () => {
        wrap.classList.add("is-answered");
        keep.hidden = true;
        onChange({ order: order.slice() });
      });
      wrap.appendChild(keep);
    }
    return wrap;
  }

  function emqBlock(item, value, onChange) {
    const given = Object.assign({}, (value && value.answers) || {});
    const block = h("div", { className: "emq" });
    block.appendChild(h("p", { className: "question-lead", html: item.lead_in_html || "" }));
    block.appendChild(h("p", { className: "question-hint", text: T.hintEmq }));
    block.appendChild(h("h3", { className: "emq-options-title", text: T.options }));
    block.appendChild(
      h(
        "ol",
        { className: "emq-options" },
        (item.options || []).map((option) =>
          h("li", {}, [
            h("span", { className: "option-label", text: option.label }),
            h("span", { className: "option-text", html: option.html }),
          ]),
        ),
      ),
    );
    (item.stems || []).forEach((stem, index) => {
      const selectId = "emq-" + item.position + "-" + stem.id;
      const select = h("select", { id: selectId, "data-stem": stem.id }, [h("option", { value: "", text: T.choose })]);
      (item.options || []).forEach((option) => {
        const node = h("option", { value: option.id, text: option.label + ". " + plainText(option.html) });
        node.selected = given[stem.id] === option.id;
        select.appendChild(node);
      });
      select.addEventListener("change", () => {
        if (select.value) given[stem.id] = select.value;
        else delete given[stem.id];
        onChange(Object.keys(given).length ? { answers: Object.assign({}, given) } : {});
      });
      block.appendChild(
        h("div", { className: "emq-stem" }, [
          h("label", { for: selectId }, [
            h("span", { className: "emq-number", text: String(index + 1) + "." }),
            h("span", { html: stem.html }),
          ]),
          select,
        ]),
      );
    });
    return block;
  }

  function caseBlock(item, value, onChange) {
    const given = Object.assign({}, (value && value.answers) || {});
    const block = h("div", { className: "case" });
    const reached = Number(S.caseStages[String(item.position)] || 0);
    (item.stages || []).forEach((stage) => {
      const locked = !!stage.locked || stage.index < reached;
      const section = h("section", {
        className: "case-stage" + (locked ? " is-locked" : " is-current"),
        "aria-labelledby": "stage-" + item.position + "-" + stage.index,
      });
      const heading = h("h3", { id: "stage-" + item.position + "-" + stage.index }, [
        fmt(T.stage, { n: stage.index + 1, total: item.stage_count }),
        locked ? h("span", { className: "badge", text: T.locked }) : null,
      ]);
      section.appendChild(heading);
      section.appendChild(h("div", { className: "case-text", html: stage.text_html || "" }));
      const media = mediaList(stage.media);
      if (media) section.appendChild(media);
      (stage.questions || []).forEach((q) => {
        section.appendChild(
          questionBlock(
            q,
            given[q.id],
            (sub) => {
              if (isEmpty(sub)) delete given[q.id];
              else given[q.id] = sub;
              onChange(Object.keys(given).length ? { answers: Object.assign({}, given) } : {});
            },
            item.position + "-" + q.id,
            locked,
          ),
        );
      });
      block.appendChild(section);
    });
    if ((item.stages || []).length < item.stage_count) {
      const next = h("button", { type: "button", className: "button case-next", text: T.next_stage });
      next.addEventListener("click", () => advanceStage(item));
      block.appendChild(h("div", { className: "case-actions" }, [next, h("p", { className: "muted", text: T.next_stage_confirm })]));
    }
    return block;
  }

  function commentBox(item) {
    const id = "comment-" + item.position;
    const text = h("textarea", { id: id, rows: "3", maxlength: "2000", placeholder: T.comment_placeholder });
    const status = h("p", { className: "comment-status", role: "status" });
    const send = h("button", { type: "button", className: "button button-secondary button-small", text: T.comment_send });
    send.addEventListener("click", async () => {
      const value = text.value.trim();
      if (!value) {
        text.focus();
        return;
      }
      send.disabled = true;
      try {
        const result = await api("POST", urls.comments, { position: item.position, text: value });
        if (result.ok) {
          text.value = "";
          status.textContent = T.comment_sent;
        } else {
          status.textContent = detailOf(result);
        }
      } catch (err) {
        status.textContent = T.offline;
      } finally {
        send.disabled = false;
      }
    });
    return h("details", { className: "item-comment" }, [
      h("summary", { text: T.comment }),
      h("label", { for: id, className: "visually-hidden", text: T.comment }),
      text,
      h("div", { className: "comment-actions" }, [send, status]),
    ]);
  }

  function drawItem() {
    const item = S.items[S.index];
    stopDicomViewers();
    el.item.textContent = "";
    if (!item) return;
    const current = answerOf(item.position);
    const onChange = (answer) => change(item.position, answer, answerOf(item.position).flagged);
    const headingId = "item-heading";
    const typeName = T["type" + item.type.charAt(0).toUpperCase() + item.type.slice(1)] || item.type;
    const article = h("article", { className: "item item-" + item.type, "aria-labelledby": headingId }, [
      h("header", { className: "item-head" }, [
        h("h1", {
          id: headingId,
          tabindex: "-1",
          text: fmt(T.questionOf, { n: S.index + 1, total: S.total }),
        }),
        h("span", { className: "badge item-type", text: typeName }),
        current.flagged ? h("span", { className: "badge badge-warn item-flagged", text: T.flagged }) : null,
      ]),
    ]);
    if (item.stem_html) article.appendChild(h("div", { className: "item-stem", html: item.stem_html }));
    const media = mediaList(item.media);
    if (media) article.appendChild(media);
    if (item.type === "emq") article.appendChild(emqBlock(item, current.answer, onChange));
    else if (item.type === "case") article.appendChild(caseBlock(item, current.answer, onChange));
    else article.appendChild(questionBlock(item, current.answer, onChange, String(item.position), false));
    article.appendChild(commentBox(item));
    zoomable(article);
    el.item.appendChild(article);
    startDicomViewers(article);
    el.prev.disabled = S.index === 0;
    el.next.disabled = S.index >= S.items.length - 1;
    el.flag.setAttribute("aria-pressed", current.flagged ? "true" : "false");
    el.flag.textContent = current.flagged ? T.unflag : T.flag;
  }

  function drawGrid() {
    el.grid.textContent = "";
    S.items.forEach((item, index) => {
      const status = itemStatus(item);
      const flagged = answerOf(item.position).flagged;
      const words = [fmt(T.questionN, { n: index + 1 })];
      words.push(status === "answered" ? T.answered : status === "partial" ? T.partial : T.unanswered);
      if (flagged) words.push(T.flagged);
      const button = h("button", {
        type: "button",
        className: "grid-cell is-" + status + (flagged ? " is-flagged" : "") + (index === S.index && S.view === "item" ? " is-current" : ""),
        "aria-label": words.join(", "),
        "aria-current": index === S.index && S.view === "item" ? "step" : null,
        "data-position": String(item.position),
        text: String(index + 1),
      });
      button.addEventListener("click", () => goTo(index, false));
      el.grid.appendChild(button);
    });
    const answered = S.items.filter((item) => itemStatus(item) !== "unanswered").length;
    el.progress.textContent = fmt(T.answeredCount, { answered: answered, total: S.total });
  }

  /** Redraw what depends on answers but keeps focus where it is (grid, flag button, progress). */
  function refreshChrome() {
    drawGrid();
    const item = S.items[S.index];
    if (!item) return;
    const current = answerOf(item.position);
    el.flag.setAttribute("aria-pressed", current.flagged ? "true" : "false");
    el.flag.textContent = current.flagged ? T.unflag : T.flag;
    const head = el.item.querySelector(".item-head");
    if (head) {
      const badge = head.querySelector(".item-flagged");
      if (current.flagged && !badge) head.appendChild(h("span", { className: "badge badge-warn item-flagged", text: T.flagged }));
      if (!current.flagged && badge) badge.remove();
    }
    if (S.view === "review") openReview();
  }

  function showItems(focusHeading) {
    S.view = "item";
    el.review.hidden = true;
    el.receipt.hidden = true;
    el.layout.hidden = false;
    drawItem();
    drawGrid();
    if (focusHeading) {
      const heading = $("item-heading");
      if (heading) heading.focus();
    }
  }

  function goTo(index, fromKeyboard) {
    if (index < 0 || index >= S.items.length) return;
    S.index = index;
    showItems(true);
    window.scrollTo(0, 0);
    if (fromKeyboard) announce(fmt(T.questionOf, { n: index + 1, total: S.total }));
  }

  function toggleFlag() {
    const item = S.items[S.index];
    if (!item) return;
    const current = answerOf(item.position);
    change(item.position, current.answer || {}, !current.flagged);
    announce(current.flagged ? T.unflag : T.flagged);
  }

  // --- case stages --------------------------------------------------------------------------------------

  function confirmDialog(text, okText) {
    return new Promise((resolve) => {
      el.confirmText.textContent = text;
      $("exam-confirm-ok").textContent = okText || T.ok;
      const done = () => {
        el.confirm.removeEventListener("close", done);
        resolve(el.confirm.returnValue === "ok");
      };
      el.confirm.returnValue = "";
      el.confirm.addEventListener("close", done);
      el.confirm.showModal();
      $("exam-confirm-cancel").focus();
    });
  }

  async function advanceStage(item) {
    if (!(await confirmDialog(T.next_stage_confirm, T.next_stage))) return;
    await flush();
    if (S.queue.some((entry) => entry.position === item.position)) {
      showError(T.stagePending);
      return;
    }
    const reached = Number(S.caseStages[String(item.position)] || 0);
    try {
      const result = await api("POST", urls.stage, { position: item.position, stage: reached + 1 });
      if (result.ok && result.data) {
        S.caseStages[String(item.position)] = result.data.stage;
        const index = S.items.findIndex((i) => i.position === item.position);
        if (index >= 0 && result.data.item) S.items[index] = result.data.item;
        showItems(false);
        const current = el.item.querySelector(".case-stage.is-current h3");
        if (current) {
          current.setAttribute("tabindex", "-1");
          current.focus();
        }
      } else if (result.status === 409) {
        handleConflict(result);
      } else {
        showError(detailOf(result));
      }
    } catch (err) {
      showError(T.offline);
    }
  }

  // --- review, submit, receipt --------------------------------------------------------------------------

  function jumpList(listId, countId, items) {
    const list = $(listId);
    list.textContent = "";
    $(countId).textContent = String(items.length);
    if (!items.length) {
      list.appendChild(h("li", { className: "muted", text: T.none }));
      return;
    }
    items.forEach((item) => {
      const index = S.items.indexOf(item);
      const button = h("button", {
        type: "button",
        className: "button button-secondary button-small",
        text: fmt(T.questionN, { n: index + 1 }),
      });
      button.addEventListener("click", () => goTo(index, false));
      list.appendChild(h("li", {}, [button]));
    });
  }

  function openReview() {
    const wasReview = S.view === "review";
    S.view = "review";
    el.layout.hidden = true;
    el.review.hidden = false;
    const unanswered = S.items.filter((item) => itemStatus(item) === "unanswered");
    const partial = S.items.filter((item) => itemStatus(item) === "partial");
    const flagged = S.items.filter((item) => answerOf(item.position).flagged);
    const answered = S.total - unanswered.length;
    el.reviewSummary.textContent = fmt(T.answeredCount, { answered: answered, total: S.total });
    jumpList("exam-review-unanswered", "exam-review-unanswered-count", unanswered);
    jumpList("exam-review-partial", "exam-review-partial-count", partial);
    jumpList("exam-review-flagged", "exam-review-flagged-count", flagged);
    if (!wasReview) {
      window.scrollTo(0, 0);
      el.review.focus();
    }
  }

  async function submit() {
    if (!(await confirmDialog(T.submit_confirm, T.submit))) return;
    el.submit.disabled = true;
    try {
      await flush();
      if (S.queue.length) {
        showError(T.submitPending);
        return;
      }
      const result = await api("POST", urls.submit, { confirm: true });
      if (result.ok && result.data) {
        S.status = result.data.status;
        showReceipt(result.data, result.data.status);
      } else if (result.status === 409) {
        handleConflict(result);
      } else {
        showError(detailOf(result));
      }
    } catch (err) {
      showError(T.submitPending);
    } finally {
      el.submit.disabled = false;
    }
  }

  function formatTime(iso) {
    const when = new Date(iso);
    if (Number.isNaN(when.getTime())) return "—";
    try {
      return new Intl.DateTimeFormat(config.language || undefined, { dateStyle: "medium", timeStyle: "medium" }).format(when);
    } catch (err) {
      return when.toLocaleString();
    }
  }

  function showReceipt(receipt, status) {
    S.view = "receipt";
    S.status = status;
    window.clearInterval(S.pausePoll);
    S.pausePoll = null;
    S.queue = [];
    persistQueue();
    unblock();
    S.blocked = "finished";
    el.loading.hidden = true;
    el.layout.hidden = true;
    el.review.hidden = true;
    el.offline.hidden = true;
    el.alert.hidden = true;
    el.receipt.hidden = false;
    el.clock.textContent = "0:00";
    el.timer.dataset.level = "done";
    el.save.dataset.state = "saved";
    el.saveText.textContent = T.saved;
    const notes = { auto_submitted: T.autoSubmitted, terminated: T.terminated };
    $("exam-receipt-note").textContent = notes[status] || T.finished;
    $("exam-receipt-time").textContent = receipt.submitted_at ? formatTime(receipt.submitted_at) : "—";
    $("exam-receipt-answered").textContent =
      receipt.total !== undefined ? fmt(T.answeredCount, { answered: receipt.answered, total: receipt.total }) : "—";
    $("exam-receipt-flagged").textContent = receipt.flagged !== undefined ? String(receipt.flagged) : "—";
    window.scrollTo(0, 0);
    el.receipt.focus();
  }

  // --- keyboard -------------------------------------------------------------------------------------------

  /** The question the keyboard acts on: the one holding focus, else the first open one of the item. */
  function keyboardQuestion() {
    const focused = document.activeElement && document.activeElement.closest && document.activeElement.closest("fieldset.question");
    if (focused && el.item.contains(focused) && !focused.disabled) return focused;
    return Array.from(el.item.querySelectorAll("fieldset.question")).find(
      (q) => !q.disabled && (q.dataset.type === "sba" || q.dataset.type === "tf" || q.dataset.type === "mrq"),
    );
  }

  function chooseByKey(key) {
    const question = keyboardQuestion();
    if (!question || question.dataset.type === "order") return false;
    const inputs = Array.from(question.querySelectorAll("input"));
    let input = null;
    if (/^[1-9]$/.test(key)) input = inputs[Number(key) - 1];
    else input = inputs.find((i) => (i.dataset.label || "").toLowerCase() === key);
    if (!input || input.disabled) return false;
    input.click(); // the same path as a mouse click: the change handler saves
    input.focus();
    return true;
  }

  document.addEventListener("keydown", (event) => {
    if (event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey) return;
    if (S.view !== "item" || S.blocked || document.querySelector("dialog[open]")) return;
    const target = event.target;
    if (target && target.closest && target.closest("textarea, select, input:not([type=radio]):not([type=checkbox]), [contenteditable]")) return;
    const key = event.key.length === 1 ? event.key.toLowerCase() : event.key;
    let handled = true;
    if (key === "ArrowRight" || key === "n") goTo(S.index + 1, true);
    else if (key === "ArrowLeft" || key === "p") goTo(S.index - 1, true);
    else if (key === "f") toggleFlag();
    else if (CHOICE_KEYS.indexOf(key) >= 0 || /^[1-9]$/.test(key)) handled = chooseByKey(key);
    else handled = false;
    if (handled) event.preventDefault();
  });

  // --- wiring -------------------------------------------------------------------------------------------

  el.prev.addEventListener("click", () => goTo(S.index - 1, false));
  el.next.addEventListener("click", () => goTo(S.index + 1, false));
  el.flag.addEventListener("click", toggleFlag);
  el.reviewOpen.addEventListener("click", openReview);
  el.reviewBack.addEventListener("click", () => showItems(true));
  el.submit.addEventListener("click", submit);

  window.addEventListener("online", () => {
    S.retryDelay = RETRY_MIN_MS;
    updateSaveState();
    flush();
    resyncClock().then(updateSaveState);
  });
  window.addEventListener("offline", () => {
    markOffline();
    updateSaveState();
  });
  window.addEventListener("blur", () => report("focus_lost", {}));
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "hidden") {
      report("hidden", {});
    } else {
      resyncClock().then(() => {
        tick();
        flush();
      });
    }
  });

  el.loading.textContent = T.loading;
  window.setInterval(tick, 500);
  load();
})();
