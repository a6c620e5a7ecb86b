// The data plane: the decision boundary under the data points, a keyboard cursor, and the
// chooser for the class of new points (or, on a regression set, the box for their value).
//
// The server sends the points, the plane's bounds and the boundary as palette indices with
// their palette; this paints them and reports where the learner clicked (or pressed Enter),
// in data coordinates.

import { debounce } from "../../api.js";
import { classColour, classShape, drawAxes, drawCrosshair, drawPoints, drawShape, makeView, paintRGBA, setupCanvas } from "../../draw.js";
import { formatNumber } from "../../format.js";
import { say } from "../controls.js";
import { drawValuePoints, valuesToRGBA } from "./values.js";

const SIZE = 520; // drawing size of the plane, in CSS pixels (the page may show it smaller)

export class DataPlane {
  /**
   * elements: {plane, boundary, points, classOptions, newValue, valueHint, status}; the plane
   * is the focusable box holding the two canvases, status a live region that tells a screen
   * reader where the keyboard cursor is and which points were added, newValue the number box
   * for a regression set's new points. onAddPoint(x, y, target) gets a new point inside the
   * bounds, target {label} on a classification set, {value} on a regression set (no value
   * when the box holds no number: the server's refusal then says what to type). `bounds` is the plane until the first data set gives its own;
   * `valueColours` the options document's table for a regression set's values, and
   * `valueColoursHard` its discretised twin.
   */
  constructor({ plane, boundary, points, classOptions, newValue, valueHint, status }, { onAddPoint, bounds, valueColours = [], valueColoursHard = [] }) {
    this.valueColours = valueColours;
    this.valueColoursHard = valueColoursHard; // a discretised regression plane: the sign alone
    this.classOptions = classOptions;
    this.newValue = newValue;
    this.valueHint = valueHint;
    this.valueTyped = false; // the learner's own value stays; else each regression set's middle
    newValue?.addEventListener("input", () => {
      this.valueTyped = true;
    });
    this.status = status;
    // said once the arrow keys rest, not at every press (a held key repeats 30 times a second)
    this.sayCursor = debounce(() => {
      const [x, y] = this.cursor;
      say(this.status, `Cursor at (${x.toFixed(2)}, ${y.toFixed(2)}); new points: ${this.newPointsText()}.`);
    }, 400);
    this.onAddPoint = onAddPoint;
    this.data = null; // {classes, task, train, validation} as the server sent them
    this.view = makeView(bounds, SIZE, SIZE);
    this.ticks = []; // numbered on the axes, from the "data" message
    this.cursor = [0, 0];
    this.showCursor = false;
    this.chosenClass = 1;
    this.showValidation = true; // the held-out points, drawn hollow
    this.discretise = false; // hard class colours instead of the shades of confidence
    this.hardPalette = null; // from the "data" message: the same indices in hard colours
    this.lastBoundary = null; // [bytes, header]: repainted when the drawing changes

    // drawn on 520 units, shown smaller in a narrow column: the axes' numbers are drawn larger
    // to keep about 12 px on screen. Measured when the size changes, not at every frame.
    this.textScale = 1;
    new ResizeObserver(([entry]) => {
      const shown = entry.contentRect.width;
      this.textScale = shown > 0 ? Math.min(Math.max(SIZE / shown, 1), 1.8) : 1;
    }).observe(boundary);
    this.boundaryCtx = setupCanvas(boundary, SIZE, SIZE);
    this.pointsCtx = setupCanvas(points, SIZE, SIZE);
    this.boundaryCtx.fillStyle = "#fff";
    this.boundaryCtx.fillRect(0, 0, SIZE, SIZE);
    drawAxes(this.boundaryCtx, this.view);

    plane.addEventListener("click", (event) => {
      const rect = plane.getBoundingClientRect();
      const px = ((event.clientX - rect.left) / rect.width) * SIZE;
      const py = ((event.clientY - rect.top) / rect.height) * SIZE;
      const [x, y] = this.view.toData(px, py);
      this.addPoint(x, y, event.shiftKey ? 0 : this.chosenClass);
    });
    plane.addEventListener("focus", () => {
      this.showCursor = true;
      this.drawPointsLayer();
    });
    plane.addEventListener("blur", () => {
      this.showCursor = false;
      this.drawPointsLayer();
    });
    plane.addEventListener("keydown", (event) => this.onKey(event));
  }

  classes() {
    return this.data?.classes ?? 2;
  }

  regression() {
    return this.data?.task === "regression";
  }

  /** The value box's number, or null when it holds none (empty, or not a finite number). */
  typedValue() {
    const text = this.newValue?.value.trim() ?? "";
    const value = Number(text);
    return text !== "" && Number.isFinite(value) ? value : null;
  }

