// The trainer's controls and readouts, as words: which control edits which config field,
// the names the selects show.

const LABELS = {
  relu: "ReLU",
  leaky_relu: "leaky ReLU",
  gelu: "GELU",
  tanh: "tanh",
  sigmoid: "sigmoid",
  identity: "identity", // short: "identity (linear)" did not fit the select
  sgd: "SGD",
  momentum: "Momentum",
  rmsprop: "RMSProp",
  adam: "Adam",
};

// control id -> config field, and how to read it
export const FIELDS = {
  "tr-dataset": ["dataset", String],
  "tr-classes": ["classes", Number],
  "tr-points": ["points", Number],
  "tr-noise": ["noise", Number],
  "tr-validation": ["validation", Number],
  "tr-seed": ["seed", Number],
  "tr-layers": ["hidden_layers", Number],
  "tr-units": ["units", Number],
  "tr-activation": ["activation", String],
  "tr-optimizer": ["optimizer", String],
  "tr-batch": ["batch_size", Number],
  "tr-l2": ["l2", Number],
  "tr-l1": ["l1", Number],
  "tr-speed": ["speed", Number],
};

function label(name) {
  return LABELS[name] || name.charAt(0).toUpperCase() + name.slice(1);
}

export function speedLabel(epochs) {
  // short: the select is narrow ("as fast as it can" was cut off in it); the label says the unit
  return epochs === 0 ? "no limit" : String(epochs);
}

export function fillSelect(select, values, text = label) {
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
