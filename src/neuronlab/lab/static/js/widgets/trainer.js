// The live trainer widget: controls in, frames out.
//
// The Python engine trains in a server thread; this module sends what the learner changes
// (protocol: neuronlab/lab/protocol.py) and paints the frames it gets back. It computes
// nothing about the network: colours, maps and edge strengths arrive ready to draw.

import {
  clearError,
  debounce,
  downloadBlob,
  postFile,
  showError,
} from "../api.js";
import { getOptions } from "../options.js";
import { readState, shareURL, writeState } from "../state.js";
import { markInvalid } from "./controls.js";
import { LossChart } from "./trainer/chart.js";
import { NetworkDiagram } from "./trainer/diagram.js";
import { FIELDS, fillSelect, nearestIndex, speedLabel } from "./trainer/fields.js";
import { formatCompact, formatCount, formatLoss, formatPercent } from "../format.js";
import { DataPlane } from "./trainer/plane.js";
import { TrainerSocket } from "./trainer/socket.js";

const PREFIX = "trainer"; // URL keys: ?trainer.points=500

class TrainerWidget {
  constructor(root, options) {
    this.root = root;
    this.options = options;
    this.defaults = options.defaults;
    this.config = readState(PREFIX, this.defaults);
    this.serverConfig = null;
    this.refused = false; // the alert shows a refused setting (cleared when one is taken)
    this.fellBack = false; // a link's refused settings were put back to their defaults once
    this.accepted = false; // the server took a configuration on this connection
    this.resent = false; // after a reconnect, the last taken configuration was sent again
    this.lastLocalChange = 0;
    this.running = false;
    // read by the tests and scripts/measure_trainer.py
    this.stats = { frames: 0, epoch: 0, accuracy: null, added: 0, drawMs: 0 };
    root.trainerStats = this.stats;

    this.$ = (id) => root.querySelector(`#${id}`);
    this.setUpControls();
    this.plane = new DataPlane(
      {
        plane: this.$("tr-plane"),
        boundary: this.$("tr-boundary"),
        points: this.$("tr-points-layer"),
        classOptions: this.$("tr-class-options"),
        status: this.$("tr-plane-status"),
      },
      { onAddPoint: (x, y, label) => this.send({ type: "add_point", x, y, label }) },
    );
    this.chart = new LossChart(this.$("tr-chart"), { logScale: this.$("tr-log-scale").checked });
    this.diagram = new NetworkDiagram(this.$("tr-diagram"), { mapColours: options.map_colours });
    this.configPending = false; // a change waiting for the debounced "configure"
    this.sendConfig = debounce(() => this.flushConfig(), 60);

    this.socket = new TrainerSocket({
      onOpen: () => this.onOpen(),
      onMessage: (message) => this.onMessage(message),
      onFrame: (frame) => this.onFrame(frame),
      onClose: (info) => this.onClose(info),
    });
    this.socket.connect();
  }

  // ------------------------------------------------------------------------- controls
  setUpControls() {
    const { options, $ } = this;
    fillSelect($("tr-dataset"), options.datasets.map((d) => d.name));
    for (const option of $("tr-dataset").options) {
      const info = options.datasets.find((d) => d.name === option.value);
      if (info) option.title = info.description;
    }
    fillSelect($("tr-activation"), options.activations);
    fillSelect($("tr-optimizer"), options.optimizers);
    // slower speeds give a class time to watch the boundary form
    fillSelect($("tr-speed"), options.speeds, speedLabel);
    $("tr-lr").max = String(options.learning_rates.length - 1);
    this.writeControls();

    for (const [id, [field, parse]] of Object.entries(FIELDS)) {
      const control = $(id);
      const eventName = control.type === "range" ? "input" : "change";
      control.addEventListener(eventName, () => {
        const value = parse(control.value);
        if (control.type === "number" && (!Number.isFinite(value) || control.value === "")) return;
        this.change({ [field]: value });
      });
    }
    $("tr-lr").addEventListener("input", () => {
      this.change({ learning_rate: options.learning_rates[Number($("tr-lr").value)] });
    });
    // setRunning moves the focus from Train to Pause and back once the server confirms
    $("tr-train").addEventListener("click", () => this.send({ type: "start" }));
    $("tr-pause").addEventListener("click", () => this.send({ type: "pause" }));
    $("tr-step").addEventListener("click", () => this.send({ type: "step", epochs: 1 }));
    // these start afresh, so an old refusal or divergence message no longer applies
    const afresh = (type) => () => {
      clearError($("tr-error"));
      this.send({ type });
    };
    $("tr-reset").addEventListener("click", afresh("reset"));
    $("tr-reseed").addEventListener("click", afresh("reseed"));
    $("tr-regenerate").addEventListener("click", afresh("regenerate"));
    $("tr-load-model").addEventListener("click", () => $("tr-load-model-file").click());
    $("tr-load-model-file").addEventListener("change", (event) => this.loadModel(event.target));
    $("tr-download-figure").addEventListener("click", () => this.downloadFigure());
    $("tr-copy-link").addEventListener("click", () => this.copyLink());
    $("tr-log-scale").addEventListener("change", (event) => this.chart.setLogScale(event.target.checked));
    this.setRunning(false);
  }

