// The loss surface in 3-D (plotly): pick an optimiser, a learning rate and a start, press
// Descend and watch the path slide down the surface; drag to rotate, scroll to zoom. A walk
// made in the gradient-descent widget above is replayed here too. Grid values come from
// POST /api/descent/grid (surfaces.surface_grid), walks from POST /api/descent/path
// (surfaces.descend): this file only draws them.

import { postJSON } from "../api.js";
import { whenPlotly } from "../load-plotly.js";
import { getOptions } from "../options.js";
import { readState, writeState } from "../state.js";
import { el, errorLine, numberInput, readouts, reducedMotion, select, slider, statusLine, surfacePicker } from "./controls.js";
import { formatNumber } from "../format.js";
import { mountSourcePanel } from "../api.js";
import { RATES } from "./descent.js";

const STEPS = [50, 100, 200, 300, 500, 1000, 2000, 5000];
const DEFAULTS = { surface: "bowl", optimizer: "sgd", rate: 0.1, steps: 300, x: NaN, y: NaN, ex: 1.3, ey: -1.3, ez: 1.9 };
// preset viewpoints: the buttons give keyboard users what a drag gives mouse users
const VIEWS = [
  ["View from the south-west", { x: -1.3, y: -1.3, z: 1.9 }],
  ["View from the south-east", { x: 1.3, y: -1.3, z: 1.9 }],
  ["View from the north", { x: 0, y: 2.2, z: 0.9 }],
  ["View from above", { x: 0.01, y: 0.01, z: 2.6 }],
];
const PATH_COLOUR = "#c2185b"; // the 2-D widget's path colour: the same walk looks the same
const START_COLOUR = "#1b7f3b";
const END_COLOUR = "#111111";
const DRAG_MODES = ["zoom3d", "pan3d", "orbitRotation", "tableRotation", "resetCameraLastSave3d", "hoverClosest3d"];
// the path floats this share of the surface's height range above it, so the surface never
// hides it (a drawing offset: the readouts give the true loss)
const LIFT = 0.02;
const REPLAY_MS = 2000; // a walk slides down in about two seconds
// trace order in the plot
const PATH = 2;
const START = 3;
const END = 4;

