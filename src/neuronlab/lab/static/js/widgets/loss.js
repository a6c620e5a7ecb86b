// Loss: one two-class prediction, the learner sets how strongly the network favours the right
// class; cross-entropy and squared error are read off and drawn against the probability.
// Numbers from POST /api/loss/evaluate.

import { postJSON } from "../api.js";
import { getOptions } from "../options.js";
import { setupCanvas } from "../draw.js";
import { readState, writeState } from "../state.js";
import { el, errorLine, latestWins, readouts, say, slider } from "./controls.js";
import { formatNumber } from "../format.js";

const WIDTH = 520;
const HEIGHT = 300;
const PAD = { left: 40, right: 14, top: 14, bottom: 34 };
const TOP = 4.5; // losses above this run off the top of the chart
const DEFAULTS = { margin: 1 };
const CE_COLOUR = "#0072b2";
const MSE_COLOUR = "#b35c00";

export async function mount(root) {
  const options = await getOptions();
  const state = readState("loss", DEFAULTS);
  const margin = slider({
    label: "logit margin m",
    name: "margin",
    ...options.inputs.loss.margin,
    value: state.margin,
    format: (v) => formatNumber(v, 1),
    hint: "How much higher the logit of the right class is than the other one's.",
  });
  const numbers = readouts([
    ["p", "p(right class)"],
    ["ce", "cross-entropy"],
    ["mse", "squared error"],
    ["delta", "δ = p − y"],
  ]);
  const canvas = el("canvas", { class: "w-canvas", role: "img" });
  const ctx = setupCanvas(canvas, WIDTH, HEIGHT);
  const legend = el(
    "p",
    { class: "w-legend" },
    el("span", { class: "w-key w-key-solid" }), " cross-entropy −log p, solid  ",
    el("span", { class: "w-key w-key-dashed" }), " squared error ½Σ(p − y)², dashed",
  );
  const verdict = el("p", { class: "w-small", "aria-live": "polite" });
  const errors = errorLine();
  root.replaceChildren(
    el(
      "div",
      { class: "w-layout" },
      el("div", {}, canvas, legend),
      el("div", { class: "w-side" }, margin.element, numbers.element, verdict, errors.element),
    ),
  );

  function draw(answer) {
    const { curve } = answer;
    const x = (p) => PAD.left + p * (WIDTH - PAD.left - PAD.right);
    const y = (v) => PAD.top + ((TOP - Math.min(v, TOP + 0.5)) / TOP) * (HEIGHT - PAD.top - PAD.bottom);
    ctx.clearRect(0, 0, WIDTH, HEIGHT);
    ctx.save();
    ctx.beginPath();
    ctx.rect(PAD.left, 0, WIDTH - PAD.left - PAD.right, HEIGHT - PAD.bottom);
    ctx.clip();
    ctx.strokeStyle = "rgb(0 0 0 / 0.12)";
    for (let t = 0; t <= 4; t += 1) {
      ctx.beginPath();
      ctx.moveTo(PAD.left, y(t));
      ctx.lineTo(WIDTH, y(t));
      ctx.stroke();
    }
    const line = (values, colour, dash) => {
      ctx.strokeStyle = colour;
      ctx.lineWidth = 2.5;
      ctx.setLineDash(dash);
      ctx.beginPath();
      curve.probability.forEach((p, i) => (i ? ctx.lineTo(x(p), y(values[i])) : ctx.moveTo(x(p), y(values[i]))));
      ctx.stroke();
      ctx.setLineDash([]);
    };
    line(curve.cross_entropy, CE_COLOUR, []);
    line(curve.mse, MSE_COLOUR, [7, 5]);
    const p = answer.probabilities[1];
    const dot = (v, colour, square) => {
      ctx.fillStyle = "#fff";
      ctx.strokeStyle = colour;
      ctx.lineWidth = 3;
      ctx.beginPath();
      if (square) ctx.rect(x(p) - 5, y(v) - 5, 10, 10);
      else ctx.arc(x(p), y(v), 5.5, 0, 2 * Math.PI);
      ctx.fill();
      ctx.stroke();
    };
    dot(answer.cross_entropy, CE_COLOUR, false);
    dot(answer.mse, MSE_COLOUR, true);
    ctx.restore();
    ctx.save();
    ctx.font = "12px system-ui, sans-serif";
    ctx.fillStyle = "#4a4f57";
    for (let t = 0; t <= 4; t += 1) ctx.fillText(String(t), 20, y(t) + 4);
    for (let t = 0; t <= 1.001; t += 0.25) ctx.fillText(t.toFixed(2), x(t) - 12, HEIGHT - 16);
    ctx.fillText("probability the network gives the right class", WIDTH / 2 - 120, HEIGHT - 2);
    ctx.strokeStyle = "rgb(0 0 0 / 0.45)";
    ctx.beginPath();
    ctx.moveTo(PAD.left, y(0));
    ctx.lineTo(WIDTH - PAD.right, y(0));
    ctx.moveTo(PAD.left, PAD.top);
    ctx.lineTo(PAD.left, y(0));
    ctx.stroke();
    ctx.restore();
    canvas.setAttribute(
      "aria-label",
      `Both losses against the probability of the right class; at p = ${formatNumber(p, 3)} cross-entropy is ${formatNumber(answer.cross_entropy, 3)} and squared error ${formatNumber(answer.mse, 3)}.`,
    );
  }

  function show(answer) {
    const p = answer.probabilities[1];
    numbers.set("p", formatNumber(p, 3));
    numbers.set("ce", formatNumber(answer.cross_entropy, 3));
    numbers.set("mse", formatNumber(answer.mse, 3));
    numbers.set("delta", `(${formatNumber(answer.delta[0], 2)}, ${formatNumber(answer.delta[1], 2)})`);
    // no numbers in this live sentence (the readouts above have them): it is read out only
    // when the network changes sides, not at every notch of the slider
    say(
      verdict,
      p < 0.5
        ? "The network leans the wrong way: cross-entropy grows without bound as p falls, while the squared error can never pass 1."
        : "The network leans the right way: both losses are small, cross-entropy keeps pushing p towards 1.",
    );
    errors.report(null);
    draw(answer);
  }
  const ask = latestWins(
    (body) => postJSON("/api/loss/evaluate", body),
    show,
    (error) => errors.report(error),
  );
  function update() {
    ask({ margin: margin.value });
    writeState("loss", { margin: margin.value }, DEFAULTS);
  }
  margin.input.addEventListener("input", update);
  update();
}
