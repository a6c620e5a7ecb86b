// Small building blocks the concept widgets share: DOM, labelled controls, requests.
//
//   const box = el("div", { class: "w-row" }, "text", child);
//   const w1 = slider({ label: "w₁", min: -3, max: 3, step: 0.05, value: 1 });
//   const ask = latestWins((body) => postJSON(url, body), render, (e) => showError(box, e));
//   w1.input.addEventListener("input", () => ask({ w1: w1.value }));
//
// Nothing here computes a model quantity: these helpers only build the page and move data.

import { showError, clearError } from "../api.js";

let counter = 0;

/** A unique id for label/for pairs. */
export function uid(prefix = "w") {
  counter += 1;
  return `${prefix}-${counter}`;
}

/** document.createElement with attributes (class, aria-*, data-*, on* handlers) and children. */
export function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith("on") && typeof value === "function") {
      node.addEventListener(name.slice(2), value);
    } else if (name === "text") {
      node.textContent = value;
    } else {
      node.setAttribute(name, value === true ? "" : String(value));
    }
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

/**
 * A labelled range input with a live value readout.
 * `format(value)` renders the readout; `values` (optional) maps the slider's integer
 * position to a list of allowed values (for log scales and L2 steps).
 */
export function slider({ label, min, max, step = 1, value, format, values, name, hint }) {
  const id = uid(name || "range");
  const input = el("input", {
    type: "range",
    id,
    name: name || id,
    min: values ? 0 : min,
    max: values ? values.length - 1 : max,
    step: values ? 1 : step,
  });
  const show = format || ((v) => String(v));
  const output = el("output", { for: id, "aria-hidden": "true" });
  const control = {
    input,
    output,
    get value() {
      return values ? values[Number(input.value)] : Number(input.value);
    },
    set value(v) {
      if (values) {
        let best = 0;
        values.forEach((candidate, i) => {
          if (Math.abs(candidate - v) < Math.abs(values[best] - v)) best = i;
        });
        input.value = String(best);
      } else {
        input.value = String(v);
      }
      control.refresh();
    },
    refresh() {
      const text = show(control.value);
      output.textContent = text;
      input.setAttribute("aria-valuetext", text);
    },
  };
  control.element = el(
    "div",
    { class: "field" },
    el("label", { for: id }, label),
    el("div", { class: "field-range" }, input, output),
    hint ? el("p", { class: "w-hint" }, hint) : null,
  );
  control.value = value;
  input.addEventListener("input", () => control.refresh());
  return control;
}

/** A labelled <select> of {value, label} options. */
export function select({ label, options, value, name }) {
  const id = uid(name || "select");
  const input = el(
    "select",
    { id, name: name || id },
    options.map((o) => el("option", { value: o.value }, o.label)),
  );
  input.value = value;
  const element = el("div", { class: "field" }, el("label", { for: id }, label), input);
  return { element, input };
}

/** A labelled number input. */
// The surface picker of the descent, 3-D and race widgets, from the options document. Falls
// back to `fallback` when the URL names a surface the engine does not have.
export function surfacePicker(options, state, fallback) {
  const surfaces = Object.fromEntries(options.surfaces.map((s) => [s.name, s]));
  if (!surfaces[state.surface]) state.surface = fallback;
  const choice = select({
    label: "surface",
    name: "surface",
    value: state.surface,
    options: options.surfaces.map((s) => ({ value: s.name, label: s.title.split(":")[0] })),
  });
  return { surfaces, choice };
}

export function numberInput({ label, min, max, step, value, name }) {
  const id = uid(name || "number");
  const input = el("input", { type: "number", id, name: name || id, min, max, step, value });
  const element = el("div", { class: "field" }, el("label", { for: id }, label), input);
  return { element, input };
}

/** A labelled checkbox. */
export function checkbox({ label, checked, name }) {
  const id = uid(name || "check");
  const input = el("input", { type: "checkbox", id, name: name || id });
  input.checked = Boolean(checked);
  const element = el("div", { class: "w-check" }, input, el("label", { for: id }, label));
  return { element, input };
}

