// Overfitting: an over-sized network (two hidden layers of 16) on 30 noisy training points,
// trained live by the engine. The server trains and streams every epoch's training and
// validation loss over /ws/overfitting (protocol: neuronlab/lab/api/overfitting/live.py);
// this page draws the curves as they grow. The L2 slider, early stopping, its patience and
// the pace act on the run going; the data settings start a new one. Three classic pictures
// (POST /api/overfitting/classic) sit below.

import { debounce, postJSON, socketURL } from "../api.js";
import { getOptions } from "../options.js";
import { drawAxes, drawPoints, logTicks, makeView, paintRGBA, setupCanvas } from "../draw.js";
import { whenPlotly } from "../load-plotly.js";
import { readState, writeState } from "../state.js";
import { checkbox, decodeBase64, el, errorLine, readouts, reducedMotion, say, select, slider, statusLine } from "./controls.js";
import { formatNumber, formatPercent } from "../format.js";

const L2_VALUES = [0, 0.0001, 0.0003, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3];
const PATIENCE = [5, 10, 20, 30, 50, 100];
const PACES = [20, 40, 80, 160, 400, 1000]; // epochs a second
const EPOCHS = 400;
const FASTEST = 1000;
const SIZE = 340;
const SMALL = 220;
const CHART_MS = 200; // the chart redraws at most five times a second while training
const SETTLE_MS = 250; // a slider moved notch by notch sends its last position only
const DEFAULTS = { l2: 0, early: false, patience: 30, dataset: "moons", noise: 0.3, seed: 3, pace: 80 };

