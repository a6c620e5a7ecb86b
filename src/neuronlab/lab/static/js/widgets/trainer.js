// The live trainer widget: controls in, frames out.
//
// The Python engine trains in a server thread; this module builds the trainer (layout.js),
// sends what the learner changes (protocol: neuronlab/lab/trainer/protocol.py) and paints the
// frames it gets back. It computes nothing about the network: colours, maps and edge strengths
// arrive ready to draw. Which buttons work follows one state machine (trainer/connection.js)
// driven by the server's messages; the settings, and which of their changes the server has
// answered, are trainer/settings-sync.js's. mount() wires the parts together.

import { clearError, downloadBlob, postFile, showError } from "../api.js";
import { formatCompact, formatCount, formatLoss, formatPercent } from "../format.js";
import { getOptions } from "../options.js";
import { readState, shareURL, writeState } from "../state.js";
import { markInvalid } from "./controls.js";
import { LossChart } from "./trainer/chart.js";
import { Connection } from "./trainer/connection.js";
import { NetworkDiagram } from "./trainer/diagram.js";
import { checkedFeatures, fillSelect, inputLabels, nearestIndex, PARSE, speedLabel } from "./trainer/fields.js";
import { buildTrainer } from "./trainer/layout.js";
import { DataPlane } from "./trainer/plane.js";
import { setupPresentation } from "./trainer/present.js";
import { SettingsSync } from "./trainer/settings-sync.js";
import { buildShare } from "./trainer/share.js";
import { applyHidden, readHidden } from "./trainer/visibility.js";
import { TrainerSocket } from "./trainer/socket.js";
import { formatR2, setReadoutTitles, ValueLegend } from "./trainer/values.js";
import { WeightEditor } from "./trainer/weights.js";

const PREFIX = "trainer"; // URL keys: ?trainer.points=500
// how the plane is drawn: the page's own, kept in the link beside the config (never sent)
const VIEW_DEFAULTS = { show_validation: true, discretise: false };