/** A <dl class="readouts"> with one readout per key; returns {element, set(key, text)}. */
export function readouts(entries) {
  const cells = {};
  const element = el("dl", { class: "readouts" });
  for (const [key, title] of entries) {
    const dd = el("dd", { "data-readout": key }, "–");
    cells[key] = dd;
    element.append(el("div", { class: "readout" }, el("dt", {}, title), dd));
  }
  return {
    element,
    set(key, text) {
      cells[key].textContent = text;
    },
  };
}

/**
 * Send requests so that at most one is in flight and only the newest waiting one follows:
 * a slider drag fires many input events, the server answers each in a few ms, and the
 * widget always shows the answer to the latest position it has (never an older one).
 */
export function latestWins(request, apply, onError) {
  let waiting = null;
  let busy = false;
  let sent = 0;
  let shown = 0;
  async function pump() {
    if (busy || waiting === null) return;
    const body = waiting;
    waiting = null;
    busy = true;
    sent += 1;
    const ticket = sent;
    try {
      const result = await request(body);
      if (ticket > shown) {
        shown = ticket;
        apply(result, body);
      }
    } catch (error) {
      onError?.(error);
    } finally {
      busy = false;
      pump();
    }
  }
  const ask = (body) => {
    waiting = body;
    pump();
  };
  ask.idle = () =>
    new Promise((resolve) => {
      const check = () => (busy || waiting !== null ? setTimeout(check, 10) : resolve());
      check();
    });
  return ask;
}

/** An error line for a widget: `report(error)` shows it, `report(null)` clears it. */
export function errorLine() {
  const element = el("p", { class: "w-error", "aria-live": "assertive" });
  return {
    element,
    report(error) {
      if (error) showError(element, error);
      else clearError(element);
    },
  };
}

/** base64 text -> Uint8Array (the server's RGBA images). */
export function decodeBase64(text) {
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i += 1) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

/** Move a point with the arrow keys: returns [dx, dy] in data units, or null. */
export function arrowStep(event, step = 0.05, big = 0.25) {
  const size = event.shiftKey ? big : step;
  switch (event.key) {
    case "ArrowLeft":
      return [-size, 0];
    case "ArrowRight":
      return [size, 0];
    case "ArrowUp":
      return [0, size];
    case "ArrowDown":
      return [0, -size];
    default:
      return null;
  }
}

/** Clamp v into [lo, hi] (keeps a dragged point on the plane). */
export function clamp(v, lo, hi) {
  return Math.min(hi, Math.max(lo, v));
}

/** Where a pointer event falls on a canvas, in the view's CSS pixels (the canvas may be scaled). */
export function pointerPixel(canvas, event, view) {
  const box = canvas.getBoundingClientRect();
  return [
    ((event.clientX - box.left) * view.width) / box.width,
    ((event.clientY - box.top) * view.height) / box.height,
  ];
}

/** A status line read out to screen readers when it changes. */
export function statusLine(className = "w-status") {
  return el("p", { class: className, role: "status", "aria-live": "polite" });
}

/** Mark a control whose value the server refused (aria-invalid, described by the error line
 * `errorId` that says why), or clear the mark. */
export function markInvalid(control, refused, errorId) {
  if (refused) {
    control.setAttribute("aria-invalid", "true");
    control.setAttribute("aria-describedby", errorId);
  } else {
    control.removeAttribute("aria-invalid");
    control.removeAttribute("aria-describedby");
  }
}

/** Whether the learner asked their system for less motion: replays then jump to the end. */
export function reducedMotion() {
  return window.matchMedia("(prefers-reduced-motion: reduce)").matches;
}

/** Write a live region only when its text changes: a screen reader reads every write, and a
 * slider moved ten notches should not repeat the same sentence ten times. For a new event that
 * happens to read as the last one did (a second point added at the same place), pass
 * `{ again: true }`: the region is emptied and written anew, so it is read again. */
export function say(node, text, { again = false } = {}) {
  if (again && node.textContent === text) node.textContent = "";
  if (node.textContent !== text) node.textContent = text;
}

export { showError, clearError };
