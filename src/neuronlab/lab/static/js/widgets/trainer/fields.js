// The trainer's controls as values and words: how a control's text reads as a config value,
// how a select lists its entries, and where a rate sits on the learning-rate slider's ladder.

// config field -> how to read its control's value (the learning rate is a ladder position)
export const PARSE = {
  dataset: String,
  classes: Number,
  points: Number,
  noise: Number,
  validation: Number,
  seed: Number,
  hidden_layers: Number,
  units: Number,
  activation: String,
  optimizer: String,
  batch_size: Number,
  l2: Number,
  l1: Number,
  speed: Number,
};

export function speedLabel(epochs) {
  // short: the select is narrow ("as fast as it can" was cut off in it); the label says the unit
  return epochs === 0 ? "no limit" : String(epochs);
}

/** Fill a select with `values`, each shown as `text(value)`. */
export function fillSelect(select, values, text = String) {
  select.replaceChildren(
    ...values.map((value) => {
      const option = document.createElement("option");
      option.value = String(value);
      option.textContent = text(value);
      return option;
    }),
  );
}

/** The index of the ladder's value nearest `value` on a log scale: where a slider over a
 * ladder of learning rates sits for a rate from a link. */
export function nearestIndex(ladder, value) {
  let best = 0;
  for (let i = 1; i < ladder.length; i += 1) {
    if (Math.abs(Math.log(ladder[i] / value)) < Math.abs(Math.log(ladder[best] / value))) best = i;
  }
  return best;
}

/** The input features ticked, in the checkboxes' (the registry's) order. */
export function checkedFeatures(boxes) {
  return Object.entries(boxes)
    .filter(([, box]) => box.checked)
    .map(([name]) => name);
}

/** The network's inputs by name: x₁, x₂, then each chosen feature's label (options.trainer). */
export function inputLabels(trainerOptions, features) {
  const chosen = trainerOptions.features.filter(({ name }) => features.includes(name));
  return [...trainerOptions.input_labels, ...chosen.map(({ label }) => label)];
}
