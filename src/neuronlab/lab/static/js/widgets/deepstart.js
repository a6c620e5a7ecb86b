// Why deep networks are hard to start: pick a depth, an activation and an initialisation, and
// see each layer at the start: the size of its gradient (log scale) and the spread of its
// activations, its dead ReLU units, whether its units are all identical. "Train" shows whether
// that start learns. Numbers from POST /api/deep-start/inspect and /train; this only draws.

import { postJSON } from "../api.js";
import { getOptions } from "../options.js";
import { scrollHint } from "../scroll-hint.js";
import { setupCanvas } from "../draw.js";
import { readState, writeState } from "../state.js";
import { el, errorLine, latestWins, readouts, say, select, slider, statusLine } from "./controls.js";
import { formatNumber } from "../format.js";

const WIDTH = 560;
const HEIGHT = 190;
const PAD = { left: 54, right: 10, top: 22, bottom: 30 };
const DEFAULTS = { depth: 10, activation: "sigmoid", init: "xavier" };
const INITS = [
  { value: "zeros", label: "zeros" },
  { value: "small", label: "too small (std 0.01)" },
  { value: "large", label: "too large (std 1)" },
  { value: "xavier", label: "Xavier (variance 1/n_in)" },
  { value: "he", label: "He (variance 2/n_in)" },
];
const GRAD_COLOUR = "#0072b2";
const SPREAD_COLOUR = "#b35c00";
const LOSS_COLOUR = "#1b1d21";

function axesFrame(ctx, title) {
  ctx.clearRect(0, 0, WIDTH, HEIGHT);
  ctx.fillStyle = "#fff";
  ctx.fillRect(0, 0, WIDTH, HEIGHT);
  ctx.strokeStyle = "rgb(0 0 0 / 0.35)";
  ctx.strokeRect(PAD.left + 0.5, PAD.top + 0.5, WIDTH - PAD.left - PAD.right - 1, HEIGHT - PAD.top - PAD.bottom - 1);
  ctx.fillStyle = "#1b1d21";
  ctx.font = "600 13px system-ui, sans-serif";
  ctx.fillText(title, PAD.left, 15);
  ctx.font = "12px system-ui, sans-serif";
}

/** Bars, one per layer; `log` draws log10 of the values (a 0 is marked "0" at the floor). */
function drawBars(ctx, values, { title, colour, log, withOutput = true }) {
  axesFrame(ctx, title);
  const innerW = WIDTH - PAD.left - PAD.right;
  const innerH = HEIGHT - PAD.top - PAD.bottom;
  const positive = values.filter((v) => v > 0);
  let lo;
  let hi;
  if (log) {
    hi = Math.ceil(Math.log10(Math.max(...positive, 1e-12)));
    lo = Math.floor(Math.log10(Math.min(...positive, 10 ** (hi - 1))));
    if (hi - lo < 2) lo = hi - 2;
  } else {
    lo = 0;
    hi = Math.max(...values, 1e-6) * 1.1;
  }
  const y = (v) => PAD.top + innerH - ((v - lo) / (hi - lo)) * innerH;
  // value axis: powers of ten (log) or three even ticks
  const ticks = log
    ? Array.from({ length: hi - lo + 1 }, (_, k) => lo + k).filter((t, k, all) => all.length <= 7 || k % Math.ceil(all.length / 6) === 0)
    : [0, hi / 2, hi];
  ctx.fillStyle = "#4a4f57";
  ctx.textAlign = "right";
  for (const t of ticks) {
    ctx.fillText(log ? `1e${t}`.replace("-", "−") : formatNumber(t, 2), PAD.left - 5, y(t) + 4);
    ctx.strokeStyle = "rgb(0 0 0 / 0.08)";
    ctx.beginPath();
    ctx.moveTo(PAD.left, y(t));
    ctx.lineTo(WIDTH - PAD.right, y(t));
    ctx.stroke();
  }
  const slot = innerW / values.length;
  ctx.textAlign = "center";
  values.forEach((v, k) => {
    const x = PAD.left + slot * k + slot * 0.15;
    const w = slot * 0.7;
    const label = withOutput && k === values.length - 1 ? "out" : String(k + 1);
    ctx.fillStyle = "#4a4f57";
    ctx.fillText(label, x + w / 2, HEIGHT - PAD.bottom + 15);
    if (log && !(v > 0)) {
      ctx.fillStyle = "#8a1c1c";
      ctx.fillText("0", x + w / 2, PAD.top + innerH - 4);
      return;
    }
    const top = y(log ? Math.log10(v) : v);
    ctx.fillStyle = colour;
    ctx.fillRect(x, top, w, PAD.top + innerH - top);
  });
  ctx.fillStyle = "#4a4f57";
  ctx.textAlign = "left";
  ctx.fillText("layer", PAD.left, HEIGHT - 4);
  ctx.textAlign = "start";
}

