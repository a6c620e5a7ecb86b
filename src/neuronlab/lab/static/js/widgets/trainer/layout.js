// The trainer's page: its controls, buttons, plane, readouts, chart and network panel, built
// from the options document. Every number input takes its min, max and step from the server's
// own limits (options.inputs.trainer), and every menu its entries from the engine's registries.
//
//   const ui = buildTrainer(root, options);  // ui.controls.points, ui.buttons.train, ...
//
// The ids (tr-...) tie labels to their controls and readouts to their names; the widget keeps
// the elements themselves and never looks one up by id.

import { applyBounds } from "../../options.js";
import { el } from "../controls.js";

/** A labelled control in its .field box; a range's readout follows it on the same line. */
function field(id, label, control, readout = null) {
  const body = readout ? el("span", { class: "field-range" }, control, readout) : control;
  return el("div", { class: "field" }, el("label", { for: id }, label), body);
}

/** A field whose menu has long entries ("Leaky ReLU, slope 0.01"): the label above it, the
 * menu the box's whole width, so no entry is cut off. */
function stacked(box) {
  box.classList.add("stacked");
  return box;
}

function numberBox(id, name, bounds) {
  const input = el("input", { id, name, type: "number", inputmode: "numeric" });
  applyBounds(input, bounds);
  return input;
}

function range(id, name, bounds) {
  const input = el("input", { id, name, type: "range" });
  applyBounds(input, bounds);
  return input;
}

function readout(id, title, initial) {
  const output = el("output", { id, "aria-labelledby": `${id}-label`, "aria-live": "off" }, initial);
  return [el("div", { class: "readout" }, el("dt", { id: `${id}-label` }, title), el("dd", {}, output)), output];
}

function button(id, text, attributes = {}) {
  return el("button", { type: "button", id, ...attributes }, text);
}