export async function mount(root) {
  const state = readState("surface3d", DEFAULTS);
  const options = await getOptions();
  let Plotly = null; // plotly.js, once the plot comes near the screen (../load-plotly.js)
  let following = false; // listening to the learner's drags and clicks (after a first draw)
  const { surfaces, choice } = surfacePicker(options, state, DEFAULTS.surface);
  const names = options.optimizers.map((o) => o.name);
  const optimizer = select({
    label: "optimiser",
    name: "optimizer",
    value: names.includes(state.optimizer) ? state.optimizer : DEFAULTS.optimizer,
    options: options.optimizers.map((o) => ({ value: o.name, label: o.label })),
  });
  const rate = slider({ label: "learning rate η", name: "rate", values: RATES, value: state.rate, format: (v) => String(v) });
  const steps = slider({ label: "most steps", name: "steps", values: STEPS, value: state.steps, format: (v) => String(v) });
  const startX = numberInput({ label: "start x", name: "start-x", step: 0.1 });
  const startY = numberInput({ label: "start y", name: "start-y", step: 0.1 });
  const descend = el("button", { type: "button", class: "primary", "data-action": "descend" }, "Descend");
  const clear = el("button", { type: "button", "data-action": "clear" }, "Clear path");
  // a figure, not an img: an img's contents are hidden from screen readers, and this one
  // holds plotly's buttons
  const plot = el("div", { class: "w-plot3d", role: "figure", "aria-label": "3-D plot of the loss surface with the descent path" });
  const views = VIEWS.map(([label, eye]) =>
    el("button", { type: "button", "data-view": label, "aria-label": label, onclick: () => setCamera(eye) }, label.replace("View from ", "")),
  );
  const numbers = readouts([
    ["step", "step"],
    ["loss", "loss f(x, y)"],
    ["at", "at (x, y)"],
  ]);
  const cameraText = el("p", { class: "w-small", "data-readout": "camera" });
  const status = statusLine();
  const errors = errorLine();
  root.replaceChildren(
    el(
      "div",
      { class: "w-layout" },
      el(
        "div",
        { class: "w-plot3d-box" },
        plot,
        el("p", { class: "w-legend" }, "◇ minimum   ○ start   ✕ where the walk is (its end, once it stops)"),
      ),
      el(
        "div",
        { class: "w-side" },
        choice.element,
        optimizer.element,
        rate.element,
        steps.element,
        el("div", { class: "w-start" }, startX.element, startY.element),
        el("p", { class: "w-small" }, "Type a start, or click the surface to start there."),
        el("div", { class: "button-row" }, descend, clear),
        numbers.element,
        status,
        errors.element,
        el("p", { class: "w-small" }, "Drag the plot to turn it, scroll to zoom. Or pick a view:"),
        el("div", { class: "button-row w-views", role: "group", "aria-label": "Viewpoints" }, views),
        cameraText,
      ),
    ),
  );

  let camera = { eye: { x: state.ex, y: state.ey, z: state.ez }, up: { x: 0, y: 0, z: 1 }, center: { x: 0, y: 0, z: 0 } };
  let grid = null;
  let shown = null; // the walk on show: {run, xs, ys, zs, left} (only the part on the map)
  let asked = 0; // the newest load or walk: an older answer or replay stops
  let animation = 0;

  function save() {
    const e = camera.eye;
    writeState(
      "surface3d",
      {
        surface: choice.input.value,
        optimizer: optimizer.input.value,
        rate: rate.value,
        steps: steps.value,
        x: round(Number(startX.input.value)),
        y: round(Number(startY.input.value)),
        ex: round(e.x),
        ey: round(e.y),
        ez: round(e.z),
      },
      DEFAULTS,
    );
  }

  function showCamera() {
    const e = camera.eye;
    cameraText.textContent = `Viewpoint (eye): x ${formatNumber(e.x, 2)}, y ${formatNumber(e.y, 2)}, z ${formatNumber(e.z, 2)}`;
    save();
  }

  function setCamera(eye) {
    camera = { ...camera, eye: { ...eye } };
    if (Plotly) Plotly.relayout(plot, { "scene.camera": camera });
    showCamera();
  }

  function follow() {
    plot.on("plotly_relayout", (change) => {
      const next = change["scene.camera"];
      if (next?.eye) {
        camera = next;
        showCamera();
      }
    });
    // a click on the surface puts the start there (the surface is trace 0)
    plot.on("plotly_click", (event) => {
      const point = event.points?.find((p) => p.curveNumber === 0);
      if (!point) return;
      setStart([point.x, point.y]);
      status.textContent = `Start placed at (${formatNumber(point.x, 2)}, ${formatNumber(point.y, 2)}). Press Descend.`;
    });
  }

  function start() {
    return [Number(startX.input.value), Number(startY.input.value)];
  }

  function setStart([x, y]) {
    stopWalk();
    shown = null;
    startX.input.value = String(round(x));
    startY.input.value = String(round(y));
    save();
    render();
  }

  function lift() {
    return LIFT * (grid.high - grid.low);
  }

  function height(x, y) {
    // the start marker before any walk: the grid's value at the nearest node
    const j = nearest(grid.xs, x);
    const i = nearest(grid.ys, y);
    return grid.z[i][j];
  }

  // The part of a walk that stays on the plotted map: a diverging walk is cut where it leaves,
  // so the view keeps the surface's own box instead of shrinking it to a dot.
  function onMap(run) {
    const [x0, x1, y0, y1] = surfaces[run.surface].bounds;
    const top = grid.high + (grid.high - grid.low); // well above the surface, still in view
    const xs = [];
    const ys = [];
    const zs = [];
    let left = null;
    for (let k = 0; k < run.points.length; k += 1) {
      const [x, y] = run.points[k];
      const f = run.losses[k];
      if (!(f !== null && Number.isFinite(f) && x >= x0 && x <= x1 && y >= y0 && y <= y1 && f <= top)) {
        left = k;
        break;
      }
      xs.push(x);
      ys.push(y);
      zs.push(f + lift());
    }
    return { run, xs, ys, zs, left };
  }

  function traces() {
    const [sx, sy] = start();
    const hasStart = Number.isFinite(sx) && Number.isFinite(sy);
    const walk = shown && shown.xs.length ? shown : null;
    const k = walk ? walk.upTo : 0;
    const marker = (name, colour, symbol, x, y, z) => ({
      type: "scatter3d",
      mode: "markers",
      x,
      y,
      z,
      marker: { size: 7, color: colour, symbol, line: { color: "#fff", width: 1 } },
      name,
      hovertemplate: `${name}<br>x %{x:.3f}<br>y %{y:.3f}<extra></extra>`,
    });
    return [
      {
        type: "surface",
        x: grid.xs,
        y: grid.ys,
        z: grid.z,
        colorscale: "Viridis",
        opacity: 0.75, // the descent path must show through the near side of a bowl
        showscale: false,
        contours: { z: { show: true, usecolormap: true, project: { z: true } } },
        hovertemplate: "x %{x:.2f}<br>y %{y:.2f}<br>f %{z:.4g}<extra></extra>",
        name: "f(x, y)",
      },
      {
        type: "scatter3d",
        mode: "markers",
        x: grid.minima.map((m) => m[0]),
        y: grid.minima.map((m) => m[1]),
        z: grid.minima.map((m) => m[2] + lift()),
        marker: { size: 5, color: "#fff", symbol: "diamond", line: { color: "#111", width: 2 } },
        name: "minimum",
      },
      {
        type: "scatter3d",
        mode: "lines",
        x: walk ? walk.xs.slice(0, k + 1) : [],
        y: walk ? walk.ys.slice(0, k + 1) : [],
        z: walk ? walk.zs.slice(0, k + 1) : [],
        line: { color: PATH_COLOUR, width: 7 },
        name: "descent path",
        hovertemplate: "x %{x:.3f}<br>y %{y:.3f}<extra></extra>",
      },
      walk
        ? marker("start", START_COLOUR, "circle", [walk.xs[0]], [walk.ys[0]], [walk.zs[0]])
        : marker("start", START_COLOUR, "circle", hasStart ? [sx] : [], hasStart ? [sy] : [], hasStart ? [height(sx, sy) + lift()] : []),
      marker(walk && walk.finished ? "end" : "now", END_COLOUR, "x", walk ? [walk.xs[k]] : [], walk ? [walk.ys[k]] : [], walk ? [walk.zs[k]] : []),
    ];
  }

  function layout() {
    const [x0, x1, y0, y1] = surfaces[grid.surface].bounds;
    const pad = 3 * lift();
    const narrow = plot.clientWidth < 500;
    // on a phone, a plot taller than wide draws the box so large that its sides cut the z
    // labels and the axis title: a lower plot and a smaller box, seen from the same eye,
    // keep them inside
    const scale = narrow ? 0.8 : 1;
    return {
      margin: { l: 0, r: 0, t: 0, b: 0 },
      height: narrow ? 300 : 460,
      autosize: true,
      showlegend: true,
      legend: { x: 0, y: 1, bgcolor: "rgba(255,255,255,0.7)" },
      uirevision: grid.surface, // keep the learner's rotation across redraws of one surface
      scene: {
        camera,
        // the surface's own box, fixed: a walk that flies off is cut, not allowed to squash it
        // The x and y ticks stop short of the box's corners: there the z axis's lowest tick
        // and the other floor axis's end tick meet them, and the numbers were drawn over each
        // other. A phone gets fewer of them, so that neighbours stay apart.
        xaxis: { title: { text: "x" }, range: [x0, x1], autorange: false, ...roundTicks(x0, x1, narrow ? 3 : 7, { inside: true }) },
        yaxis: { title: { text: "y" }, range: [y0, y1], autorange: false, ...roundTicks(y0, y1, narrow ? 3 : 7, { inside: true }) },
        zaxis: { title: { text: "f(x, y)" }, range: [grid.low - pad, grid.high + pad], autorange: false, ...roundTicks(grid.low - pad, grid.high + pad, narrow ? 3 : 5) },
        dragmode: "turntable",
        // a lower box and a higher eye look down into a bowl, where the path runs
        aspectmode: "manual",
        aspectratio: { x: scale, y: scale, z: 0.7 * scale },
      },
    };
  }

  async function render() {
    if (!Plotly || !grid) return; // drawn when plotly.js and the grid are both here
    // The mode bar keeps two buttons, saving a PNG and resetting the camera: the others only
    // switch what a mouse drag does, and made seven Tab stops for the keyboard, which has the
    // view buttons. No "Share chart" (showSendToCloud): it uploads the chart to Plotly's
    // cloud, and nothing on this page leaves the machine.
    const first = !following;
    following = true;
    await Plotly.react(plot, traces(), layout(), {
      displaylogo: false,
      responsive: true,
      showSendToCloud: false,
      modeBarButtonsToRemove: DRAG_MODES,
    });
    if (first) follow();
  }

  // move the path and its head to step k of the walk on show (a restyle, not a new plot)
  function showUpTo(k) {
    const walk = shown;
    walk.upTo = k;
    const run = walk.run;
    numbers.set("step", String(k));
    numbers.set("loss", formatNumber(run.losses[k], 4));
    numbers.set("at", `(${formatNumber(run.points[k][0], 3)}, ${formatNumber(run.points[k][1], 3)})`);
    root.dataset.shown = String(k + 1);
    if (!Plotly) return;
    Plotly.restyle(
      plot,
      {
        x: [walk.xs.slice(0, k + 1), [walk.xs[k]]],
        y: [walk.ys.slice(0, k + 1), [walk.ys[k]]],
        z: [walk.zs.slice(0, k + 1), [walk.zs[k]]],
        name: ["descent path", walk.finished ? "end" : "now"],
      },
      [PATH, END],
    );
  }

  // the readouts end where the walk really ended, even past the edge of the plot
  function showEnd(run) {
    const k = run.points.length - 1;
    const loss = run.losses[k];
    numbers.set("step", String(k));
    numbers.set("loss", loss === null || !Number.isFinite(loss) ? "overflowed" : formatNumber(loss, 4));
    numbers.set("at", `(${formatNumber(run.points[k][0], 3)}, ${formatNumber(run.points[k][1], 3)})`);
  }

  function stopWalk() {
    asked += 1;
    cancelAnimationFrame(animation);
    delete root.dataset.finished;
    delete root.dataset.shown;
  }

  function describe(walk) {
    const run = walk.run;
    const said = run.message; // the engine's verdict on where the walk ended (outcome.py)
    if (walk.left !== null) {
      return `${said}${said.endsWith(".") ? "" : "."} The walk left the plotted map at step ${walk.left}; the plot shows it up to step ${walk.left - 1}.`;
    }
    return said + (said.endsWith(".") ? "" : ".");
  }

  // replay a walk from its start over about two seconds (at once for a learner who asked
  // for less motion)
  async function replay(run, mine) {
    shown = onMap(run);
    shown.upTo = 0;
    shown.finished = false;
    const walk = shown;
    await render();
    if (mine !== asked) return;
    const last = walk.xs.length - 1;
    const began = performance.now();
    status.textContent = "Descending…";
    const frame = (now) => {
      if (mine !== asked) return;
      // (a frame's time stamp may be a little earlier than the replay's start)
      const k = reducedMotion() ? last : Math.min(last, Math.max(0, Math.floor(((now - began) / REPLAY_MS) * last)));
      if (k >= last) {
        walk.finished = true;
        showUpTo(last);
        showEnd(run);
        status.textContent = describe(walk);
        root.dataset.finished = run.outcome.kind.replaceAll(" ", "-"); // converged, saddle, local-minimum…
        return;
      }
      if (k !== walk.upTo) showUpTo(k);
      animation = requestAnimationFrame(frame);
    };
    showUpTo(0);
    animation = requestAnimationFrame(frame);
  }

  async function go() {
    stopWalk();
    const mine = asked;
    errors.report(null);
    let run;
    try {
      run = await postJSON("/api/descent/path", {
        surface: choice.input.value,
        start: start(),
        optimizer: optimizer.input.value,
        learning_rate: rate.value,
        steps: steps.value,
      });
    } catch (error) {
      if (mine === asked) errors.report(error);
      return;
    }
    if (mine !== asked) return; // a newer Descend, Clear or surface came first
    await replay(run, mine);
  }

  async function load(name, startAt) {
    stopWalk();
    const mine = asked;
    errors.report(null);
    let newGrid;
    try {
      newGrid = await postJSON("/api/descent/grid", { surface: name, resolution: 60 });
    } catch (error) {
      if (mine === asked) errors.report(error);
      return false;
    }
    if (mine !== asked) return false;
    const zs = newGrid.z.flat();
    grid = { ...newGrid, low: Math.min(...zs), high: Math.max(...zs) };
    shown = null;
    const [x0, x1, y0, y1] = surfaces[name].bounds;
    for (const [input, lo, hi] of [[startX.input, x0, x1], [startY.input, y0, y1]]) {
      input.min = String(lo);
      input.max = String(hi);
    }
    const at = startAt || surfaces[name].start;
    startX.input.value = String(round(at[0]));
    startY.input.value = String(round(at[1]));
    for (const key of ["step", "loss", "at"]) numbers.set(key, "–");
    status.textContent = "Press Descend to watch the walk slide down the surface.";
    await render();
    if (root.dataset.surface !== name) showSource(name);
    root.dataset.surface = name;
    return true;
  }

  // the section's "Show the Python" panel follows the surface shown
  function showSource(name) {
    const panel = root.closest("section")?.querySelector("[data-source]");
    if (!panel) return;
    const title = choice.input.selectedOptions[0]?.textContent || name;
    mountSourcePanel(panel, ["surfaces.surface_grid", `surfaces.${name}`], `Show the Python: surface_grid and the ${title} function`);
  }

  descend.addEventListener("click", go);
  clear.addEventListener("click", () => {
    stopWalk();
    shown = null;
    for (const key of ["step", "loss", "at"]) numbers.set(key, "–");
    status.textContent = "";
    render();
  });
  choice.input.addEventListener("change", async () => {
    rate.value = surfaces[choice.input.value].learning_rate;
    await load(choice.input.value);
    save();
  });
  for (const input of [startX.input, startY.input]) {
    input.addEventListener("change", () => {
      const [x, y] = start();
      if (Number.isFinite(x) && Number.isFinite(y)) setStart([x, y]);
    });
  }
  for (const control of [optimizer, rate, steps]) control.input.addEventListener("change", save);
  // a walk made in the 2-D widget slides down here too
  document.addEventListener("neuronlab:descent", async (event) => {
    const { surface, run } = event.detail;
    choice.input.value = surface;
    optimizer.input.value = run.optimizer;
    rate.value = run.learning_rate;
    if (!(await load(surface, run.points[0]))) return;
    save();
    await replay(run, asked);
  });

  whenPlotly(plot).then(
    (loaded) => {
      Plotly = loaded;
      render();
    },
    (error) => errors.report(error),
  );
  const startAt = Number.isFinite(state.x) && Number.isFinite(state.y) ? [state.x, state.y] : null;
  await load(choice.input.value, startAt);
  showCamera();
}