  /** What a new point will be, in words: "class 1", or "value 0.5". */
  newPointsText() {
    if (!this.regression()) return `class ${this.chosenClass}`;
    const value = this.typedValue();
    return value === null ? "no value typed" : `value ${formatNumber(value, 2)}`;
  }

  /** A new data set: a "data" message {classes, task, train, validation, bounds, ticks,
   * hard_palette, values}. */
  setData({ classes, task = "classification", train, validation, bounds, ticks = [], hard_palette: hardPalette = null, values = null }) {
    this.data = { classes, task, train, validation };
    this.hardPalette = hardPalette ? Uint8Array.from(hardPalette) : null;
    // a regression set's new points take a value, not a class: the value box in its place
    const regression = task === "regression";
    const chooser = this.classOptions.closest("fieldset");
    if (chooser) chooser.hidden = regression;
    const valueField = this.newValue?.parentElement;
    if (valueField) valueField.hidden = !regression;
    if (regression && this.newValue && values) {
      if (!this.valueTyped || this.typedValue() === null) {
        this.newValue.value = String(values.middle ?? 0);
        this.valueTyped = false;
      }
      const limit = Number(this.newValue.max);
      this.valueHint.textContent = `The colour bar spans ${formatNumber(values.low, 1)} to ${formatNumber(values.high, 1)}; any number from ${formatNumber(-limit, 0)} to ${formatNumber(limit, 0)} is taken.`;
    }
    this.view = makeView(bounds, SIZE, SIZE);
    this.ticks = ticks;
    this.buildClassChooser(classes);
    this.drawPointsLayer();
  }

  /** Points the server accepted, [[x, y, label], ...], join the training set; on a
   * regression set [[x, y, value], ...] with `index`, each value's colour in the value table. */
  addPoints(added, index = []) {
    if (!this.data) return;
    const regression = this.regression();
    const { train } = this.data;
    added.forEach(([x, y, target], i) => {
      train.x.push(x);
      train.y.push(y);
      train.label.push(regression ? 0 : target);
      if (regression) {
        train.value.push(target);
        train.index.push(index[i] ?? 255); // no index: the grey of "not a number"
      }
    });
    const [x, y, target] = added[added.length - 1] ?? [];
    if (target !== undefined) {
      this.sayCursor.cancel(); // the point is the news, not where the cursor rests
      const what = regression ? `a point of value ${formatNumber(target, 2)}` : `a class ${target} point`;
      say(this.status, `Added ${what} at (${x.toFixed(2)}, ${y.toFixed(2)}).`, { again: true });
    }
    this.drawPointsLayer();
  }

  /**
   * The boundary, {width, height, format, palette} from the frame header. Format "palette8":
   * `palette` bytes of RGB colours, then one byte per cell indexing them; the colours are the
   * server's, the page only looks them up. Format "value8" (a regression set): one byte per
   * cell indexing the options' value colours. Format "rgba8": RGBA bytes as they are.
   */
  paintBoundary(bytes, header) {
    const { width, height, format = "rgba8", palette = 0 } = header;
    this.lastBoundary = [bytes, header];
    // discretised: the server's hard palette for the same indices (no thresholds here)
    const colours = this.discretise && this.hardPalette?.length === palette ? this.hardPalette : bytes;
    let rgba = bytes;
    if (format === "palette8") rgba = paletteToRGBA(bytes, palette, width * height, colours);
    if (format === "value8") rgba = valuesToRGBA(bytes, width * height, this.valueTable());
    paintRGBA(this.boundaryCtx, rgba, width, height, this.view);
    drawAxes(this.boundaryCtx, this.view, { ticks: this.ticks, textScale: this.textScale });
  }

  /** A regression plane's colour table: the shades, or the sign alone when discretised. */
  valueTable() {
    return this.discretise && this.valueColoursHard.length ? this.valueColoursHard : this.valueColours;
  }

  /** Draw the validation points or not. */
  setShowValidation(on) {
    this.showValidation = on;
    this.drawPointsLayer();
  }

  /** Hard class colours (on) or shades of confidence (off), repainted at once. */
  setDiscretise(on) {
    this.discretise = on;
    if (this.lastBoundary) this.paintBoundary(...this.lastBoundary);
  }

  /** The boundary and the points on one canvas, without the keyboard cursor. */
  figure() {
    const boundary = this.boundaryCtx.canvas;
    const figure = document.createElement("canvas");
    figure.width = boundary.width;
    figure.height = boundary.height;
    const ctx = figure.getContext("2d");
    ctx.drawImage(boundary, 0, 0);
    const cursor = this.showCursor;
    this.showCursor = false;
    this.drawPointsLayer();
    ctx.drawImage(this.pointsCtx.canvas, 0, 0);
    this.showCursor = cursor;
    this.drawPointsLayer();
    return figure;
  }

