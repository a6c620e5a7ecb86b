// The loss chart: training and validation loss per epoch, drawn by plotly.js.
// The server sends the curves (already thinned to a few hundred points) a few times a
// second; this only hands them to Plotly.react.

import { formatCount } from "../../format.js";
import { classColour, logAxisTicks } from "../../draw.js";
import { whenPlotly } from "../../load-plotly.js";
import { presenting } from "../../page.js";

const WARN = "#b3261e"; // lab.css --warn: the colour of the error messages

export class LossChart {
  constructor(element, { logScale = true } = {}) {
    this.element = element;
    this.logScale = logScale;
    this.data = { epoch: [], loss: [], val_loss: [] };
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
    return {
      margin: this.large ? { l: 70, r: 16, t: 10, b: 56 } : { l: 52, r: 12, t: 8, b: 40 },
      xaxis: {
        title: { text: "epoch" },
        zeroline: false,
        rangemode: "tozero",
        visible: !empty,
        dtick: epochs < 10 ? 1 : undefined, // whole epochs, never 0.5 or 1.5
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
      annotations: empty
        ? [{ text: "Press Train or Step<br>to plot the loss", showarrow: false, xref: "paper", yref: "paper", x: 0.5, y: 0.5, font: { size: 14, color: "#4a4f57" } }]
        : untrained
          ? [{ text: "Epoch 0: the untrained network.<br>Press Train to watch its loss fall.", showarrow: false, xref: "paper", yref: "paper", x: 0.98, xanchor: "right", y: 0.25, align: "right", bgcolor: "rgb(255 255 255 / 0.85)", font: { size: 12, color: "#4a4f57" } }]
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
    return traces;
  }

  draw() {
    if (!this.Plotly) return;
    this.Plotly.react(this.element, this.traces(), this.layout(), {
      displayModeBar: false,
      responsive: true,
    });
  }

  /** New curves {epoch: [], loss: [], val_loss: [], ...} from a frame header. */
  update(chart, divergedAt = null) {
    this.data = { epoch: chart.epoch || [], loss: chart.loss || [], val_loss: chart.val_loss || [] };
    this.divergedAt = divergedAt;
    this.draw();
  }

  setLogScale(on) {
    this.logScale = on;
    this.draw();
  }
}