export async function mount(root) {
  const options = await getOptions();
  const { defaults, learning_rates: rates, penalties, speeds, multiclass } = options.trainer;
  const named = [...options.datasets, ...options.activations, ...options.optimizers];
  const labels = Object.fromEntries(named.map((o) => [o.name, o.label])); // what the menus show
  const ui = buildTrainer(root, options);
  const { controls, buttons } = ui;
  // a teacher's link: what it hides, its Share panel, the projector's layout
  const hidden = applyHidden(ui, readHidden());
  root.dataset.hidden = hidden.join(",");
  setupPresentation(ui, root.closest("section"));
  let share = null; // built once the controls hold the link's settings

  // the settings shown and sent (settings-sync.js numbers each "configure" it sends)
  const settings = new SettingsSync({
    config: readState(PREFIX, defaults),
    defaults,
    controls,
    error: ui.error,
    show: writeControls,
    transmit: (command) => socket.send(command),
    notConnected: () => message("Not connected to the lab server yet; retrying…"),
  });
  const send = (command) => settings.send(command);
  const change = (update) => settings.change(update);
  let modelUrl = null;
  // read by the tests and scripts/measure_trainer.py
  const stats = { frames: 0, epoch: 0, accuracy: null, added: 0, drawMs: 0 };
  root.trainerStats = stats;

  // which command's "value" a refusal naming that field is about: a new point's or a weight's
  let valueOf = null;
  let valueRefused = false; // the alert says why a new point's value was refused
  const plane = new DataPlane(
    { ...ui.plane, plane: ui.plane.box },
    {
      // target: {label} for a class, {value} for a regression set's point (or {} if none typed)
      onAddPoint: (x, y, target) => {
        valueOf = "add_point";
        send({ type: "add_point", x, y, ...target });
      },
      bounds: options.plane,
      valueColours: options.value_colours,
      valueColoursHard: options.value_colours_hard,
    },
  );
  // a regression set's colour bar, and its help in place of the classification help
  const legend = new ValueLegend(options.value_colours, { plane: ui.plane.box, help: root.querySelector("#tr-plane-help") });
  ui.plane.box.after(legend.element);
  const chart = new LossChart(ui.chart, { logScale: ui.logScale.checked });
  const diagram = new NetworkDiagram(ui.diagram, {
    mapColours: options.map_colours,
    onPickEdge: (layer, source, target) => weights.pickEdge(layer, source, target),
  });
  const weights = new WeightEditor(ui.weight, ui.weightEditor, {
    diagram,
    onSet: (layer, source, target, value) => {
      clearError(ui.error);
      markInvalid(ui.weight.value, false, ui.error.id);
      valueOf = "set_weight";
      send({ type: "set_weight", layer, source, target, value });
    },
  });
  let view = readState(PREFIX, VIEW_DEFAULTS);
  let watchSpeed = settings.config.speed || defaults.speed; // the pace "Full speed" comes back to
  const connection = new Connection(showState);

  // ------------------------------------------------------------------------- controls
  fillSelect(controls.dataset, options.datasets.map((d) => d.name), (name) => labels[name]);
  for (const option of controls.dataset.options) {
    option.title = options.datasets.find((d) => d.name === option.value).description;
  }
  fillSelect(controls.activation, options.activations.map((a) => a.name), (name) => labels[name]);
  fillSelect(controls.optimizer, options.optimizers.map((o) => o.name), (name) => labels[name]);
  fillSelect(controls.speed, speeds, speedLabel); // slower speeds give a class time to watch
  fillSelect(controls.l2, penalties);
  fillSelect(controls.l1, penalties);
  writeControls();

  for (const [field, parse] of Object.entries(PARSE)) {
    const control = controls[field];
    control.addEventListener(control.type === "range" ? "input" : "change", () => {
      const value = parse(control.value);
      if (control.type === "number" && (!Number.isFinite(value) || control.value === "")) return;
      change({ [field]: value });
    });
  }
  for (const box of Object.values(ui.features)) {
    box.addEventListener("change", () => change({ features: checkedFeatures(ui.features) }));
  }
  controls.learning_rate.addEventListener("input", () => {
    change({ learning_rate: rates[Number(controls.learning_rate.value)] });
  });
  // the state machine moves the focus from Train to Pause and back once the server confirms
  buttons.train.addEventListener("click", () => send({ type: "start" }));
  buttons.pause.addEventListener("click", () => send({ type: "pause" }));
  buttons.step.addEventListener("click", () => send({ type: "step", epochs: 1 }));
  // these start afresh, so an old refusal or divergence message no longer applies
  for (const type of ["reset", "reseed", "regenerate"]) {
    buttons[type].addEventListener("click", () => {
      clearError(ui.error);
      send({ type });
    });
  }
  buttons.loadModel.addEventListener("click", () => ui.modelFile.click());
  ui.modelFile.addEventListener("change", (event) => loadModel(event.target));
  buttons.downloadFigure.addEventListener("click", downloadFigure);
  buttons.copyLink.addEventListener("click", copyLink);
  ui.logScale.addEventListener("change", (event) => chart.setLogScale(event.target.checked));
  ui.plane.newValue.addEventListener("input", () => markValue(false)); // a new value: no longer the refused one
  buttons.fullSpeed.addEventListener("click", () => {
    change({ speed: settings.config.speed === 0 ? watchSpeed || defaults.speed || 35 : 0 });
  });
  ui.viewOptions.showValidation.addEventListener("change", (event) => changeView({ show_validation: event.target.checked }));
  ui.viewOptions.discretise.addEventListener("change", (event) => changeView({ discretise: event.target.checked }));
  changeView({});
  showState(connection.state);
  share = buildShare(ui.share, { hidden });

  /** How the plane is drawn: the toggles, the plane and the link. */
  function changeView(update) {
    view = { ...view, ...update };
    ui.viewOptions.showValidation.checked = view.show_validation;
    ui.viewOptions.discretise.checked = view.discretise;
    plane.setShowValidation(view.show_validation);
    plane.setDiscretise(view.discretise);
    writeState(PREFIX, view, VIEW_DEFAULTS);
  }

  /** Put `config` into the controls (and the URL). */
  function writeControls() {
    const { config } = settings;
    // a link's own penalty or speed joins its menu
    const listed = (select, value) => [...select.options].some((o) => o.value === String(value));
    for (const field of ["l2", "l1"]) {
      if (!listed(controls[field], config[field])) {
        fillSelect(controls[field], [...new Set([...penalties, config[field]])].sort((a, b) => a - b));
      }
    }
    if (!listed(controls.speed, config.speed)) fillSelect(controls.speed, [...speeds, config.speed], speedLabel);
    for (const field of Object.keys(PARSE)) {
      const control = controls[field];
      if (document.activeElement !== control || control.type === "range") control.value = String(config[field]);
    }
    if (config.speed !== 0) watchSpeed = config.speed;
    buttons.fullSpeed.setAttribute("aria-pressed", String(config.speed === 0));
    controls.learning_rate.value = String(nearestIndex(rates, config.learning_rate));
    controls.learning_rate.setAttribute("aria-valuetext", String(config.learning_rate));
    ui.shown.learning_rate.textContent = String(config.learning_rate);
    ui.shown.noise.textContent = config.noise.toFixed(2);
    ui.shown.validation.textContent = `${Math.round(config.validation * 100)}%`;
    ui.shown.weights_seed.textContent = String(config.weights_seed);
    ui.classesField.hidden = !(config.dataset in multiclass);
    controls.classes.labels[0].textContent = multiclass[config.dataset] === "arms" ? "Arms (classes)" : "Classes";
    for (const [name, box] of Object.entries(ui.features)) box.checked = config.features.includes(name);
    writeState(PREFIX, config, defaults);
    share?.refresh(); // the link to share follows the settings
  }

  /** What the connection's state allows: the buttons, the model links, the root's data-state. */
  function showState(state) {
    const focused = document.activeElement;
    buttons.train.disabled = !connection.can("train");
    buttons.pause.disabled = !connection.can("pause");
    buttons.step.disabled = !connection.can("step");
    for (const name of ["reset", "reseed", "regenerate"]) buttons[name].disabled = !connection.live;
    const models = connection.live && modelUrl !== null; // the session's own network
    buttons.loadModel.disabled = !models;
    if (models) {
      ui.downloadModel.href = modelUrl;
      ui.downloadModel.removeAttribute("aria-disabled");
      ui.downloadModel.removeAttribute("tabindex");
    } else {
      ui.downloadModel.setAttribute("aria-disabled", "true");
      ui.downloadModel.tabIndex = -1;
    }
    // the button just disabled hands the keyboard focus to the other one (a disabled button
    // drops it to the page); also when training stops by itself, e.g. on divergence
    if ((focused === buttons.train || focused === buttons.pause) && focused.disabled) {
      (state === "training" ? buttons.pause : buttons.train).focus();
    }
    root.dataset.state = state;
    root.dataset.running = state === "training" ? "true" : "false";
  }

  /**
   * Mark the controls of the refused settings (aria-invalid, described by the error line) and
   * clear the marks of the others; returns [control, typed value] of the refused number boxes.
   */
  function markRefused(fields) {
    const typed = [];
    for (const control of ui.form.querySelectorAll("[name]")) {
      const isRefused = fields.includes(control.name);
      if (isRefused && control.type === "number") typed.push([control, control.value]);
      if (isRefused || control.hasAttribute("aria-invalid")) markInvalid(control, isRefused, ui.error.id);
    }
    return typed;
  }

  /** Mark the new points' value box as refused (described by the alert) or not. */
  function markValue(refused) {
    const box = ui.plane.newValue;
    if (refused) {
      box.setAttribute("aria-invalid", "true");
      box.setAttribute("aria-describedby", `${ui.error.id} ${ui.plane.valueHint.id}`);
    } else {
      box.removeAttribute("aria-invalid");
      box.setAttribute("aria-describedby", ui.plane.valueHint.id);
    }
  }

  function message(text, { warn = false } = {}) {
    ui.message.textContent = text || "";
    ui.message.classList.toggle("warn", warn);
  }

  // -------------------------------------------------------------------------- socket
  function onOpen() {
    clearError(ui.error);
    // a new connection is a new session on the server: say so when an old one was lost
    message(
      connection.state === "reconnecting"
        ? "Reconnected. The server started a new session: training starts again from epoch 0, without the points you added."
        : "",
    );
    settings.opened();
  }

  function onClose({ busy, retrying }) {
    modelUrl = null;
    if (busy) {
      connection.on("busy");
    } else if (retrying) {
      connection.on("lost");
      message("Lost the connection to the lab server; reconnecting…");
    }
    showState(connection.state);
  }

  function onMessage(received) {
    switch (received.type) {
      case "hello":
        modelUrl = received.model_url;
        showState(connection.state);
        break;
      case "config": {
        markRefused([]); // an accepted configuration: nothing is refused any more
        settings.taken(received);
        writeControls();
        const { config } = settings;
        const inputs = inputLabels(options.trainer, config.features);
        diagram.setArchitecture([inputs.length, ...Array(config.hidden_layers).fill(config.units), plane.classes()], inputs);
        weights.setArchitecture(diagram.layerSizes);
        connection.on("configured");
        break;
      }
      case "data":
        stats.added = 0;
        plane.setData(received);
        legend.setData(received);
        setReadoutTitles(ui.readouts, received.task);
        ui.chartTitle.textContent = received.task === "regression" ? "Loss and R²" : "Loss and accuracy";
        break;
      case "points":
        stats.added = received.count;
        plane.addPoints(received.added, received.index);
        markValue(false);
        if (valueRefused) clearError(ui.error); // a point was taken: the refusal is answered
        valueRefused = false;
        break;
      case "status":
        // Train and Pause follow the status messages only, never a frame's "running": a frame
        // built before the last status can arrive after it (the server sends its waiting
        // messages first) and would turn a session just started back to paused
        connection.on(received.running ? "started" : "stopped");
        if (received.message && received.diverged) {
          // one alert, not the same sentence twice (notice and alert)
          message("");
          showError(ui.error, received.message);
        } else if (received.message) {
          message(received.message);
        } else if (received.running) {
          message("");
          clearError(ui.error);
        }
        break;
      case "error":
        onRefusal(received);
        break;
      default:
        break;
    }
  }

  function onRefusal(refusal) {
    if (refusal.code === "busy") {
      showError(ui.error, refusal.detail);
      message("Reload the page to try again.");
      connection.on("busy");
      return;
    }
    // what the learner typed in a refused box stays in it, marked, until they change it
    const typed = markRefused(refusal.fields || []);
    const value = (refusal.fields || []).includes("value"); // a typed weight's, or a new point's
    markInvalid(ui.weight.value, value && valueOf === "set_weight", ui.error.id);
    valueRefused = value && valueOf === "add_point";
    markValue(valueRefused);
    showError(ui.error, refusal.detail);
    settings.onRefusal(refusal, typed); // the settings go back to those the session took, if any
  }

  function onFrame({ header, parts }) {
    const started = performance.now();
    stats.frames += 1;
    stats.epoch = header.epoch;
    stats.accuracy = header.accuracy;
    stats.r2 = header.r2 ?? null;
    const { readouts } = ui;
    if (parts.boundary) plane.paintBoundary(parts.boundary, header.boundary);
    readouts.epoch.textContent = formatCount(header.epoch);
    // a loss that overflowed comes as null, like one not measured yet: say which it is
    const lost = header.diverged_at != null ? "overflowed" : null;
    const validated = (settings.serverConfig?.validation ?? 0) > 0; // else there is no validation loss
    readouts.loss.textContent = header.loss == null && lost ? lost : formatLoss(header.loss);
    readouts.valLoss.textContent = header.val_loss == null && lost && validated ? lost : formatLoss(header.val_loss);
    if (header.values) {
      // a regression set: R² where a classifier has its accuracy
      readouts.accuracy.textContent = formatR2(header.r2);
      readouts.valAccuracy.textContent = formatR2(header.val_r2);
      legend.update(header.values);
    } else {
      readouts.accuracy.textContent = formatPercent(header.accuracy);
      readouts.valAccuracy.textContent = formatPercent(header.val_accuracy);
    }
    if (header.samples_per_second) {
      // the unit in a smaller type, so that "202K samples/s" keeps to one line in a narrow box
      const unit = Object.assign(document.createElement("span"), { className: "unit", textContent: "samples/s" });
      readouts.throughput.replaceChildren(`${formatCompact(header.samples_per_second)} `, unit);
    } else {
      readouts.throughput.textContent = "–";
    }
    if (parts.maps || parts.edges) {
      diagram.update({
        layerSizes: header.edges?.layer_sizes,
        maps: parts.maps,
        mapSize: header.maps?.size,
        edges: parts.edges ? new Int8Array(parts.edges.buffer, parts.edges.byteOffset, parts.edges.byteLength) : null,
        scales: header.edges?.scales,
      });
      if (header.edges?.layer_sizes) weights.setArchitecture(header.edges.layer_sizes);
      weights.showNow();
    }
    if (header.chart) chart.update(header.chart, header.diverged_at);
    stats.drawMs += performance.now() - started;
  }

  // ------------------------------------------------------------------------ sharing
  function downloadFigure() {
    const name = `neuronlab-${settings.config.dataset}-epoch${stats.epoch}.png`;
    plane.figure().toBlob((blob) => blob && downloadBlob(blob, name), "image/png");
  }

  /** Send a saved model (.npz) to this session; the socket then brings its config and a
   * status line, and the page shows it like any other configuration. */
  async function loadModel(input) {
    const file = input.files?.[0];
    input.value = ""; // the same file may be chosen again
    if (!file || !modelUrl) return;
    clearError(ui.error);
    try {
      await postFile(`${modelUrl}?name=${encodeURIComponent(file.name.slice(0, 200))}`, file);
    } catch (error) {
      showError(ui.error, error);
      settings.refused = true; // cleared when a setting or a model is taken
    }
  }

  async function copyLink() {
    writeState(PREFIX, settings.config, defaults);
    const url = shareURL("trainer");
    try {
      await navigator.clipboard.writeText(url);
      // the link holds the settings; points clicked in are the learner's own, not in it
      ui.copyStatus.textContent = stats.added ? "Link copied: the settings, without the points you added." : "Link copied.";
    } catch {
      ui.copyStatus.textContent = url;
    }
    setTimeout(() => {
      ui.copyStatus.textContent = "";
    }, 4000);
  }

  const socket = new TrainerSocket({ onOpen, onMessage, onFrame, onClose });
  socket.connect();
  return { connection, socket };
}