function drawLoss(ctx, losses) {
  axesFrame(ctx, "training loss per epoch");
  const innerW = WIDTH - PAD.left - PAD.right;
  const innerH = HEIGHT - PAD.top - PAD.bottom;
  const hi = Math.max(0.8, ...losses.map((v) => Math.min(v, 3)));
  const y = (v) => PAD.top + innerH - (Math.min(v, hi) / hi) * innerH;
  ctx.fillStyle = "#4a4f57";
  ctx.textAlign = "right";
  for (const t of [0, hi / 2, hi]) ctx.fillText(formatNumber(t, 2), PAD.left - 5, y(t) + 4);
  // chance level for two balanced classes: ln 2
  ctx.strokeStyle = "rgb(0 0 0 / 0.35)";
  ctx.setLineDash([5, 4]);
  ctx.beginPath();
  ctx.moveTo(PAD.left, y(Math.LN2));
  ctx.lineTo(WIDTH - PAD.right, y(Math.LN2));
  ctx.stroke();
  ctx.setLineDash([]);
  ctx.textAlign = "right";
  ctx.fillText("guessing (ln 2)", WIDTH - PAD.right - 4, y(Math.LN2) - 4);
  ctx.strokeStyle = LOSS_COLOUR;
  ctx.lineWidth = 2;
  ctx.beginPath();
  losses.forEach((v, k) => {
    const x = PAD.left + (innerW * k) / Math.max(1, losses.length - 1);
    if (k === 0) ctx.moveTo(x, y(v));
    else ctx.lineTo(x, y(v));
  });
  ctx.stroke();
  ctx.lineWidth = 1;
  ctx.textAlign = "left";
  ctx.fillText(`epoch ${losses.length}`, WIDTH - PAD.right - 60, HEIGHT - 8);
  ctx.textAlign = "start";
}