  /** Put this.config into the controls (and the URL). */
  writeControls() {
    const { $, config, options } = this;
    for (const [id, [field]] of Object.entries(FIELDS)) {
      const control = $(id);
      if (control.tagName === "SELECT" && ![...control.options].some((o) => o.value === String(config[field]))) {
        if (id === "tr-l2" || id === "tr-l1") {
          const values = [...new Set([...options.penalties, config[field]])].sort((a, b) => a - b);
          fillSelect(control, values, (v) => String(v));
        } else if (id === "tr-speed") {
          fillSelect(control, [...options.speeds, config[field]], speedLabel); // a link's own speed
        }
      }
      if (document.activeElement !== control || control.type === "range") control.value = String(config[field]);
    }
    if ($("tr-l2").options.length === 0) fillSelect($("tr-l2"), options.penalties, String);
    if ($("tr-l1").options.length === 0) fillSelect($("tr-l1"), options.penalties, String);
    $("tr-l2").value = String(config.l2);
    $("tr-l1").value = String(config.l1);
    $("tr-lr").value = String(nearestIndex(options.learning_rates, config.learning_rate));
    $("tr-lr").setAttribute("aria-valuetext", String(config.learning_rate));
    $("tr-lr-value").textContent = String(config.learning_rate);
    $("tr-noise-value").textContent = config.noise.toFixed(2);
    $("tr-validation-value").textContent = `${Math.round(config.validation * 100)}%`;
    $("tr-weights-seed").textContent = String(config.weights_seed);
    const multiclass = config.dataset in options.multiclass;
    $("tr-classes-field").hidden = !multiclass;
    $("tr-classes").labels[0].textContent = options.multiclass[config.dataset] === "arms" ? "Arms (classes)" : "Classes";
    writeState(PREFIX, config, this.defaults);
  }

  change(update) {
    this.config = { ...this.config, ...update };
    this.lastLocalChange = performance.now();
    this.writeControls();
    this.configPending = true;
    this.sendConfig();
  }

  flushConfig() {
    if (!this.configPending) return;
    this.configPending = false;
    this.send({ type: "configure", config: this.config });
  }

  send(command) {
    // a command never overtakes a change still waiting for its debounce: Train pressed
    // right after a new rate must train with that rate
    if (command.type !== "configure") this.flushConfig();
    if (!this.socket.send(command)) {
      this.message("Not connected to the lab server yet; retrying…");
    }
  }

  setRunning(running) {
    this.running = running;
    const { $ } = this;
    const [train, pause] = [$("tr-train"), $("tr-pause")];
    // the button about to be disabled hands the keyboard focus to the other one (a disabled
    // button drops it to the page); also when training stops by itself, e.g. on divergence
    const handOver = document.activeElement === (running ? train : pause);
    train.disabled = running;
    pause.disabled = !running;
    if (handOver) (running ? pause : train).focus();
    this.root.dataset.running = running ? "true" : "false";
  }

