// The practice page (docs/practice.md). Plain script, no libraries.
//
// Shares the exam page's rules and keyboard: items come from the server without keys (the same
// candidate payload as the exam page), every save carries a per-session sequence number kept in
// localStorage and unacknowledged saves are retried in order; A–E / 1–9 choose, N/→ and P/← move.
// Tutor and adaptive mode: "Check answer" saves, then the feedback (key, explanation, how others
// answered) is fetched from its own endpoint, which refuses before the save. Simulation: every
// change autosaves, the timer counts down to the server's deadline, feedback comes at the end.
(function () {
  "use strict";

  const configNode = document.getElementById("practice-config");
  const app = document.getElementById("practice-app");
  if (!configNode || !app) return;
  const config = JSON.parse(configNode.textContent);
  const T = document.getElementById("practice-text").dataset;
  const CSRF = app.dataset.csrf || "";
  const SEQ_KEY = "irexam.practice." + config.sessionId + ".seq";
  const QUEUE_KEY = "irexam.practice." + config.sessionId + ".queue";
  const CHOICE_KEYS = "abcde";
  const $ = (id) => document.getElementById(id);
  const el = {
    loading: $("practice-loading"),
    error: $("practice-error"),
    layout: $("practice-layout"),
    grid: $("practice-grid"),
    item: $("practice-item"),
    heading: $("practice-heading"),
    check: $("practice-check"),
    prev: $("practice-prev"),
    next: $("practice-next"),
    bookmark: $("practice-bookmark"),
    finish: $("practice-finish"),
    feedback: $("practice-feedback"),
    save: $("practice-save"),
    timer: $("practice-timer"),
    clock: $("practice-clock"),
    summary: $("practice-summary"),
    summaryText: $("practice-summary-text"),
    problemText: $("practice-problem-text"),
    problemSend: $("practice-problem-send"),
    problemStatus: $("practice-problem-status"),
    announce: $("practice-announce"),
  };

  const S = {
    state: null,
    index: 0,
    pending: {}, // position → answer not yet saved (tutor/adaptive: until "Check answer")
    queue: readQueue(), // simulation: saves not yet acknowledged, in order (kept across reloads)
    offset: 0, // server clock − local clock (ms)
    flushing: false,
  };
  const tutorLike = config.mode !== "simulation";

  function readQueue() {
    try {
      const queue = JSON.parse(window.localStorage.getItem(QUEUE_KEY) || "[]");
      return Array.isArray(queue) ? queue : [];
    } catch (err) {
      return [];
    }
  }

  function persistQueue() {
    try {
      window.localStorage.setItem(QUEUE_KEY, JSON.stringify(S.queue));
    } catch (err) {
      /* private mode: the queue lives as long as the page */
    }
  }

  const { h, fmt } = window.IRExamDom; // exams/dom.js


  function say(text) {
    el.announce.textContent = "";
    window.setTimeout(() => (el.announce.textContent = text), 50);
  }

  function showError(text) {
    el.error.textContent = text;
    el.error.hidden = !text;
  }

  function url(name, position) {
    return config.urls[name].replace(config.placeholder, String(position));
  }

  async function api(method, target, body) {
    const response = await fetch(target, {
      method: method,
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": CSRF, Accept: "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    let data = null;
    try {
      data = await response.json();
    } catch (err) {
      data = null;
    }
    if (data && data.server_now) S.offset = Date.parse(data.server_now) - Date.now();
    return { ok: response.ok, status: response.status, data: data };
  }

  function nextSeq() {
    let seq = 0;
    try {
      seq = Number(window.localStorage.getItem(SEQ_KEY)) || 0;
    } catch (err) {
      seq = S.memorySeq || 0;
    }
    const used = Math.max(seq, ...S.state.items.map((i) => i.seq || 0)) + 1;
    S.memorySeq = used;
    try {
      window.localStorage.setItem(SEQ_KEY, String(used));
    } catch (err) {
      /* private mode: the in-memory counter still orders this page's saves */
    }
    return used;
  }

  function entryAt(position) {
    return S.state.items.find((entry) => entry.position === position);
  }

  function currentAnswer(entry) {
    return entry.position in S.pending ? S.pending[entry.position] : entry.answer || {};
  }

  function isEmpty(answer) {
    return !answer || Object.keys(answer).length === 0;
  }

  // --- drawing -------------------------------------------------------------------------------------

  function mediaList(media) {
    if (!media || !media.length) return null;
    return h(
      "div",
      { className: "item-media" },
      media.map((m) =>
        h("figure", {}, [
          m.kind === "dicom"
            ? h("div", {
                className: "dicom-viewer-host",
                "data-dicom-viewer": true,
                "data-manifest-url": m.manifest_url,
                "data-data-url": m.data_url,
                "data-window-preset": m.window || null,
                "data-initial-frame": m.initial_frame !== undefined ? String(m.initial_frame) : null,
                "aria-label": m.alt || null,
              })
            : m.url
              ? h("img", { src: m.url, alt: m.alt || "", loading: "lazy" })
              : h("p", { className: "muted", text: T.imageMissing }),
          m.caption ? h("figcaption", { text: m.caption }) : null,
        ]),
      ),
    );
  }

  /** Options of an sba/tf/mrq item as radio buttons or checkboxes; ``locked`` once answered in tutor mode. */
  function choiceBlock(item, answer, locked, onChange) {
    const multiple = item.type === "mrq";
    const chosen = multiple ? answer.choices || [] : [answer.choice].filter(Boolean);
    const list = h("div", { className: "options" });
    item.options.forEach((option) => {
      const id = "opt-" + item.position + "-" + option.id;
      const input = h("input", {
        type: multiple ? "checkbox" : "radio",
        name: "q-" + item.position,
        id: id,
        value: option.id,
        "data-label": option.label,
        disabled: locked,
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
        h("label", { className: "option", for: id, "data-option": option.id }, [
          input,
          h("span", { className: "option-label", "aria-hidden": "true", text: option.label }),
          h("span", { className: "option-text", html: option.html }),
        ]),
      );
    });
    return h("fieldset", { className: "question question-" + item.type, "data-type": item.type }, [
      h("legend", { className: "question-lead", html: item.lead_in_html || "" }),
      list,
    ]);
  }

  function emqBlock(item, answer, locked, onChange) {
    const given = Object.assign({}, answer.answers || {});
    const block = h("div", { className: "emq" }, [h("p", { className: "question-lead", html: item.lead_in_html || "" })]);
    block.appendChild(
      h("ol", { className: "emq-options" }, item.options.map((o) => h("li", {}, [h("b", { text: o.label + ". " }), h("span", { html: o.html })]))),
    );
    item.stems.forEach((stem, index) => {
      const id = "emq-" + item.position + "-" + stem.id;
      const select = h("select", { id: id, disabled: locked, "data-stem": stem.id }, [h("option", { value: "", text: T.choose })]);
      item.options.forEach((o) => {
        const node = h("option", { value: o.id, text: o.label });
        node.selected = given[stem.id] === o.id;
        select.appendChild(node);
      });
      select.addEventListener("change", () => {
        if (select.value) given[stem.id] = select.value;
        else delete given[stem.id];
        onChange(Object.keys(given).length ? { answers: Object.assign({}, given) } : {});
      });
      block.appendChild(h("div", { className: "emq-stem" }, [h("label", { for: id }, [String(index + 1) + ". ", h("span", { html: stem.html })]), select]));
    });
    return block;
  }

  function orderBlock(item, answer, locked, onChange) {
    const byId = {};
    item.options.forEach((o) => (byId[o.id] = o));
    let order = (answer.order || []).filter((id) => id in byId);
    item.options.forEach((o) => order.indexOf(o.id) < 0 && order.push(o.id));
    const list = h("ol", { className: "order-list" });
    function draw() {
      list.textContent = "";
      order.forEach((id, index) => {
        const up = h("button", { type: "button", className: "button button-secondary button-small", text: "↑", "aria-label": T.moveUp, disabled: locked || index === 0 });
        const down = h("button", { type: "button", className: "button button-secondary button-small", text: "↓", "aria-label": T.moveDown, disabled: locked || index === order.length - 1 });
        up.addEventListener("click", () => move(index, -1));
        down.addEventListener("click", () => move(index, 1));
        list.appendChild(h("li", { className: "order-step", "data-id": id }, [h("span", { html: byId[id].html }), up, down]));
      });
    }
    function move(index, dir) {
      const other = index + dir;
      [order[index], order[other]] = [order[other], order[index]];
      draw();
      onChange({ order: order.slice() });
    }
    draw();
    const keep = h("button", { type: "button", className: "button button-small", text: T.keepOrder, hidden: locked || null });
    keep.addEventListener("click", () => onChange({ order: order.slice() }));
    return h("div", { className: "order-wrap" }, [h("p", { className: "question-lead", html: item.lead_in_html || "" }), list, keep]);
  }

  function locked(entry) {
    return S.state.status === "finished" || (tutorLike && entry.answered);
  }

  function drawItem() {
    const entry = S.state.items[S.index];
    el.item.querySelectorAll("[data-dicom-viewer]").forEach((node) => node.dicomViewer && node.dicomViewer.destroy());
    el.item.textContent = "";
    el.feedback.hidden = true;
    el.feedback.textContent = "";
    if (!entry) return;
    const item = entry.item;
    el.heading.textContent = fmt(T.questionOf, { n: S.index + 1, total: S.state.items.length });
    const answer = currentAnswer(entry);
    const onChange = (value) => change(entry, value);
    const article = h("article", { className: "item item-" + item.type, "data-position": String(entry.position) });
    if (item.stem_html) article.appendChild(h("div", { className: "item-stem", html: item.stem_html }));
    const media = mediaList(item.media);
    if (media) article.appendChild(media);
    if (item.type === "emq") article.appendChild(emqBlock(item, answer, locked(entry), onChange));
    else if (item.type === "order") article.appendChild(orderBlock(item, answer, locked(entry), onChange));
    else article.appendChild(choiceBlock(item, answer, locked(entry), onChange));
    el.item.appendChild(article);
    if (window.DicomViewer) window.DicomViewer.autoInit(article);
    el.prev.disabled = S.index === 0;
    el.next.disabled = S.index >= S.state.items.length - 1;
    el.check.hidden = !tutorLike || locked(entry);
    el.check.disabled = isEmpty(answer);
    el.bookmark.setAttribute("aria-pressed", entry.bookmarked ? "true" : "false");
    el.bookmark.textContent = entry.bookmarked ? T.bookmarked : T.bookmark;
    el.problemStatus.textContent = "";
    if (entry.feedback_available) loadFeedback(entry);
    drawGrid();
  }

  function drawGrid() {
    el.grid.textContent = "";
    S.state.items.forEach((entry, index) => {
      let status = entry.answered ? "answered" : "unanswered";
      if (entry.correct === true) status = "correct";
      if (entry.correct === false) status = "wrong";
      const button = h("button", {
        type: "button",
        className: "grid-cell is-" + status + (index === S.index ? " is-current" : ""),
        "aria-current": index === S.index ? "step" : null,
        "aria-label": fmt(T.questionN, { n: index + 1 }) + ", " + (T[status] || status),
        text: String(index + 1),
      });
      button.addEventListener("click", () => goTo(index));
      el.grid.appendChild(button);
    });
  }

  function goTo(index) {
    if (!S.state || index < 0 || index >= S.state.items.length) return;
    S.index = index;
    drawItem();
    say(el.heading.textContent);
  }

  // --- answers and saving ------------------------------------------------------------------------------

  function change(entry, value) {
    S.pending[entry.position] = value;
    if (tutorLike) {
      el.check.disabled = isEmpty(value);
      return;
    }
    S.queue = S.queue.filter((q) => q.position !== entry.position);
    S.queue.push({ position: entry.position, answer: value, seq: nextSeq() });
    persistQueue();
    flush();
  }

  function setSave(state) {
    el.save.dataset.state = state;
    el.save.textContent = T[state] || state;
  }

  /** Send the queued simulation saves in order; retry with a growing delay while the network is down. */
  async function flush() {
    if (S.flushing) return;
    S.flushing = true;
    try {
      while (S.queue.length) {
        const save = S.queue[0];
        setSave("saving");
        let result;
        try {
          result = await api("PUT", url("save", save.position), { answer: save.answer, seq: save.seq });
        } catch (err) {
          setSave("offline");
          window.setTimeout(flush, 3000);
          return;
        }
        if (!result.ok) {
          S.queue.shift();
          persistQueue();
          showError((result.data && result.data.detail) || T.saveFailed);
          if (result.status === 409) await load();
          continue;
        }
        S.queue.shift();
        persistQueue();
        const entry = entryAt(save.position);
        entry.answer = save.answer;
        entry.answered = !isEmpty(save.answer);
        entry.seq = Math.max(entry.seq || 0, result.data.seq || 0);
        delete S.pending[save.position];
      }
      setSave("saved");
      drawGrid();
    } finally {
      S.flushing = false;
    }
  }

  /** Tutor/adaptive: save the chosen answer; only an acknowledged save opens the feedback. */
  async function check() {
    const entry = S.state.items[S.index];
    const answer = currentAnswer(entry);
    if (!entry || isEmpty(answer) || locked(entry)) return;
    el.check.disabled = true;
    setSave("saving");
    let result;
    try {
      result = await api("PUT", url("save", entry.position), { answer: answer, seq: nextSeq() });
    } catch (err) {
      setSave("offline");
      el.check.disabled = false;
      return;
    }
    if (!result.ok) {
      setSave("saved");
      showError((result.data && result.data.detail) || T.saveFailed);
      el.check.disabled = false;
      return;
    }
    setSave("saved");
    showError("");
    if (result.data.next_position || result.data.finished) {
      await load(result.data.next_position ? null : entry.position);
      if (result.data.next_position) {
        // Adaptive: show this item's feedback first; "Next" goes to the new item.
        S.index = S.state.items.findIndex((e) => e.position === entry.position);
      }
      drawItem();
      return;
    }
    entry.answer = answer;
    entry.answered = true;
    entry.feedback_available = true;
    delete S.pending[entry.position];
    drawItem();
  }

  // --- feedback ---------------------------------------------------------------------------------------------

  async function loadFeedback(entry) {
    const result = await api("GET", url("feedback", entry.position));
    if (!result.ok || S.state.items[S.index] !== entry) return;
    const fb = result.data;
    const labels = {};
    (entry.item.options || []).forEach((o) => (labels[o.id] = o.label));
    const keyText = Object.keys(fb.key)
      .map((unit) => (unit ? unit + ": " : "") + fb.key[unit].map((id) => labels[id] || id).join(", "))
      .join("; ");
    el.item.querySelectorAll("[data-option]").forEach((node) => {
      const id = node.dataset.option;
      const key = fb.key[""] || [];
      if (key.indexOf(id) >= 0) node.classList.add("is-key");
      const share = fb.others.options[""] && fb.others.options[""][id];
      if (fb.others.n) node.appendChild(h("span", { className: "option-share", text: fmt(T.share, { percent: Math.round(100 * (share || 0)) }) }));
    });
    el.feedback.textContent = "";
    el.feedback.appendChild(h("p", { className: "feedback-verdict " + (fb.correct ? "is-correct" : "is-wrong"), text: fb.correct ? T.correct : T.wrong }));
    el.feedback.appendChild(h("p", { className: "feedback-key", text: T.key + " " + keyText }));
    if (fb.explanation_html) el.feedback.appendChild(h("div", { className: "feedback-explanation", html: fb.explanation_html }));
    if (fb.references.length) {
      el.feedback.appendChild(h("h3", { text: T.references }));
      el.feedback.appendChild(h("ul", {}, fb.references.map((r) => h("li", { text: r }))));
    }
    el.feedback.appendChild(
      h("p", { className: "muted", text: fb.others.n ? fmt(T.others, { n: fb.others.n, percent: Math.round(100 * fb.others.correct_rate) }) : T.noOthers }),
    );
    el.feedback.hidden = false;
    say(fb.correct ? T.correct : T.wrong);
  }

  // --- bookmark, problem report, finish, timer ------------------------------------------------------------------

  async function toggleBookmark() {
    const entry = S.state.items[S.index];
    const on = !entry.bookmarked;
    const result = await api(on ? "PUT" : "DELETE", url("bookmark", entry.question));
    if (result.ok) {
      entry.bookmarked = on;
      drawItem();
    } else {
      showError((result.data && result.data.detail) || T.saveFailed);
    }
  }

  async function sendProblem() {
    const text = el.problemText.value.trim();
    if (!text) return el.problemText.focus();
    el.problemSend.disabled = true;
    const result = await api("POST", url("problem", S.state.items[S.index].position), { text: text });
    el.problemSend.disabled = false;
    if (result.ok) el.problemText.value = "";
    el.problemStatus.textContent = result.ok ? T.problemSent : (result.data && result.data.detail) || T.saveFailed;
  }

  async function finish() {
    if (!window.confirm(T.finishConfirm)) return;
    await flush();
    const result = await api("POST", config.urls.finish);
    if (result.ok) {
      applyState(result.data);
      drawItem();
    }
  }

  function tick() {
    if (!S.state || !S.state.deadline_at || S.state.status === "finished") return;
    const left = Math.max(0, Date.parse(S.state.deadline_at) - (Date.now() + S.offset));
    const seconds = Math.floor(left / 1000);
    el.clock.textContent = Math.floor(seconds / 60) + ":" + String(seconds % 60).padStart(2, "0");
    if (left <= 0 && !S.timeUp) {
      S.timeUp = true;
      flush().then(() => window.setTimeout(() => load(), 31000));
    }
  }

  function applyState(state) {
    S.state = state;
    el.timer.hidden = !state.deadline_at || state.status === "finished";
    el.finish.hidden = state.status === "finished";
    if (state.status === "finished") {
      el.summary.hidden = false;
      const summary = state.summary || { answered: state.answered, correct: 0, total: state.items.length };
      let text = fmt(T.summary, summary);
      if (config.mode === "adaptive" && state.theta !== null) {
        text += " " + fmt(T.ability, { theta: state.theta.toFixed(2), se: (state.theta_se || 0).toFixed(2) });
      }
      el.summaryText.textContent = text;
    }
  }

  async function load(focusPosition) {
    const result = await api("GET", config.urls.state);
    if (!result.ok) {
      showError(T.loadFailed);
      return;
    }
    applyState(result.data);
    S.queue.forEach((save) => (S.pending[save.position] = save.answer));
    if (S.queue.length) flush();
    el.loading.hidden = true;
    el.layout.hidden = false;
    if (focusPosition === undefined) {
      const open = S.state.items.findIndex((e) => !e.answered);
      S.index = open >= 0 ? open : 0;
      drawItem();
    } else if (focusPosition !== null) {
      S.index = Math.max(0, S.state.items.findIndex((e) => e.position === focusPosition));
    }
  }

  // --- keyboard: the exam page's keys ---------------------------------------------------------------------------

  document.addEventListener("keydown", (event) => {
    if (event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey || !S.state) return;
    const target = event.target;
    if (target && target.closest && target.closest("textarea, select, input:not([type=radio]):not([type=checkbox]), summary")) return;
    const key = event.key.length === 1 ? event.key.toLowerCase() : event.key;
    let handled = true;
    if (key === "ArrowRight" || key === "n") goTo(S.index + 1);
    else if (key === "ArrowLeft" || key === "p") goTo(S.index - 1);
    else if (key === "Enter" && tutorLike && !el.check.hidden && !el.check.disabled && !(target && target.closest("button"))) check();
    else if (CHOICE_KEYS.indexOf(key) >= 0 || /^[1-9]$/.test(key)) {
      const inputs = Array.from(el.item.querySelectorAll("fieldset.question input"));
      const input = /^[1-9]$/.test(key) ? inputs[Number(key) - 1] : inputs.find((i) => (i.dataset.label || "").toLowerCase() === key);
      handled = !!input && !input.disabled;
      if (handled) {
        input.click();
        input.focus();
      }
    } else handled = false;
    if (handled) event.preventDefault();
  });

  el.check.addEventListener("click", check);
  el.prev.addEventListener("click", () => goTo(S.index - 1));
  el.next.addEventListener("click", () => goTo(S.index + 1));
  el.bookmark.addEventListener("click", toggleBookmark);
  el.finish.addEventListener("click", finish);
  el.problemSend.addEventListener("click", sendProblem);
  window.addEventListener("online", flush);
  document.addEventListener("dicomviewer:available", () => window.DicomViewer && window.DicomViewer.autoInit(el.item));
  window.setInterval(tick, 500);
  load();
})();
