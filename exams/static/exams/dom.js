/**
 * Small DOM helpers shared by the exam page (exam-page.js) and the practice page (practice.js).
 * Loaded before either of them; exposes window.IRExamDom = { h, fmt }.
 */
(function () {
  "use strict";

  /** Build an element: h("p", {className, text, html, onclick, ...attributes}, [children]). */
  function h(tag, attrs, children) {
    const node = document.createElement(tag);
    Object.keys(attrs || {}).forEach((name) => {
      const value = attrs[name];
      if (value === null || value === undefined || value === false) return;
      if (name === "text") node.textContent = value;
      else if (name === "html") node.innerHTML = value; // server-rendered, sanitised Markdown only
      else if (name === "className") node.className = value;
      else if (name.slice(0, 2) === "on") node.addEventListener(name.slice(2), value);
      else node.setAttribute(name, value === true ? "" : value);
    });
    (children || []).forEach((child) => {
      if (child) node.appendChild(typeof child === "string" ? document.createTextNode(child) : child);
    });
    return node;
  }

  /** Fill "{name}" placeholders of a translated string. */
  function fmt(text, values) {
    return String(text).replace(/\{(\w+)\}/g, (whole, name) => (name in values ? String(values[name]) : whole));
  }

  window.IRExamDom = { h, fmt };
})();
