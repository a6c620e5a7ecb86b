// The code playground: an editor, Run and Stop, and the output streamed from the server.
//
// The server runs the code in a limited subprocess (neuronlab/lab/playground.py) and sends
// JSON messages over /ws/playground: started, stdout/stderr text, figures (PNG, base64),
// then done with a sentence saying how the run ended. This module only edits text, sends
// it, and shows what comes back.

import { clearError, getJSON, showError, socketURL } from "../api.js";
import { readState, writeState } from "../state.js";

const INDENT = "    ";
const DRAFT_KEY = "neuronlab.playground.draft";
const TOKEN_KEY = "neuronlab.playground.token";

// ------------------------------------------------------------------------------ the editor
/** Replace [start, end) with text, keeping the browser's undo history where it can. */
function replaceRange(textarea, start, end, text) {
  textarea.focus();
  textarea.setSelectionRange(start, end);
  let done = false;
  try {
    done = document.execCommand("insertText", false, text);
  } catch {
    done = false;
  }
  if (!done || textarea.value.slice(start, start + text.length) !== text) {
    textarea.setRangeText(text, start, end, "end");
    textarea.dispatchEvent(new Event("input", { bubbles: true }));
  }
}

function lineStartOf(value, position) {
  return value.lastIndexOf("\n", position - 1) + 1;
}

/** Tab / Shift+Tab on the selected lines (or at the caret). */
function indent(textarea, outwards) {
  const { value, selectionStart: start, selectionEnd: end } = textarea;
  const first = lineStartOf(value, start);
  const several = value.slice(start, end).includes("\n");
  if (!several && !outwards) {
    const column = start - first;
    replaceRange(textarea, start, end, " ".repeat(INDENT.length - (column % INDENT.length)));
    return;
  }
  const blockEnd = end > start && value[end - 1] === "\n" ? end - 1 : end;
  const newline = value.indexOf("\n", blockEnd);
  const last = newline === -1 ? value.length : newline;
  const lines = value.slice(first, last).split("\n");
  const changed = lines.map((line) => (outwards ? line.replace(/^( {1,4}|\t)/, "") : INDENT + line));
  const text = changed.join("\n");
  if (text === value.slice(first, last)) return;
  replaceRange(textarea, first, last, text);
  if (several) {
    textarea.setSelectionRange(first, first + text.length);
  } else {
    const moved = lines[0].length - changed[0].length;
    const caret = Math.max(first, start - moved);
    textarea.setSelectionRange(caret, caret);
  }
}

/** Enter keeps the line's indentation, one level more after a colon. */
function newlineWithIndent(textarea) {
  const { value, selectionStart: start, selectionEnd: end } = textarea;
  const line = value.slice(lineStartOf(value, start), start);
  let leading = line.match(/^[ \t]*/)[0];
  if (/:\s*(#.*)?$/.test(line)) leading += INDENT;
  replaceRange(textarea, start, end, `\n${leading}`);
}

function makeEditor(textarea, gutter, { onRun, onChange }) {
  let lineCount = 0;
  let leaving = false; // after Esc, Tab moves the focus instead of indenting
  const numberLines = () => {
    const count = textarea.value.split("\n").length;
    if (count !== lineCount) {
      lineCount = count;
      gutter.textContent = Array.from({ length: count }, (_, i) => i + 1).join("\n");
    }
    gutter.scrollTop = textarea.scrollTop;
  };
  textarea.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      onRun();
      return;
    }
    if (event.key === "Escape") {
      leaving = true;
      return;
    }
    if (event.key === "Tab" && !leaving && !event.altKey && !event.ctrlKey && !event.metaKey) {
      event.preventDefault();
      indent(textarea, event.shiftKey);
      return;
    }
    if (event.key === "Enter" && !event.shiftKey && !event.altKey && !event.isComposing) {
      event.preventDefault();
      newlineWithIndent(textarea);
    }
    if (event.key !== "Tab") leaving = false;
  });
  textarea.addEventListener("blur", () => {
    leaving = false;
  });
  textarea.addEventListener("input", () => {
    numberLines();
    onChange(textarea.value);
  });
  textarea.addEventListener("scroll", () => {
    gutter.scrollTop = textarea.scrollTop;
  });
  return {
    get value() {
      return textarea.value;
    },
    set value(text) {
      textarea.value = text;
      textarea.scrollTop = 0;
      numberLines();
    },
  };
}