  /**
   * The link held settings the server refused: the ones it names go back to their defaults
   * and the rest of the link is kept. If it names none, or that was tried already (two
   * settings may be fine alone and not together), every setting goes back to its default.
   */
  fallBack(message) {
    const named = (message.fields || []).filter(
      (field) => field in this.defaults && this.config[field] !== this.defaults[field],
    );
    const some = named.length > 0 && !this.fellBack;
    this.fellBack = true;
    // by the controls' labels, with the value each goes back to: "Points (300)"
    const names = named
      .map((field) => {
        const label = this.root.querySelector(`.trainer-controls [name="${field}"]`)?.labels?.[0]?.textContent ?? field;
        return `${label} (${this.defaults[field]})`;
      })
      .join(" and ");
    const explanation = some
      ? `The trainer uses the default for ${names} and keeps the link's other settings.`
      : "The link's settings could not be used, so the trainer starts from the defaults.";
    showError(this.$("tr-error"), `${message.detail} ${explanation}`);
    this.refused = false; // this explanation stays when the server takes the settings
    const defaults = Object.fromEntries(named.map((field) => [field, this.defaults[field]]));
    this.config = some ? { ...this.config, ...defaults } : { ...this.defaults };
    this.writeControls();
    this.send({ type: "configure", config: this.config });
  }

  /**
   * Mark the controls of the refused settings (aria-invalid, described by the error line) and
   * clear the marks of the others; returns [control, typed value] of the refused number boxes.
   */
  markRefused(fields) {
    const typed = [];
    for (const control of this.root.querySelectorAll(".trainer-controls [name]")) {
      const refused = fields.includes(control.name);
      if (refused && control.type === "number") typed.push([control, control.value]);
      if (refused || control.hasAttribute("aria-invalid")) markInvalid(control, refused, "tr-error");
    }
    return typed;
  }

  message(text, { warn = false } = {}) {
    const box = this.$("tr-message");
    box.textContent = text || "";
    box.classList.toggle("warn", warn);
  }

  // -------------------------------------------------------------------------- socket
  onOpen() {
    clearError(this.$("tr-error"));
    // a new connection is a new session on the server: say so when an old one was lost
    this.message(
      this.lostConnection
        ? "Reconnected. The server started a new session: training starts again from epoch 0, without the points you added."
        : "",
    );
    this.lostConnection = false;
    this.configPending = false;
    this.accepted = false; // no configuration taken yet on this connection (a new session)
    this.resent = false;
    this.send({ type: "configure", config: this.config });
  }

  onClose({ busy, retrying }) {
    this.setRunning(false);
    const link = this.$("tr-download-model");
    this.$("tr-load-model").disabled = true;
    link.setAttribute("aria-disabled", "true");
    link.tabIndex = -1;
    if (!busy && retrying) {
      this.lostConnection = true;
      this.message("Lost the connection to the lab server; reconnecting…");
    }
  }

  onMessage(message) {
    switch (message.type) {
      case "hello": {
        const link = this.$("tr-download-model");
        this.modelUrl = message.model_url;
        this.$("tr-load-model").disabled = false;
        link.href = message.model_url;
        link.removeAttribute("aria-disabled");
        link.removeAttribute("tabindex");
        break;
      }
      case "config":
        this.markRefused([]); // an accepted configuration: nothing is refused any more
        if (this.refused) {
          clearError(this.$("tr-error")); // the server took a configuration: the refusal is over
          this.refused = false;
        }
        this.serverConfig = message.config;
        this.accepted = true;
        if (performance.now() - this.lastLocalChange > 400) {
          this.config = { ...message.config };
        } else {
          // keep what the learner is changing; take the seeds the server picked
          this.config = { ...this.config, seed: message.config.seed, weights_seed: message.config.weights_seed };
        }
        this.writeControls();
        this.diagram.setArchitecture([2, ...Array(this.config.hidden_layers).fill(this.config.units), this.plane.classes()]);
        break;
      case "data":
        this.stats.added = 0;
        this.plane.setData(message);
        break;
      case "points":
        this.stats.added = message.count;
        this.plane.addPoints(message.added);
        break;
      case "status":
        // Train and Pause follow the status messages only, never a frame's "running": a frame
        // built before the last status can arrive after it (the server sends its waiting
        // messages first) and would turn a session just started back to paused
        this.setRunning(message.running);
        if (message.message && message.diverged) {
          // one alert, not the same sentence twice (notice and alert)
          this.message("");
          showError(this.$("tr-error"), message.message);
        } else if (message.message) {
          this.message(message.message);
        } else if (message.running) {
          this.message("");
          clearError(this.$("tr-error"));
        }
        break;
      case "error": {
        // what the learner typed in a refused box stays in it, marked, until they change it
        const typed = this.markRefused(message.fields || []);
        showError(this.$("tr-error"), message.detail);
        this.refused = true;
        if (message.code === "busy") {
          this.message("Reload the page to try again.");
          break;
        }
        if (this.serverConfig) {
          this.config = { ...this.serverConfig }; // the session's settings are what counts
          this.writeControls();
          for (const [control, value] of typed) control.value = value;
          // a new session after a reconnect refused what was typed meanwhile: it has no
          // settings at all yet, so it gets the last ones a session took (once: never a loop)
          if (!this.accepted && !this.resent) {
            this.resent = true;
            this.refused = false; // the refusal stays on show when those settings are taken
            this.send({ type: "configure", config: this.config });
          }
        } else if (JSON.stringify(this.config) !== JSON.stringify(this.defaults)) {
          this.fallBack(message);
        }
        break;
      }
      default:
        break;
    }
  }

