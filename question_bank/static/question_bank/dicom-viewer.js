/**
 * DicomViewer: a dependency-free viewer for series converted by question_bank/dicom.py.
 *
 *   import { DicomViewer } from "./dicom-viewer.js";
 *   const viewer = new DicomViewer(element, { manifestUrl, dataUrl });
 *   await viewer.ready;
 *
 * It fetches the JSON manifest and the binary blob once (ordinary cacheable GETs; a gzip/deflate blob
 * served without Content-Encoding is decompressed with DecompressionStream), keeps the frames in a
 * typed array and renders them to a <canvas>, applying window/level in JS. Once loaded it needs no
 * network. No CDN, no external library.
 *
 * Controls: mouse wheel / arrow keys / PageUp, PageDown / Home, End / the slider scroll slices or
 * frames; Space plays and pauses a cine; right-drag (or left-drag in W/L mode, key W) changes window
 * and level; preset buttons (keys 1–9); Ctrl+wheel or the +/- buttons (keys + and -) zoom; left-drag
 * pans; R resets.
 *
 * Every visible string comes from data attributes on `element` (so a Django template can translate
 * them), with English defaults: data-label-slice, data-label-frame, data-label-play, data-label-pause,
 * data-label-wl-mode, data-label-zoom-in, data-label-zoom-out, data-label-reset, data-label-viewer,
 * data-label-presets, data-label-loading, data-label-error, data-label-zoom, data-label-window-short
 * ("W"), data-label-level-short ("L") and data-label-preset-<name> (e.g. data-label-preset-soft_tissue).
 * The URLs may also come from data-manifest-url and data-data-url. A label missing on `element` is taken
 * from the page's shared #dicom-viewer-labels element (question_bank/_dicom_assets.html), if any.
 *
 * Display choices (options or data attributes): initialFrame / data-initial-frame (0-based slice or
 * frame shown first), windowPreset / data-window-preset (a manifest preset name used as the default
 * window, also by reset), roi / data-roi (JSON {frame, x, y, width, height} in pixels: a region of
 * interest outlined on that frame; for explanations only, never for candidates).
 *
 * Loaded as a module it also sets window.DicomViewer and fires "dicomviewer:available" on document,
 * so classic scripts (the exam page) can start viewers in content they draw: DicomViewer.autoInit(root).
 */

const DEFAULT_LABELS = {
  slice: "Slice",
  frame: "Frame",
  play: "Play cine",
  pause: "Pause cine",
  wlMode: "Window/level mode (drag to adjust)",
  zoomIn: "Zoom in",
  zoomOut: "Zoom out",
  reset: "Reset view",
  viewer: "Image viewer: use the arrow keys to change slice",
  presets: "Window presets",
  loading: "Loading images…",
  error: "The images could not be loaded.",
  zoom: "Zoom",
  windowShort: "W",
  levelShort: "L",
};

const TYPED_ARRAYS = { int16: Int16Array, uint16: Uint16Array, uint8: Uint8Array };
const MIN_ZOOM = 0.25;
const MAX_ZOOM = 16;
const DEFAULT_CINE_FPS = 10;
const STATUS_DELAY_MS = 150;

function labelKey(name) {
  // "zoomIn" -> "labelZoomIn" (dataset key of data-label-zoom-in)
  return "label" + name.charAt(0).toUpperCase() + name.slice(1);
}

function littleEndianHost() {
  return new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
}

function formatNumber(value) {
  return Number.isInteger(value) ? String(value) : value.toFixed(1).replace(/\.0$/, "");
}

