// The loss chart: training and validation loss per epoch on the left axis, and on the right
// axis (0 to 1) their accuracy, or R² for a regression set, drawn by plotly.js.
// The server sends the curves (already thinned to a few hundred points) a few times a
// second; this only hands them to Plotly.react.

import { formatCount } from "../../format.js";
import { classColour, logAxisTicks } from "../../draw.js";
import { whenPlotly } from "../../load-plotly.js";
import { presenting } from "../../page.js";

const WARN = "#b3261e"; // lab.css --warn: the colour of the error messages
// the right axis's curves: a third class colour, so that they never read as a loss curve
const SCORE = 2;
// what the right axis shows: a classifier's accuracy, or a regression set's R², whose values
// below 0 (worse than predicting the targets' mean) are drawn at the axis's foot, "≤0"
const SCORES = {
  accuracy: { train: "accuracy", val: "val_accuracy", title: "accuracy", names: ["accuracy", "val. accuracy"], ticks: ["0%", "50%", "100%"], hover: ".1%" },
  r2: { train: "r2", val: "val_r2", title: "R²", names: ["R²", "val. R²"], ticks: ["≤0", "0.5", "1"], hover: ".3f" },
};

export class LossChart {
  constructor(element, { logScale = true } = {}) {
    this.element = element;
    this.logScale = logScale;
    this.data = { epoch: [], loss: [], val_loss: [] };
    this.score = null; // SCORES.accuracy or SCORES.r2, as the curves come
    this.divergedAt = null; // the epoch whose loss overflowed: the curves stop there
    this.ready = whenPlotly(element).then((Plotly) => {
      this.Plotly = Plotly;
      this.draw();
    });
    // the presentation layout (a resize event when it turns on or off) wants larger type
    window.addEventListener("resize", () => {
      if (this.Plotly && this.large !== presenting()) this.draw();
    });
  }

  layout() {
    this.large = presenting(); // a projector's type: readable from the back of the room
    const empty = this.data.epoch.length === 0;
    const epochs = this.data.epoch.length ? this.data.epoch[this.data.epoch.length - 1] : 0;
    // epoch 0 alone: the untrained network's loss, the point the curve will start from
    const untrained = !empty && epochs === 0;
    const diverged = empty ? null : this.divergedAt;
    // no loss to show (it overflowed at once): no loss axis either, rather than made-up ticks
    const measured = [...this.data.loss, ...this.data.val_loss].some((value) => value != null);
    const score = this.score;
    return {
      margin: this.large ? { l: 70, r: 16, t: 10, b: 56 } : { l: 52, r: 12, t: 8, b: 40 },
      xaxis: {
        title: { text: "epoch" },
        zeroline: false,
        rangemode: "tozero",
        visible: !empty,
        // whole epochs, never 0.5 or 1.5; every other one where eleven numbers would crowd
        dtick: epochs < 10 ? (this.element.clientWidth < 420 ? 2 : 1) : undefined,
        // the first epochs on a scale of ten, so the point at epoch 0 sits on the left edge
        ...(epochs < 10 ? { range: [-0.3, 10], autorange: false } : { autorange: true }),
      },
      yaxis: {
        title: { text: "loss" },
        type: this.logScale ? "log" : "linear",
        ...(this.logScale ? logAxisTicks(this.data.loss, this.data.val_loss ?? []) : {}),
        zeroline: false,
        visible: !empty && measured,
        automargin: true, // long tick labels such as 0.665 push the title out instead of under it
      },
      yaxis2: {
        title: { text: score?.title ?? "", font: { color: classColour(SCORE) } },
        overlaying: "y",
        side: "right",
        range: [-0.03, 1.03], // 0 and 1 inside the frame: a perfect score is not cut in half
        tickvals: [0, 0.5, 1],
        ticktext: score?.ticks ?? [],
        tickfont: { color: classColour(SCORE) },
        showgrid: false,
        zeroline: false,
        visible: !empty && score !== null,
        automargin: true,
      },
      annotations: empty
        ? [{ text: "Press Train or Step<br>to plot the loss", showarrow: false, xref: "paper", yref: "paper", x: 0.5, y: 0.5, font: { size: 14, color: "#4a4f57" } }]
        : untrained
          ? [this.untrainedNote()]
          : this.divergenceNote(),
      shapes: diverged
        ? [{ type: "line", xref: "x", yref: "paper", x0: diverged, x1: diverged, y0: 0, y1: 1, line: { color: WARN, width: 2, dash: "dot" } }]
        : [],
      legend: { orientation: "h", x: 0, y: 1.02, yanchor: "bottom" },
      font: { family: "system-ui, sans-serif", size: this.large ? 20 : 13 },
      paper_bgcolor: "#fff",
      plot_bgcolor: "#fff",
      uirevision: "keep",
    };
  }