function nearest(values, v) {
  let best = 0;
  values.forEach((candidate, i) => {
    if (Math.abs(candidate - v) < Math.abs(values[best] - v)) best = i;
  });
  return best;
}

// Round ticks over [lo, hi], at most `count` of them: the smallest step of 1, 2 or 5 times a
// power of ten that fits with three ticks or more, else one of 2.5 or 4 times, else two
// ticks. `inside` keeps them off the two ends.
function roundTicks(lo, hi, count, { inside = false } = {}) {
  const span = hi - lo || 1;
  const power = 10 ** Math.floor(Math.log10(span / count));
  const ticks = (step) => {
    const margin = inside ? step / 4 : -1e-9 * span;
    const list = [];
    for (let k = Math.ceil((lo + margin) / step); k * step <= hi - margin; k += 1) list.push(Number((k * step).toPrecision(12)));
    return list;
  };
  for (const [steps, least] of [[[1, 2, 5, 10, 20, 50], 3], [[2.5, 4, 25, 40], 3], [[1, 2, 5, 10, 20, 50], 2]]) {
    for (const m of steps) {
      const list = ticks(m * power);
      if (list.length >= least && list.length <= count) return { tickmode: "array", tickvals: list };
    }
  }
  return { tickmode: "array", tickvals: [(lo + hi) / 2] };
}

function round(v) {
  return Math.round(v * 100) / 100;
}
