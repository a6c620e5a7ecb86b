// The backpropagation stepper: one training point through a 2-3-2 network, one equation at a
// time: the forward pass, BP1′ on the outputs, BP2 on the hidden units, BP3/BP4 on every bias
// and edge, then the update with the loss before and after. A "check" puts the
// finite-difference slope of a picked weight beside its backprop value. Every number comes
// from POST /api/backprop/step, which runs engine/reference.py; this module only draws.

import { postJSON } from "../api.js";
import { getOptions } from "../options.js";
import { drawAxes, drawShape, classColour, makeView, setupCanvas, svgElement as svg, unitY } from "../draw.js";
import { placeEdgeLabels } from "../edge-labels.js";
import { readState, writeState } from "../state.js";
import { scrollHint } from "../scroll-hint.js";
import {
  arrowStep, clamp, el, errorLine, latestWins, pointerPixel, readouts, say, select,
  slider, statusLine,
} from "./controls.js";
import { formatNumber, formatTerm } from "../format.js";

const WIDTH = 640;
const HEIGHT = 400;
const RADIUS = 27;
const COLUMNS = [80, 300, 520];
const PLANE = [-3, 3, -3, 3];
const PLANE_SIZE = 220;
const DEFAULTS = { x1: 0.5, x2: -0.8, label: 1, activation: "sigmoid", rate: 0.5, seed: 3, phase: 1, pick: "0-1-0" };
const POSITIVE = "#0072b2";
const NEGATIVE = "#d55e00";
const NAMES = [["x₁", "x₂"], ["h₁", "h₂", "h₃"], ["class 0", "class 1"]];
const PHASES = [
  ["forward pass", "The point runs forward: z = W a + b and a = f(z) in the hidden layer (eq. 5), then softmax (eq. 7). The loss is C = −log p(true class) (eq. 8)."],
  ["BP1′, the output error", "At the outputs, softmax with cross-entropy gives δ = p − y: the probability minus the target. (Softmax is not element-wise, so BP1's ∇ₐC ⊙ f′(z) does not apply; the whole chain rule collapses to p − y.)"],
  ["BP2, the error moves back", "Each hidden unit collects the output errors through its outgoing weights, Σ W δ, and multiplies by the slope of its activation, f′(z)."],
  ["BP3 and BP4, the gradients", "Each bias's slope is its unit's δ (BP3); each weight's slope is the δ of the unit it feeds times the activation it carries, δ a (BP4). The edges now show ∂C/∂w."],
  ["the update", "Every weight and bias takes a step against its slope: w ← w − η ∂C/∂w (eq. 9). The loss on this point before and after the step is below."],
];

function sub(n) {
  return String(n).replace(/\d/g, (d) => "₀₁₂₃₄₅₆₇₈₉"[d]);
}

/** Every parameter the learner may pick: "l-j-i" for a weight, "l-j-b" for a bias. */
function parameters() {
  const list = [];
  for (let j = 0; j < 3; j += 1) for (let i = 0; i < 2; i += 1) list.push({ value: `0-${j}-${i}`, label: `weight ${NAMES[0][i]} → ${NAMES[1][j]}` });
  for (let j = 0; j < 2; j += 1) for (let i = 0; i < 3; i += 1) list.push({ value: `1-${j}-${i}`, label: `weight ${NAMES[1][i]} → ${NAMES[2][j]}` });
  for (let j = 0; j < 3; j += 1) list.push({ value: `0-${j}-b`, label: `bias of ${NAMES[1][j]}` });
  for (let j = 0; j < 2; j += 1) list.push({ value: `1-${j}-b`, label: `bias of ${NAMES[2][j]}` });
  return list;
}

function parsePick(text) {
  const [layer, j, i] = text.split("-");
  return { layer: Number(layer), j: Number(j), i: i === "b" ? null : Number(i) };
}

