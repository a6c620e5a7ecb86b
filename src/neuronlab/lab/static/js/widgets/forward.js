// The forward pass of a 2-3-2 network, one phase at a time: inputs, hidden pre-activations,
// hidden activations, output logits, softmax. Numbers from POST /api/forward/run.

import { postJSON } from "../api.js";
import { getOptions } from "../options.js";
import { svgElement as svg, unitY } from "../draw.js";
import { placeEdgeLabels } from "../edge-labels.js";
import { readState, writeState } from "../state.js";
import { scrollHint } from "../scroll-hint.js";
import { el, errorLine, latestWins, say, select, slider, statusLine } from "./controls.js";
import { formatNumber, formatTerm } from "../format.js";

const WIDTH = 640;
const HEIGHT = 430;
const RADIUS = 27;
const COLUMNS = [80, 300, 520];
const DEFAULTS = { x1: 0.5, x2: -0.8, activation: "sigmoid", seed: 3, phase: 1 };
const POSITIVE = "#0072b2";
const NEGATIVE = "#d55e00";
const PHASES = [
  ["inputs", "The inputs x₁ and x₂ enter the network as they are."],
  [
    "hidden pre-activations",
    "Each hidden unit adds up its inputs, each times the weight on its edge, plus its bias: z = W x + b (eq. 5).",
  ],
  ["hidden activations", "Each hidden unit passes its z through the activation function: a = f(z)."],
  ["output logits", "Each output unit adds up the hidden activations times their weights, plus its bias: one logit per class."],
  ["softmax", "Softmax turns the two logits into probabilities that are positive and add up to 1 (eq. 7)."],
];

