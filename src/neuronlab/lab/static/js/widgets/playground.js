// The code playground: an editor, Run and Stop, and the output streamed from the server.
//
// The server runs the code in a limited, sandboxed subprocess (neuronlab/lab/playground/) and sends
// JSON messages over /ws/playground: started, stdout/stderr text, figures (PNG, base64),
// then done with a sentence saying how the run ended. This module builds its controls
// (playground/layout.js), edits text, sends it, and shows what comes back.

import { clearError, getJSON, showError, socketURL } from "../api.js";
import { readState, writeState } from "../state.js";
import { makeEditor } from "./playground/editor.js";
import { buildPlayground } from "./playground/layout.js";
import { makeOutput } from "./playground/output.js";

const DRAFT_KEY = "neuronlab.playground.draft";
const TOKEN_KEY = "neuronlab.playground.token";

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
  const ui = buildPlayground(root);
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
      // edited code is the learner's own: the address stops naming the example, or a reload
      // would bring the example back over the draft
      if (!match) writeState("playground", { example: null });
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
