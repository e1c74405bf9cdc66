// The question editor: a structured form per question type that edits the content JSON held in the
// form's textarea (the textarea stays the source the server reads, so the page works without this
// script), objectives filtered by technique area, image upload with alt text and caption, and a live
// candidate preview rendered by the server (no key, no explanation). No libraries.
(function () {
  "use strict";

  const root = document.getElementById("content-editor");
  const form = document.getElementById("question-form");
  if (!root || !form) return;
  const textarea = form.querySelector("textarea[name=content]");
  if (!textarea) return;

  const T = readJSON(root.dataset.strings, {});
  const TYPES = readJSON(root.dataset.types, { all: [], case: [], starters: {} });
  const previewUrl = root.dataset.previewUrl;
  const uploadUrl = root.dataset.uploadUrl;
  const previewPane = document.getElementById("preview-pane");
  const previewStatus = document.getElementById("preview-status");
  const csrf = (form.querySelector("input[name=csrfmiddlewaretoken]") || {}).value || "";
  const LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ";
  let uid = 0;

  function readJSON(text, fallback) {
    try {
      return text ? JSON.parse(text) : fallback;
    } catch (error) {
      return fallback;
    }
  }

  function clone(value) {
    return JSON.parse(JSON.stringify(value));
  }

  function fmt(template, value) {
    return String(template || "").replace("%s", value);
  }

  // ------------------------------------------------------------------ state

  let state = readJSON(textarea.value, null);
  if (!state || typeof state !== "object" || Array.isArray(state) || !TYPES.starters[state.type]) {
    // The JSON cannot be edited structurally (hand-written, broken): leave the textarea to the author.
    return;
  }

  function sync() {
    textarea.value = JSON.stringify(state, null, 2);
    schedulePreview();
  }

  // ------------------------------------------------------------------ small DOM helpers

  function h(tag, attrs, children) {
    const node = document.createElement(tag);
    Object.entries(attrs || {}).forEach(([name, value]) => {
      if (value === null || value === undefined || value === false) return;
      if (name === "text") node.textContent = value;
      else if (name === "className") node.className = value;
      else if (name.startsWith("on")) node.addEventListener(name.slice(2), value);
      else if (name === "value") node.value = value;
      else if (name === "checked") node.checked = Boolean(value);
      else node.setAttribute(name, value === true ? "" : value);
    });
    (children || []).forEach((child) => {
      if (child) node.appendChild(typeof child === "string" ? document.createTextNode(child) : child);
    });
    return node;
  }

  function nextId() {
    uid += 1;
    return "ce-" + uid;
  }

  function textField(label, path, value, onInput, multiline) {
    const id = nextId();
    const input = multiline
      ? h("textarea", { id: id, rows: 3, "data-path": path, value: value || "" })
      : h("input", { type: "text", id: id, "data-path": path, value: value || "" });
    input.value = value || "";
    input.addEventListener("input", () => {
      onInput(input.value);
      sync();
    });
    return h("div", { className: "ce-field" }, [h("label", { for: id, text: label }), input]);
  }

  function toolButtons(list, index, rerender, minimum) {
    const move = (delta) => () => {
      const target = index + delta;
      if (target < 0 || target >= list.length) return;
      const item = list.splice(index, 1)[0];
      list.splice(target, 0, item);
      rerender();
    };
    return h("span", { className: "ce-tools" }, [
      h("button", { type: "button", text: "↑", title: T.up, "aria-label": T.up, onclick: move(-1), disabled: index === 0 }),
      h("button", {
        type: "button", text: "↓", title: T.down, "aria-label": T.down, onclick: move(1), disabled: index === list.length - 1,
      }),
      h("button", {
        type: "button", text: "✕", title: T.remove, "aria-label": T.remove, disabled: list.length <= (minimum || 0),
        onclick: () => {
          list.splice(index, 1);
          rerender();
        },
      }),
    ]);
  }

  // ------------------------------------------------------------------ ids and keys

  // Options are lettered A, B, C… in their order; keys follow the letters when options move.
  function reletter(q) {
    if (q.type === "tf" || !Array.isArray(q.options)) return;
    const mapping = {};
    q.options.forEach((option, index) => {
      mapping[option.id] = LETTERS[index];
      option.id = LETTERS[index];
    });
    const remap = (keys) => (keys || []).map((k) => mapping[k]).filter(Boolean);
    if (q.type === "order") {
      const kept = remap(q.key);
      q.options.forEach((option) => {
        if (!kept.includes(option.id)) kept.push(option.id);
      });
      q.key = kept;
    } else if (q.type === "emq") {
      (q.stems || []).forEach((stem) => {
        stem.key = remap(stem.key);
      });
    } else if (Array.isArray(q.key)) {
      q.key = remap(q.key);
    }
  }

  function renumberCase() {
    let n = 0;
    (state.stages || []).forEach((stage, index) => {
      stage.id = "s" + (index + 1);
      (stage.questions || []).forEach((question) => {
        n += 1;
        question.id = "q" + n;
      });
    });
  }

  function renumberStems(q) {
    (q.stems || []).forEach((stem, index) => {
      stem.id = String(index + 1);
    });
  }

  // ------------------------------------------------------------------ one question (also inside a case stage)

  function renderQuestion(q, path, rerender, inCase) {
    const at = (name) => (path ? path + "." + name : name);
    const box = h("div", {});
    if (!inCase) {
      const label = q.type === "emq" ? T.theme : q.type === "case" ? T.caseIntro : T.stem;
      box.appendChild(textField(label, at("stem"), q.stem, (v) => (q.stem = v), true));
    }
    if (q.type !== "case") {
      box.appendChild(textField(T.leadIn, at("lead_in"), q.lead_in, (v) => (q.lead_in = v), true));
      box.appendChild(renderOptions(q, path, rerender));
    }
    if (q.type === "mrq" || q.type === "order") box.appendChild(renderScoring(q, path));
    if (q.type === "order") box.appendChild(renderOrderKey(q, path, rerender));
    if (q.type === "emq") box.appendChild(renderStems(q, path, rerender));
    return box;
  }

  function renderOptions(q, path, rerender) {
    const at = (name) => (path ? path + "." + name : name);
    const block = h("div", { className: "ce-block", "data-path": at("options") }, [h("h4", { text: T.options })]);
    const keyBox = h("div", { "data-path": at("key") });
    const group = nextId();
    q.options = q.options || [];
    q.options.forEach((option, index) => {
      const optionPath = at("options[" + index + "]");
      const inputId = nextId();
      const input = h("input", {
        type: "text", id: inputId, value: option.text || "", "data-path": optionPath + ".text",
      });
      input.value = option.text || "";
      input.addEventListener("input", () => {
        option.text = input.value;
        sync();
      });
      let keyControl = null;
      if (q.type === "sba" || q.type === "tf" || q.type === "mrq") {
        const multiple = q.type === "mrq";
        const box = h("input", {
          type: multiple ? "checkbox" : "radio", name: group, checked: (q.key || []).includes(option.id),
          "aria-label": (multiple ? T.keys : T.key) + " " + option.id,
        });
        box.addEventListener("change", () => {
          if (multiple) {
            const keys = new Set(q.key || []);
            if (box.checked) keys.add(option.id);
            else keys.delete(option.id);
            q.key = q.options.map((o) => o.id).filter((id) => keys.has(id));
          } else {
            q.key = [option.id];
          }
          sync();
        });
        keyControl = h("label", { className: "ce-key" }, [box, multiple ? T.keys : T.key]);
      }
      block.appendChild(
        h("div", { className: "ce-row" }, [
          h("label", { className: "ce-id", for: inputId, text: option.id }),
          input,
          keyControl || h("span", {}),
          q.type === "tf" ? h("span", {}) : toolButtons(q.options, index, () => {
            reletter(q);
            rerender();
          }, q.type === "order" ? 2 : 3),
        ]),
      );
    });
    if (q.type !== "tf" && q.options.length < 26) {
      block.appendChild(
        h("button", {
          type: "button", className: "ce-add", text: "+ " + T.addOption,
          onclick: () => {
            const id = LETTERS[q.options.length];
            q.options.push({ id: id, text: "" });
            if (q.type === "order") q.key = (q.key || []).concat([id]);
            rerender();
          },
        }),
      );
    }
    block.appendChild(keyBox);
    return block;
  }

  function renderScoring(q, path) {
    const at = path ? path + ".scoring" : "scoring";
    const choices = q.type === "mrq" ? [["all_or_nothing", T.allOrNothing], ["partial", T.partial]]
      : [["exact", T.exact], ["adjacent", T.adjacent]];
    const id = nextId();
    const select = h("select", { id: id, "data-path": at }, choices.map(([value, label]) => h("option", { value: value, text: label })));
    select.value = q.scoring || choices[0][0];
    select.addEventListener("change", () => {
      q.scoring = select.value;
      sync();
    });
    return h("div", { className: "ce-field" }, [h("label", { for: id, text: T.scoring }), select]);
  }

  function renderOrderKey(q, path, rerender) {
    const at = path ? path + ".key" : "key";
    const block = h("div", { className: "ce-block", "data-path": at }, [h("h4", { text: T.correctOrder })]);
    const list = h("ol", {});
    q.key = q.key || [];
    q.key.forEach((id, index) => {
      const option = (q.options || []).find((o) => o.id === id);
      list.appendChild(
        h("li", {}, [
          h("strong", { text: id + " " }),
          (option && option.text) || "",
          " ",
          toolButtons(q.key, index, rerender, q.key.length),
        ]),
      );
    });
    block.appendChild(list);
    return block;
  }

  function renderStems(q, path, rerender) {
    const at = (name) => (path ? path + "." + name : name);
    const block = h("div", { className: "ce-block", "data-path": at("stems") }, [h("h4", { text: T.stems })]);
    q.stems = q.stems || [];
    q.stems.forEach((stem, index) => {
      const stemPath = at("stems[" + index + "]");
      const textId = nextId();
      const input = h("input", { type: "text", id: textId, "data-path": stemPath + ".text", value: stem.text || "" });
      input.value = stem.text || "";
      input.addEventListener("input", () => {
        stem.text = input.value;
        sync();
      });
      const select = h(
        "select",
        { "data-path": stemPath + ".key", "aria-label": fmt(T.stemKey, stem.id) },
        [h("option", { value: "", text: "—" })].concat((q.options || []).map((o) => h("option", { value: o.id, text: o.id }))),
      );
      select.value = (stem.key || [])[0] || "";
      select.addEventListener("change", () => {
        stem.key = select.value ? [select.value] : [];
        sync();
      });
      block.appendChild(
        h("div", { className: "ce-row" }, [
          h("label", { className: "ce-id", for: textId, text: stem.id }),
          input,
          h("span", { className: "ce-key" }, [T.key + " ", select]),
          toolButtons(q.stems, index, () => {
            renumberStems(q);
            rerender();
          }, 2),
        ]),
      );
    });
    block.appendChild(
      h("button", {
        type: "button", className: "ce-add", text: "+ " + T.addStem,
        onclick: () => {
          q.stems.push({ id: String(q.stems.length + 1), text: "", key: [] });
          rerender();
        },
      }),
    );
    return block;
  }

  // ------------------------------------------------------------------ media (stem or stage)

  function renderMedia(owner, path, rerender) {
    const at = path ? path + ".media" : "media";
    owner.media = owner.media || [];
    const block = h("div", { className: "ce-block", "data-path": at }, [h("h4", { text: T.images })]);
    owner.media.forEach((m, index) => {
      const itemPath = at + "[" + index + "]";
      block.appendChild(
        h("div", { className: "ce-media" }, [
          m.kind === "dicom" // a DICOM series: its viewer shows in the preview
            ? h("span", { className: "badge", text: "DICOM" })
            : h("img", { src: mediaUrl(m.ref), alt: m.alt || "" }),
          h("div", {}, [
            textField(T.alt, itemPath + ".alt", m.alt, (v) => (m.alt = v), false),
            textField(T.caption, itemPath + ".caption", m.caption, (v) => (m.caption = v), false),
          ]),
          toolButtons(owner.media, index, rerender, 0),
        ]),
      );
    });
    const fileId = nextId();
    const altId = nextId();
    const captionId = nextId();
    const file = h("input", { type: "file", id: fileId, accept: "image/png,image/jpeg,image/gif,image/webp,image/bmp,image/tiff" });
    const alt = h("input", { type: "text", id: altId });
    const caption = h("input", { type: "text", id: captionId });
    const status = h("p", { className: "ce-status", role: "status" });
    const button = h("button", { type: "button", className: "ce-add", text: T.upload });
    button.addEventListener("click", () => {
      if (!file.files || !file.files[0]) {
        file.focus();
        return;
      }
      if (!alt.value.trim()) {
        status.textContent = T.needAlt;
        alt.focus();
        return;
      }
      const body = new FormData();
      body.append("file", file.files[0]);
      status.textContent = T.uploading;
      button.disabled = true;
      fetch(uploadUrl, { method: "POST", body: body, headers: { "X-CSRFToken": csrf }, credentials: "same-origin" })
        .then((response) => response.json().then((data) => ({ ok: response.ok, data: data })))
        .then(({ ok, data }) => {
          button.disabled = false;
          if (!ok) {
            status.textContent = data.detail || T.uploadFailed;
            return;
          }
          mediaUrls[data.id] = data.url;
          owner.media.push({ ref: data.id, alt: alt.value.trim(), caption: caption.value.trim() });
          rerender();
        })
        .catch(() => {
          button.disabled = false;
          status.textContent = T.uploadFailed;
        });
    });
    block.appendChild(
      h("div", { className: "ce-upload" }, [
        h("label", { for: fileId, className: "ce-label", text: T.imageFile }), file,
        h("label", { for: altId, className: "ce-label", text: T.alt }), alt,
        h("label", { for: captionId, className: "ce-label", text: T.caption }), caption,
        button, status,
      ]),
    );
    return block;
  }

  const mediaUrls = {};
  const MEDIA_PLACEHOLDER = "00000000-0000-0000-0000-000000000000";
  function mediaUrl(ref) {
    if (mediaUrls[ref]) return mediaUrls[ref];
    return (root.dataset.mediaUrl || "").replace(MEDIA_PLACEHOLDER, encodeURIComponent(ref));
  }

  // ------------------------------------------------------------------ case stages

  function renderStages(rerender) {
    const block = h("div", { className: "ce-block", "data-path": "stages" }, [h("h3", { text: T.stages })]);
    state.stages = state.stages || [];
    state.stages.forEach((stage, index) => {
      const stagePath = "stages[" + index + "]";
      const section = h("div", { className: "ce-block", "data-path": stagePath }, [
        h("h4", {}, [fmt(T.stageN, index + 1) + " ", toolButtons(state.stages, index, () => {
          renumberCase();
          rerender();
        }, 2)]),
      ]);
      section.appendChild(textField(T.stageText, stagePath + ".text", stage.text, (v) => (stage.text = v), true));
      section.appendChild(renderMedia(stage, stagePath, rerender));
      stage.questions = stage.questions || [];
      stage.questions.forEach((question, qIndex) => {
        const qPath = stagePath + ".questions[" + qIndex + "]";
        const qBox = h("div", { className: "ce-block", "data-path": qPath }, [
          h("h4", {}, [fmt(T.questionN, question.id) + " ", toolButtons(stage.questions, qIndex, () => {
            renumberCase();
            rerender();
          }, 1)]),
          typeSelect(TYPES.case, question.type, (value) => {
            const fresh = clone(TYPES.starters[value]);
            delete fresh.explanation;
            delete fresh.stem;
            fresh.lead_in = question.lead_in || "";
            fresh.id = question.id;
            stage.questions[qIndex] = fresh;
            rerender();
          }),
        ]);
        qBox.appendChild(renderQuestion(question, qPath, rerender, true));
        section.appendChild(qBox);
      });
      section.appendChild(
        h("button", {
          type: "button", className: "ce-add", text: "+ " + T.addQuestion,
          onclick: () => {
            const fresh = clone(TYPES.starters.sba);
            delete fresh.explanation;
            delete fresh.stem;
            stage.questions.push(Object.assign({ id: "" }, fresh));
            renumberCase();
            rerender();
          },
        }),
      );
      block.appendChild(section);
    });
    block.appendChild(
      h("button", {
        type: "button", className: "ce-add", text: "+ " + T.addStage,
        onclick: () => {
          const fresh = clone(TYPES.starters.sba);
          delete fresh.explanation;
          delete fresh.stem;
          state.stages.push({ id: "", text: "", questions: [Object.assign({ id: "" }, fresh)] });
          renumberCase();
          rerender();
        },
      }),
    );
    return block;
  }

  function typeSelect(choices, value, onChange) {
    const id = nextId();
    const select = h("select", { id: id }, choices.map(([v, label]) => h("option", { value: v, text: label })));
    select.value = value;
    select.addEventListener("change", () => {
      if (select.value === value) return;
      if (!window.confirm(T.changeType)) {
        select.value = value;
        return;
      }
      onChange(select.value);
    });
    return h("div", { className: "ce-field" }, [h("label", { for: id, text: T.type }), select]);
  }

  // ------------------------------------------------------------------ the whole editor

  function render() {
    const focusedPath = document.activeElement && document.activeElement.dataset ? document.activeElement.dataset.path : null;
    root.textContent = "";
    root.appendChild(
      typeSelect(TYPES.all, state.type, (value) => {
        const fresh = clone(TYPES.starters[value]);
        ["stem", "explanation", "references", "media"].forEach((name) => {
          if (state[name] !== undefined) fresh[name] = state[name];
        });
        if (value !== "case" && state.lead_in !== undefined) fresh.lead_in = state.lead_in;
        state = fresh;
        rerender();
      }),
    );
    root.appendChild(renderQuestion(state, "", rerender, false));
    root.appendChild(renderMedia(state, "", rerender));
    if (state.type === "case") root.appendChild(renderStages(rerender));
    root.appendChild(textField(T.explanation, "explanation", state.explanation, (v) => (state.explanation = v), true));
    root.appendChild(
      textField(T.references, "references", (state.references || []).join("\n"), (v) => {
        const lines = v.split("\n").map((line) => line.trim()).filter(Boolean);
        if (lines.length) state.references = lines;
        else delete state.references;
      }, true),
    );
    showIssues(issues);
    if (focusedPath) {
      const again = root.querySelector('[data-path="' + CSS.escape(focusedPath) + '"]');
      if (again && again.focus) again.focus();
    }
  }

  function rerender() {
    render();
    sync();
  }

  // ------------------------------------------------------------------ problems next to the fields

  let issues = readJSON(root.dataset.issues, []);

  // "stages[0].questions[1].key[0]" → the closest element carrying a data-path it starts with.
  function placeFor(path) {
    let current = path || "";
    while (current) {
      const node = root.querySelector('[data-path="' + CSS.escape(current) + '"]');
      if (node) return node;
      const cut = Math.max(current.lastIndexOf("."), current.lastIndexOf("["));
      current = cut > 0 ? current.slice(0, cut) : "";
    }
    return root.firstElementChild;
  }

  function showIssues(list) {
    root.querySelectorAll(".field-error").forEach((node) => node.remove());
    root.querySelectorAll("[aria-invalid]").forEach((node) => node.removeAttribute("aria-invalid"));
    (list || []).forEach((issue) => {
      const place = placeFor(issue.path);
      if (!place) return;
      const id = nextId();
      const message = h("p", { className: "field-error", id: id, text: issue.message });
      if (place.matches("input, textarea, select")) {
        place.setAttribute("aria-invalid", "true");
        place.setAttribute("aria-describedby", id);
        place.insertAdjacentElement("afterend", message);
      } else {
        place.insertBefore(message, place.children[1] || null);
      }
    });
  }

  // ------------------------------------------------------------------ live preview

  let timer = null;
  let sequence = 0;

  function schedulePreview() {
    window.clearTimeout(timer);
    timer = window.setTimeout(loadPreview, 400);
  }

  function loadPreview() {
    if (!previewUrl || !previewPane) return;
    sequence += 1;
    const mine = sequence;
    previewStatus.textContent = T.previewLoading;
    fetch(previewUrl, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf },
      body: JSON.stringify({ content: state }),
    })
      .then((response) => response.json().then((data) => ({ ok: response.ok, data: data })))
      .then(({ ok, data }) => {
        if (mine !== sequence) return;
        if (ok) {
          previewPane.innerHTML = data.html; // rendered and sanitised by the server
          if (window.DicomViewer) window.DicomViewer.autoInit(previewPane); // DICOM series in the preview
          previewStatus.textContent = T.previewReady;
          issues = [];
        } else {
          previewStatus.textContent = (data.detail ? data.detail + " " : "") + T.previewProblems;
          issues = data.errors || [];
        }
        showIssues(issues);
      })
      .catch(() => {
        if (mine === sequence) previewStatus.textContent = T.previewFailed;
      });
  }

  // ------------------------------------------------------------------ objectives follow the technique area

  function filterObjectives() {
    const area = form.querySelector("select[name=area]");
    const list = form.querySelector(".objective-list");
    if (!area || !list) return;
    let shown = 0;
    list.querySelectorAll("input[data-area]").forEach((input) => {
      const row = input.closest("div") || input.parentElement;
      const match = !area.value || input.dataset.area === area.value;
      if (!match) input.checked = false;
      row.hidden = !match;
      if (match) shown += 1;
    });
    const empty = form.querySelector(".objectives-empty");
    if (empty) empty.hidden = shown > 0;
  }

  // ------------------------------------------------------------------ start

  const details = form.querySelector(".json-details");
  if (details && !issues.length) details.open = false;
  const hint = document.querySelector(".editor-preview .js-only");
  if (hint) hint.hidden = false;
  textarea.addEventListener("change", () => {
    const parsed = readJSON(textarea.value, null);
    if (parsed && typeof parsed === "object" && TYPES.starters[parsed.type]) {
      state = parsed;
      render();
      schedulePreview();
    }
  });
  const areaSelect = form.querySelector("select[name=area]");
  if (areaSelect) areaSelect.addEventListener("change", filterObjectives);
  filterObjectives();
  render();
  loadPreview();
})();