export async function mount(root) {
  const state = readState("forward", DEFAULTS);
  const options = await getOptions();
  // the hidden activations, labelled by the server (the leaky ReLUs with their slope)
  const activations = options.activations.filter((a) => a.name !== "identity");
  const names = activations.map((a) => a.name);
  const x1 = slider({ label: "input x₁", name: "x1", ...options.inputs.forward.x1, value: state.x1, format: (v) => formatNumber(v, 1) });
  const x2 = slider({ label: "input x₂", name: "x2", ...options.inputs.forward.x2, value: state.x2, format: (v) => formatNumber(v, 1) });
  const activation = select({
    label: "hidden activation",
    name: "activation",
    value: names.includes(state.activation) ? state.activation : "sigmoid",
    options: activations.map((a) => ({ value: a.name, label: a.label })),
  });
  const stepButton = el("button", { type: "button", class: "primary", "data-action": "step" }, "Step");
  const runButton = el("button", { type: "button", "data-action": "run" }, "Run");
  const resetButton = el("button", { type: "button", "data-action": "reset" }, "Reset");
  const newWeights = el("button", { type: "button", "data-action": "new-weights" }, "New weights");
  const phaseText = statusLine("w-phase");
  const detail = el("div", { class: "w-detail" });
  const diagram = svg("svg", {
    viewBox: `0 0 ${WIDTH} ${HEIGHT}`,
    class: "w-network",
    role: "img",
    "aria-label": "A network with 2 inputs, 3 hidden units and 2 outputs",
  });
  const errors = errorLine();
  const scroller = el("div", { class: "w-network-scroll" }, diagram);
  root.replaceChildren(
    el(
      "div",
      { class: "w-layout" },
      // on a phone the diagram keeps a readable size and scrolls sideways in its own box
      el("div", {}, scroller, phaseText, detail),
      el(
        "div",
        { class: "w-side" },
        x1.element,
        x2.element,
        activation.element,
        el("div", { class: "button-row" }, stepButton, runButton, resetButton),
        el("div", { class: "button-row" }, newWeights),
        el(
          "p",
          { class: "w-legend" },
          el("span", { class: "w-key w-key-solid w-key-pos" }), " positive weight  ",
          el("span", { class: "w-key w-key-dashed w-key-neg" }), " negative weight (dashed); thicker = larger |w|",
        ),
        errors.element,
      ),
    ),
  );
  scrollHint(scroller, "the outputs are further right: scroll sideways →");

  let phase = Math.min(5, Math.max(1, Math.round(state.phase)));
  let seed = state.seed;
  let result = null;
  let timer = null;

  function save() {
    writeState("forward", { x1: x1.value, x2: x2.value, activation: activation.input.value, seed, phase }, DEFAULTS);
  }

  function draw() {
    if (!result) return;
    diagram.replaceChildren();
    const sizes = result.layer_sizes;
    const where = sizes.map((n, l) => Array.from({ length: n }, (_, i) => [COLUMNS[l], unitY(HEIGHT, n, i)]));
    let largest = 0;
    for (const W of result.weights) for (const row of W) for (const w of row) largest = Math.max(largest, Math.abs(w));
    // edges: layer l feeds layer l + 1 once the phase reaches it; their numbers go on last,
    // over every line and clear of the nodes' texts
    const labels = [];
    result.weights.forEach((W, l) => {
      const active = phase >= (l === 0 ? 2 : 4);
      W.forEach((row, i) => {
        row.forEach((w, j) => {
          const [ax, ay] = where[l][i];
          const [bx, by] = where[l + 1][j];
          const width = 1 + (5 * Math.abs(w)) / (largest || 1);
          const colour = w >= 0 ? POSITIVE : NEGATIVE;
          diagram.append(
            svg("line", {
              x1: ax, y1: ay, x2: bx, y2: by,
              stroke: colour,
              "stroke-width": width,
              "stroke-dasharray": w >= 0 ? "none" : "7 4",
              opacity: active ? 0.9 : 0.25,
              "data-weight": w,
            }),
          );
          labels.push({
            a: [ax, ay],
            b: [bx, by],
            width,
            colour,
            text: formatNumber(w, 2),
            attributes: { "data-edge-label": `${l}-${i}-${j}`, opacity: active ? 1 : 0.65 },
          });
        });
      });
    });
    const values = [
      [result.inputs, null],
      [phase >= 3 ? result.hidden_a : phase >= 2 ? result.hidden_z : null, phase >= 3 ? "a" : "z"],
      [phase >= 5 ? result.probabilities : phase >= 4 ? result.logits : null, phase >= 5 ? "p" : "z"],
    ];
    const names = [["x₁", "x₂"], ["h₁", "h₂", "h₃"], ["class 0", "class 1"]];
    where.forEach((column, l) => {
      column.forEach(([cx, cy], i) => {
        const [vals, kind] = values[l];
        const v = vals ? vals[i] : null;
        // node fill shows an activation (inputs, hidden a, probabilities), never a raw z
        const filled = v !== null && (l === 0 || kind === "a" || kind === "p");
        const strength = filled ? Math.min(1, Math.abs(v) / (l === 0 ? 3 : 1)) : 0;
        const colour = v !== null && v < 0 ? NEGATIVE : POSITIVE;
        const group = svg("g", { "data-node": `${l}-${i}` });
        group.append(
          svg("circle", { cx, cy, r: RADIUS, fill: "#fff", stroke: "#1b1d21", "stroke-width": 2 }),
          svg("circle", { cx, cy, r: RADIUS, fill: colour, "fill-opacity": 0.75 * strength, stroke: "none" }),
          svg(
            "text",
            { x: cx, y: cy - RADIUS - 6, class: "w-node-name", "text-anchor": "middle" },
            v !== null && kind ? `${names[l][i]}: ${kind}` : names[l][i],
          ),
        );
        if (v !== null) {
          group.append(svg("text", { x: cx, y: cy + 5, class: "w-node-value", "text-anchor": "middle" }, formatNumber(v, 2)));
        }
        if (l > 0) {
          const b = result.biases[l - 1][i];
          group.append(svg("text", { x: cx, y: cy + RADIUS + 15, class: "w-node-bias", "text-anchor": "middle" }, `b ${formatNumber(b, 2)}`));
        }
        diagram.append(group);
      });
    });
    if (phase >= 5) {
      const [cx, cy] = where[2][result.prediction];
      diagram.append(svg("text", { x: cx, y: cy + RADIUS + 32, class: "w-node-name", "text-anchor": "middle" }, "▲ predicted"));
    }
    const circles = where.flat().map(([cx, cy]) => [cx, cy, RADIUS]);
    placeEdgeLabels(diagram, labels, { circles, bounds: [WIDTH, HEIGHT] });
  }

  function describe() {
    if (!result) return;
    const [title, text] = PHASES[phase - 1];
    say(phaseText, `Phase ${phase} of 5: ${title}. ${text}`);
    const lines = [];
    const W0 = result.weights[0];
    const W1 = result.weights[1];
    if (phase === 1) lines.push(`x = (${formatNumber(result.inputs[0], 2)}, ${formatNumber(result.inputs[1], 2)})`);
    if (phase === 2) {
      result.hidden_z.forEach((z, j) => {
        lines.push(
          `z${sub(j + 1)} = (${formatNumber(W0[0][j], 2)})(${formatNumber(result.inputs[0], 2)}) + (${formatNumber(W0[1][j], 2)})(${formatNumber(result.inputs[1], 2)}) ${formatTerm(result.biases[0][j], 2)} = ${formatNumber(z, 3)}`,
        );
      });
    }
    if (phase === 3) {
      result.hidden_a.forEach((a, j) => lines.push(`a${sub(j + 1)} = ${result.activation}(${formatNumber(result.hidden_z[j], 3)}) = ${formatNumber(a, 3)}`));
    }
    if (phase === 4) {
      result.logits.forEach((z, k) => {
        const terms = result.hidden_a.map((a, j) => `(${formatNumber(W1[j][k], 2)})(${formatNumber(a, 2)})`).join(" + ");
        lines.push(`logit for class ${k} = ${terms} ${formatTerm(result.biases[1][k], 2)} = ${formatNumber(z, 3)}`);
      });
    }
    if (phase === 5) {
      result.probabilities.forEach((p, k) => lines.push(`p(class ${k}) = ${formatNumber(p, 3)}`));
      lines.push(`The network predicts class ${result.prediction}.`);
    }
    detail.replaceChildren(...lines.map((line) => el("p", { class: "w-mono" }, line)));
  }

  function show(answer) {
    result = answer;
    errors.report(null);
    draw();
    describe();
  }
  const request = latestWins(
    (body) => postJSON("/api/forward/run", body),
    show,
    (error) => errors.report(error),
  );
  function update() {
    request({ x1: x1.value, x2: x2.value, activation: activation.input.value, seed });
    save();
  }
  function setPhase(p) {
    phase = p;
    const onStep = document.activeElement === stepButton;
    stepButton.disabled = phase >= 5;
    // a disabled button loses the focus: hand it to Reset rather than to the page
    if (onStep && stepButton.disabled) resetButton.focus();
    draw();
    describe();
    save();
  }
  function stopRun() {
    clearInterval(timer);
    timer = null;
    runButton.textContent = "Run";
  }
  stepButton.addEventListener("click", () => {
    stopRun();
    if (phase < 5) setPhase(phase + 1);
  });
  runButton.addEventListener("click", () => {
    if (timer) return stopRun();
    if (phase >= 5) setPhase(1);
    runButton.textContent = "Pause";
    timer = setInterval(() => {
      if (phase >= 5) return stopRun();
      setPhase(phase + 1);
    }, 900);
  });
  resetButton.addEventListener("click", () => {
    stopRun();
    setPhase(1);
  });
  newWeights.addEventListener("click", () => {
    seed += 1;
    update();
  });
  x1.input.addEventListener("input", update);
  x2.input.addEventListener("input", update);
  activation.input.addEventListener("change", update);
  stepButton.disabled = phase >= 5;
  update();
}

function sub(n) {
  return String(n).replace(/\d/g, (d) => "₀₁₂₃₄₅₆₇₈₉"[d]);
}
