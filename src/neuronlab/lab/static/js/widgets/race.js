// The optimiser race: SGD, momentum, RMSProp and Adam from one start, replayed step by step.
// Every path comes from POST /api/race/run (surfaces.descend with each optimiser class), and
// so do the words: when each reached the minimum, how each walk ended, and the headline
// (engine/outcome.py), so the headline and the rows cannot disagree.

import { postJSON } from "../api.js";
import { getOptions } from "../options.js";
import { readState, writeState } from "../state.js";
import { el, errorLine, markInvalid, select, statusLine, surfacePicker } from "./controls.js";
import { surfaceMap } from "./surfacemap.js";
import { scrollHint } from "../scroll-hint.js";
import { formatNumber } from "../format.js";

// each runner differs by line style and head shape as well as by colour, and where paths
// overlap the thinner lie on top of the wider: the server's palette (the options
// document), which the figures of neuronlab.plots use too
let STYLE = {};

function stylesFrom(optimizers) {
  return Object.fromEntries(
    optimizers.map((o) => [
      o.name,
      {
        colour: o.colour, dash: o.dash, shape: o.shape, layer: o.layer, width: o.width, head: o.head,
        svgDash: o.dash.length ? o.dash.join(" ") : "none",
      },
    ]),
  );
}
const SPEEDS = [
  { value: "1", label: "1 step a frame" },
  { value: "3", label: "3 steps a frame" },
  { value: "8", label: "8 steps a frame" },
  { value: "20", label: "20 steps a frame" },
];
const DEFAULTS = {
  surface: "rosenbrock", x: NaN, y: NaN, speed: 8, steps: 1000,
  sgd: NaN, momentum: NaN, rmsprop: NaN, adam: NaN,
};