export class DicomViewer {
  /**
   * @param {HTMLElement} element container; its content is replaced by the viewer
   * @param {{manifestUrl?: string, dataUrl?: string, fetchOptions?: RequestInit}} options
   */
  constructor(element, options = {}) {
    if (!(element instanceof HTMLElement)) throw new TypeError("DicomViewer needs a container element");
    this.element = element;
    this.manifestUrl = options.manifestUrl || element.dataset.manifestUrl;
    this.dataUrl = options.dataUrl || element.dataset.dataUrl;
    if (!this.manifestUrl || !this.dataUrl) throw new TypeError("DicomViewer needs manifestUrl and dataUrl");
    this.fetchOptions = { credentials: "same-origin", ...(options.fetchOptions || {}) };
    const shared = document.getElementById("dicom-viewer-labels");
    this.sharedLabels = shared ? shared.dataset : {};
    this.labels = {};
    for (const [name, fallback] of Object.entries(DEFAULT_LABELS)) {
      this.labels[name] = element.dataset[labelKey(name)] || this.sharedLabels[labelKey(name)] || fallback;
    }
    const initial = Number(options.initialFrame ?? element.dataset.initialFrame ?? 0);
    this.initialFrame = Number.isInteger(initial) && initial >= 0 ? initial : 0;
    this.windowPreset = options.windowPreset || element.dataset.windowPreset || null;
    this.roi = options.roi || (element.dataset.roi ? JSON.parse(element.dataset.roi) : null);
    element.dicomViewer = this;

    this.manifest = null;
    this.pixels = null;
    this.frameIndex = 0;
    this.window = null; // {center, width} on modality values, null for RGB
    this.zoom = 1;
    this.pan = { x: 0, y: 0 };
    this.wlMode = false;
    this.playing = false;
    this.presetButtons = [];
    this._lut = null;
    this._lutKey = "";
    this._drag = null;
    this._raf = 0;
    this._statusTimer = 0;
    this._listeners = [];

    this._buildDom();
    this._setStatus(this.labels.loading, true);
    this.ready = this._load().catch((error) => {
      this.element.classList.add("dv-failed");
      this.status.setAttribute("role", "alert");
      this._setStatus(this.labels.error, true);
      this.element.dispatchEvent(new CustomEvent("dicomviewer:error", { detail: { error } }));
      throw error;
    });
  }

  /** Start every element carrying data-dicom-viewer under `root`; returns the viewers. */
  static autoInit(root = document) {
    const viewers = [];
    for (const el of root.querySelectorAll("[data-dicom-viewer]")) {
      if (el.dicomViewer) {
        viewers.push(el.dicomViewer); // started already
        continue;
      }
      try {
        const viewer = new DicomViewer(el);
        viewer.ready.catch(() => {}); // the error is shown in the viewer's status line
        viewers.push(viewer);
      } catch (error) {
        console.error(error); // e.g. an element without URLs: leave it, start the others
      }
    }
    return viewers;
  }

  // ---------------------------------------------------------------------------------------------
  // Loading
  // ---------------------------------------------------------------------------------------------

  async _load() {
    const [manifestResponse, dataResponse] = await Promise.all([
      fetch(this.manifestUrl, this.fetchOptions),
      fetch(this.dataUrl, this.fetchOptions),
    ]);
    if (!manifestResponse.ok) throw new Error(`manifest: HTTP ${manifestResponse.status}`);
    if (!dataResponse.ok) throw new Error(`data: HTTP ${dataResponse.status}`);
    const manifest = await manifestResponse.json();
    this._checkManifest(manifest);
    if (dataResponse.body && littleEndianHost() && typeof ReadableStream !== "undefined") {
      await this._stream(manifest, dataResponse);
      return this;
    }
    let buffer = await dataResponse.arrayBuffer();
    if (buffer.byteLength !== manifest.data_bytes && manifest.compression) {
      buffer = await this._decompress(buffer, manifest.compression);
    }
    if (buffer.byteLength !== manifest.data_bytes) {
      throw new Error(`data: expected ${manifest.data_bytes} bytes, got ${buffer.byteLength}`);
    }
    this.manifest = manifest;
    this.pixels = this._typedArray(buffer, manifest.dtype);
    this.loadedFrames = manifest.frames;
    this._afterLoad();
    this._complete();
    return this;
  }

