// Gradient descent on a 2-D surface: pick a surface, click a start, DESCEND with a learning
// rate; watch the path, the step count and the loss, and see a rate too high blow up.
// The path comes from POST /api/descent/path (surfaces.descend with the SGD optimiser), and
// so does the sentence saying where it ended: the minimum, a local one, a saddle (with its
// way down, drawn on the map), still descending, or diverged (engine/outcome.py).

import { postJSON } from "../api.js";
import { getOptions } from "../options.js";
import { readState, writeState } from "../state.js";
import { el, errorLine, readouts, reducedMotion, slider, statusLine, surfacePicker } from "./controls.js";
import { surfaceMap } from "./surfacemap.js";
import { formatNumber } from "../format.js";

export const RATES = [
  0.0001, 0.0002, 0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.09, 0.1, 0.2, 0.3, 0.4, 0.5,
  0.7, 0.9, 1.0, 1.1, 1.2, 1.3, 1.6, 2.0,
];
const STEPS = [10, 20, 50, 100, 200, 300, 500, 1000, 2000, 5000];
const DEFAULTS = { surface: "bowl", rate: 0.1, steps: 300, x: NaN, y: NaN };
const PATH_COLOUR = "#c2185b";

export async function mount(root) {
  const state = readState("descent", DEFAULTS);
  const options = await getOptions();
  const { surfaces, choice } = surfacePicker(options, state, DEFAULTS.surface);
  const rate = slider({ label: "learning rate η", name: "rate", values: RATES, value: state.rate, format: (v) => String(v) });
  const steps = slider({ label: "most steps", name: "steps", values: STEPS, value: state.steps, format: (v) => String(v) });
  const descend = el("button", { type: "button", class: "primary", "data-action": "descend" }, "Descend");
  const clear = el("button", { type: "button", "data-action": "clear" }, "Clear path");
  const numbers = readouts([
    ["step", "step"],
    ["loss", "loss f(x, y)"],
    ["at", "at (x, y)"],
  ]);
  const status = statusLine();
  const about = el("p", { class: "w-small" });
  const errors = errorLine();
  const map = surfaceMap({
    label: "Contour map of the surface: pale is low, dark is high; stars mark the minima",
    onStart: () => {
      walk += 1; // a new start ends the walk on show
      cancelAnimationFrame(animation);
      map.setPaths([]);
      status.textContent = `Start placed at (${formatNumber(map.start[0], 2)}, ${formatNumber(map.start[1], 2)}). Press Descend.`;
      save();
    },
  });
  root.replaceChildren(
    el(
      "div",
      { class: "w-layout" },
      el("div", {}, map.element, el("p", { class: "w-legend" }, "☆ lowest known minimum   ◯ start   ● where the walk is now   ↕ a saddle's way down")),
      el(
        "div",
        { class: "w-side" },
        choice.element,
        about,
        rate.element,
        steps.element,
        el("div", { class: "button-row" }, descend, clear),
        numbers.element,
        status,
        errors.element,
      ),
    ),
  );

  let animation = 0;
  let walk = 0; // the newest walk asked for: an older answer or animation stops

  function save() {
    writeState(
      "descent",
      { surface: choice.input.value, rate: rate.value, steps: steps.value, x: round(map.start[0]), y: round(map.start[1]) },
      DEFAULTS,
    );
  }

  async function setSurface(name, start) {
    const info = surfaces[name];
    about.textContent = `${info.title}. ${info.description}`;
    await map.setSurface(info, start);
    numbers.set("step", "–");
    numbers.set("loss", "–");
    numbers.set("at", "–");
    status.textContent = "Click the map to place a start, then press Descend.";
  }

  function showUpTo(run, k) {
    const end = k === run.points.length - 1;
    const wayDown = end && run.outcome.kind === "saddle" ? [{ point: run.outcome.point, direction: run.outcome.direction }] : [];
    map.setPaths([{ points: run.points.slice(0, k + 1), colour: PATH_COLOUR }], wayDown);
    numbers.set("step", String(k));
    numbers.set("loss", formatNumber(run.losses[k], 4));
    numbers.set("at", `(${formatNumber(run.points[k][0], 3)}, ${formatNumber(run.points[k][1], 3)})`);
  }

  async function go() {
    walk += 1;
    const mine = walk;
    cancelAnimationFrame(animation);
    delete root.dataset.finished;
    errors.report(null);
    let run;
    try {
      run = await postJSON("/api/descent/path", {
        surface: choice.input.value,
        start: map.start,
        optimizer: "sgd",
        learning_rate: rate.value,
        steps: steps.value,
      });
    } catch (error) {
      if (mine === walk) errors.report(error);
      return;
    }
    if (mine !== walk) return; // a newer Descend, Clear or surface came first
    cancelAnimationFrame(animation);
    document.dispatchEvent(new CustomEvent("neuronlab:descent", { detail: { surface: run.surface, run } }));
    // replay the walk over about a second and a half, a few steps per frame (or, for a
    // learner who asked for less motion, the whole walk in one frame)
    const last = run.points.length - 1;
    const perFrame = reducedMotion() ? Math.max(1, last) : Math.max(1, Math.ceil(last / 90));
    let k = 0;
    status.textContent = "Descending…";
    const frame = () => {
      if (mine !== walk) return;
      k = Math.min(last, k + perFrame);
      showUpTo(run, k);
      if (k < last) {
        animation = requestAnimationFrame(frame);
      } else {
        status.textContent = run.message; // the server's sentence: converged only at a minimum
        root.dataset.finished = run.outcome.kind.replace(" ", "-"); // converged, saddle, local-minimum…
      }
    };
    showUpTo(run, 0);
    animation = requestAnimationFrame(frame);
  }

  descend.addEventListener("click", go);
  clear.addEventListener("click", () => {
    walk += 1;
    cancelAnimationFrame(animation);
    map.setPaths([]);
    status.textContent = "";
  });
  choice.input.addEventListener("change", async () => {
    walk += 1;
    cancelAnimationFrame(animation);
    const info = surfaces[choice.input.value];
    rate.value = info.learning_rate;
    await setSurface(choice.input.value);
    save();
  });
  rate.input.addEventListener("input", save);
  steps.input.addEventListener("input", save);

  const start = Number.isFinite(state.x) && Number.isFinite(state.y) ? [state.x, state.y] : null;
  await setSurface(state.surface, start);
}

function round(v) {
  return Math.round(v * 1000) / 1000;
}