export async function mount(root) {
  const state = readState("overfit", DEFAULTS);
  const options = await getOptions();
  const { train: TRAIN_COLOUR, validation: VAL_COLOUR } = options.curves; // the server's palette
  let Plotly = null; // plotly.js, once the chart comes near the screen (../load-plotly.js)

  const l2 = slider({ label: "L2 strength λ", name: "l2", values: L2_VALUES, value: state.l2, format: (v) => String(v) });
  const early = checkbox({ label: "early stopping (restore the best epoch)", name: "early", checked: state.early });
  const patience = slider({ label: "patience (epochs)", name: "patience", values: PATIENCE, value: state.patience, format: (v) => String(v) });
  const pace = slider({ label: "pace (epochs/s)", name: "pace", values: PACES, value: state.pace, format: (v) => (v >= FASTEST ? "1000 (fastest)" : String(v)) });
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
  const again = el("button", { type: "button", class: "primary", "data-action": "replay" }, "Train again");
  const stop = el("button", { type: "button", "data-action": "stop", disabled: "" }, "Stop");
  const fresh = el("button", { type: "button", "data-action": "new-points" }, "New points");
  const numbers = readouts([
    ["epoch", "epoch"],
    ["train", "training loss"],
    ["val", "validation loss"],
    ["best", "best epoch"],
    ["acc", "accuracy train / val"],
    ["l2", "λ in use"],
  ]);
  const status = statusLine();
  const changes = el("p", { class: "w-small w-overfit-changes", "aria-live": "polite", "data-readout": "changes" });
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
        el("p", { class: "w-legend" }, "Filled: training points. Hollow: validation points. ■ class 0, ● class 1."),
        el("fieldset", {}, el("legend", {}, "Regularisation (acts while it trains)"), l2.element, early.element, patience.element),
        el("fieldset", {}, el("legend", {}, "Data (starts again)"), dataset.element, noise.element),
        pace.element,
        el("div", { class: "button-row" }, again, stop, fresh),
        errors.element,
      ),
      el("div", { class: "w-overfit-right" }, chart, numbers.element, status, changes),
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
  let run = null; // the run this page watches: its points, its rows so far, how it ended
  let socket = null;
  let opening = null; // the promise of an open socket, while it opens
  let starts = 0; // starts sent on this socket: the server numbers its runs the same way
  let chartTimer = 0;
  let lastChart = 0;
  let said = []; // the last few changes, as the page says them
  let begun = 0;
  const quiet = () => reducedMotion(); // no growing curves: the end of the run at once

  function config() {
    return {
      l2: l2.value,
      early_stopping: early.input.checked,
      patience: patience.value,
      dataset: dataset.input.value,
      noise: noise.value,
      seed,
      epochs: EPOCHS,
      speed: quiet() ? FASTEST : pace.value,
    };
  }

  function save() {
    writeState(
      "overfit",
      { l2: l2.value, early: early.input.checked, patience: patience.value, dataset: dataset.input.value, noise: noise.value, seed, pace: pace.value },
      DEFAULTS,
    );
  }

  function running() {
    return root.dataset.state === "training";
  }

  const IDLE_CLOSE = 4000; // the server closed a socket with no run going (live.IDLE_CODE)

  // --- the socket ---------------------------------------------------------------------------
  function connect() {
    if (socket && socket.readyState === WebSocket.OPEN) return Promise.resolve(socket);
    if (opening) return opening;
    opening = new Promise((resolve, reject) => {
      const ws = new WebSocket(socketURL("/ws/overfitting"));
      let opened = false;
      ws.addEventListener("open", () => {
        opened = true;
        socket = ws;
        starts = 0;
        opening = null;
        resolve(ws);
      });
      ws.addEventListener("message", (event) => receive(JSON.parse(event.data)));
      ws.addEventListener("close", (event) => {
        if (socket === ws) socket = null;
        opening = null;
        if (!opened) return reject(new Error("The lab server does not answer: is `neuronlab lab` still running?"));
        if (event.code === IDLE_CLOSE) {
          // the server frees the place of a page with no run; the next Train opens a new
          // socket, and a start that crossed the close on the wire is sent again on it
          if (root.dataset.state === "loading") train();
          return;
        }
        if (event.reason) errors.report(event.reason);
        if (running()) {
          root.dataset.state = "finished";
          stop.disabled = true;
          say(status, "The connection to the lab closed: press Train again.");
        }
      });
    });
    return opening;
  }

  function send(message) {
    if (socket && socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify(message));
  }

  async function train() {
    errors.report(null);
    save();
    root.dataset.state = "loading";
    try {
      await connect();
    } catch (error) {
      root.dataset.state = "finished";
      return errors.report(error);
    }
    starts += 1;
    send({ type: "start", config: config() });
  }

  /** A setting that acts on the run going; with no run going it starts one. */
  function change(message) {
    save();
    if (running()) send({ type: "set", ...message });
    else train();
  }

  function receive(message) {
    if (message.type === "error") {
      if (message.code === "ended") return train(); // the run ended as the change left
      if (message.code === "failed" && running()) {
        root.dataset.state = "finished";
        stop.disabled = true;
      }
      return errors.report(message.detail);
    }
    if (message.run !== starts) return; // what an earlier run still had in flight
    if (message.type === "begin") begin(message);
    else if (message.type === "epochs") grow(message);
    else if (message.type === "set") changed(message);
    else if (message.type === "end") end(message);
  }

  // --- a run, as it arrives -----------------------------------------------------------------
  function begin(message) {
    run = { ...message, rows: [], changes: [], best: null, ended: null };
    begun += 1;
    root.dataset.runs = String(begun); // runs this page has watched begin
    root.dataset.state = "training";
    root.dataset.points = "0";
    stop.disabled = false;
    for (const key of ["epoch", "train", "val", "best", "acc"]) numbers.set(key, "–");
    numbers.set("l2", String(message.l2));
    changes.textContent = "";
    said = [];
    say(status, quiet() ? "Training…" : `Training live, ${message.speed} epochs a second…`);
    drawBoundary(message.image);
    drawChart();
  }

  function grow(message) {
    run.rows.push(...message.rows);
    run.best = message.best_epoch;
    run.image = message.image;
    root.dataset.points = String(run.rows.length);
    if (quiet()) return;
    const last = message.rows.at(-1);
    if (last) showRow(last);
    numbers.set("best", run.best ? String(run.best) : "–");
    drawBoundary(message.image);
    scheduleChart();
  }

  function changed(message) {
    // λ and the pace act on the epochs from then on; early stopping looks back at once
    const what = [];
    const from = `from epoch ${message.from_epoch}`;
    if (message.changed.includes("l2")) what.push(`λ = ${message.l2} ${from}`);
    if (message.changed.includes("early_stopping") || message.changed.includes("patience")) {
      const after = `after epoch ${message.from_epoch - 1}`;
      what.push(message.early_stopping ? `early stopping on (patience ${message.patience}) ${after}` : `early stopping off ${after}`);
    }
    if (message.changed.includes("speed")) what.push(`pace ${message.speed} epochs/s ${from}`);
    run.changes.push({ epoch: message.from_epoch, l2: message.changed.includes("l2") ? message.l2 : null });
    numbers.set("l2", String(message.l2));
    root.dataset.lastChange = String(message.from_epoch);
    said = [...said, `${what.join(", ")}.`].slice(-3);
    changes.textContent = said.join(" ");
    scheduleChart();
  }

  function end(message) {
    run.ended = message;
    run.best = message.best_epoch;
    // Stop pressed from the keyboard: its focus moves on to Train again, not to the page
    if (document.activeElement === stop) again.focus();
    stop.disabled = true;
    drawBoundary(message.image);
    const shown = message.shown;
    if (shown) showRow(shown);
    numbers.set("epoch", message.stopped_epoch ? `${message.stopped_epoch} (stopped)` : String(message.epoch));
    numbers.set("best", message.best_epoch ? String(message.best_epoch) : "–");
    say(status, message.message);
    drawChart();
    root.dataset.state = "finished";
  }

  function showRow(row) {
    numbers.set("epoch", String(row.epoch));
    numbers.set("train", formatNumber(row.train_loss, 3));
    numbers.set("val", formatNumber(row.val_loss, 3));
    numbers.set("acc", `${formatPercent(row.train_accuracy, 0)} / ${formatPercent(row.val_accuracy, 0)}`);
  }

  // --- drawing ------------------------------------------------------------------------------
  function drawBoundary(image, target = ctx, points = run, v = makeView(run.bounds, SIZE, SIZE)) {
    target.clearRect(0, 0, v.width, v.height);
    paintRGBA(target, decodeBase64(image), points.grid, points.grid, v);
    drawAxes(target, v, { labels: false });
    const asPoints = (set) => ({ x: set.points.map((p) => p[0]), y: set.points.map((p) => p[1]), label: set.labels });
    drawPoints(target, v, asPoints(points.train));
    drawPoints(target, v, asPoints(points.validation), { outlined: true });
  }

  function scheduleChart() {
    if (chartTimer) return;
    const wait = Math.max(0, CHART_MS - (performance.now() - lastChart));
    chartTimer = setTimeout(() => {
      chartTimer = 0;
      drawChart();
    }, wait);
  }

  function drawChart() {
    if (!Plotly) return undefined;
    lastChart = performance.now();
    const rows = run?.rows ?? []; // before the first run: the empty axes
    const changes = run?.changes ?? [];
    const epochs = rows.map((r) => r.epoch);
    const trainLoss = rows.map((r) => r.train_loss);
    const valLoss = rows.map((r) => r.val_loss);
    const traces = [
      { x: epochs, y: trainLoss, name: "training loss", mode: "lines", line: { color: TRAIN_COLOUR, width: 2.5 } },
      { x: epochs, y: valLoss, name: "validation loss", mode: "lines", line: { color: VAL_COLOUR, width: 2.5, dash: "dash" } },
    ];
    const shapes = [];
    const annotations = [];
    const ended = run?.ended;
    const best = run?.best;
    if (best && rows[best - 1]) {
      traces.push({
        x: [best],
        y: [rows[best - 1].val_loss],
        name: `best epoch (${best})`,
        mode: "markers",
        marker: { symbol: "star", size: 16, color: "#fff", line: { color: "#1b1d21", width: 2 } },
        cliponaxis: false, // a best epoch at the very end keeps its whole star
      });
    }
    const last = run?.epochs ?? EPOCHS;
    const label = (x, y, text, colour = "#1b1d21") => {
      // inside the plot's top edge (the legend sits above it), ending at its line near the
      // right edge, where a centred label would be cut off
      annotations.push({ x, yref: "paper", y, text, showarrow: false, yanchor: "top", xanchor: x > 0.85 * last ? "right" : "left", font: { color: colour, size: 12 } });
    };
    const l2Changes = changes.filter((c) => c.l2 !== null);
    const starHeight = best && rows[best - 1] ? heightOnLogAxis(rows[best - 1].val_loss, trainLoss, valLoss) : null;
    l2Changes.forEach(({ epoch, l2: value }, i) => {
      shapes.push({ type: "line", x0: epoch, x1: epoch, yref: "paper", y0: 0, y1: 1, line: { color: "#6b5b00", width: 1.5, dash: "dot" } });
      // a label only where the next change is far enough on for the two not to overlap
      const next = l2Changes[i + 1];
      // a λ raised near the best epoch would put its label under the star: then it moves to
      // the half of the plot the star is not in
      const nearStar = starHeight !== null && Math.abs(best - epoch) < 0.15 * last && Math.abs(starHeight - 0.78) < 0.25;
      const height = nearStar && starHeight >= 0.5 ? 0.3 : 0.78;
      if (!next || next.epoch - epoch > 0.12 * last) label(epoch, height, ` λ ${value} `, "#6b5b00");
    });
    if (ended && best) {
      shapes.push({ type: "line", x0: best, x1: best, yref: "paper", y0: 0, y1: 1, line: { color: "#1b1d21", width: 1.5, dash: "dot" } });
      label(best, 1, ` best ${best} `);
      if (ended.stopped_epoch) {
        const at = ended.stopped_epoch;
        shapes.push({ type: "line", x0: at, x1: at, yref: "paper", y0: 0, y1: 1, line: { color: "#b3261e", width: 1.5, dash: "dashdot" } });
        label(at, 0.9, ` stopped ${at} `, "#b3261e");
      }
    }
    const layout = {
      height: 320,
      margin: { l: 60, r: 12, t: 36, b: 44 },
      xaxis: { title: { text: "epoch" }, range: [0, last + 1] },
      yaxis: { title: { text: "loss (log scale)" }, type: "log", ...logTicks(trainLoss, valLoss) },
      // above the plot area, never on the curves
      legend: { orientation: "h", x: 0, xanchor: "left", y: 1.02, yanchor: "bottom" },
      shapes,
      annotations,
    };
    // no mode bar: its ten buttons would sit in the Tab order between the controls, and a
    // line chart of losses needs no zoom or pan
    return Plotly.react(chart, traces, layout, { displayModeBar: false, responsive: true });
  }

  /** Roughly where `value` sits, from 0 (bottom) to 1 (top), on a log axis that spans the
   * series (plotly pads its automatic range by about 5% each side). */
  function heightOnLogAxis(value, ...series) {
    const logs = series.flat().filter((v) => v > 0).map(Math.log10);
    const low = Math.min(...logs);
    const high = Math.max(...logs);
    if (!(value > 0) || !(high > low)) return 0.5;
    return 0.05 + (0.9 * (Math.log10(value) - low)) / (high - low);
  }

  async function loadClassic() {
    const answer = await postJSON("/api/overfitting/classic", {});
    const cards = answer.models.map((model) => {
      const small = el("canvas", { class: "w-canvas", role: "img", "aria-label": `${model.title}: decision boundary` });
      const c = setupCanvas(small, SMALL, SMALL);
      drawBoundary(model.image, c, answer, makeView(answer.bounds, SMALL, SMALL));
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
          el("p", { class: "w-mono" }, `loss train ${formatNumber(model.train_loss, 3)} · validation ${formatNumber(model.val_loss, 3)}`),
        ),
      );
    });
    classic.replaceChildren(...cards);
  }

  l2.input.addEventListener("change", debounce(() => change({ l2: l2.value }), SETTLE_MS));
  early.input.addEventListener("change", () => change({ early_stopping: early.input.checked, patience: patience.value }));
  patience.input.addEventListener("change", debounce(() => change({ early_stopping: early.input.checked, patience: patience.value }), SETTLE_MS));
  pace.input.addEventListener(
    "change",
    debounce(() => {
      save();
      if (running() && !quiet()) send({ type: "set", speed: pace.value });
    }, SETTLE_MS),
  );
  dataset.input.addEventListener("change", train);
  noise.input.addEventListener("change", train);
  again.addEventListener("click", train);
  stop.addEventListener("click", () => send({ type: "stop" }));
  fresh.addEventListener("click", () => {
    seed += 1;
    train();
  });
  // the page closes: so does its socket, and the server ends the run with it
  window.addEventListener("pagehide", () => socket?.close());

  drawAxes(ctx, view, { labels: false });
  whenPlotly(chart).then(
    (loaded) => {
      Plotly = loaded;
      drawChart();
    },
    (error) => errors.report(error),
  );
  // The first run starts when the lab comes into view, so the learner sees its curves grow
  // (with reduced motion there is nothing to watch grow: it starts at once).
  if (quiet() || !("IntersectionObserver" in window)) {
    train();
  } else {
    const observer = new IntersectionObserver((entries) => {
      if (!entries.some((entry) => entry.isIntersecting)) return;
      observer.disconnect();
      if (!run && root.dataset.state !== "loading") train();
    }, { threshold: 0.5 });
    // the boundary or the chart half on screen (the whole lab may be taller than the screen)
    observer.observe(canvas);
    observer.observe(chart);
  }
  await loadClassic().catch((error) => errors.report(error));
}
