// A regression set in the trainer: the plane shaded by the predicted value, the points
// coloured by their targets, a colour bar with the value range, and readouts that say MSE
// and R² where a classifier says loss and accuracy.
//
// Drawing only: the server sends each cell's and each point's value as a byte index into
// the diverging table `value_colours` of the options document (neuronlab/palette.py via
// lab/render.py), with the range those bytes span; this looks the colours up.

import { formatNumber } from "../../format.js";
import { drawShape } from "../../draw.js";

/** RGBA bytes for `cells` value indices, each looked up in `table` ([[r, g, b], ...]). */
export function valuesToRGBA(bytes, cells, table) {
  const rgba = new Uint8ClampedArray(cells * 4);
  for (let i = 0, o = 0; i < cells; i += 1, o += 4) {
    const colour = table[bytes[i]];
    rgba[o] = colour[0];
    rgba[o + 1] = colour[1];
    rgba[o + 2] = colour[2];
    rgba[o + 3] = 255;
  }
  return rgba;
}

function css([r, g, b]) {
  return `rgb(${r} ${g} ${b})`;
}

/**
 * Draw points {x, y, index} in data coordinates as circles in their value's colour: training
 * points filled with a dark rim, validation points (`outlined`) as rings of that colour.
 */
export function drawValuePoints(ctx, view, points, table, { outlined = false, radius = 4.5 } = {}) {
  const n = points.x.length;
  for (let i = 0; i < n; i += 1) {
    const [px, py] = view.toPixel(points.x[i], points.y[i]);
    if (px < -radius || py < -radius || px > view.width + radius || py > view.height + radius) continue;
    const colour = css(table[points.index[i]]);
    if (outlined) {
      drawShape(ctx, "circle", px, py, radius + 0.5, { fill: "rgb(255 255 255 / 0.85)", stroke: "#1b1d21", lineWidth: 3.5 });
      drawShape(ctx, "circle", px, py, radius + 0.5, { fill: null, stroke: colour, lineWidth: 2 });
    } else {
      drawShape(ctx, "circle", px, py, radius, { fill: colour, stroke: "#1b1d21", lineWidth: 1 });
    }
  }
}

const TITLES = {
  classification: { loss: "Loss", accuracy: "Accuracy", valLoss: "Validation loss", valAccuracy: "Validation accuracy" },
  regression: { loss: "Loss (MSE)", accuracy: "R²", valLoss: "Validation loss (MSE)", valAccuracy: "Validation R²" },
};

/** Name the readouts for the task: loss and accuracy, or MSE and R². */
export function setReadoutTitles(readouts, task) {
  for (const [key, title] of Object.entries(TITLES[task] ?? TITLES.classification)) {
    const label = readouts[key]?.closest(".readout")?.querySelector("dt");
    if (label) label.textContent = title;
  }
}

/** R² as a readout: three decimals (it may be negative: worse than the targets' mean). */
export function formatR2(value) {
  return formatNumber(value, 3);
}

/**
 * The colour bar under a regression plane: the table from its low end to its high end, the
 * range's numbers at the ends and 0 in the middle, and the network's own lowest and highest
 * prediction. Hidden for a classification set, whose plane shows classes.
 */
export class ValueLegend {
  /** `table`: the options' value colours; `plane` the plane's box, `help` its help for a
   * classification set (clicks add points), which a regression set swaps for its own. */
  constructor(table, { plane, help }) {
    this.table = table;
    this.plane = plane;
    this.classHelp = help;
    this.classLabel = plane?.getAttribute("aria-label");
    this.element = document.createElement("div");
    this.element.className = "value-legend";
    this.element.id = "tr-value-legend";
    this.element.hidden = true;
    const title = document.createElement("p");
    title.className = "value-legend-title";
    title.id = "tr-value-legend-title";
    title.textContent = "Shade: the predicted value; points: their target value";
    this.bar = document.createElement("canvas");
    this.bar.className = "value-bar";
    this.bar.setAttribute("role", "img");
    this.bar.setAttribute("aria-label", "Colour scale of the values");
    this.bar.width = this.table.length - 1; // one pixel per shade (the last entry is grey)
    this.bar.height = 1;
    const ticks = document.createElement("div");
    ticks.className = "value-ticks";
    this.low = document.createElement("span");
    this.zero = document.createElement("span");
    this.zero.textContent = "0";
    this.high = document.createElement("span");
    ticks.append(this.low, this.zero, this.high);
    this.predicted = document.createElement("p");
    this.predicted.className = "hint value-predicted";
    this.predicted.id = "tr-value-predicted";
    const valueHelp = document.createElement("p");
    valueHelp.className = "hint";
    valueHelp.id = "tr-value-help";
    valueHelp.textContent =
      "A regression set: the network has one linear output, the value it predicts, trained on the mean squared error. Click the plane to add a point whose target is the Value of new points; from the keyboard, focus the plane, move the cursor with the arrow keys and press Enter.";
    this.element.append(title, this.bar, ticks, this.predicted, valueHelp);
    this.paintBar();
  }

  paintBar() {
    const ctx = this.bar.getContext("2d");
    const shades = this.table.length - 1;
    const image = ctx.createImageData(shades, 1);
    image.data.set(valuesToRGBA(Uint8Array.from({ length: shades }, (_, i) => i), shades, this.table));
    ctx.putImageData(image, 0, 0);
  }

  /** A "data" message: show the legend for a regression set's range, hide it otherwise. */
  setData({ task, values }) {
    const regression = task === "regression";
    this.element.hidden = !regression;
    if (this.classHelp) this.classHelp.hidden = regression;
    if (this.plane) {
      this.plane.setAttribute("aria-describedby", regression ? "tr-value-help" : this.classHelp?.id ?? "");
      this.plane.setAttribute("aria-label", regression ? "Input plane: the predicted value and the data" : this.classLabel);
    }
    if (!regression) return;
    this.low.textContent = formatNumber(values.low, 1);
    this.high.textContent = formatNumber(values.high, 1);
    this.bar.setAttribute("aria-label", `Colour scale from ${this.low.textContent} (orange) through 0 (white) to ${this.high.textContent} (blue)`);
    this.predicted.textContent = "";
  }

  /** A frame's `values`: the predictions' own extremes. */
  update(values) {
    if (!values || this.element.hidden) return;
    const { min, max } = values;
    this.predicted.textContent =
      min == null ? "The predictions are not numbers (the loss overflowed)." : `Predictions from ${formatNumber(min, 2)} to ${formatNumber(max, 2)}.`;
  }
}