export async function mount(root) {
  const options = await getOptions(); // the inputs' bounds; the class colours, before anything is drawn
  const state = readState("backprop", DEFAULTS);
  // the engine's hidden activations, each with the label that names it (and its slope, for
  // the two leaky ReLUs)
  const activations = options.activations.filter((a) => a.name !== "identity");
  const activationNames = activations.map((a) => a.name);
  const x1 = slider({ label: "point x₁", name: "x1", ...options.inputs.backprop.x1, value: state.x1, format: (v) => formatNumber(v, 1) });
  const x2 = slider({ label: "point x₂", name: "x2", ...options.inputs.backprop.x2, value: state.x2, format: (v) => formatNumber(v, 1) });
  const label = select({
    label: "its class",
    name: "label",
    value: String(state.label === 0 ? 0 : 1),
    options: [{ value: "0", label: "class 0 (square)" }, { value: "1", label: "class 1 (circle)" }],
  });
  const activation = select({
    label: "hidden activation",
    name: "activation",
    value: activationNames.includes(state.activation) ? state.activation : "sigmoid",
    options: activations.map((a) => ({ value: a.name, label: a.label })),
  });
  const rate = slider({ label: "learning rate η", name: "rate", ...options.inputs.backprop.learning_rate, value: state.rate, format: (v) => formatNumber(v, 2) });
  const stepButton = el("button", { type: "button", class: "primary", "data-action": "step" }, "Step");
  const resetButton = el("button", { type: "button", "data-action": "reset" }, "Start over");
  const newWeights = el("button", { type: "button", "data-action": "new-weights" }, "New weights");
  const pickList = parameters();
  const pick = select({
    label: "weight to check",
    name: "pick",
    value: pickList.some((p) => p.value === state.pick) ? state.pick : DEFAULTS.pick,
    options: pickList,
  });
  const checkButton = el("button", { type: "button", "data-action": "check" }, "Check this slope");
  const checked = readouts([
    ["backprop", "∂C/∂w by backprop"],
    ["numeric", "by finite differences"],
    ["gap", "difference"],
  ]);
  const numbers = readouts([
    ["loss", "loss C before"],
    ["loss-after", "loss C after the step"],
    ["round", "steps taken on this point"],
  ]);
  const phaseText = statusLine("w-phase");
  const detail = el("div", { class: "w-detail", "data-role": "equations" });
  const diagram = svg("svg", {
    viewBox: `0 0 ${WIDTH} ${HEIGHT}`,
    class: "w-network",
    role: "img",
    "aria-label": "A network with 2 inputs, 3 hidden units and 2 outputs, with the numbers of the current step",
  });
  const canvas = el("canvas", {
    class: "w-canvas",
    role: "img",
    "aria-label": "The input plane with the training point; click or drag to move it",
  });
  const ctx = setupCanvas(canvas, PLANE_SIZE, PLANE_SIZE);
  const view = makeView(PLANE, PLANE_SIZE, PLANE_SIZE);
  const handle = el("button", { type: "button", class: "w-handle", "data-role": "point", "aria-label": "the training point: arrow keys move it" });
  const plot = el("div", { class: "w-plot plane w-bp-plane" }, canvas, handle);
  const errors = errorLine();

  const scroller = el("div", { class: "w-network-scroll" }, diagram);
  root.replaceChildren(
    el(
      "div",
      { class: "w-layout" },
      el("div", {}, scroller, phaseText, detail, numbers.element),
      el(
        "div",
        { class: "w-side" },
        plot,
        x1.element,
        x2.element,
        label.element,
        activation.element,
        rate.element,
        el("div", { class: "button-row" }, stepButton, resetButton, newWeights),
        el("fieldset", { class: "w-bp-check" }, el("legend", {}, "Check a slope"), pick.element, checkButton, checked.element),
        errors.element,
      ),
    ),
  );
  scrollHint(scroller, "the outputs are further right: scroll sideways →");

  let phase = Math.min(5, Math.max(1, Math.round(state.phase) || 1));
  let seed = state.seed;
  let weights = null; // the weights after the steps taken on this point; null: fresh from seed
  let round = 0;
  let result = null;

  function save() {
    writeState(
      "backprop",
      { x1: x1.value, x2: x2.value, label: Number(label.input.value), activation: activation.input.value, rate: rate.value, seed, phase, pick: pick.input.value },
      DEFAULTS,
    );
  }

  function body(extra = {}) {
    return {
      x1: x1.value,
      x2: x2.value,
      label: Number(label.input.value),
      activation: activation.input.value,
      learning_rate: rate.value,
      seed,
      weights,
      ...extra,
    };
  }

  function drawPlane() {
    ctx.clearRect(0, 0, PLANE_SIZE, PLANE_SIZE);
    ctx.fillStyle = "#fff";
    ctx.fillRect(0, 0, PLANE_SIZE, PLANE_SIZE);
    drawAxes(ctx, view);
    const k = Number(label.input.value);
    const [px, py] = view.toPixel(x1.value, x2.value);
    drawShape(ctx, k, px, py, 8, { fill: classColour(k), stroke: "#1b1d21", lineWidth: 1.5 });
    handle.style.left = `${(px / PLANE_SIZE) * 100}%`;
    handle.style.top = `${(py / PLANE_SIZE) * 100}%`;
  }

  // what an edge shows in each phase: its weight, its slope (BP4), or its new weight
  function edgeValue(l, j, i) {
    if (phase === 4) return result.grad_W[l][j][i];
    if (phase === 5) return result.W_after[l][j][i];
    return result.W[l][j][i];
  }

  function drawNetwork() {
    diagram.replaceChildren();
    const where = [2, 3, 2].map((n, l) => Array.from({ length: n }, (_, i) => [COLUMNS[l], unitY(HEIGHT, n, i)]));
    let largest = 0;
    for (const W of result.W) for (const row of W) for (const w of row) largest = Math.max(largest, Math.abs(w));
    const chosen = parsePick(pick.input.value);
    const labels = [];
    result.W.forEach((W, l) => {
      W.forEach((row, j) => {
        row.forEach((w, i) => {
          const [ax, ay] = where[l][i];
          const [bx, by] = where[l + 1][j];
          const isPicked = chosen.i !== null && chosen.layer === l && chosen.j === j && chosen.i === i;
          const width = 1 + (5 * Math.abs(w)) / (largest || 1);
          const colour = isPicked ? "#1b1d21" : w >= 0 ? POSITIVE : NEGATIVE;
          diagram.append(
            svg("line", {
              x1: ax, y1: ay, x2: bx, y2: by,
              stroke: colour,
              "stroke-width": width,
              "stroke-dasharray": w >= 0 ? "none" : "7 4",
              opacity: isPicked ? 1 : 0.75,
              "data-edge": `${l}-${j}-${i}`,
            }),
          );
          labels.push({
            a: [ax, ay],
            b: [bx, by],
            width,
            colour,
            text: formatNumber(edgeValue(l, j, i), 3),
            className: `w-edge-label${isPicked ? " w-bp-picked" : ""}`,
            attributes: { "data-edge-label": `${l}-${j}-${i}` },
          });
        });
      });
    });
    where.forEach((column, l) => {
      column.forEach(([cx, cy], i) => {
        const group = svg("g", { "data-node": `${l}-${i}` });
        let value = null;
        let kind = "";
        if (l === 0) [value, kind] = [result.x[i], ""];
        else if (l === 2 && phase >= 2) [value, kind] = [result.delta_out[i], "δ"];
        else if (l === 1 && phase >= 3) [value, kind] = [result.delta_hidden[i], "δ"];
        else [value, kind] = [result.a[l - 1][i], l === 2 ? "p" : "a"];
        const fill = kind === "δ" ? (value < 0 ? NEGATIVE : POSITIVE) : POSITIVE;
        const strength = kind === "δ" ? Math.min(1, Math.abs(value)) : l === 0 ? Math.min(1, Math.abs(value) / 3) : Math.min(1, Math.abs(value));
        group.append(
          svg("circle", { cx, cy, r: RADIUS, fill: "#fff", stroke: kind === "δ" ? "#1b1d21" : "#1b1d21", "stroke-width": kind === "δ" ? 3 : 2 }),
          svg("circle", { cx, cy, r: RADIUS, fill, "fill-opacity": 0.6 * strength, stroke: "none" }),
          svg("text", { x: cx, y: cy - RADIUS - 6, class: "w-node-name", "text-anchor": "middle" }, kind ? `${NAMES[l][i]}: ${kind}` : NAMES[l][i]),
          svg("text", { x: cx, y: cy + 5, class: "w-node-value", "text-anchor": "middle", "data-node-value": `${l}-${i}` }, formatNumber(value, 3)),
        );
        if (l > 0) {
          const b = phase === 4 ? result.grad_b[l - 1][i] : phase === 5 ? result.b_after[l - 1][i] : result.b[l - 1][i];
          group.append(svg("text", { x: cx, y: cy + RADIUS + 15, class: "w-node-bias", "text-anchor": "middle" }, `${phase === 4 ? "∂C/∂b" : "b"} ${formatNumber(b, 3)}`));
        }
        diagram.append(group);
      });
    });
    // the numbers go on last, clear of the nodes and of each other
    const circles = where.flat().map(([cx, cy]) => [cx, cy, RADIUS]);
    placeEdgeLabels(diagram, labels, { circles, bounds: [WIDTH, HEIGHT] });
  }

  function line(text) {
    return el("p", { class: "w-mono" }, text);
  }

  function equations() {
    const r = result;
    const f = r.activation;
    const lines = [];
    const chosen = parsePick(pick.input.value);
    if (phase === 1) {
      r.z[0].forEach((z, j) => {
        lines.push(line(`z(h${sub(j + 1)}) = (${formatNumber(r.W[0][j][0], 3)})(${formatNumber(r.x[0], 2)}) + (${formatNumber(r.W[0][j][1], 3)})(${formatNumber(r.x[1], 2)}) ${formatTerm(r.b[0][j], 3)} = ${formatNumber(z, 3)};  a = ${f}(${formatNumber(z, 3)}) = ${formatNumber(r.a[0][j], 3)}`));
      });
      r.z[1].forEach((z, k) => lines.push(line(`logit(class ${k}) = ${formatNumber(z, 3)};  p(class ${k}) = ${formatNumber(r.a[1][k], 3)}`)));
      const t = r.y.indexOf(1);
      lines.push(line(`C = −log p(class ${t}) = −log ${formatNumber(r.a[1][t], 3)} = ${formatNumber(r.loss, 4)}`));
    }
    if (phase === 2) {
      r.delta_out.forEach((d, k) => lines.push(line(`BP1′  δ(class ${k}) = p − y = ${formatNumber(r.a[1][k], 3)} − ${r.y[k]} = ${formatNumber(d, 4)}`)));
    }
    if (phase === 3) {
      r.delta_hidden.forEach((d, i) => {
        const terms = r.W[1].map((row, k) => `(${formatNumber(row[i], 3)})(${formatNumber(r.delta_out[k], 3)})`).join(" + ");
        lines.push(line(`BP2  δ(h${sub(i + 1)}) = [${terms}] × ${f}′(${formatNumber(r.z[0][i], 3)}) = ${formatNumber(r.back[i], 4)} × ${formatNumber(r.f_prime[i], 4)} = ${formatNumber(d, 4)}`));
      });
    }
    if (phase === 4) {
      const { layer, j, i } = chosen;
      const into = NAMES[layer + 1][j];
      const delta = layer === 1 ? r.delta_out[j] : r.delta_hidden[j];
      if (i === null) {
        lines.push(line(`BP3  ∂C/∂b(${into}) = δ(${into}) = ${formatNumber(delta, 4)}`));
      } else {
        const carried = layer === 1 ? r.a[0][i] : r.x[i];
        lines.push(line(`BP4  ∂C/∂w(${NAMES[layer][i]} → ${into}) = δ(${into}) × a(${NAMES[layer][i]}) = (${formatNumber(delta, 4)})(${formatNumber(carried, 3)}) = ${formatNumber(r.grad_W[layer][j][i], 4)}`));
      }
      lines.push(line("Every edge shows its ∂C/∂w; pick another weight below to see its equation."));
    }
    if (phase === 5) {
      const { layer, j, i } = chosen;
      const before = i === null ? r.b[layer][j] : r.W[layer][j][i];
      const slope = i === null ? r.grad_b[layer][j] : r.grad_W[layer][j][i];
      const after = i === null ? r.b_after[layer][j] : r.W_after[layer][j][i];
      const name = i === null ? `b(${NAMES[layer + 1][j]})` : `w(${NAMES[layer][i]} → ${NAMES[layer + 1][j]})`;
      lines.push(line(`eq. 9  ${name} ← ${formatNumber(before, 4)} − (${formatNumber(r.learning_rate, 2)})(${formatNumber(slope, 4)}) = ${formatNumber(after, 4)}`));
      lines.push(line(`loss on this point: ${formatNumber(r.loss, 4)} before, ${formatNumber(r.loss_after, 4)} after the step`));
    }
    detail.replaceChildren(...lines);
  }

  function render() {
    if (!result) return;
    const [title, text] = PHASES[phase - 1];
    say(phaseText, `Step ${phase} of 5: ${title}. ${text}`);
    drawNetwork();
    equations();
    numbers.set("loss", formatNumber(result.loss, 4));
    numbers.set("loss-after", phase === 5 ? formatNumber(result.loss_after, 4) : "after step 5");
    numbers.set("round", String(round));
  }

  function show(answer) {
    result = answer;
    errors.report(null);
    render();
  }
  const request = latestWins((payload) => postJSON("/api/backprop/step", payload), show, (error) => errors.report(error));

  function clearCheck() {
    for (const key of ["backprop", "numeric", "gap"]) checked.set(key, "–");
  }
  // a new point, activation or rate starts again from the fresh weights, at the same step
  // (drag the point and watch δ change); "Start over" and "New weights" go back to step 1
  function restart({ toStart = false } = {}) {
    weights = null;
    round = 0;
    if (toStart) phase = 1;
    clearCheck();
    drawPlane();
    request(body());
    save();
  }

  stepButton.addEventListener("click", () => {
    if (!result) return;
    if (phase < 5) {
      phase += 1;
      render();
    } else {
      // the next round trains on the same point from the updated weights
      weights = { W: result.W_after, b: result.b_after };
      round += 1;
      phase = 1;
      clearCheck();
      request(body());
    }
    stepButton.textContent = phase === 5 ? "Next round" : "Step";
    save();
  });
  resetButton.addEventListener("click", () => {
    stepButton.textContent = "Step";
    restart({ toStart: true });
  });
  newWeights.addEventListener("click", () => {
    seed += 1;
    stepButton.textContent = "Step";
    restart({ toStart: true });
  });
  checkButton.addEventListener("click", async () => {
    try {
      const answer = await postJSON("/api/backprop/step", body({ check: parsePick(pick.input.value) }));
      const c = answer.check;
      checked.set("backprop", c.backprop.toPrecision(8));
      checked.set("numeric", c.finite_difference.toPrecision(8));
      checked.set("gap", formatNumber(Math.abs(c.backprop - c.finite_difference), 2));
      errors.report(null);
    } catch (error) {
      errors.report(error);
    }
  });
  pick.input.addEventListener("change", () => {
    clearCheck();
    render();
    save();
  });
  for (const control of [x1, x2, rate]) control.input.addEventListener("input", () => restart());
  for (const control of [label, activation]) control.input.addEventListener("change", () => restart());

  function moveTo(x, y) {
    x1.input.value = String(Math.round(clamp(x, -3, 3) * 10) / 10);
    x2.input.value = String(Math.round(clamp(y, -3, 3) * 10) / 10);
    x1.input.dispatchEvent(new Event("input"));
    x2.input.dispatchEvent(new Event("input"));
  }
  plot.addEventListener("pointerdown", (event) => {
    event.preventDefault();
    const follow = (e) => {
      const [px, py] = pointerPixel(canvas, e, view);
      moveTo(...view.toData(px, py));
    };
    follow(event);
    plot.setPointerCapture?.(event.pointerId);
    const stop = () => {
      plot.removeEventListener("pointermove", follow);
      plot.removeEventListener("pointerup", stop);
      plot.removeEventListener("pointercancel", stop);
    };
    plot.addEventListener("pointermove", follow);
    plot.addEventListener("pointerup", stop);
    plot.addEventListener("pointercancel", stop);
  });
  handle.addEventListener("keydown", (event) => {
    const move = arrowStep(event, 0.1, 0.5);
    if (!move) return;
    event.preventDefault();
    moveTo(x1.value + move[0], x2.value + move[1]);
  });

  stepButton.textContent = phase === 5 ? "Next round" : "Step";
  drawPlane();
  request(body());
}
