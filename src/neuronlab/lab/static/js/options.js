// The options document, GET /api/options: what the page shares with the server, read once.
//
//   const options = await getOptions();
//   options.plane                      // [x1_min, x1_max, x2_min, x2_max]
//   options.inputs.trainer.noise       // {min, max, step}: the server's own bounds
//   options.activations                // [{name, label, description}, ...] from the engine
//
// The class colours and shapes go to draw.js before the promise resolves, so a widget that
// awaited its options can draw classes.

import { getJSON } from "./api.js";
import { setClassStyles } from "./draw.js";

let loading = null;

/** The options document, fetched at the first call and shared by every widget. */
export function getOptions() {
  loading ??= getJSON("/api/options").then(
    (options) => {
      setClassStyles(options.classes);
      return options;
    },
    (error) => {
      loading = null; // the next widget asks again
      throw error;
    },
  );
  return loading;
}

/** Put an input's bounds from the options ({min, max, step}) on an <input>. */
export function applyBounds(input, { min, max, step }) {
  if (min !== null && min !== undefined) input.min = String(min);
  if (max !== null && max !== undefined) input.max = String(max);
  if (step !== null && step !== undefined) input.step = String(step);
}