export async function mount(root) {
  const state = readState("race", DEFAULTS);
  const options = await getOptions();
  STYLE = stylesFrom(options.optimizers);
  const { surfaces, choice } = surfacePicker(options, state, DEFAULTS.surface);
  const optimizers = options.optimizers;
  const speed = select({ label: "speed", name: "speed", value: String(state.speed), options: SPEEDS });
  const play = el("button", { type: "button", class: "primary", "data-action": "play" }, "Play");
  const step = el("button", { type: "button", "data-action": "step" }, "Step");
  const reset = el("button", { type: "button", "data-action": "reset" }, "Reset");
  const counter = el("p", { class: "w-counter", "data-readout": "step" }, "step 0");
  const status = statusLine();
  const errors = errorLine();
  errors.element.id = "race-error";

  const rateInputs = {};
  const cells = {};
  const body = el("tbody");
  for (const o of optimizers) {
    const style = STYLE[o.name] || STYLE.adam;
    const input = el("input", {
      type: "number", min: "0.00001", max: "10", step: "any", "aria-label": `learning rate of ${o.label}`,
      class: "w-rate", "data-rate": o.name,
    });
    rateInputs[o.name] = input;
    cells[o.name] = {
      loss: el("td", { "data-cell": "loss" }, "–"),
      distance: el("td", { "data-cell": "distance" }, "–"),
      status: el("td", { "data-cell": "status" }, "–"),
    };
    body.append(
      el(
        "tr",
        { "data-runner": o.name },
        el("th", { scope: "row" }, swatch(style), " ", o.label),
        el("td", {}, input),
        cells[o.name].loss,
        cells[o.name].distance,
        cells[o.name].status,
      ),
    );
  }
  const table = el(
    "table",
    { class: "w-table" },
    el("caption", { class: "visually-hidden" }, "Each optimiser's learning rate, loss and distance to the nearest minimum"),
    el(
      "thead",
      {},
      el("tr", {}, ...["optimiser", "learning rate", "loss", "distance to the minimum", "status"].map((t) => el("th", { scope: "col" }, t))),
    ),
    body,
  );

  // how each walk ended, in the server's sentences, once the race is over
  const endings = el("ul", { class: "w-endings", "aria-label": "How each walk ended" });
  const map = surfaceMap({
    label: "Contour map with the four optimisers' paths; stars mark the minima",
    onStart: () => fetchRace(),
  });
  // on a phone the table scrolls, not the page; phones show no scrollbar, so a line says so
  // while the table is wider than its box (scroll-hint.js)
  const tableBox = el("div", { class: "w-table-scroll" }, table);
  root.replaceChildren(
    el(
      "div",
      { class: "w-layout" },
      el("div", {}, map.element, el("p", { class: "w-legend" }, "Drag the white start point (or focus it and use the arrow keys) to start the race elsewhere.")),
      el(
        "div",
        { class: "w-side" },
        choice.element,
        speed.element,
        el("div", { class: "button-row" }, play, step, reset),
        counter,
        status,
        errors.element,
      ),
    ),
    tableBox,
    endings,
  );

  scrollHint(tableBox, "the table is wider than the page: scroll sideways → for the loss, the distance and the status");

  let race = null;
  let asked = 0; // the newest race asked for: older answers are dropped
  let k = 0;
  let playing = false;
  let frame = 0;
  let custom = {};
  for (const o of optimizers) if (Number.isFinite(state[o.name])) custom[o.name] = state[o.name];

  function last() {
    return race ? Math.max(...race.runners.map((r) => r.points.length - 1)) : 0;
  }

  function save() {
    const own = map.surface.start;
    const moved = map.start[0] !== own[0] || map.start[1] !== own[1];
    const values = {
      surface: choice.input.value,
      speed: Number(speed.input.value),
      x: moved ? round(map.start[0]) : undefined,
      y: moved ? round(map.start[1]) : undefined,
    };
    for (const o of optimizers) values[o.name] = custom[o.name];
    writeState("race", values, DEFAULTS);
  }

  function draw() {
    if (!race) return;
    const drawn = race.runners.map((r) => {
      const style = STYLE[r.optimizer] || STYLE.adam;
      const points = r.points.slice(0, Math.min(k, r.points.length - 1) + 1);
      return { points, colour: style.colour, dash: style.dash, shape: style.shape, width: style.width, head: style.head, layer: style.layer };
    });
    map.setPaths(drawn.sort((a, b) => a.layer - b.layer)); // the widest first, at the bottom
    counter.textContent = `step ${k} of ${last()}`;
    for (const r of race.runners) {
      const i = Math.min(k, r.points.length - 1);
      const c = cells[r.optimizer];
      c.loss.textContent = formatNumber(r.losses[i], 4);
      c.distance.textContent = formatNumber(r.distances[i], 3);
      let text = k === 0 ? "ready" : playing ? "running" : "paused";
      // "reached" is the server's: the step from which the walk stays near the minimum
      if (r.reached !== null && r.reached <= k) text = `reached the minimum at step ${r.reached}`;
      if (k > 0 && k >= r.points.length - 1) text = r.summary; // its walk is over
      c.status.textContent = text;
    }
    const over = k >= last();
    endings.replaceChildren(...(over && k > 0 ? race.runners.map((r) => el("li", { "data-runner": r.optimizer }, el("strong", {}, `${r.label}: `), r.message)) : []));
    root.dataset.state = over ? "finished" : playing ? "playing" : "paused";
  }

  function pause() {
    playing = false;
    cancelAnimationFrame(frame);
    play.textContent = "Play";
    draw();
  }

  function tick() {
    k = Math.min(last(), k + Number(speed.input.value));
    draw();
    if (k >= last()) {
      pause();
      status.textContent = race.headline;
      return;
    }
    frame = requestAnimationFrame(tick);
  }

  async function fetchRace() {
    asked += 1;
    const mine = asked;
    pause();
    errors.report(null);
    for (const input of Object.values(rateInputs)) markInvalid(input, false);
    let answer;
    try {
      answer = await postJSON("/api/race/run", {
        surface: choice.input.value,
        start: map.start,
        steps: state.steps,
        learning_rates: custom,
      });
    } catch (error) {
      if (mine === asked) {
        errors.report(error);
        // a refused rate stays in its box, marked and tied to the sentence that says why
        // (the server names the refused rates: "momentum")
        for (const name of error.fields ?? []) if (rateInputs[name]) markInvalid(rateInputs[name], true, "race-error");
      }
      return;
    }
    if (mine !== asked) return; // the start or a setting changed again meanwhile
    race = answer;
    for (const r of race.runners) rateInputs[r.optimizer].value = String(r.learning_rate);
    k = 0;
    if (playing) {
      // Play was pressed while this race was on its way (leaving a rate box asks for a new
      // race): the new race plays from its start
      status.textContent = "Racing…";
    } else {
      status.textContent = `Ready: ${race.runners.length} optimisers from (${formatNumber(race.start[0], 2)}, ${formatNumber(race.start[1], 2)}). Press Play.`;
    }
    draw();
    save();
  }

  play.addEventListener("click", () => {
    if (playing) {
      pause();
      status.textContent = `Paused at step ${k}. Press Play to go on.`;
      return;
    }
    if (!race) return;
    if (k >= last()) k = 0;
    playing = true;
    play.textContent = "Pause";
    status.textContent = "Racing…";
    frame = requestAnimationFrame(tick);
  });
  step.addEventListener("click", () => {
    pause();
    if (race && k < last()) k += 1;
    draw();
    if (race && k >= last()) status.textContent = race.headline; // stepped to the end
  });
  reset.addEventListener("click", () => {
    pause();
    k = 0;
    status.textContent = "Back at the start.";
    draw();
  });
  speed.input.addEventListener("change", save);
  for (const [name, input] of Object.entries(rateInputs)) {
    input.addEventListener("change", () => {
      // what the box holds goes to the server, which says what is wrong with it (0 included);
      // an emptied box asks for the optimiser's default rate again
      if (input.value.trim() === "") delete custom[name];
      else custom[name] = Number(input.value);
      fetchRace();
    });
  }
  choice.input.addEventListener("change", async () => {
    custom = {};
    await map.setSurface(surfaces[choice.input.value]);
    await fetchRace();
  });

  const start = Number.isFinite(state.x) && Number.isFinite(state.y) ? [state.x, state.y] : null;
  await map.setSurface(surfaces[choice.input.value], start);
  await fetchRace();
}