  onKey(event) {
    const [xMin, xMax] = this.view.bounds;
    const step = ((xMax - xMin) / 50) * (event.shiftKey ? 5 : 1);
    const moves = { ArrowLeft: [-step, 0], ArrowRight: [step, 0], ArrowUp: [0, step], ArrowDown: [0, -step] };
    if (event.key in moves) {
      const [dx, dy] = moves[event.key];
      const [x0, x1, y0, y1] = this.view.bounds;
      this.cursor = [Math.min(x1, Math.max(x0, this.cursor[0] + dx)), Math.min(y1, Math.max(y0, this.cursor[1] + dy))];
      this.drawPointsLayer();
      this.sayCursor();
    } else if (event.key === "Enter" || event.key === " ") {
      this.addPoint(this.cursor[0], this.cursor[1], event.shiftKey ? 0 : this.chosenClass);
    } else if (/^[0-5]$/.test(event.key) && !this.regression() && Number(event.key) < this.classes()) {
      this.chooseClass(Number(event.key));
    } else {
      return;
    }
    event.preventDefault();
  }

  /** A point at (x, y) of class `label`, or on a regression set of the typed value (Shift
   * makes no difference there: a value has no class 0). */
  addPoint(x, y, label) {
    const [x0, x1, y0, y1] = this.view.bounds;
    if (x < x0 || x > x1 || y < y0 || y > y1) return;
    let target = { label };
    if (this.regression()) {
      const value = this.typedValue();
      target = value === null ? {} : { value };
    }
    this.onAddPoint(Number(x.toFixed(4)), Number(y.toFixed(4)), target);
  }

  buildClassChooser(classes) {
    if (this.chosenClass >= classes) this.chosenClass = 1;
    const items = [];
    for (let k = 0; k < classes; k += 1) {
      const wrapper = document.createElement("label");
      const input = document.createElement("input");
      input.type = "radio";
      input.name = "tr-new-class";
      input.value = String(k);
      input.checked = k === this.chosenClass;
      input.addEventListener("change", () => this.chooseClass(k));
      const swatch = document.createElement("canvas");
      const ctx = setupCanvas(swatch, 16, 16);
      drawShape(ctx, k, 8, 8, 5.5, { fill: classColour(k), stroke: "#1b1d21" });
      swatch.setAttribute("aria-hidden", "true");
      wrapper.append(input, swatch, `Class ${k} (${classShape(k)})`);
      items.push(wrapper);
    }
    this.classOptions.replaceChildren(...items);
  }

  chooseClass(k) {
    this.chosenClass = k;
    const input = this.classOptions.querySelector(`input[value="${k}"]`);
    if (input) input.checked = true;
    this.sayCursor();
  }

  drawPointsLayer() {
    const ctx = this.pointsCtx;
    ctx.clearRect(0, 0, SIZE, SIZE);
    if (this.data?.task === "regression") {
      if (this.showValidation) drawValuePoints(ctx, this.view, this.data.validation, this.valueColours, { outlined: true });
      drawValuePoints(ctx, this.view, this.data.train, this.valueColours, { outlined: false });
    } else if (this.data) {
      if (this.showValidation) drawPoints(ctx, this.view, this.data.validation, { outlined: true });
      drawPoints(ctx, this.view, this.data.train, { outlined: false });
    }
    if (this.showCursor) {
      const [px, py] = this.view.toPixel(...this.cursor);
      drawCrosshair(ctx, px, py, 12);
      if (this.data?.task === "regression") {
        drawShape(ctx, "circle", px, py, 6, { fill: null, stroke: "#1b1d21", lineWidth: 2 });
      } else {
        drawShape(ctx, this.chosenClass, px, py, 6, { fill: null, stroke: classColour(this.chosenClass), lineWidth: 2 });
      }
    }
  }
}

/** RGBA bytes for `cells` palette indices that follow `paletteBytes` bytes of RGB colours;
 * `colours` (the frame's own palette unless given) holds the RGB entries the indices name. */
function paletteToRGBA(bytes, paletteBytes, cells, colours = bytes) {
  const rgba = new Uint8ClampedArray(cells * 4);
  for (let i = 0, o = 0; i < cells; i += 1, o += 4) {
    const c = bytes[paletteBytes + i] * 3;
    rgba[o] = colours[c];
    rgba[o + 1] = colours[c + 1];
    rgba[o + 2] = colours[c + 2];
    rgba[o + 3] = 255;
  }
  return rgba;
}