  /**
   * Read the blob as it arrives into a buffer of the final size and show the initial frame as soon as
   * its bytes are in (a large series paints long before its last slice has arrived); scrolling is
   * limited to the frames received so far. A gzip/deflate blob the browser did not inflate (no
   * Content-Encoding) goes through DecompressionStream on the way.
   */
  async _stream(manifest, response) {
    let stream = response.body;
    const encoding = (response.headers.get("Content-Encoding") || "").toLowerCase();
    if (manifest.compression && !encoding.includes(manifest.compression === "gzip" ? "gzip" : "deflate")) {
      if (typeof DecompressionStream === "undefined") throw new Error("DecompressionStream is not available");
      stream = stream.pipeThrough(new DecompressionStream(manifest.compression === "gzip" ? "gzip" : "deflate"));
    }
    const buffer = new ArrayBuffer(manifest.data_bytes);
    const bytes = new Uint8Array(buffer);
    this.manifest = manifest;
    this.pixels = new TYPED_ARRAYS[manifest.dtype](buffer);
    this.loadedFrames = 0;
    const wanted = Math.min(this.initialFrame, manifest.frames - 1) + 1;
    const reader = stream.getReader();
    let offset = 0;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      if (offset + value.byteLength > bytes.byteLength) {
        reader.cancel();
        throw new Error(`data: more than the expected ${manifest.data_bytes} bytes`);
      }
      bytes.set(value, offset);
      offset += value.byteLength;
      const frames = Math.floor(offset / manifest.frame_bytes);
      if (frames > this.loadedFrames) {
        const first = this.loadedFrames < wanted && frames >= wanted;
        this.loadedFrames = frames;
        if (first) this._afterLoad();
      }
    }
    if (offset !== manifest.data_bytes) throw new Error(`data: expected ${manifest.data_bytes} bytes, got ${offset}`);
    this.loadedFrames = manifest.frames;
    if (!this.image) this._afterLoad();
    this._complete();
  }

  _checkManifest(m) {
    const ok =
      m && m.version === 1 && Number.isInteger(m.rows) && Number.isInteger(m.columns) &&
      Number.isInteger(m.frames) && m.frames > 0 && TYPED_ARRAYS[m.dtype] &&
      (m.samples_per_pixel === 1 || (m.samples_per_pixel === 3 && m.dtype === "uint8"));
    if (!ok) throw new Error("manifest: unsupported format");
  }

  async _decompress(buffer, method) {
    if (typeof DecompressionStream === "undefined") throw new Error("DecompressionStream is not available");
    const format = method === "gzip" ? "gzip" : method === "deflate" ? "deflate" : null;
    if (!format) throw new Error(`unsupported compression ${method}`);
    const stream = new Blob([buffer]).stream().pipeThrough(new DecompressionStream(format));
    return new Response(stream).arrayBuffer();
  }

  _typedArray(buffer, dtype) {
    const Type = TYPED_ARRAYS[dtype];
    if (Type.BYTES_PER_ELEMENT === 1 || littleEndianHost()) return new Type(buffer);
    const view = new DataView(buffer);
    const out = new Type(buffer.byteLength / 2);
    const read = dtype === "int16" ? (i) => view.getInt16(i * 2, true) : (i) => view.getUint16(i * 2, true);
    for (let i = 0; i < out.length; i++) out[i] = read(i);
    return out;
  }

  _afterLoad() {
    const m = this.manifest;
    this.image = document.createElement("canvas");
    this.image.width = m.columns;
    this.image.height = m.rows;
    this.imageContext = this.image.getContext("2d");
    this.imageData = this.imageContext.createImageData(m.columns, m.rows);
    this.imageData.data.fill(255);

    this.slider.max = String(m.frames - 1);
    this.slider.setAttribute("aria-label", m.kind === "cine" ? this.labels.frame : this.labels.slice);
    this.slider.hidden = m.frames < 2;
    this.playButton.hidden = m.frames < 2;
    const grey = m.samples_per_pixel === 1;
    this.wlButton.hidden = !grey;
    this._buildPresets(grey ? m.presets || {} : {});
    this.element.classList.add("dv-rendered");
    this.frameIndex = Math.min(this.initialFrame, m.frames - 1);
    this.reset();
    this.element.dispatchEvent(new CustomEvent("dicomviewer:firstrender", { detail: { viewer: this } }));
  }

  /** Every frame is in: scrolling is free, and the viewer says it is ready. */
  _complete() {
    this.element.classList.add("dv-loaded");
    this.element.dispatchEvent(new CustomEvent("dicomviewer:ready", { detail: { viewer: this } }));
  }

  // ---------------------------------------------------------------------------------------------
  // DOM
  // ---------------------------------------------------------------------------------------------

  _buildDom() {
    const el = this.element;
    el.classList.add("dicom-viewer");
    el.replaceChildren();

    this.toolbar = document.createElement("div");
    this.toolbar.className = "dv-toolbar";
    this.toolbar.setAttribute("role", "toolbar");
    this.toolbar.setAttribute("aria-label", this.labels.viewer);

    this.playButton = this._button("dv-play", this.labels.play, "▶", () => this.togglePlay());
    this.playButton.setAttribute("aria-pressed", "false");
    this.wlButton = this._button("dv-wl", this.labels.wlMode, "W/L", () => this.setWlMode(!this.wlMode));
    this.wlButton.setAttribute("aria-pressed", "false");
    const zoomIn = this._button("dv-zoom-in", this.labels.zoomIn, "+", () => this.zoomBy(1.25));
    const zoomOut = this._button("dv-zoom-out", this.labels.zoomOut, "−", () => this.zoomBy(0.8));
    const reset = this._button("dv-reset", this.labels.reset, "⟲", () => this.reset());
    this.presetGroup = document.createElement("div");
    this.presetGroup.className = "dv-presets";
    this.presetGroup.setAttribute("role", "group");
    this.presetGroup.setAttribute("aria-label", this.labels.presets);
    this.toolbar.append(this.playButton, this.wlButton, zoomIn, zoomOut, reset, this.presetGroup);

    this.stage = document.createElement("div");
    this.stage.className = "dv-stage";
    this.stage.tabIndex = 0;
    this.stage.setAttribute("role", "application");
    this.stage.setAttribute("aria-roledescription", "image viewer");
    this.stage.setAttribute("aria-label", this.labels.viewer);
    this.canvas = document.createElement("canvas");
    this.canvas.className = "dv-canvas";
    this.canvas.setAttribute("aria-hidden", "true");
    this.context = this.canvas.getContext("2d");
    this.stage.append(this.canvas);

    this.slider = document.createElement("input");
    this.slider.type = "range";
    this.slider.className = "dv-slider";
    this.slider.min = "0";
    this.slider.max = "0";
    this.slider.step = "1";
    this.slider.value = "0";
    this.slider.setAttribute("aria-label", this.labels.slice);
    this.slider.hidden = true;

    this.status = document.createElement("div");
    this.status.className = "dv-status";
    this.status.setAttribute("aria-live", "polite");
    this.status.setAttribute("aria-atomic", "true");

    el.append(this.toolbar, this.stage, this.slider, this.status);

    this._on(this.slider, "input", () => this.setFrame(Number(this.slider.value)));
    this._on(this.stage, "wheel", (e) => this._onWheel(e), { passive: false });
    this._on(this.stage, "keydown", (e) => this._onKey(e));
    this._on(this.stage, "pointerdown", (e) => this._onPointerDown(e));
    this._on(this.stage, "pointermove", (e) => this._onPointerMove(e));
    this._on(this.stage, "pointerup", (e) => this._onPointerUp(e));
    this._on(this.stage, "pointercancel", (e) => this._onPointerUp(e));
    this._on(this.stage, "contextmenu", (e) => e.preventDefault());
    if (typeof ResizeObserver !== "undefined") {
      this._resizeObserver = new ResizeObserver(() => this.render());
      this._resizeObserver.observe(this.stage);
    }
  }

  _button(className, label, text, onClick) {
    const button = document.createElement("button");
    button.type = "button";
    button.className = `dv-button ${className}`;
    button.setAttribute("aria-label", label);
    button.title = label;
    button.textContent = text;
    this._on(button, "click", onClick);
    return button;
  }

  _buildPresets(presets) {
    this.presetButtons = [];
    this.presetGroup.replaceChildren();
    Object.entries(presets).forEach(([name, preset], index) => {
      // data-label-preset-soft_tissue is dataset.labelPresetSoft_tissue
      const key = `labelPreset${name.charAt(0).toUpperCase()}${name.slice(1)}`;
      const label = this.element.dataset[key] || this.sharedLabels[key] || preset.label || name;
      const button = this._button("dv-preset", label, label, () => this.applyPreset(name));
      button.dataset.preset = name;
      button.setAttribute("aria-pressed", "false");
      if (index < 9) button.setAttribute("aria-keyshortcuts", String(index + 1));
      this.presetGroup.append(button);
      this.presetButtons.push(button);
    });
    this.presetGroup.hidden = this.presetButtons.length === 0;
  }

  _on(target, type, handler, options) {
    target.addEventListener(type, handler, options);
    this._listeners.push([target, type, handler, options]);
  }

  /** Remove listeners and stop the cine; the element keeps its last image. */
  destroy() {
    this.pause();
    for (const [target, type, handler, options] of this._listeners) target.removeEventListener(type, handler, options);
    this._listeners = [];
    if (this._resizeObserver) this._resizeObserver.disconnect();
    clearTimeout(this._statusTimer);
  }

  // ---------------------------------------------------------------------------------------------
  // State changes
  // ---------------------------------------------------------------------------------------------

  get frameCount() {
    return this.manifest ? this.manifest.frames : 0;
  }

  setFrame(index) {
    if (!this.image) return;
    const clamped = Math.max(0, Math.min(this.loadedFrames - 1, Math.round(index)));
    if (clamped === this.frameIndex && this._rendered) return;
    this.frameIndex = clamped;
    this.slider.value = String(clamped);
    this.render();
    this._announce();
    this.element.dispatchEvent(new CustomEvent("dicomviewer:frame", { detail: { index: clamped } }));
  }

  step(delta) {
    this.setFrame(this.frameIndex + delta);
  }

  setWindow(center, width) {
    if (!this.image || this.manifest.samples_per_pixel !== 1) return;
    this.window = { center: Number(center), width: Math.max(1, Number(width)) };
    for (const button of this.presetButtons) {
      const preset = this.manifest.presets[button.dataset.preset];
      const active = preset && preset.center === this.window.center && preset.width === this.window.width;
      button.setAttribute("aria-pressed", active ? "true" : "false");
    }
    this.render();
    this._announce();
  }

  applyPreset(name) {
    const preset = this.manifest && this.manifest.presets && this.manifest.presets[name];
    if (preset) this.setWindow(preset.center, preset.width);
  }

  setWlMode(on) {
    this.wlMode = Boolean(on);
    this.wlButton.setAttribute("aria-pressed", this.wlMode ? "true" : "false");
    this.stage.classList.toggle("dv-wl-mode", this.wlMode);
  }

  zoomBy(factor, anchor) {
    const zoom = Math.max(MIN_ZOOM, Math.min(MAX_ZOOM, this.zoom * factor));
    if (anchor) {
      // keep the image point under the cursor where it is
      const real = zoom / this.zoom;
      this.pan.x = anchor.x - (anchor.x - this.pan.x) * real;
      this.pan.y = anchor.y - (anchor.y - this.pan.y) * real;
    }
    this.zoom = zoom;
    this.render();
    this._announce();
  }

  reset() {
    if (!this.image) return;
    this.pause();
    this.zoom = 1;
    this.pan = { x: 0, y: 0 };
    const m = this.manifest;
    if (m.samples_per_pixel === 1) {
      const chosen = this.windowPreset && m.presets ? m.presets[this.windowPreset] : null;
      const w = chosen || m.default_window || {
        center: (m.value_range[0] + m.value_range[1]) / 2,
        width: Math.max(1, m.value_range[1] - m.value_range[0]),
      };
      this.setWindow(w.center, w.width);
    }
    this._rendered = false;
    this.setFrame(this.frameIndex);
  }

  togglePlay() {
    if (this.playing) this.pause();
    else this.play();
  }

  play() {
    if (!this.image || this.frameCount < 2 || this.playing) return;
    this.playing = true;
    this.playButton.setAttribute("aria-pressed", "true");
    this.playButton.setAttribute("aria-label", this.labels.pause);
    this.playButton.title = this.labels.pause;
    this.playButton.textContent = "❚❚";
    this.status.setAttribute("aria-live", "off"); // do not read out every frame
    const interval = 1000 / (this.manifest.frame_rate || DEFAULT_CINE_FPS);
    let last = performance.now();
    const tick = (now) => {
      if (!this.playing) return;
      if (now - last >= interval) {
        const steps = Math.floor((now - last) / interval);
        last += steps * interval;
        this.setFrame((this.frameIndex + steps) % this.frameCount);
      }
      this._raf = requestAnimationFrame(tick);
    };
    this._raf = requestAnimationFrame(tick);
  }

  pause() {
    if (!this.playing) return;
    this.playing = false;
    cancelAnimationFrame(this._raf);
    this.playButton.setAttribute("aria-pressed", "false");
    this.playButton.setAttribute("aria-label", this.labels.play);
    this.playButton.title = this.labels.play;
    this.playButton.textContent = "▶";
    this.status.setAttribute("aria-live", "polite");
    this._announce();
  }

  // ---------------------------------------------------------------------------------------------
  // Rendering
  // ---------------------------------------------------------------------------------------------

  /** The 8-bit lookup table for the current window over the manifest's value range. */
  /** The window LUT as opaque grey RGBA pixels (little-endian), rebuilt only when the LUT changes. */
  _packedLut(lut) {
    if (this._packedFor === lut) return this._packed;
    const packed = new Uint32Array(lut.length);
    for (let i = 0; i < lut.length; i++) packed[i] = (0xff000000 | (lut[i] << 16) | (lut[i] << 8) | lut[i]) >>> 0;
    this._packed = packed;
    this._packedFor = lut;
    return packed;
  }

  _windowLut() {
    const m = this.manifest;
    const [low, high] = m.value_range;
    const invert = m.photometric === "MONOCHROME1";
    const key = `${this.window.center}|${this.window.width}|${invert}`;
    if (this._lut && this._lutKey === key) return this._lut;
    const lut = new Uint8ClampedArray(high - low + 1);
    // DICOM PS3.3 C.11.2.1.2.1 linear VOI function
    const c = this.window.center - 0.5;
    const w = this.window.width - 1;
    for (let v = low; v <= high; v++) {
      let y;
      if (w <= 0) y = v <= c ? 0 : 255;
      else if (v <= c - w / 2) y = 0;
      else if (v > c + w / 2) y = 255;
      else y = ((v - c) / w + 0.5) * 255;
      lut[v - low] = invert ? 255 - y : y;
    }
    this._lut = lut;
    this._lutKey = key;
    return lut;
  }

  _paintFrame() {
    const m = this.manifest;
    const count = m.rows * m.columns;
    const out = this.imageData.data;
    if (m.samples_per_pixel === 3) {
      const frame = this.pixels.subarray(this.frameIndex * count * 3, (this.frameIndex + 1) * count * 3);
      for (let i = 0, j = 0; i < count; i++, j += 3) {
        out[i * 4] = frame[j];
        out[i * 4 + 1] = frame[j + 1];
        out[i * 4 + 2] = frame[j + 2];
      }
    } else {
      const frame = this.pixels.subarray(this.frameIndex * count, (this.frameIndex + 1) * count);
      const lut = this._windowLut();
      const low = m.value_range[0];
      const last = lut.length - 1;
      if (littleEndianHost()) {
        // one 32-bit write per pixel: opaque grey packed as RGBA bytes (A in the high byte)
        const packed = this._packedLut(lut);
        const out32 = this._out32 || (this._out32 = new Uint32Array(out.buffer, out.byteOffset, count));
        for (let i = 0; i < count; i++) {
          let k = frame[i] - low;
          if (k < 0) k = 0;
          else if (k > last) k = last;
          out32[i] = packed[k];
        }
      } else {
        for (let i = 0; i < count; i++) {
          let k = frame[i] - low;
          if (k < 0) k = 0;
          else if (k > last) k = last;
          const y = lut[k];
          const o = i * 4;
          out[o] = y;
          out[o + 1] = y;
          out[o + 2] = y;
        }
      }
    }
    this.imageContext.putImageData(this.imageData, 0, 0);
  }

  render() {
    if (!this.image) return;
    const m = this.manifest;
    const ratio = window.devicePixelRatio || 1;
    const width = Math.max(1, Math.round(this.stage.clientWidth * ratio));
    const height = Math.max(1, Math.round(this.stage.clientHeight * ratio));
    if (this.canvas.width !== width || this.canvas.height !== height) {
      this.canvas.width = width;
      this.canvas.height = height;
    }
    this._paintFrame();
    const [rowSpacing, columnSpacing] = m.pixel_spacing || [1, 1];
    const physicalWidth = m.columns * columnSpacing;
    const physicalHeight = m.rows * rowSpacing;
    const fit = Math.min(width / physicalWidth, height / physicalHeight);
    const drawWidth = physicalWidth * fit * this.zoom;
    const drawHeight = physicalHeight * fit * this.zoom;
    const ctx = this.context;
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.fillStyle = "#000";
    ctx.fillRect(0, 0, width, height);
    ctx.imageSmoothingEnabled = this.zoom * fit < 4;
    ctx.drawImage(
      this.image,
      (width - drawWidth) / 2 + this.pan.x * ratio,
      (height - drawHeight) / 2 + this.pan.y * ratio,
      drawWidth,
      drawHeight,
    );
    const roi = this.roi;
    if (roi && roi.frame === this.frameIndex) {
      const scale = drawWidth / m.columns;
      const scaleY = drawHeight / m.rows;
      ctx.strokeStyle = "#ffd400";
      ctx.lineWidth = Math.max(1, 2 * ratio);
      ctx.strokeRect(
        (width - drawWidth) / 2 + this.pan.x * ratio + roi.x * scale,
        (height - drawHeight) / 2 + this.pan.y * ratio + roi.y * scaleY,
        roi.width * scale,
        roi.height * scaleY,
      );
    }
    this._rendered = true;
  }

  statusText() {
    const m = this.manifest;
    if (!m) return "";
    const parts = [];
    if (m.frames > 1) {
      const noun = m.kind === "cine" ? this.labels.frame : this.labels.slice;
      parts.push(`${noun} ${this.frameIndex + 1}/${m.frames}`);
    }
    if (this.window) {
      const { windowShort, levelShort } = this.labels;
      parts.push(`${windowShort} ${formatNumber(this.window.width)} ${levelShort} ${formatNumber(this.window.center)}`);
    }
    if (this.zoom !== 1) parts.push(`${this.labels.zoom} ${Math.round(this.zoom * 100)}%`);
    return parts.join(" · ");
  }

  _announce() {
    // While a cine plays the live region is off and the text follows every frame; otherwise the text
    // settles for a moment first, so a screen reader reads the slice reached, not every one passed.
    clearTimeout(this._statusTimer);
    if (this.playing) this._setStatus(this.statusText());
    else this._statusTimer = setTimeout(() => this._setStatus(this.statusText()), STATUS_DELAY_MS);
  }

  _setStatus(text, now = false) {
    if (now) clearTimeout(this._statusTimer);
    this.status.textContent = text;
  }

  // ---------------------------------------------------------------------------------------------
  // Input
  // ---------------------------------------------------------------------------------------------

  _onWheel(event) {
    if (!this.image) return;
    event.preventDefault();
    if (event.ctrlKey || event.metaKey) {
      const rect = this.stage.getBoundingClientRect();
      const anchor = { x: event.clientX - rect.left - rect.width / 2, y: event.clientY - rect.top - rect.height / 2 };
      this.zoomBy(event.deltaY < 0 ? 1.1 : 1 / 1.1, anchor);
    } else if (event.deltaY !== 0) {
      this.pause();
      this.step(event.deltaY > 0 ? 1 : -1);
    }
  }

  _onKey(event) {
    if (!this.image || event.altKey) return;
    const page = Math.max(1, Math.round(this.frameCount / 10));
    const key = event.key;
    let handled = true;
    if (key === "ArrowDown" || key === "ArrowRight") this.step(1);
    else if (key === "ArrowUp" || key === "ArrowLeft") this.step(-1);
    else if (key === "PageDown") this.step(page);
    else if (key === "PageUp") this.step(-page);
    else if (key === "Home") this.setFrame(0);
    else if (key === "End") this.setFrame(this.frameCount - 1);
    else if (key === " " || key === "Spacebar") this.togglePlay();
    else if (key === "r" || key === "R") this.reset();
    else if (key === "w" || key === "W") this.setWlMode(!this.wlMode);
    else if (key === "+" || key === "=") this.zoomBy(1.25);
    else if (key === "-" || key === "_") this.zoomBy(0.8);
    else if (/^[1-9]$/.test(key) && this.presetButtons[Number(key) - 1]) {
      this.applyPreset(this.presetButtons[Number(key) - 1].dataset.preset);
    } else handled = false;
    if (handled) {
      if (!["Home", "End", "r", "R", " ", "Spacebar"].includes(key)) this.pause();
      event.preventDefault();
    }
  }

  _onPointerDown(event) {
    if (!this.image) return;
    this.stage.focus({ preventScroll: true });
    const windowing = this.manifest.samples_per_pixel === 1 && (event.button === 2 || (event.button === 0 && this.wlMode));
    if (event.button !== 0 && !windowing) return;
    event.preventDefault();
    this.stage.setPointerCapture(event.pointerId);
    this._drag = {
      id: event.pointerId,
      mode: windowing ? "window" : "pan",
      x: event.clientX,
      y: event.clientY,
      pan: { ...this.pan },
      window: this.window ? { ...this.window } : null,
    };
    this.stage.classList.add(windowing ? "dv-windowing" : "dv-panning");
  }

  _onPointerMove(event) {
    const drag = this._drag;
    if (!drag || drag.id !== event.pointerId) return;
    const dx = event.clientX - drag.x;
    const dy = event.clientY - drag.y;
    if (drag.mode === "pan") {
      this.pan = { x: drag.pan.x + dx, y: drag.pan.y + dy };
      this.render();
    } else {
      // horizontal drag: right widens the window; vertical drag: down raises the level (darker image)
      const [low, high] = this.manifest.value_range;
      const perPixel = Math.max(1, (high - low) / 512);
      this.setWindow(Math.round(drag.window.center + dy * perPixel), Math.round(drag.window.width + dx * perPixel));
    }
  }

  _onPointerUp(event) {
    if (!this._drag || this._drag.id !== event.pointerId) return;
    this._drag = null;
    this.stage.classList.remove("dv-windowing", "dv-panning");
    if (this.stage.hasPointerCapture(event.pointerId)) this.stage.releasePointerCapture(event.pointerId);
    this._announce();
  }
}

if (typeof window !== "undefined") {
  window.DicomViewer = DicomViewer;
  document.dispatchEvent(new CustomEvent("dicomviewer:available"));
}

export default DicomViewer;
