// What a teacher's link may hide of the trainer: ?trainer.hide=noise,validation,chart
//
// Every name below is a control or a part of the trainer. A hidden control keeps the value
// the link gives it (the config still carries it); it is only out of sight. A settings box
// whose every field is hidden goes too, and with all three boxes gone the plane and the chart
// take the room. Unknown names are ignored, so an old link never breaks the page.
//
//   const hidden = applyHidden(ui, readHidden());   // the names that took effect
//   HIDEABLE                                        // [group, [[name, label], ...]]: the share panel's ticks

import { pageParam } from "../../state.js";

export const HIDE_KEY = "trainer.hide";

// [group title, [[name, what the share panel calls it], ...]]: the share panel's checkboxes
export const HIDEABLE = [
  [
    "Data",
    [
      ["dataset", "Dataset"],
      ["classes", "Classes"],
      ["points", "Points"],
      ["noise", "Noise"],
      ["validation", "Validation share"],
      ["seed", "Data seed"],
      ["regenerate", "Regenerate"],
    ],
  ],
  [
    "Network",
    [
      ["hidden_layers", "Hidden layers"],
      ["units", "Units per layer"],
      ["activation", "Activation"],
      ["features", "Input features"],
      ["weights_seed", "Weights seed"],
    ],
  ],
  [
    "Training",
    [
      ["optimizer", "Optimizer"],
      ["learning_rate", "Learning rate"],
      ["batch_size", "Batch size"],
      ["l2", "L2"],
      ["l1", "L1"],
      ["speed", "Epochs/s"],
    ],
  ],
  [
    "Buttons and panels",
    [
      ["step", "Step"],
      ["reset", "Reset"],
      ["reseed", "Re-seed"],
      ["add_points", "Class or value of new points"],
      ["readouts", "Readouts"],
      ["chart", "Loss chart"],
      ["tips", "Things to try"],
      ["diagram", "Network diagram"],
      ["downloads", "Downloads and Copy link"],
      ["share", "Share panel, Presentation layout"],
    ],
  ],
];

// a whole settings box may be named too: ?trainer.hide=data,training
const GROUPS = { data: 0, network: 1, training: 2 };

/** The names in the link's trainer.hide, as written (lower case, no blanks). */
export function readHidden() {
  const text = pageParam(HIDE_KEY) || "";
  return text
    .split(",")
    .map((name) => name.trim().toLowerCase())
    .filter(Boolean);
}

/** The elements each name stands for. */
function elementsOf(ui) {
  const fieldOf = (node) => node?.closest(".field") ?? node;
  const parts = {
    regenerate: [ui.buttons.regenerate.parentElement], // its row, alone in the Data box
    features: [ui.featuresBox],
    weights_seed: [fieldOf(ui.shown.weights_seed)],
    step: [ui.buttons.step],
    reset: [ui.buttons.reset],
    reseed: [ui.buttons.reseed],
    add_points: [ui.classChooser, ui.valueChooser, ui.help],
    readouts: [ui.readoutList],
    chart: [ui.chartBox],
    tips: [ui.tips],
    diagram: [ui.network],
    downloads: [ui.downloads],
    share: [ui.share, ui.teacherRow],
  };
  for (const [name, control] of Object.entries(ui.controls)) parts[name] = [fieldOf(control)];
  return parts;
}

/** Hide what `names` name; returns the names that took effect, in the panel's order. */
export function applyHidden(ui, names) {
  const parts = elementsOf(ui);
  const fieldsets = [...ui.form.querySelectorAll(":scope > fieldset")];
  const wanted = new Set(names);
  const known = HIDEABLE.flatMap(([, items]) => items.map(([name]) => name));
  for (const [group, index] of Object.entries(GROUPS)) {
    if (!wanted.has(group)) continue;
    // a whole box: every one of its names
    for (const name of HIDEABLE[index][1].map(([item]) => item)) wanted.add(name);
  }
  for (const name of known) {
    for (const element of parts[name] ?? []) element?.classList.toggle("hidden-by-link", wanted.has(name));
  }
  // a box with nothing left to show goes too; with no box left, the form goes
  for (const fieldset of fieldsets) {
    const items = [...fieldset.querySelectorAll(":scope > .field, :scope > fieldset, :scope > .button-row")];
    fieldset.classList.toggle("hidden-by-link", items.length > 0 && items.every((item) => item.classList.contains("hidden-by-link")));
  }
  const noSettings = fieldsets.every((fieldset) => fieldset.classList.contains("hidden-by-link"));
  ui.form.classList.toggle("hidden-by-link", noSettings);
  ui.grid.classList.toggle("no-settings", noSettings);
  ui.buttons.settings.classList.toggle("hidden-by-link", noSettings);
  ui.grid.classList.toggle("no-side", wanted.has("chart") && wanted.has("tips"));
  return known.filter((name) => wanted.has(name));
}
