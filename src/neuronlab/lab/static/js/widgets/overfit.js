// Overfitting: an over-sized network (two hidden layers of 16) on 30 noisy training points.
// Training and validation loss curves as it trains, an L2 slider, early stopping that marks
// and restores the best epoch, and three classic pictures side by side. The whole history
// comes from POST /api/overfitting/run (and /classic); the page replays it.

import { postJSON } from "../api.js";
import { getOptions } from "../options.js";
import { drawAxes, drawPoints, logAxisTicks, makeView, paintRGBA, setupCanvas } from "../draw.js";
import { whenPlotly } from "../load-plotly.js";
import { readState, writeState } from "../state.js";
import { checkbox, decodeBase64, el, errorLine, readouts, reducedMotion, select, slider, statusLine } from "./controls.js";
import { formatNumber, formatPercent } from "../format.js";

const L2_VALUES = [0, 0.0001, 0.0003, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3];
const PATIENCE = [5, 10, 20, 30, 50, 100];
const SIZE = 340;
const SMALL = 220;
const REPLAY_MS = 3000; // a whole run replays in about three seconds
const CHART_MS = 200; // the chart redraws five times a second while replaying
const DEFAULTS = { l2: 0, early: false, patience: 30, dataset: "moons", noise: 0.3, seed: 3 };