  onFrame({ header, parts }) {
    const started = performance.now();
    this.stats.frames += 1;
    this.stats.epoch = header.epoch;
    this.stats.accuracy = header.accuracy;
    const { $ } = this;
    if (parts.boundary) this.plane.paintBoundary(parts.boundary, header.boundary);
    $("tr-epoch").textContent = formatCount(header.epoch);
    // a loss that overflowed comes as null, like one not measured yet: say which it is
    const lost = header.diverged_at != null ? "overflowed" : null;
    const validated = (this.serverConfig?.validation ?? 0) > 0; // else there is no validation loss
    $("tr-loss").textContent = header.loss == null && lost ? lost : formatLoss(header.loss);
    $("tr-accuracy").textContent = formatPercent(header.accuracy);
    $("tr-val-loss").textContent = header.val_loss == null && lost && validated ? lost : formatLoss(header.val_loss);
    $("tr-val-accuracy").textContent = formatPercent(header.val_accuracy);
    if (header.samples_per_second) {
      // the unit in a smaller type, so that "202K samples/s" keeps to one line in a narrow box
      const unit = Object.assign(document.createElement("span"), { className: "unit", textContent: "samples/s" });
      $("tr-throughput").replaceChildren(`${formatCompact(header.samples_per_second)} `, unit);
    } else {
      $("tr-throughput").textContent = "–";
    }
    if (parts.maps || parts.edges) {
      this.diagram.update({
        layerSizes: header.edges?.layer_sizes,
        maps: parts.maps,
        mapSize: header.maps?.size,
        edges: parts.edges ? new Int8Array(parts.edges.buffer, parts.edges.byteOffset, parts.edges.byteLength) : null,
      });
    }
    if (header.chart) this.chart.update(header.chart, header.diverged_at);
    this.stats.drawMs += performance.now() - started;
  }

  // ------------------------------------------------------------------------ sharing
  downloadFigure() {
    const name = `neuronlab-${this.config.dataset}-epoch${this.stats.epoch}.png`;
    this.plane.figure().toBlob((blob) => blob && downloadBlob(blob, name), "image/png");
  }

  /** Send a saved model (.npz) to this session; the socket then brings its config and a
   * status line, and the page shows it like any other configuration. */
  async loadModel(input) {
    const file = input.files?.[0];
    input.value = ""; // the same file may be chosen again
    if (!file || !this.modelUrl) return;
    clearError(this.$("tr-error"));
    try {
      await postFile(`${this.modelUrl}?name=${encodeURIComponent(file.name.slice(0, 200))}`, file);
    } catch (error) {
      showError(this.$("tr-error"), error);
      this.refused = true; // cleared when a setting or a model is taken
    }
  }

  async copyLink() {
    writeState(PREFIX, this.config, this.defaults);
    const url = shareURL("trainer");
    const status = this.$("tr-copy-status");
    try {
      await navigator.clipboard.writeText(url);
      // the link holds the settings; points clicked in are the learner's own, not in it
      status.textContent = this.stats.added
        ? "Link copied: the settings, without the points you added."
        : "Link copied.";
    } catch {
      status.textContent = url;
    }
    setTimeout(() => {
      status.textContent = "";
    }, 4000);
  }
}

export async function mount(root) {
  const o = await getOptions();
  const options = { ...o.trainer, datasets: o.datasets, activations: o.activations.map((a) => a.name), optimizers: o.optimizers.map((a) => a.name), map_colours: o.map_colours };
  return new TrainerWidget(root, options);
}