  /** Epoch 0 alone: a note in the empty plot right of the first points (at x = 0), in short
   * lines, so that it stays inside the plot area and covers no tick label at any width (the
   * plot is some 140 px wide beside the plane at 1400 px). */
  untrainedNote() {
    return {
      text: "Epoch 0: the<br>untrained network.<br>Press Train to<br>watch it learn.",
      showarrow: false,
      xref: "x",
      x: 5.6, // the middle of the empty part of the axis (-0.3 to 10)
      xanchor: "center",
      yref: "paper",
      y: 0.5,
      align: "center",
      bgcolor: "rgb(255 255 255 / 0.85)",
      font: { size: 11, color: "#4a4f57" },
    };
  }

  /** Where the loss overflowed, a dotted line and a label: else the curves just stop (or,
   * at epoch 1, the axes are empty) with nothing to say why. Training stops there, so the
   * line is at the right-hand end and its label goes to its left (the x axis starts at 0). */
  divergenceNote() {
    if (this.divergedAt == null) return [];
    return [
      {
        text: `loss overflowed<br>at epoch ${formatCount(this.divergedAt)}`, // as the Epoch readout
        x: this.divergedAt,
        xref: "x",
        y: 0.5,
        yref: "paper",
        xanchor: "right",
        xshift: -6,
        align: "right",
        showarrow: false,
        font: { size: 13, color: WARN },
      },
    ];
  }

  traces() {
    const { epoch, loss, val_loss: validation } = this.data;
    const mode = epoch.length < 30 ? "lines+markers" : "lines"; // one epoch is a dot, not a line
    const traces = [
      { x: epoch, y: loss, name: "training", mode, line: { color: classColour(1), width: 2 } },
    ];
    if (validation.some((value) => value !== null)) {
      traces.push({
        x: epoch,
        y: validation,
        name: "validation",
        mode,
        line: { color: classColour(0), width: 2, dash: "dash" },
      });
    }
    return [...traces, ...this.scoreTraces(mode)];
  }

  /** Accuracy (or R²) per epoch on the right axis, training solid and validation dotted. A
   * value below the axis's foot is drawn there; its hover label gives the value itself. */
  scoreTraces(mode) {
    const score = this.score;
    if (!score) return [];
    const { epoch } = this.data;
    const traces = [];
    for (const [key, name, dash] of [
      [score.train, score.names[0], "solid"],
      [score.val, score.names[1], "dot"],
    ]) {
      const values = this.data[key] ?? [];
      if (!values.some((value) => value != null)) continue;
      traces.push({
        x: epoch,
        y: values.map((value) => (value == null ? null : Math.max(value, 0))),
        customdata: values,
        hovertemplate: `${name} %{customdata:${score.hover}}<extra></extra>`,
        name,
        mode,
        yaxis: "y2",
        line: { color: classColour(SCORE), width: 1.5, dash },
        marker: { size: 5 },
      });
    }
    return traces;
  }

  draw() {
    if (!this.Plotly) return;
    this.Plotly.react(this.element, this.traces(), this.layout(), {
      displayModeBar: false,
      responsive: true,
    });
  }

  /** New curves from a frame header: {epoch, loss, val_loss} and {accuracy, val_accuracy}
   * for a classifier or {r2, val_r2} for a regression set. */
  update(chart, divergedAt = null) {
    this.score = "r2" in chart ? SCORES.r2 : "accuracy" in chart ? SCORES.accuracy : null;
    this.data = { ...chart, epoch: chart.epoch || [], loss: chart.loss || [], val_loss: chart.val_loss || [] };
    this.divergedAt = divergedAt;
    this.draw();
  }

  setLogScale(on) {
    this.logScale = on;
    this.draw();
  }
}
