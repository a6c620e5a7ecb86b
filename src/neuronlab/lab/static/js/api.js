// Talking to the server, and the pieces of page every widget shares.
//
//   import { getJSON, postJSON, showError, mountSourcePanel } from "../api.js";
//
//   const result = await postJSON("/api/perceptron/evaluate", { w1: 1, w2: -1, b: 0 });
//   // a 4xx throws ApiError whose message is the server's sentence ("points should be ...")
//   showError(box, error);                 // shows it in a role="alert" box; clearError(box)
//   mountSourcePanel(el, "network.forward"); // a <details> "Show the Python" panel
//
// The server computes; these helpers only move data and draw UI. plotly.js, which three
// widgets draw with, comes from ./load-plotly.js, fetched when one of their charts comes near.

export class ApiError extends Error {
  /** `fields`: the settings the server refused, when it names them (a widget marks them). */
  constructor(message, status, fields = []) {
    super(message);
    this.name = "ApiError";
    this.status = status;
    this.fields = fields;
  }
}

async function readError(response) {
  try {
    const body = await response.json();
    const fields = Array.isArray(body.fields) ? body.fields : [];
    if (typeof body.detail === "string") return new ApiError(body.detail, response.status, fields);
    return new ApiError(JSON.stringify(body.detail ?? body), response.status, fields);
  } catch {
    return new ApiError(`${response.status} ${response.statusText}`, response.status);
  }
}

async function request(method, path, body, { signal } = {}) {
  // a file (a Blob) goes as it is; anything else as JSON
  const file = body instanceof Blob;
  let response;
  try {
    response = await fetch(path, {
      method,
      signal,
      headers: body === undefined ? {} : { "Content-Type": file ? "application/octet-stream" : "application/json" },
      body: body === undefined || file ? body : JSON.stringify(body),
    });
  } catch (error) {
    if (error.name === "AbortError") throw error;
    throw new ApiError("The lab server does not answer: is `neuronlab lab` still running?", 0);
  }
  if (!response.ok) throw await readError(response);
  return response.json();
}

/** GET a JSON document; throws ApiError with the server's message on a 4xx/5xx. */
export function getJSON(path, options) {
  return request("GET", path, undefined, options);
}

/** POST a JSON body and read the JSON answer. */
export function postJSON(path, body, options) {
  return request("POST", path, body, options);
}

/** POST a file (a Blob, e.g. from an <input type="file">) as the body; read the JSON answer. */
export function postFile(path, file, options) {
  return request("POST", path, file, options);
}

/**
 * Show an error (an Error or a string) in `target`, which becomes a polite alert region.
 * An AbortError (a request replaced by a newer one) is not shown.
 */
export function showError(target, error) {
  if (!target || error?.name === "AbortError") return;
  target.classList.add("error-box");
  target.setAttribute("role", "alert");
  target.textContent = typeof error === "string" ? error : error?.message || String(error);
}

export function clearError(target) {
  if (target) target.textContent = "";
}

/**
 * Mount a "Show the Python" panel: a <details> whose source is fetched when first opened.
 * `names` is one whitelisted engine name ("network.backward") or an array of them. The
 * panel shows two tiers, as the server arranges them: the plain twins from reference.py
 * first ("read this"), then the engine code that ran, with what its arrangement changes.
 * Every line carries the file's own number; lines citing an equation are highlighted.
 */
export function mountSourcePanel(element, names, summary) {
  const list = Array.isArray(names) ? names : String(names).split(/[\s,]+/).filter(Boolean);
  const details = document.createElement("details");
  details.className = "source-panel";
  const title = document.createElement("summary");
  title.textContent = summary || `Show the Python: ${list.join(", ")}`;
  const body = document.createElement("div");
  body.className = "source-body";
  details.append(title, body);
  element.replaceChildren(details);
  let loaded = false;
  details.addEventListener("toggle", async () => {
    if (!details.open || loaded) return;
    loaded = true;
    body.textContent = "Loading…";
    try {
      const panel = await getJSON(`/api/source/panel?names=${encodeURIComponent(list.join(","))}`);
      body.replaceChildren(...panel.tiers.map(renderTier));
    } catch (error) {
      loaded = false; // let the learner try again by closing and opening the panel
      const box = document.createElement("p");
      showError(box, error);
      body.replaceChildren(box);
    }
  });
  return details;
}

function renderTier(tier, index) {
  const box = document.createElement("div");
  box.className = `source-tier ${index === 0 ? "source-tier-first" : ""}`;
  const heading = document.createElement("p");
  heading.className = "source-tier-heading";
  heading.textContent = tier.heading;
  box.append(heading);
  for (const sentence of tier.differs) {
    const note = document.createElement("p");
    note.className = "source-differs";
    note.textContent = sentence;
    box.append(note);
  }
  for (const source of tier.sources) {
    const meta = document.createElement("p");
    meta.className = "source-meta";
    meta.innerHTML = `<code></code> in <code></code>, lines <span></span>`;
    meta.children[0].textContent = source.qualname;
    meta.children[1].textContent = source.file;
    const last = source.line + source.text.replace(/\n$/, "").split("\n").length - 1;
    meta.children[2].textContent = `${source.line}–${last}`;
    if (source.tagged.length) meta.append(" · highlighted: the lines that cite an equation");
    const code = document.createElement("div");
    code.innerHTML = source.html; // Pygments output, generated by the server from our code
    box.append(meta, code.firstElementChild || code);
  }
  return box;
}

/** The ws:// (or wss://) address of a WebSocket path on this server. */
export function socketURL(path) {
  const scheme = location.protocol === "https:" ? "wss:" : "ws:";
  return `${scheme}//${location.host}${path}`;
}

/** Call `fn` once things have been quiet for `ms` milliseconds (`.cancel()` forgets a call). */
export function debounce(fn, ms = 150) {
  let timer;
  const debounced = (...args) => {
    clearTimeout(timer);
    timer = setTimeout(() => fn(...args), ms);
  };
  debounced.cancel = () => clearTimeout(timer);
  return debounced;
}

/** Save a Blob as a file named `filename`. */
export function downloadBlob(blob, filename) {
  const url = URL.createObjectURL(blob);
  const link = document.createElement("a");
  link.href = url;
  link.download = filename;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