// ------------------------------------------------------------------------------ the output
function makeOutput(box) {
  let last = null; // { kind, node } of the text being appended to
  let figures = 0;
  const urls = [];
  const nearBottom = () => box.scrollHeight - box.scrollTop - box.clientHeight < 40;
  const keepInView = (wasAtBottom) => {
    if (wasAtBottom) box.scrollTop = box.scrollHeight;
  };
  return {
    clear() {
      for (const url of urls.splice(0)) URL.revokeObjectURL(url);
      box.replaceChildren();
      last = null;
      figures = 0;
    },
    text(kind, text) {
      const atBottom = nearBottom();
      if (last?.kind === kind) {
        last.node.appendData(text);
      } else {
        const span = document.createElement("span");
        span.className = kind === "stderr" ? "pg-stderr" : "pg-stdout";
        const node = document.createTextNode(text);
        span.append(node);
        box.append(span);
        last = { kind, node };
      }
      keepInView(atBottom);
    },
    figure(base64) {
      const atBottom = nearBottom();
      const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
      const url = URL.createObjectURL(new Blob([bytes], { type: "image/png" }));
      urls.push(url);
      figures += 1;
      const image = document.createElement("img");
      image.src = url;
      image.alt = `Figure ${figures} made by your code`;
      box.append(image);
      image.addEventListener("load", () => keepInView(atBottom), { once: true });
      last = null;
      keepInView(atBottom);
    },
    done(status, message) {
      const atBottom = nearBottom();
      const line = document.createElement("span");
      line.className = "pg-done";
      line.dataset.status = status;
      line.textContent = message;
      box.append(line);
      last = null;
      keepInView(atBottom);
    },
  };
}

// ------------------------------------------------------------------------------ the widget
function takeTokenFromAddress() {
  // ?token=... is how the server's start-up line hands the token over; keep it out of the
  // address afterwards, so a shared link does not carry it
  const params = new URLSearchParams(location.search);
  const token = params.get("token");
  if (token === null) return sessionStorage.getItem(TOKEN_KEY) || "";
  params.delete("token");
  const query = params.toString();
  history.replaceState(history.state, "", `${location.pathname}${query ? `?${query}` : ""}${location.hash}`);
  sessionStorage.setItem(TOKEN_KEY, token);
  return token;
}

const STATUS_WORDS = {
  ok: "Finished.",
  error: "The code raised an error.",
  stopped: "Stopped.",
  timeout: "Time limit reached.",
  cpu: "CPU limit reached.",
  memory: "Memory limit reached.",
  output: "Output limit reached.",
  refused: "Refused by the sandbox.",
  crashed: "The run crashed.",
};