export async function mount(root) {
  const state = readState("overfit", DEFAULTS);
  const options = await getOptions();
  const { train: TRAIN_COLOUR, validation: VAL_COLOUR } = options.curves; // the server's palette
  let Plotly = null; // plotly.js, once the chart comes near the screen (../load-plotly.js)
  let charted = null; // what the chart shows, or will once plotly.js is here: [epochs, final]

  const l2 = slider({ label: "L2 strength λ", name: "l2", values: L2_VALUES, value: state.l2, format: (v) => String(v) });
  const early = checkbox({ label: "early stopping (restore the best epoch)", name: "early", checked: state.early });
  const patience = slider({ label: "patience (epochs)", name: "patience", values: PATIENCE, value: state.patience, format: (v) => String(v) });
  const dataset = select({
    label: "data",
    name: "dataset",
    value: state.dataset,
    options: [
      { value: "moons", label: "two moons" },
      { value: "circles", label: "disc in a ring" },
      { value: "xor", label: "XOR quadrants" },
    ],
  });
  const noise = slider({ label: "noise", name: "noise", values: [0.1, 0.2, 0.3, 0.4, 0.5], value: state.noise, format: (v) => String(v) });
  const replay = el("button", { type: "button", class: "primary", "data-action": "replay" }, "Train again");
  const fresh = el("button", { type: "button", "data-action": "new-points" }, "New points");
  const numbers = readouts([
    ["epoch", "epoch"],
    ["train", "training loss"],
    ["val", "validation loss"],
    ["best", "best epoch"],
    ["acc", "accuracy train / val"],
  ]);
  const status = statusLine();
  const errors = errorLine();
  const canvas = el("canvas", { class: "w-canvas", role: "img", "aria-label": "Decision boundary with training points filled and validation points outlined" });
  const ctx = setupCanvas(canvas, SIZE, SIZE);
  const chart = el("div", { class: "w-chart", role: "img", "aria-label": "Training and validation loss per epoch" });
  const classic = el("div", { class: "w-classic" });

  root.replaceChildren(
    el(
      "div",
      { class: "w-overfit" },
      el(
        "div",
        { class: "w-side" },
        canvas,
        el(
          "p",
          { class: "w-legend" },
          "Filled: training points. Hollow: validation points. ■ class 0, ● class 1.",
        ),
        el(
          "fieldset",
          {},
          el("legend", {}, "Regularisation"),
          l2.element,
          early.element,
          patience.element,
        ),
        el("fieldset", {}, el("legend", {}, "Data"), dataset.element, noise.element),
        el("div", { class: "button-row" }, replay, fresh),
        errors.element,
      ),
      el("div", { class: "w-overfit-right" }, chart, numbers.element, status),
    ),
    el("h3", {}, "Three classic pictures"),
    el(
      "p",
      { class: "caption" },
      "The same points, three networks: too small to follow the data, about right, and so large it memorises the noise. Each is trained by the engine when the page loads.",
    ),
    classic,
  );

  // the section's "Things to try" list goes beside the lab, under the curves
  const tips = root.closest("section")?.querySelector(".things-to-try");
  if (tips) root.querySelector(".w-overfit-right").append(tips);

  const view = makeView(options.plane, SIZE, SIZE);
  let seed = state.seed;
  let run = null;
  let animation = 0;
  let request = 0;

  function query() {
    return {
      l2: l2.value,
      early_stopping: early.input.checked,
      patience: patience.value,
      dataset: dataset.input.value,
      noise: noise.value,
      seed,
    };
  }

  function save() {
    writeState(
      "overfit",
      { l2: l2.value, early: early.input.checked, patience: patience.value, dataset: dataset.input.value, noise: noise.value, seed },
      DEFAULTS,
    );
  }

  function drawBoundary(image, bounds, grid, target = ctx, where = null, points = run) {
    const v = where || makeView(bounds, SIZE, SIZE);
    target.clearRect(0, 0, v.width, v.height);
    paintRGBA(target, decodeBase64(image), grid, grid, v);
    drawAxes(target, v, { labels: false });
    const asPoints = (set) => ({ x: set.points.map((p) => p[0]), y: set.points.map((p) => p[1]), label: set.labels });
    drawPoints(target, v, asPoints(points.train));
    drawPoints(target, v, asPoints(points.validation), { outlined: true });
  }

  function chartData(upTo, final) {
    charted = [upTo, final];
    if (!Plotly) return undefined;
    const epochs = run.epochs.slice(0, upTo);
    const traces = [
      { x: epochs, y: run.train_loss.slice(0, upTo), name: "training loss", mode: "lines", line: { color: TRAIN_COLOUR, width: 2.5 } },
      { x: epochs, y: run.val_loss.slice(0, upTo), name: "validation loss", mode: "lines", line: { color: VAL_COLOUR, width: 2.5, dash: "dash" } },
    ];
    const shapes = [];
    const annotations = [];
    if (final && run.best_epoch) {
      const best = run.best_epoch;
      traces.push({
        x: [best],
        y: [run.val_loss[best - 1]],
        name: `best epoch (${best})`,
        mode: "markers",
        marker: { symbol: "star", size: 16, color: "#fff", line: { color: "#1b1d21", width: 2 } },
        cliponaxis: false, // a best epoch at the very end keeps its whole star
      });
      shapes.push({ type: "line", x0: best, x1: best, yref: "paper", y0: 0, y1: 1, line: { color: "#1b1d21", width: 1.5, dash: "dot" } });
      // centred over its line, or ending at it near the right edge, where it would be cut off
      const nearEnd = best > 0.9 * run.epochs.length;
      annotations.push({ x: best, yref: "paper", y: 1, text: `best ${best}`, showarrow: false, yanchor: "bottom", xanchor: nearEnd ? "right" : "center" });
      if (run.stopped_epoch) {
        const stop = run.stopped_epoch;
        shapes.push({ type: "line", x0: stop, x1: stop, yref: "paper", y0: 0, y1: 1, line: { color: "#b3261e", width: 1.5, dash: "dashdot" } });
        annotations.push({ x: stop, yref: "paper", y: 0.92, text: `stopped ${stop} `, showarrow: false, xanchor: "right" });
      }
    }
    const layout = {
      height: 300,
      margin: { l: 60, r: 10, t: 24, b: 44 },
      xaxis: { title: { text: "epoch" }, range: [0, run.epochs.length + 1] },
      yaxis: { title: { text: "loss (log scale)" }, type: "log", ...logAxisTicks(run.train_loss, run.val_loss) },
      legend: { x: 0.02, y: 0.02, xanchor: "left", yanchor: "bottom", bgcolor: "rgba(255,255,255,0.8)" },
      shapes,
      annotations,
    };
    // no mode bar: its ten buttons would sit in the Tab order between the controls, and a
    // line chart of losses needs no zoom or pan
    return Plotly.react(chart, traces, layout, { displayModeBar: false, responsive: true });
  }

  function showEpoch(e) {
    const i = e - 1;
    numbers.set("epoch", String(e));
    numbers.set("train", formatNumber(run.train_loss[i], 3));
    numbers.set("val", formatNumber(run.val_loss[i], 3));
    numbers.set("acc", `${formatPercent(run.train_accuracy[i], 0)} / ${formatPercent(run.val_accuracy[i], 0)}`);
    const snapshot = [...run.snapshots].reverse().find((s) => s.epoch <= e);
    if (snapshot) drawBoundary(snapshot.image, run.bounds, run.grid);
  }

  function finish() {
    const shown = run.shown_epoch;
    showEpoch(run.epochs.length);
    // the picture and the numbers of the weights the network ends with (restored if stopped)
    drawBoundary(run.final.image, run.bounds, run.grid);
    numbers.set("epoch", run.stopped_epoch ? `${run.stopped_epoch} (stopped)` : String(shown));
    numbers.set("best", run.best_epoch ? String(run.best_epoch) : "–");
    if (run.stopped_epoch) {
      numbers.set("train", formatNumber(run.train_loss[shown - 1], 3));
      numbers.set("val", formatNumber(run.val_loss[shown - 1], 3));
      numbers.set("acc", `${formatPercent(run.train_accuracy[shown - 1], 0)} / ${formatPercent(run.val_accuracy[shown - 1], 0)}`);
    }
    status.textContent = run.message;
    chartData(run.epochs.length, true);
    root.dataset.state = "finished";
  }

  function animate() {
    cancelAnimationFrame(animation);
    if (reducedMotion()) return finish(); // no replay: straight to the last epoch
    root.dataset.state = "training";
    numbers.set("best", "–");
    status.textContent = "Training…";
    const began = performance.now();
    let lastChart = 0;
    const total = run.epochs.length;
    const frame = (now) => {
      const e = Math.max(1, Math.min(total, Math.ceil(((now - began) / REPLAY_MS) * total)));
      showEpoch(e);
      if (now - lastChart > CHART_MS) {
        lastChart = now;
        chartData(e, false);
      }
      if (e < total) animation = requestAnimationFrame(frame);
      else finish();
    };
    animation = requestAnimationFrame(frame);
  }

  async function train() {
    request += 1;
    const ticket = request;
    errors.report(null);
    save();
    root.dataset.state = "loading";
    try {
      const answer = await postJSON("/api/overfitting/run", query());
      if (ticket !== request) return; // a newer setting is on its way
      run = answer;
    } catch (error) {
      return errors.report(error);
    }
    animate();
  }

  async function loadClassic() {
    const answer = await postJSON("/api/overfitting/classic", {});
    const cards = answer.models.map((model) => {
      const small = el("canvas", { class: "w-canvas", role: "img", "aria-label": `${model.title}: decision boundary` });
      const c = setupCanvas(small, SMALL, SMALL);
      drawBoundary(model.image, answer.bounds, answer.grid, c, makeView(answer.bounds, SMALL, SMALL), answer);
      return el(
        "figure",
        { class: "w-card" },
        small,
        el(
          "figcaption",
          {},
          el("strong", {}, model.title),
          el("span", { class: "w-small" }, ` ${model.layer_sizes.join("-")} network, ${model.epochs} epochs`),
          el("p", { class: "w-small" }, model.description),
          el(
            "p",
            { class: "w-mono" },
            `loss train ${formatNumber(model.train_loss, 3)} · validation ${formatNumber(model.val_loss, 3)}`,
          ),
        ),
      );
    });
    classic.replaceChildren(...cards);
  }

  l2.input.addEventListener("change", train);
  early.input.addEventListener("change", train);
  patience.input.addEventListener("change", train);
  dataset.input.addEventListener("change", train);
  noise.input.addEventListener("change", train);
  replay.addEventListener("click", () => (run ? animate() : train()));
  fresh.addEventListener("click", () => {
    seed += 1;
    train();
  });

  drawAxes(ctx, view, { labels: false });
  whenPlotly(chart).then(
    (loaded) => {
      Plotly = loaded;
      if (charted) chartData(...charted);
    },
    (error) => errors.report(error),
  );
  await Promise.all([train(), loadClassic().catch((error) => errors.report(error))]);
}
