// The loss surface in 3-D (plotly): drag to rotate, scroll to zoom, the descent path drawn on
// it. Follows the gradient-descent widget: a walk made there appears here. Grid values from
// POST /api/descent/grid (surfaces.surface_grid), paths from POST /api/descent/path.

import { postJSON } from "../api.js";
import { whenPlotly } from "../load-plotly.js";
import { getOptions } from "../options.js";
import { readState, writeState } from "../state.js";
import { el, errorLine, statusLine, surfacePicker } from "./controls.js";
import { formatNumber } from "../format.js";
import { mountSourcePanel } from "../api.js";

const DEFAULTS = { surface: "bowl", ex: 1.3, ey: -1.3, ez: 1.9 };
// preset viewpoints: the buttons give keyboard users what a drag gives mouse users
const VIEWS = [
  ["View from the south-west", { x: -1.3, y: -1.3, z: 1.9 }],
  ["View from the south-east", { x: 1.3, y: -1.3, z: 1.9 }],
  ["View from the north", { x: 0, y: 2.2, z: 0.9 }],
  ["View from above", { x: 0.01, y: 0.01, z: 2.6 }],
];
const PATH_COLOUR = "#c2185b";
const DRAG_MODES = ["zoom3d", "pan3d", "orbitRotation", "tableRotation", "resetCameraLastSave3d", "hoverClosest3d"];

export async function mount(root) {
  const state = readState("surface3d", DEFAULTS);
  const options = await getOptions();
  let Plotly = null; // plotly.js, once the plot comes near the screen (../load-plotly.js)
  let following = false; // listening to the learner's drags (plotly's events, after a first draw)
  const { choice } = surfacePicker(options, state, DEFAULTS.surface);
  // a figure, not an img: an img's contents are hidden from screen readers, and this one
  // holds plotly's buttons
  const plot = el("div", { class: "w-plot3d", role: "figure", "aria-label": "3-D plot of the loss surface with the descent path" });
  const views = VIEWS.map(([label, eye]) =>
    el("button", { type: "button", "data-view": label, "aria-label": label, onclick: () => setCamera(eye) }, label.replace("View from ", "")),
  );
  const cameraText = el("p", { class: "w-small", "data-readout": "camera" });
  const status = statusLine();
  const errors = errorLine();
  root.replaceChildren(
    el(
      "div",
      { class: "w-layout" },
      plot,
      el(
        "div",
        { class: "w-side" },
        choice.element,
        el("p", { class: "w-small" }, "Drag the plot to turn it, scroll to zoom. Or pick a view:"),
        el("div", { class: "button-row w-views", role: "group", "aria-label": "Viewpoints" }, views),
        cameraText,
        status,
        errors.element,
      ),
    ),
  );

  let camera = { eye: { x: state.ex, y: state.ey, z: state.ez }, up: { x: 0, y: 0, z: 1 }, center: { x: 0, y: 0, z: 0 } };
  let grid = null;
  let run = null;
  let asked = 0; // the newest load: an older answer is dropped

  function showCamera() {
    const e = camera.eye;
    cameraText.textContent = `Viewpoint (eye): x ${formatNumber(e.x, 2)}, y ${formatNumber(e.y, 2)}, z ${formatNumber(e.z, 2)}`;
    writeState(
      "surface3d",
      { surface: choice.input.value, ex: round(e.x), ey: round(e.y), ez: round(e.z) },
      DEFAULTS,
    );
  }

  function setCamera(eye) {
    camera = { ...camera, eye: { ...eye } };
    if (Plotly) Plotly.relayout(plot, { "scene.camera": camera });
    showCamera();
  }

  function followDrags() {
    plot.on("plotly_relayout", (change) => {
      const next = change["scene.camera"];
      if (next?.eye) {
        camera = next;
        showCamera();
      }
    });
  }

  async function render() {
    if (!Plotly) return; // drawn when plotly.js arrives
    const traces = [
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
        z: grid.minima.map((m) => m[2]),
        marker: { size: 5, color: "#fff", symbol: "diamond", line: { color: "#111", width: 2 } },
        name: "minimum",
      },
    ];
    if (run) {
      traces.push({
        type: "scatter3d",
        mode: "lines+markers",
        x: run.points.map((p) => p[0]),
        y: run.points.map((p) => p[1]),
        z: run.losses,
        line: { color: PATH_COLOUR, width: 6 },
        marker: { size: 2.5, color: PATH_COLOUR },
        name: "descent path",
      });
    }
    const layout = {
      margin: { l: 0, r: 0, t: 0, b: 0 },
      height: 460,
      showlegend: true,
      legend: { x: 0, y: 1 },
      uirevision: grid.surface, // keep the learner's rotation across redraws of one surface
      scene: {
        camera,
        xaxis: { title: { text: "x" } },
        yaxis: { title: { text: "y" } },
        zaxis: { title: { text: "f(x, y)" }, nticks: 5 }, // a short axis: a few heights, not a crowd
        dragmode: "turntable",
        // a lower box and a higher eye look down into a bowl, where the path runs
        aspectmode: "manual",
        aspectratio: { x: 1, y: 1, z: 0.7 },
      },
    };
    // The mode bar keeps two buttons, saving a PNG and resetting the camera: the others only
    // switch what a mouse drag does, and made seven Tab stops for the keyboard, which has the
    // view buttons. No "Share chart" (showSendToCloud): it uploads the chart to Plotly's
    // cloud, and nothing on this page leaves the machine.
    const first = !following;
    following = true;
    await Plotly.react(plot, traces, layout, {
      displaylogo: false,
      responsive: true,
      showSendToCloud: false,
      modeBarButtonsToRemove: DRAG_MODES,
    });
    if (first) followDrags();
  }

  async function load(name, withRun) {
    asked += 1;
    const mine = asked;
    errors.report(null);
    let newGrid;
    let newRun;
    try {
      newGrid = await postJSON("/api/descent/grid", { surface: name, resolution: 60 });
      newRun = withRun || (await postJSON("/api/descent/path", { surface: name, steps: 300 }));
    } catch (error) {
      if (mine === asked) errors.report(error);
      return;
    }
    if (mine !== asked) return;
    grid = newGrid;
    run = newRun;
    status.textContent = withRun
      ? `The walk from the gradient-descent widget: ${run.steps} steps at rate ${run.learning_rate}.`
      : `Gradient descent from the surface's default start, rate ${run.learning_rate}: ${run.message}.`;
    await render();
    if (root.dataset.surface !== name) showSource(name);
    root.dataset.surface = name;
  }

  // the section's "Show the Python" panel follows the surface shown
  function showSource(name) {
    const panel = root.closest("section")?.querySelector("[data-source]");
    if (!panel) return;
    const title = choice.input.selectedOptions[0]?.textContent || name;
    mountSourcePanel(panel, ["surfaces.surface_grid", `surfaces.${name}`], `Show the Python: surface_grid and the ${title} function`);
  }

  choice.input.addEventListener("change", async () => {
    await load(choice.input.value);
    showCamera();
  });
  document.addEventListener("neuronlab:descent", async (event) => {
    choice.input.value = event.detail.surface;
    await load(event.detail.surface, event.detail.run);
    showCamera();
  });

  whenPlotly(plot).then(
    (loaded) => {
      Plotly = loaded;
      if (grid) render();
    },
    (error) => errors.report(error),
  );
  await load(choice.input.value);
  showCamera();
}

function round(v) {
  return Math.round(v * 100) / 100;
}