export async function mount(root) {
  const find = (id) => root.querySelector(`#${id}`);
  const ui = {
    example: find("pg-example"),
    run: find("pg-run"),
    stop: find("pg-stop"),
    clear: find("pg-clear"),
    status: find("pg-status"),
    notice: find("pg-notice"),
    tokenField: find("pg-token-field"),
    token: find("pg-token"),
    code: find("pg-code"),
    gutter: root.querySelector(".pg-lines"),
    output: find("pg-output"),
    error: find("pg-error"),
  };
  const output = makeOutput(ui.output);
  let socket = null;
  let connecting = null;
  let running = false;
  let starting = false; // between pressing Run and the server's "started"
  let examples = [];

  const setStatus = (text, state = "") => {
    ui.status.textContent = text;
    ui.status.dataset.state = state;
  };
  const setRunning = (value) => {
    running = value;
    // the button about to be disabled hands the keyboard focus to the other one
    const handOver = document.activeElement === (value ? ui.run : ui.stop);
    ui.run.disabled = value;
    ui.stop.disabled = !value;
    if (handOver) (value ? ui.stop : ui.run).focus();
    root.setAttribute("aria-busy", value ? "true" : "false");
  };
  const disable = (message) => {
    ui.notice.hidden = false;
    ui.notice.textContent = message;
    ui.run.disabled = true;
  };

  const editor = makeEditor(ui.code, ui.gutter, {
    onRun: () => run(),
    onChange: (text) => {
      try {
        localStorage.setItem(DRAFT_KEY, text);
      } catch {
        // private windows may refuse storage: the draft just is not kept
      }
      const match = examples.find((e) => e.code === text);
      ui.example.value = match ? match.name : "";
    },
  });

  function onMessage(message) {
    switch (message.type) {
      case "started":
        starting = false;
        setRunning(true);
        setStatus("Running…", "running");
        break;
      case "stdout":
      case "stderr":
        output.text(message.type, message.text);
        break;
      case "figure":
        output.figure(message.png);
        break;
      case "done":
        starting = false;
        setRunning(false);
        output.done(message.status, message.message);
        setStatus(STATUS_WORDS[message.status] || "Ended.", message.status);
        break;
      case "error":
        starting = false;
        if (message.code === "token") {
          ui.tokenField.hidden = false;
          ui.token.focus();
        }
        if (message.code === "disabled") disable(message.detail);
        else showError(ui.error, message.detail);
        if (!running) {
          setStatus("");
          ui.run.disabled = !ui.notice.hidden;
        }
        break;
      default:
        break;
    }
  }

  function connect() {
    if (socket && socket.readyState === WebSocket.OPEN) return Promise.resolve(socket);
    if (connecting) return connecting;
    const token = ui.token.value.trim();
    const query = token ? `?token=${encodeURIComponent(token)}` : "";
    connecting = new Promise((resolve, reject) => {
      const ws = new WebSocket(socketURL(`/ws/playground${query}`));
      let greeted = false;
      ws.addEventListener("message", (event) => {
        let message;
        try {
          message = JSON.parse(event.data);
        } catch {
          return;
        }
        if (message.type === "hello") {
          greeted = true;
          socket = ws;
          connecting = null;
          resolve(ws);
          return;
        }
        onMessage(message);
      });
      ws.addEventListener("close", () => {
        if (socket === ws) socket = null;
        starting = false;
        if (!greeted) {
          connecting = null;
          reject(new Error("refused"));
        }
        if (running) {
          setRunning(false);
          output.done("stopped", "The connection to the lab closed, so the run was stopped.");
          setStatus("Disconnected.");
        }
      });
    });
    return connecting;
  }

  async function run() {
    if (running || starting || ui.run.disabled) return;
    clearError(ui.error);
    output.clear();
    setStatus("Starting…", "running");
    // Run stays enabled (and focused, from the keyboard) until "started": disabling it here
    // would drop the focus to the page; `starting` keeps a second press from sending twice
    starting = true;
    let ws;
    try {
      ws = await connect();
    } catch {
      // the server said why in an "error" message (token, disabled, busy) before closing
      starting = false;
      ui.run.disabled = !ui.notice.hidden;
      if (!ui.error.textContent) showError(ui.error, "The lab server does not answer: is it still running?");
      setStatus("");
      return;
    }
    ws.send(JSON.stringify({ type: "run", code: editor.value }));
    // "started" (then "done") or an "error" answers
  }

  ui.run.addEventListener("click", () => run());
  ui.stop.addEventListener("click", () => {
    if (socket && running) {
      socket.send(JSON.stringify({ type: "stop" }));
      setStatus("Stopping…", "running");
    }
  });
  ui.clear.addEventListener("click", () => {
    output.clear();
    clearError(ui.error);
    if (!running) setStatus("");
  });
  root.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey) && event.target !== ui.code) {
      event.preventDefault();
      run();
    }
  });
  window.addEventListener("pagehide", () => socket?.close());

  ui.token.value = takeTokenFromAddress();
  setRunning(false);
  let status;
  try {
    [status, examples] = await Promise.all([
      getJSON("/api/playground/status"),
      getJSON("/api/playground/examples"),
    ]);
  } catch (error) {
    showError(ui.error, error);
    ui.run.disabled = true;
    return;
  }
  showLimits(root.closest("section") || root, status.limits);
  if (!status.enabled) disable(status.message);
  if (status.token_required) ui.tokenField.hidden = false;

  const own = new Option("Your own code", "");
  ui.example.replaceChildren(own, ...examples.map((e) => new Option(e.title, e.name)));
  const defaults = { example: examples[0]?.name ?? "" };
  const state = readState("playground", defaults);
  const chosen = examples.find((e) => e.name === state.example);
  let draft = null;
  try {
    draft = localStorage.getItem(DRAFT_KEY);
  } catch {
    draft = null;
  }
  const linked = new URLSearchParams(location.search).has("playground.example");
  if (draft && !linked) {
    editor.value = draft;
    const match = examples.find((e) => e.code === draft);
    ui.example.value = match ? match.name : "";
  } else if (chosen) {
    editor.value = chosen.code;
    ui.example.value = chosen.name;
  }
  ui.example.addEventListener("change", () => {
    const example = examples.find((e) => e.name === ui.example.value);
    if (!example) return;
    editor.value = example.code;
    try {
      localStorage.removeItem(DRAFT_KEY);
    } catch {
      // nothing kept anyway
    }
    writeState("playground", { example: example.name }, defaults);
  });
}

function showLimits(scope, limits) {
  if (!limits) return;
  const shown = {
    wall_seconds: String(limits.wall_seconds),
    memory_bytes: String(Math.round(limits.memory_bytes / 2 ** 20)),
    output_bytes: String(Math.round(limits.output_bytes / 1000)),
  };
  for (const element of scope.querySelectorAll("[data-limit]")) {
    const value = shown[element.dataset.limit];
    if (value !== undefined) element.textContent = value;
  }
}