export async function mount(root) {
  const options = await getOptions();
  const state = readState("deepstart", DEFAULTS);
  const depth = slider({ label: "hidden layers", name: "depth", min: 2, max: 20, step: 1, value: state.depth, format: (v) => String(v) });
  // the engine's hidden activations, labelled by the server (the leaky ReLUs with their slope)
  const activations = options.activations.filter((a) => a.name !== "identity");
  const activation = select({
    label: "activation",
    name: "activation",
    value: activations.some((a) => a.name === state.activation) ? state.activation : "sigmoid",
    options: activations.map((a) => ({ value: a.name, label: a.label })),
  });
  const init = select({
    label: "initialisation",
    name: "init",
    value: INITS.some((o) => o.value === state.init) ? state.init : "xavier",
    options: INITS,
  });
  const trainButton = el("button", { type: "button", class: "primary", "data-action": "train" }, "Train 200 epochs");
  const numbers = readouts([
    ["ratio", "first layer's gradient ÷ last's"],
    ["dead", "dead ReLU units"],
    ["identical", "layers whose units are all identical"],
    ["loss", "loss at the start"],
  ]);
  const trained = readouts([
    ["accuracy", "accuracy after training"],
    ["final", "loss after training"],
  ]);
  const verdict = statusLine();
  const gradCanvas = el("canvas", { class: "w-canvas", role: "img", "aria-label": "The size of each layer's weight gradient, log scale" });
  const spreadCanvas = el("canvas", { class: "w-canvas", role: "img", "aria-label": "The spread of each layer's activations" });
  const lossCanvas = el("canvas", { class: "w-canvas", role: "img", "aria-label": "The training loss per epoch", hidden: true });
  const gradCtx = setupCanvas(gradCanvas, WIDTH, HEIGHT);
  const spreadCtx = setupCanvas(spreadCanvas, WIDTH, HEIGHT);
  const lossCtx = setupCanvas(lossCanvas, WIDTH, HEIGHT);
  const errors = errorLine();
  const charts = el("div", { class: "w-ds-charts" }, gradCanvas, spreadCanvas, lossCanvas);
  root.replaceChildren(
    el(
      "div",
      { class: "w-layout" },
      el("div", { class: "w-ds-column" }, charts),
      el(
        "div",
        { class: "w-side" },
        depth.element,
        activation.element,
        init.element,
        numbers.element,
        el("div", { class: "button-row" }, trainButton),
        trained.element,
        verdict,
        errors.element,
      ),
    ),
  );
  scrollHint(charts);

  let trainings = 0;
  function settings() {
    return { depth: depth.value, activation: activation.input.value, init: init.input.value };
  }

  function show(view) {
    errors.report(null);
    const layers = view.layers;
    const grads = layers.map((l) => l.gradient_rms);
    drawBars(gradCtx, grads, { title: "size of each layer's weight gradient, √mean(∂C/∂W)² (log scale)", colour: GRAD_COLOUR, log: true });
    drawBars(spreadCtx, layers.slice(0, -1).map((l) => l.activation_std), { title: "spread of each hidden layer's activations (std of a)", colour: SPREAD_COLOUR, log: false, withOutput: false });
    root.dataset.gradients = JSON.stringify(grads);
    const first = grads[0];
    const last = grads[grads.length - 1];
    numbers.set("ratio", first > 0 && last > 0 ? formatNumber(first / last, 3) : "no gradient (0)");
    numbers.set("dead", String(view.dead_units));
    const same = layers.slice(0, -1).filter((l) => l.identical).length;
    numbers.set("identical", `${same} of ${layers.length - 1}`);
    numbers.set("loss", formatNumber(view.loss, 4));
  }
  const ask = latestWins((body) => postJSON("/api/deep-start/inspect", body), show, (e) => errors.report(e));

  function update() {
    trainings += 1; // a running training's answer no longer fits the settings
    lossCanvas.hidden = true;
    trained.set("accuracy", "–");
    trained.set("final", "–");
    say(verdict, "");
    trainButton.disabled = false;
    ask(settings());
    writeState("deepstart", settings(), DEFAULTS);
  }

  trainButton.addEventListener("click", async () => {
    const mine = (trainings += 1);
    // a disabled button drops the keyboard's focus: it comes back when the button does
    const hadFocus = document.activeElement === trainButton;
    trainButton.disabled = true;
    say(verdict, "Training 200 epochs…");
    try {
      const result = await postJSON("/api/deep-start/train", { ...settings(), epochs: 200 });
      if (mine !== trainings) return;
      lossCanvas.hidden = false;
      drawLoss(lossCtx, result.losses);
      trained.set("accuracy", `${formatNumber(100 * result.accuracy, 1)}%`);
      const epochs = result.losses.length;
      trained.set("final", result.diverged ? "overflowed" : formatNumber(result.losses[epochs - 1], 4));
      const still = result.layers.slice(0, -1).filter((l) => l.identical).length;
      const text = result.diverged
        ? `This start blows up: the loss overflowed in epoch ${epochs + 1} and training stopped. The weights are drawn so large that the numbers grow past what a float can hold.`
        : result.learned
        ? "This start learns: the network separates the two moons."
        : still
          ? `This start does not learn: after training, ${still} layer(s) still have identical units.`
          : "This start does not learn in 200 epochs: the loss stays near guessing.";
      say(verdict, text);
      errors.report(null);
    } catch (error) {
      if (mine === trainings) errors.report(error);
    } finally {
      if (mine === trainings) trainButton.disabled = false;
      if (hadFocus && document.activeElement === document.body) trainButton.focus();
    }
  });
  depth.input.addEventListener("input", update);
  activation.input.addEventListener("change", update);
  init.input.addEventListener("change", update);
  update();
}
