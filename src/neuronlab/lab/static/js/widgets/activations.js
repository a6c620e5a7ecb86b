// Activation functions: pick one, slide z, read f(z) and f′(z); the curve, and the
// derivative's curve when asked. Values and curves come from POST /api/activations/evaluate.

import { mountSourcePanel, postJSON } from "../api.js";
import { getOptions } from "../options.js";
import { niceStep, setupCanvas } from "../draw.js";
import { readState, writeState } from "../state.js";
import { checkbox, el, errorLine, latestWins, readouts, say, select, slider } from "./controls.js";
import { formatNumber } from "../format.js";

const WIDTH = 520;
const HEIGHT = 320;
const PAD = { left: 44, right: 14, top: 14, bottom: 30 };
const DEFAULTS = { name: "sigmoid", z: 1, slope: true };
const SYMBOLS = { sigmoid: " σ(z)" }; // after the menu's label: the curve's usual name
const F_COLOUR = "#0072b2";
const DF_COLOUR = "#b35c00";

export async function mount(root) {
  const state = readState("activations", DEFAULTS);
  const options = await getOptions();
  const names = options.activations.map((a) => a.name);
  const labels = Object.fromEntries(options.activations.map((a) => [a.name, a.label + (SYMBOLS[a.name] ?? "")]));
  if (!names.includes(state.name)) state.name = DEFAULTS.name;

  const choice = select({
    label: "activation",
    name: "activation",
    value: state.name,
    options: names.map((n) => ({ value: n, label: labels[n] })),
  });
  const z = slider({ label: "input z", name: "z", ...options.inputs.activations.z, value: state.z, format: (v) => formatNumber(v, 2) });
  const slope = checkbox({ label: "show the derivative f′(z)", name: "slope", checked: state.slope });
  const numbers = readouts([
    ["z", "z"],
    ["f", "f(z)"],
    ["df", "f′(z)"],
  ]);
  const description = el("p", { class: "w-small", "aria-live": "polite" });
  const canvas = el("canvas", { class: "w-canvas", role: "img" });
  const ctx = setupCanvas(canvas, WIDTH, HEIGHT);
  // each entry in its own span, so hiding the derivative hides its key and its words
  const derivativeKey = el("span", { "data-legend": "df" }, el("span", { class: "w-key w-key-dashed" }), " f′(z), dashed");
  const legend = el(
    "p",
    { class: "w-legend" },
    el("span", { "data-legend": "f" }, el("span", { class: "w-key w-key-solid" }), " f(z), solid  "),
    derivativeKey,
  );
  const errors = errorLine();
  const sourceBox = el("div", { class: "w-source" });
  root.replaceChildren(
    el(
      "div",
      { class: "w-layout" },
      el("div", {}, canvas, legend),
      el("div", { class: "w-side" }, choice.element, z.element, slope.element, numbers.element, description, errors.element),
    ),
    sourceBox,
  );

  let answer = null;
  let sourceFor = null;

  function draw() {
    if (!answer) return;
    const { curve } = answer;
    const showSlope = slope.input.checked;
    // the y range holds both curves on show (pixel mapping only)
    let lo = Math.min(...curve.f);
    let hi = Math.max(...curve.f);
    if (showSlope) {
      lo = Math.min(lo, ...curve.df);
      hi = Math.max(hi, ...curve.df);
    }
    lo = Math.min(lo, 0) - 0.1 * (hi - lo || 1);
    hi = hi + 0.1 * (hi - lo || 1);
    const x = (v) => PAD.left + ((v + 6) / 12) * (WIDTH - PAD.left - PAD.right);
    const y = (v) => PAD.top + ((hi - v) / (hi - lo)) * (HEIGHT - PAD.top - PAD.bottom);
    ctx.clearRect(0, 0, WIDTH, HEIGHT);
    ctx.save();
    ctx.font = "12px system-ui, sans-serif";
    ctx.fillStyle = "#4a4f57";
    ctx.strokeStyle = "rgb(0 0 0 / 0.12)";
    for (let t = -6; t <= 6; t += 2) {
      ctx.beginPath();
      ctx.moveTo(x(t), PAD.top);
      ctx.lineTo(x(t), HEIGHT - PAD.bottom);
      ctx.stroke();
      ctx.fillText(String(t).replace("-", "−"), x(t) - 6, HEIGHT - 10);
    }
    const tick = niceStep(hi - lo);
    for (let t = Math.ceil(lo / tick) * tick; t <= hi; t += tick) {
      ctx.beginPath();
      ctx.moveTo(PAD.left, y(t));
      ctx.lineTo(WIDTH - PAD.right, y(t));
      ctx.stroke();
      ctx.fillText(formatNumber(t, tick < 1 ? 1 : 0), 4, y(t) + 4);
    }
    ctx.strokeStyle = "rgb(0 0 0 / 0.45)";
    ctx.beginPath();
    ctx.moveTo(PAD.left, y(0));
    ctx.lineTo(WIDTH - PAD.right, y(0));
    ctx.moveTo(x(0), PAD.top);
    ctx.lineTo(x(0), HEIGHT - PAD.bottom);
    ctx.stroke();
    ctx.fillText("z", WIDTH - PAD.right - 10, y(0) - 6);
    const line = (values, colour, dash) => {
      ctx.strokeStyle = colour;
      ctx.lineWidth = 2.5;
      ctx.setLineDash(dash);
      ctx.beginPath();
      curve.z.forEach((t, i) => (i ? ctx.lineTo(x(t), y(values[i])) : ctx.moveTo(x(t), y(values[i]))));
      ctx.stroke();
      ctx.setLineDash([]);
    };
    line(curve.f, F_COLOUR, []);
    if (showSlope) line(curve.df, DF_COLOUR, [7, 5]);
    // markers at the learner's z
    ctx.strokeStyle = "rgb(0 0 0 / 0.35)";
    ctx.setLineDash([3, 3]);
    ctx.beginPath();
    ctx.moveTo(x(answer.z), PAD.top);
    ctx.lineTo(x(answer.z), HEIGHT - PAD.bottom);
    ctx.stroke();
    ctx.setLineDash([]);
    const dot = (v, colour, square) => {
      ctx.fillStyle = "#fff";
      ctx.strokeStyle = colour;
      ctx.lineWidth = 3;
      ctx.beginPath();
      if (square) ctx.rect(x(answer.z) - 5, y(v) - 5, 10, 10);
      else ctx.arc(x(answer.z), y(v), 5.5, 0, 2 * Math.PI);
      ctx.fill();
      ctx.stroke();
    };
    dot(answer.value, F_COLOUR, false);
    if (showSlope) dot(answer.derivative, DF_COLOUR, true);
    ctx.restore();
    derivativeKey.hidden = !showSlope;
    // the f′ readout goes with its curve: hidden with it, back with it
    numbers.element.querySelector("[data-readout='df']").parentElement.hidden = !showSlope;
    canvas.setAttribute(
      "aria-label",
      `Graph of ${labels[answer.activation] || answer.activation} from z = ${formatNumber(options.inputs.activations.z.min, 0)} to ${formatNumber(options.inputs.activations.z.max, 0)}` +
        (showSlope ? " with its derivative" : "") +
        `; at z = ${formatNumber(answer.z, 2)}, f(z) = ${formatNumber(answer.value, 3)}.`,
    );
  }

  function show(result) {
    answer = result;
    numbers.set("z", formatNumber(result.z, 2));
    numbers.set("f", formatNumber(result.value, 4));
    numbers.set("df", formatNumber(result.derivative, 4));
    say(description, `${labels[result.activation] || result.activation}: ${result.description}.`);
    if (sourceFor !== result.activation) {
      sourceFor = result.activation;
      mountSourcePanel(sourceBox, result.source, `Show the Python: ${result.source.join(" and ")}`);
    }
    errors.report(null);
    draw();
  }

  const evaluate = latestWins(
    (body) => postJSON("/api/activations/evaluate", body),
    show,
    (error) => errors.report(error),
  );
  function update() {
    evaluate({ activation: choice.input.value, z: z.value });
    writeState("activations", { name: choice.input.value, z: z.value, slope: slope.input.checked }, DEFAULTS);
  }
  choice.input.addEventListener("change", update);
  z.input.addEventListener("input", update);
  slope.input.addEventListener("change", () => {
    draw();
    update();
  });
  update();
}