/** Build the trainer inside `root`; returns the elements the widget works with. */
export function buildTrainer(root, options) {
  const bounds = options.inputs.trainer;
  const controls = {
    dataset: el("select", { id: "tr-dataset", name: "dataset" }),
    classes: numberBox("tr-classes", "classes", bounds.classes),
    points: numberBox("tr-points", "points", bounds.points),
    noise: range("tr-noise", "noise", bounds.noise),
    validation: range("tr-validation", "validation", bounds.validation),
    seed: numberBox("tr-seed", "seed", bounds.seed),
    hidden_layers: numberBox("tr-layers", "hidden_layers", bounds.hidden_layers),
    units: numberBox("tr-units", "units", bounds.units),
    activation: el("select", { id: "tr-activation", name: "activation" }),
    optimizer: el("select", { id: "tr-optimizer", name: "optimizer" }),
    // a position on the ladder of learning rates (a log scale), not a rate
    learning_rate: el("input", { id: "tr-lr", name: "learning_rate", type: "range", min: 0, max: options.trainer.learning_rates.length - 1, step: 1 }),
    batch_size: numberBox("tr-batch", "batch_size", bounds.batch_size),
    l2: el("select", { id: "tr-l2", name: "l2" }),
    l1: el("select", { id: "tr-l1", name: "l1" }),
    speed: el("select", { id: "tr-speed", name: "speed" }),
  };
  const shown = {
    noise: el("output", { id: "tr-noise-value", for: "tr-noise", "aria-live": "off" }),
    validation: el("output", { id: "tr-validation-value", for: "tr-validation", "aria-live": "off" }),
    learning_rate: el("output", { id: "tr-lr-value", for: "tr-lr", "aria-live": "off" }),
    weights_seed: el("output", { id: "tr-weights-seed", "aria-labelledby": "tr-weights-seed-label", "aria-live": "off" }, "0"),
  };
  // the optional input features: one checkbox each, x1 and x2 always in
  const features = Object.fromEntries(
    options.trainer.features.map(({ name }) => [name, el("input", { type: "checkbox", id: `tr-feature-${name}`, name: "features", value: name })]),
  );
  const featuresBox = el(
    "fieldset",
    { class: "feature-choice", id: "tr-features", "aria-describedby": "tr-features-help" },
    el("legend", {}, "Inputs"),
    el("span", { class: "always" }, `${options.trainer.input_labels.join(", ")}, and:`),
    el(
      "span",
      { class: "feature-options" },
      options.trainer.features.map(({ name, label }) => el("label", { for: `tr-feature-${name}` }, features[name], ` ${label}`)),
    ),
    el("p", { class: "hint", id: "tr-features-help" }, "Each ticked feature is one more input to the network."),
  );
  const classesField = field("tr-classes", "Classes", controls.classes);
  classesField.id = "tr-classes-field";
  const buttons = {
    regenerate: button("tr-regenerate", "Regenerate"),
    train: button("tr-train", "Train", { class: "primary", disabled: true }),
    pause: button("tr-pause", "Pause", { disabled: true }),
    step: button("tr-step", "Step", { title: "Train one epoch", disabled: true }),
    // the pace a class can watch, or as fast as the server can: one click either way
    fullSpeed: button("tr-full-speed", "Full speed", { "aria-pressed": "false", title: "Train as fast as the server can (Epochs/s: no limit); press again for the watchable pace" }),
    reset: button("tr-reset", "Reset", { title: "Back to the initial weights (same seed)" }),
    reseed: button("tr-reseed", "Re-seed", { title: "New initial weights" }),
    loadModel: button("tr-load-model", "Load model (.npz)", {
      disabled: true,
      title: "Open a model saved by neuronlab train --out, or downloaded here",
    }),
    downloadFigure: button("tr-download-figure", "Download figure (PNG)"),
    copyLink: button("tr-copy-link", "Copy link"),
    // the projector's layout; in it, the settings fold away behind this toggle
    present: button("tr-present", "Presentation layout", { "aria-pressed": "false", title: "Large type, plane and loss chart side by side, settings folded away" }),
    settings: button("tr-settings", "Settings", { "aria-expanded": "false", "aria-controls": "tr-form" }),
  };
  const form = el(
    "form",
    { class: "trainer-controls controls", id: "tr-form", "aria-label": "Trainer settings", novalidate: true },
    el(
      "fieldset",
      {},
      el("legend", {}, "Data"),
      stacked(field("tr-dataset", "Dataset", controls.dataset)),
      classesField,
      field("tr-points", "Points", controls.points),
      field("tr-noise", "Noise", controls.noise, shown.noise),
      field("tr-validation", "Validation share", controls.validation, shown.validation),
      field("tr-seed", "Data seed", controls.seed),
      el("div", { class: "button-row" }, buttons.regenerate),
    ),
    el(
      "fieldset",
      {},
      el("legend", {}, "Network"),
      field("tr-layers", "Hidden layers", controls.hidden_layers),
      field("tr-units", "Units per layer", controls.units),
      stacked(field("tr-activation", "Activation", controls.activation)),
      featuresBox,
      el("div", { class: "field" }, el("span", { class: "label", id: "tr-weights-seed-label" }, "Weights seed"), shown.weights_seed),
    ),
    el(
      "fieldset",
      {},
      el("legend", {}, "Training"),
      field("tr-optimizer", "Optimizer", controls.optimizer),
      field("tr-lr", "Learning rate", controls.learning_rate, shown.learning_rate),
      field("tr-batch", "Batch size", controls.batch_size),
      field("tr-l2", "L2", controls.l2),
      field("tr-l1", "L1", controls.l1),
      field("tr-speed", "Epochs/s", controls.speed),
    ),
  );

  const plane = {
    box: el("div", {
      class: "trainer-plane plane",
      id: "tr-plane",
      tabindex: 0,
      role: "group",
      "aria-label": "Input plane: the decision boundary and the data",
      "aria-describedby": "tr-plane-help",
    }),
    boundary: el("canvas", { id: "tr-boundary", "aria-hidden": "true" }),
    points: el("canvas", { id: "tr-points-layer", "aria-hidden": "true" }),
    status: el("p", { class: "visually-hidden", id: "tr-plane-status", role: "status" }),
    classOptions: el("div", { class: "class-options", id: "tr-class-options" }),
  };
  plane.box.append(plane.boundary, plane.points, plane.status);
  // how the plane is drawn (the page's own choice, kept in the link; the server is not told)
  const viewOptions = {
    showValidation: el("input", { type: "checkbox", id: "tr-show-validation", checked: true }),
    discretise: el("input", { type: "checkbox", id: "tr-discretise" }),
  };
  const help = el(
    "p",
    { class: "hint", id: "tr-plane-help" },
    "Filled points train the network; hollow ones are held out for validation. Click the plane to add a point of the chosen class, ",
    el("kbd", {}, "Shift"),
    "-click for class 0. From the keyboard: focus the plane, move the cursor with the arrow keys, press ",
    el("kbd", {}, "Enter"),
    " to add a point (",
    el("kbd", {}, "Shift"),
    "+",
    el("kbd", {}, "Enter"),
    " for class 0), and ",
    el("kbd", {}, "0"),
    "–",
    el("kbd", {}, "5"),
    " to choose the class.",
  );

  const readouts = {};
  const rows = [
    ["epoch", "tr-epoch", "Epoch", "0"],
    ["loss", "tr-loss", "Loss", "–"],
    ["accuracy", "tr-accuracy", "Accuracy", "–"],
    ["valLoss", "tr-val-loss", "Validation loss", "–"],
    ["valAccuracy", "tr-val-accuracy", "Validation accuracy", "–"],
    ["throughput", "tr-throughput", "Throughput", "–"],
  ].map(([key, id, title, initial]) => {
    const [row, output] = readout(id, title, initial);
    readouts[key] = output;
    return row;
  });

  const message = el("p", { class: "notice", id: "tr-message", role: "status" });
  const error = el("p", { class: "error-box", id: "tr-error", role: "alert" });
  const downloadModel = el("a", { class: "button", id: "tr-download-model", href: "#", download: true, "aria-disabled": "true", tabindex: -1 }, "Download model (.npz)");
  const modelFile = el("input", { type: "file", id: "tr-load-model-file", accept: ".npz", hidden: true });
  const copyStatus = el("span", { class: "copy-status", id: "tr-copy-status", role: "status" });

  const share = el("details", { class: "share-setup", id: "tr-share" }); // filled by share.js
  const classChooser = el("fieldset", { class: "class-chooser" }, el("legend", {}, "Class of new points"), plane.classOptions);
  // a regression set's new points take a value instead of a class (shown in the chooser's place)
  const limit = options.trainer.value_limit;
  plane.newValue = el("input", { id: "tr-new-value", name: "new_value", type: "number", step: "any", min: -limit, max: limit, "aria-describedby": "tr-new-value-hint" });
  plane.valueHint = el("span", { class: "hint", id: "tr-new-value-hint" });
  const valueChooser = el(
    "div",
    { class: "value-chooser", id: "tr-value-chooser", hidden: true },
    el("label", { for: "tr-new-value" }, "Value of new points"),
    plane.newValue,
    plane.valueHint,
  );
  const readoutList = el("dl", { class: "readouts", id: "tr-readouts", "aria-label": "Training progress" }, rows);
  const downloads = el("div", { class: "button-row trainer-downloads", id: "tr-downloads" }, downloadModel, buttons.loadModel, modelFile, buttons.downloadFigure, buttons.copyLink, copyStatus);
  const teacherRow = el("div", { class: "button-row trainer-teacher" }, buttons.present);
  const main = el(
    "div",
    { class: "trainer-main" },
    el("div", { class: "button-row trainer-buttons" }, buttons.train, buttons.pause, buttons.step, buttons.fullSpeed, buttons.reset, buttons.reseed, buttons.settings),
    plane.box,
    el(
      "div",
      { class: "view-options" },
      el("label", { class: "inline" }, viewOptions.showValidation, " Show validation points"),
      el("label", { class: "inline", title: "Each region in its class's colour, without the shades of confidence" }, viewOptions.discretise, " Discretise output"),
    ),
    help,
    classChooser,
    valueChooser,
    readoutList,
    message,
    error,
    downloads,
    teacherRow,
    share,
  );

  const logScale = el("input", { type: "checkbox", id: "tr-log-scale", checked: true });
  const chart = el("div", { id: "tr-chart", class: "chart", role: "img", "aria-labelledby": "tr-chart-title" });
  const chartTitle = el("h3", { id: "tr-chart-title" }, "Loss and accuracy"); // or R², per epoch
  const chartBox = el(
    "div",
    { class: "trainer-chart-box", id: "tr-chart-box" },
    el("div", { class: "chart-head" }, chartTitle, el("label", { class: "inline" }, logScale, " Log scale")),
    chart,
  );
  const side = el("div", { class: "trainer-side" }, chartBox);
  // the section's "Things to try" list (prose, in the section's HTML) goes under the chart
  const tips = root.closest("section")?.querySelector(".things-to-try");
  if (tips) side.append(tips);

  const diagram = el("div", { class: "network-diagram", id: "tr-diagram", role: "group", "aria-labelledby": "tr-diagram-title" });
  // click a line of the diagram to fill this in, or choose the weight here from the keyboard
  const weight = {
    from: el("select", { id: "tr-weight-from", name: "weight_from" }),
    to: el("select", { id: "tr-weight-to", name: "weight_to" }),
    value: el("input", { id: "tr-weight-value", name: "weight_value", type: "number", step: "any", min: -options.trainer.weight_limit, max: options.trainer.weight_limit, inputmode: "decimal" }),
    set: button("tr-weight-set", "Set weight"),
    now: el("output", { id: "tr-weight-now", "aria-live": "off" }),
  };
  const weightEditor = el(
    "form",
    { class: "weight-editor", id: "tr-weight-editor", "aria-label": "Edit a weight", novalidate: true },
    // each label stays on the line of its control when the row wraps
    el("span", { class: "weight-part" }, el("label", { for: "tr-weight-from" }, "Weight from"), weight.from),
    el("span", { class: "weight-part" }, el("label", { for: "tr-weight-to" }, "to"), weight.to),
    el("span", { class: "weight-part" }, el("label", { for: "tr-weight-value" }, "value"), weight.value, weight.set),
    weight.now,
  );
  const networkPanel = el(
    "div",
    { class: "network-panel", id: "tr-network" },
    el("h3", { id: "tr-diagram-title" }, "The network"),
    el(
      "p",
      { class: "hint" },
      "Lines are weights: thicker for larger magnitude, blue and solid positive, orange and dashed negative. Each hidden neuron shows what it computes over the input plane; hover or focus one to see it large. Click a line to edit its weight: type a value and training goes on from it.",
    ),
    diagram,
    weightEditor,
  );

  const grid = el("div", { class: "trainer-grid" }, form, main, side, networkPanel);
  root.replaceChildren(grid);
  return {
    grid,
    form,
    controls,
    features,
    featuresBox,
    share,
    help,
    classChooser,
    valueChooser,
    readoutList,
    downloads,
    teacherRow,
    chartBox,
    tips,
    network: networkPanel,
    shown,
    classesField,
    buttons,
    plane,
    readouts,
    message,
    error,
    downloadModel,
    modelFile,
    copyStatus,
    logScale,
    chart,
    chartTitle,
    diagram,
    viewOptions,
    weight,
    weightEditor,
  };
}