function swatch(style) {
  const ns = "http://www.w3.org/2000/svg";
  const svg = document.createElementNS(ns, "svg");
  svg.setAttribute("width", "44");
  svg.setAttribute("height", "14");
  svg.setAttribute("aria-hidden", "true");
  svg.setAttribute("class", "w-swatch-line");
  const line = document.createElementNS(ns, "line");
  for (const [k, v] of Object.entries({ x1: 2, y1: 7, x2: 34, y2: 7, stroke: style.colour, "stroke-width": 3, "stroke-dasharray": style.svgDash })) {
    line.setAttribute(k, String(v));
  }
  const head = document.createElementNS(ns, style.shape === "circle" ? "circle" : "rect");
  if (style.shape === "circle") {
    head.setAttribute("cx", "37");
    head.setAttribute("cy", "7");
    head.setAttribute("r", "5");
  } else {
    head.setAttribute("x", "32");
    head.setAttribute("y", "2");
    head.setAttribute("width", "10");
    head.setAttribute("height", "10");
    if (style.shape === "diamond") head.setAttribute("transform", "rotate(45 37 7)");
    if (style.shape === "triangle") {
      head.remove?.();
    }
  }
  if (style.shape === "triangle") {
    const tri = document.createElementNS(ns, "polygon");
    tri.setAttribute("points", "37,1 43,13 31,13");
    tri.setAttribute("fill", style.colour);
    svg.append(line, tri);
    return svg;
  }
  head.setAttribute("fill", style.colour);
  svg.append(line, head);
  return svg;
}

function round(v) {
  return Math.round(v * 1000) / 1000;
}
