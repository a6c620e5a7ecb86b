// The perceptron: sliders for w₁, w₂, b; a point to drag (mouse, touch, arrow keys); z and
// the output; the plane shaded where the unit fires; Rosenblatt's rule replayed step by step.
// Every number comes from POST /api/perceptron/evaluate and /api/perceptron/learn.

import { postJSON } from "../api.js";
import { getOptions } from "../options.js";
import { drawAxes, drawPoints, makeView, paintRGBA, setupCanvas, drawShape } from "../draw.js";
import { readState, writeState } from "../state.js";
import {
  arrowStep, clamp, decodeBase64, el, errorLine, latestWins, pointerPixel, readouts,
  say, select, slider, statusLine,
} from "./controls.js";
import { formatNumber } from "../format.js";

const SIZE = 400;
const DEFAULTS = { w1: 1, w2: 1, b: 0, x: 0.5, y: 0.3, data: "separable", speed: 6 };
const SPEEDS = [
  { value: "2", label: "slow (2 steps a second)" },
  { value: "6", label: "medium (6 a second)" },
  { value: "20", label: "fast (20 a second)" },
];

export async function mount(root) {
  const options = await getOptions();
  const { plane: PLANE } = options;
  const state = readState("perceptron", DEFAULTS);
  const view = makeView(PLANE, SIZE, SIZE);
  const canvas = el("canvas", {
    class: "w-canvas",
    role: "img",
    "aria-label": "The input plane, shaded blue where the perceptron fires and orange where it stays silent",
  });
  const ctx = setupCanvas(canvas, SIZE, SIZE);
  const handle = el("button", { type: "button", class: "w-handle", "data-role": "point" });
  const plot = el("div", { class: "w-plot plane" }, canvas, handle);

  const sliders = {
    w1: slider({ label: "weight w₁", name: "w1", ...options.inputs.perceptron.w1, value: state.w1, format: (v) => formatNumber(v, 2) }),
    w2: slider({ label: "weight w₂", name: "w2", ...options.inputs.perceptron.w2, value: state.w2, format: (v) => formatNumber(v, 2) }),
    b: slider({ label: "bias b", name: "b", ...options.inputs.perceptron.b, value: state.b, format: (v) => formatNumber(v, 2) }),
  };
  const numbers = readouts([
    ["x", "point (x₁, x₂)"],
    ["z", "z = w·x + b"],
    ["output", "output ŷ"],
  ]);
  // not a live region: the sliders and handles already say their values as they move
  const sum = el("p", { class: "w-sum" });
  const errors = errorLine();

  const dataset = select({
    label: "data",
    name: "data",
    value: state.data,
    options: [
      { value: "separable", label: "two separate clouds" },
      { value: "xor", label: "XOR (opposite corners alike)" },
    ],
  });
  const speed = select({ label: "speed", name: "speed", value: String(state.speed), options: SPEEDS });
  const play = el("button", { type: "button", class: "primary", "data-action": "learn-play" }, "Learn");
  const step = el("button", { type: "button", "data-action": "learn-step" }, "Step");
  const reset = el("button", { type: "button", "data-action": "learn-reset" }, "Reset");
  // what each step did, on screen; Learn rewrites it up to 20 times a second, so a screen
  // reader hears a step only when it was asked for (Step), and while Learn runs only the end
  // of each epoch and of the run (announce)
  const learnStatus = el("p", { class: "w-status" });
  const announce = statusLine("visually-hidden");
  const mistakes = el("p", { class: "w-small" });

  const learn = el(
    "fieldset",
    { class: "w-learn" },
    el("legend", {}, "Learn with the perceptron rule"),
    dataset.element,
    speed.element,
    el("div", { class: "button-row" }, play, step, reset),
    learnStatus,
    announce,
    mistakes,
  );
  const legend = el(
    "p",
    { class: "w-legend" },
    el("span", { class: "w-swatch w-swatch-1" }), " fires, ŷ = 1 (class 1: circles)  ",
    el("span", { class: "w-swatch w-swatch-0" }), " silent, ŷ = 0 (class 0: squares)  ",
    el("span", { class: "w-line-key" }), " the line w·x + b = 0",
  );
  root.replaceChildren(
    el(
      "div",
      { class: "w-layout" },
      // the legend wraps at the plane's width, so the column is the plane's and the
      // controls sit right beside it (an unwrapped legend widened the column past the plane)
      el("div", { class: "w-figure" }, plot, legend),
      el(
        "div",
        { class: "w-side" },
        el("fieldset", {}, el("legend", {}, "The neuron"), sliders.w1.element, sliders.w2.element, sliders.b.element),
        numbers.element,
        sum,
        errors.element,
        learn,
      ),
    ),
  );

  let point = [state.x, state.y];
  let view_ = null; // the last answer from the server
  let run = null; // a learning run: {points, labels, steps, ...}
  let preview = null; // the chosen data, shown before a run starts: {points, labels}
  let position = -1; // the step of the run on show (-1: before the first)
  let startWeights = null;
  let timer = null;

  function weights() {
    return { w1: sliders.w1.value, w2: sliders.w2.value, b: sliders.b.value };
  }

  function save() {
    writeState("perceptron", { ...weights(), x: round(point[0]), y: round(point[1]), data: dataset.input.value, speed: Number(speed.input.value) }, DEFAULTS);
  }

  function draw() {
    ctx.clearRect(0, 0, SIZE, SIZE);
    if (view_) paintRGBA(ctx, decodeBase64(view_.image), view_.grid, view_.grid, view);
    drawAxes(ctx, view);
    if (view_?.line) {
      const [[x0, y0], [x1, y1]] = view_.line;
      const [a, b] = view.toPixel(x0, y0);
      const [c, d] = view.toPixel(x1, y1);
      ctx.save();
      ctx.strokeStyle = "#1b1d21";
      ctx.lineWidth = 2.5;
      ctx.beginPath();
      ctx.moveTo(a, b);
      ctx.lineTo(c, d);
      ctx.stroke();
      ctx.restore();
    }
    const data = run ?? preview;
    if (data) {
      drawPoints(ctx, view, {
        x: data.points.map((p) => p[0]),
        y: data.points.map((p) => p[1]),
        label: data.labels,
      });
    }
    if (run) {
      if (position >= 0) {
        const s = run.steps[position];
        const [px, py] = view.toPixel(...run.points[s.index]);
        ctx.save();
        ctx.strokeStyle = s.updated ? "#b3261e" : "#1b6e3c";
        ctx.lineWidth = 3;
        ctx.setLineDash(s.updated ? [4, 3] : []);
        ctx.beginPath();
        ctx.arc(px, py, 11, 0, 2 * Math.PI);
        ctx.stroke();
        ctx.restore();
      }
    }
    // the learner's point: a white disc with a thick ring, unlike any data point
    const [px, py] = view.toPixel(...point);
    drawShape(ctx, "circle", px, py, 9, { fill: "#fff", stroke: "#1b1d21", lineWidth: 3 });
    drawShape(ctx, "circle", px, py, 2.5, { fill: "#1b1d21", stroke: null });
    handle.style.left = `${(px / SIZE) * 100}%`;
    handle.style.top = `${(py / SIZE) * 100}%`;
  }

  function show(answer, body) {
    view_ = answer;
    numbers.set("x", `(${formatNumber(body.point[0], 2)}, ${formatNumber(body.point[1], 2)})`);
    numbers.set("z", formatNumber(answer.z, 3));
    numbers.set("output", answer.output === 1 ? "1 · fires" : "0 · silent");
    sum.textContent =
      `z = (${formatNumber(body.w1, 2)})(${formatNumber(body.point[0], 2)}) + (${formatNumber(body.w2, 2)})(${formatNumber(body.point[1], 2)}) ` +
      `+ (${formatNumber(body.b, 2)}) = ${formatNumber(answer.z, 3)}, so ŷ = ${answer.output}` +
      (answer.output === 1 ? ": the neuron fires." : ": the neuron stays silent.");
    handle.setAttribute(
      "aria-label",
      `Your point at x₁ ${formatNumber(point[0], 2)}, x₂ ${formatNumber(point[1], 2)}; output ${answer.output}. Arrow keys move it.`,
    );
    errors.report(null);
    draw();
  }

  const evaluate = latestWins(
    (body) => postJSON("/api/perceptron/evaluate", body),
    show,
    (error) => errors.report(error),
  );

  function update() {
    evaluate({ ...weights(), point: [point[0], point[1]], grid: 80 });
    save();
  }

  for (const control of Object.values(sliders)) control.input.addEventListener("input", update);

  // --- the point: drag it, or move it with the arrow keys ---------------------------------
  function moveTo(x, y) {
    point = [clamp(x, PLANE[0], PLANE[1]), clamp(y, PLANE[2], PLANE[3])];
    draw();
    update();
  }
  let dragging = false;
  function dragFrom(event) {
    dragging = true;
    plot.setPointerCapture?.(event.pointerId);
    const [px, py] = pointerPixel(canvas, event, view);
    moveTo(...view.toData(px, py));
    handle.focus({ preventScroll: true });
    event.preventDefault();
  }
  plot.addEventListener("pointerdown", dragFrom);
  plot.addEventListener("pointermove", (event) => {
    if (!dragging) return;
    const [px, py] = pointerPixel(canvas, event, view);
    moveTo(...view.toData(px, py));
  });
  const stopDrag = () => {
    dragging = false;
  };
  plot.addEventListener("pointerup", stopDrag);
  plot.addEventListener("pointercancel", stopDrag);
  handle.addEventListener("keydown", (event) => {
    const delta = arrowStep(event);
    if (!delta) return;
    event.preventDefault();
    moveTo(point[0] + delta[0], point[1] + delta[1]);
  });

  // --- learning: fetch a whole run, then replay it step by step ---------------------------
  /** The chosen data's points, on show before Learn: a run of one step, of which only the
   * points are kept (the run itself starts from the weights when Learn is pressed). */
  async function fetchPreview() {
    const asked = dataset.input.value;
    try {
      const answer = await postJSON("/api/perceptron/learn", { dataset: asked, ...weights(), steps: 1 });
      if (dataset.input.value !== asked) return; // another choice meanwhile: its own answer comes
      preview = { points: answer.points, labels: answer.labels };
      draw();
    } catch (error) {
      errors.report(error);
    }
  }

  async function fetchRun() {
    startWeights = weights();
    run = await postJSON("/api/perceptron/learn", {
      dataset: dataset.input.value,
      ...startWeights,
    });
    position = -1;
    mistakes.textContent = "";
    announce.textContent = ""; // a new run: its end is news even if it reads like the last one's
    learnStatus.textContent = `${run.points.length} points. Press Step or Learn to show the rule one point at a time.`;
    draw();
  }

  function showStep(index) {
    position = index;
    const s = run.steps[index];
    sliders.w1.value = s.w1;
    sliders.w2.value = s.w2;
    sliders.b.value = s.b;
    const label = run.labels[s.index] === 1 ? "circle (class 1)" : "square (class 0)";
    const verdict = s.updated
      ? `wrong (ŷ = ${s.prediction}), so the rule moved the line.`
      : `right (ŷ = ${s.prediction}), so nothing changed.`;
    learnStatus.textContent = `Epoch ${s.epoch}, step ${index + 1}: a ${label} was ${verdict}`;
    const done = run.mistakes_per_epoch.slice(0, s.epoch - 1);
    mistakes.textContent = done.length ? `Mistakes in each finished epoch: ${done.join(", ")}` : "";
    const last = index === run.steps.length - 1;
    if (last) {
      learnStatus.textContent += ` ${run.message}`;
      mistakes.textContent = `Mistakes in each finished epoch: ${run.mistakes_per_epoch.join(", ")}`;
    }
    if (!timer) say(announce, learnStatus.textContent);
    else if (last) say(announce, `${run.message} ${mistakes.textContent}`);
    else if (run.steps[index + 1].epoch !== s.epoch) {
      say(announce, `Epoch ${s.epoch} done: ${run.mistakes_per_epoch[s.epoch - 1]} mistakes.`);
    }
    update();
  }

  // Learn may wait for a run from the server first; a second click meanwhile is ignored, and a
  // Pause, Step or Reset meanwhile (each calls pause) means it does not start after all
  let starting = false;
  let pauses = 0;

  function pause() {
    pauses += 1;
    clearInterval(timer);
    timer = null;
    play.textContent = "Learn";
  }

  async function stepOnce() {
    if (!run) await fetchRun();
    if (position < run.steps.length - 1) showStep(position + 1);
    if (position >= run.steps.length - 1) pause();
  }

  play.addEventListener("click", async () => {
    if (timer) {
      pause();
      return say(announce, `Paused. ${learnStatus.textContent}`);
    }
    if (starting) return;
    const pausesBefore = pauses;
    starting = true;
    try {
      if (!run || position >= run.steps.length - 1) await fetchRun();
    } catch (error) {
      return errors.report(error);
    } finally {
      starting = false;
    }
    if (pauses !== pausesBefore) return;
    play.textContent = "Pause";
    timer = setInterval(() => stepOnce().catch((e) => errors.report(e)), 1000 / Number(speed.input.value));
  });
  step.addEventListener("click", () => {
    pause();
    stepOnce().catch((e) => errors.report(e));
  });
  reset.addEventListener("click", () => {
    pause();
    if (startWeights) {
      sliders.w1.value = startWeights.w1;
      sliders.w2.value = startWeights.w2;
      sliders.b.value = startWeights.b;
    }
    run = null;
    position = -1;
    learnStatus.textContent = "";
    announce.textContent = "";
    mistakes.textContent = "";
    update();
  });
  dataset.input.addEventListener("change", () => {
    pause();
    run = null;
    preview = null;
    position = -1;
    learnStatus.textContent = "";
    update();
    fetchPreview();
  });
  speed.input.addEventListener("change", () => {
    if (timer) {
      pause();
      play.click();
    }
    save();
  });

  update();
  fetchPreview();
}

function round(v) {
  return Math.round(v * 1000) / 1000;
}
