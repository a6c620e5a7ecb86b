// Drawing helpers shared by the widgets: canvases, the plane, points by shape, heatmaps.
//
// The server sends colours ready to paint (RGBA bytes, or byte indices into a colour
// table); these helpers copy them to canvases and place points. No model arithmetic here:
// the only numbers computed are pixel positions and a chart axis's ticks.
//
//   const ctx = setupCanvas(canvas, 480, 480);            // crisp on high-DPI screens
//   const view = makeView(options.plane, 480, 480);      // options: GET /api/options
//   paintRGBA(ctx, rgbaBytes, 100, 100, view);          // a 100 x 100 image over the plane
//   drawPoints(ctx, view, { x: [...], y: [...], label: [...] }, { outlined: false });

// The class colours (RGB) and shapes in class order, as the server's options document gives
// them (neuronlab/lab/render.py): options.js sets them before any widget draws a class.
const CLASSES = { colours: [], shapes: [] };

/** Take the class colours and shapes of the options document ({colours, shapes}). */
export function setClassStyles({ colours, shapes }) {
  CLASSES.colours = colours;
  CLASSES.shapes = shapes;
}

function classStyles() {
  if (!CLASSES.colours.length) throw new Error("the class colours are not loaded: await getOptions() first");
  return CLASSES;
}

/** The name of class k's shape: "square", "circle", ... */
export function classShape(k) {
  const { shapes } = classStyles();
  return shapes[k % shapes.length];
}

/** CSS colour of class k, optionally translucent. */
export function classColour(k, alpha = 1) {
  const { colours } = classStyles();
  const [r, g, b] = colours[k % colours.length];
  return alpha === 1 ? `rgb(${r} ${g} ${b})` : `rgb(${r} ${g} ${b} / ${alpha})`;
}

/**
 * Size a canvas to `width` x `height` CSS pixels with a backing store for the screen's
 * pixel ratio; returns its 2-D context, scaled so that drawing uses CSS pixels.
 */
export function setupCanvas(canvas, width, height) {
  const ratio = Math.max(1, Math.min(3, window.devicePixelRatio || 1));
  canvas.width = Math.round(width * ratio);
  canvas.height = Math.round(height * ratio);
  canvas.style.width = `${width}px`;
  canvas.style.height = `${height}px`;
  canvas.style.aspectRatio = `${width} / ${height}`;
  const ctx = canvas.getContext("2d");
  ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
  return ctx;
}

/**
 * The mapping between the plane [x1_min, x1_max] x [x2_min, x2_max] and a width x height
 * drawing (x2 grows upwards, pixels grow downwards).
 */
export function makeView(bounds, width, height) {
  const [xMin, xMax, yMin, yMax] = bounds;
  const sx = width / (xMax - xMin);
  const sy = height / (yMax - yMin);
  return {
    bounds,
    width,
    height,
    toPixel: (x, y) => [(x - xMin) * sx, (yMax - y) * sy],
    toData: (px, py) => [xMin + px / sx, yMax - py / sy],
  };
}

const scratch = new WeakMap();

function scratchCanvas(owner, width, height) {
  let canvas = scratch.get(owner);
  if (!canvas) {
    canvas = document.createElement("canvas");
    scratch.set(owner, canvas);
  }
  if (canvas.width !== width || canvas.height !== height) {
    canvas.width = width;
    canvas.height = height;
  }
  return canvas;
}

function asClamped(bytes) {
  if (bytes instanceof Uint8ClampedArray) return bytes;
  if (bytes instanceof ArrayBuffer) return new Uint8ClampedArray(bytes);
  return new Uint8ClampedArray(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/**
 * Paint a width x height RGBA image (bytes, top row first) over the whole view of `ctx`,
 * scaled with smoothing. One putImageData on a small canvas, one drawImage.
 */
export function paintRGBA(ctx, bytes, width, height, view, { smooth = true } = {}) {
  const small = scratchCanvas(ctx, width, height);
  small.getContext("2d").putImageData(new ImageData(asClamped(bytes), width, height), 0, 0);
  ctx.save();
  ctx.imageSmoothingEnabled = smooth; // bilinear: "high" quality costs more than it shows
  ctx.drawImage(small, 0, 0, view.width, view.height);
  ctx.restore();
}

/**
 * Paint a size x size map of byte indices through a colour table (`table[i]` = [r, g, b])
 * onto `canvas` itself at its native resolution (CSS scales it). Returns the ImageData.
 */
export function paintIndexed(canvas, indices, size, table, image) {
  if (canvas.width !== size || canvas.height !== size) {
    canvas.width = size;
    canvas.height = size;
  }
  const out = image && image.width === size ? image : new ImageData(size, size);
  const data = out.data;
  for (let i = 0, j = 0; i < size * size; i += 1, j += 4) {
    const colour = table[indices[i]];
    data[j] = colour[0];
    data[j + 1] = colour[1];
    data[j + 2] = colour[2];
    data[j + 3] = 255;
  }
  canvas.getContext("2d").putImageData(out, 0, 0);
  return out;
}

/** Draw one marker: shape name or class index, centred at (x, y), half-size r. */
export function drawShape(ctx, shape, x, y, r, { fill = null, stroke = "#222", lineWidth = 1 } = {}) {
  const name = typeof shape === "number" ? classShape(shape) : shape;
  ctx.beginPath();
  switch (name) {
    case "square":
      ctx.rect(x - r * 0.85, y - r * 0.85, r * 1.7, r * 1.7);
      break;
    case "circle":
      ctx.arc(x, y, r, 0, 2 * Math.PI);
      break;
    case "triangle":
      ctx.moveTo(x, y - r * 1.1);
      ctx.lineTo(x + r, y + r * 0.75);
      ctx.lineTo(x - r, y + r * 0.75);
      ctx.closePath();
      break;
    case "diamond":
      ctx.moveTo(x, y - r * 1.2);
      ctx.lineTo(x + r, y);
      ctx.lineTo(x, y + r * 1.2);
      ctx.lineTo(x - r, y);
      ctx.closePath();
      break;
    case "plus": {
      const t = r * 0.38;
      ctx.moveTo(x - t, y - r);
      ctx.lineTo(x + t, y - r);
      ctx.lineTo(x + t, y - t);
      ctx.lineTo(x + r, y - t);
      ctx.lineTo(x + r, y + t);
      ctx.lineTo(x + t, y + t);
      ctx.lineTo(x + t, y + r);
      ctx.lineTo(x - t, y + r);
      ctx.lineTo(x - t, y + t);
      ctx.lineTo(x - r, y + t);
      ctx.lineTo(x - r, y - t);
      ctx.lineTo(x - t, y - t);
      ctx.closePath();
      break;
    }
    default: {
      // cross: a plus turned by 45 degrees
      ctx.save();
      ctx.translate(x, y);
      ctx.rotate(Math.PI / 4);
      ctx.translate(-x, -y);
      drawShape(ctx, "plus", x, y, r * 1.1, { fill, stroke, lineWidth });
      ctx.restore();
      return;
    }
  }
  if (fill) {
    ctx.fillStyle = fill;
    ctx.fill();
  }
  if (stroke) {
    ctx.strokeStyle = stroke;
    ctx.lineWidth = lineWidth;
    ctx.stroke();
  }
}

/**
 * Draw points {x: [], y: [], label: []} in data coordinates: class k in colour k and
 * shape k. Training points are filled; `outlined: true` (validation) draws hollow ones.
 */
export function drawPoints(ctx, view, points, { outlined = false, radius = 4.5 } = {}) {
  const n = points.x.length;
  for (let i = 0; i < n; i += 1) {
    const [px, py] = view.toPixel(points.x[i], points.y[i]);
    if (px < -radius || py < -radius || px > view.width + radius || py > view.height + radius) continue;
    const k = points.label[i];
    if (outlined) {
      drawShape(ctx, k, px, py, radius, { fill: "rgb(255 255 255 / 0.85)", stroke: classColour(k), lineWidth: 2 });
    } else {
      drawShape(ctx, k, px, py, radius, { fill: classColour(k), stroke: "#1b1d21", lineWidth: 1 });
    }
  }
}

/**
 * Light axes through the origin and a frame, with x₁ and x₂ labels; `ticks` (values the
 * server chose, the same on both axes) are numbered along the frame. `textScale` enlarges
 * the text of a drawing the page shows smaller than it is drawn, so that it stays readable.
 */
export function drawAxes(ctx, view, { labels = true, ticks = [], textScale = 1 } = {}) {
  const [x0, y0] = view.toPixel(0, 0);
  ctx.save();
  ctx.strokeStyle = "rgb(0 0 0 / 0.25)";
  ctx.lineWidth = 1;
  ctx.setLineDash([4, 4]);
  ctx.beginPath();
  ctx.moveTo(0, y0);
  ctx.lineTo(view.width, y0);
  ctx.moveTo(x0, 0);
  ctx.lineTo(x0, view.height);
  ctx.stroke();
  ctx.setLineDash([]);
  ctx.strokeStyle = "rgb(0 0 0 / 0.35)";
  ctx.strokeRect(0.5, 0.5, view.width - 1, view.height - 1);
  if (labels) {
    ctx.fillStyle = "rgb(0 0 0 / 0.6)";
    ctx.font = `${13 * textScale}px system-ui, sans-serif`;
    ctx.fillText("x₁", view.width - 18 * textScale, y0 - 6);
    ctx.fillText("x₂", x0 + 6, 14 * textScale);
  }
  if (ticks.length) drawTicks(ctx, view, ticks, textScale);
  ctx.restore();
}

/** Numbered ticks on the frame, as on a chart: x₁'s along the bottom edge, x₂'s along the
 * left one, where points are few; each number sits on a pale halo to read over any shading. */
function drawTicks(ctx, view, ticks, textScale) {
  const { width, height } = view;
  ctx.font = `${12 * textScale}px system-ui, sans-serif`;
  ctx.lineJoin = "round";
  const label = (text, x, y) => {
    ctx.strokeStyle = "rgb(255 255 255 / 0.75)";
    ctx.lineWidth = 3;
    ctx.strokeText(text, x, y);
    ctx.fillStyle = "rgb(0 0 0 / 0.75)";
    ctx.fillText(text, x, y);
  };
  for (const tick of ticks) {
    const text = String(tick).replace("-", "−"); // a minus sign, not a hyphen
    const [px] = view.toPixel(tick, 0);
    const [, py] = view.toPixel(0, tick);
    ctx.strokeStyle = "rgb(0 0 0 / 0.5)";
    ctx.lineWidth = 1;
    ctx.beginPath();
    ctx.moveTo(px, height);
    ctx.lineTo(px, height - 7);
    ctx.moveTo(0, py);
    ctx.lineTo(7, py);
    ctx.stroke();
    ctx.textAlign = "center";
    ctx.textBaseline = "bottom";
    label(text, px, height - 9 * textScale);
    ctx.textAlign = "left";
    ctx.textBaseline = "middle";
    label(text, 10 * textScale, py);
  }
}

/** The lowest and highest positive, finite value over every series ([Infinity, 0] if none):
 * the range a log axis can show. */
function positiveRange(...series) {
  let low = Infinity;
  let high = 0;
  for (const values of series) {
    for (const v of values) {
      if (v > 0 && Number.isFinite(v)) {
        low = Math.min(low, v);
        high = Math.max(high, v);
      }
    }
  }
  return [low, high];
}

/**
 * Tick settings for a plotly log axis of losses: powers of ten written as 10⁻⁴ rather than
 * plotly's "100µ" or "10n"; when the values span two decades or more, one tick a decade,
 * since plotly's in-between labels ("2", "5") read as a muddle of 1, 5, 2, 0.1, 5, 2; and at
 * most six ticks, since a narrow range (the untrained network's one loss, 0.7225 to 0.729)
 * otherwise gets a dozen crowded ones.
 */
export function logAxisTicks(...series) {
  const [low, high] = positiveRange(...series);
  const decades = high > 0 ? Math.log10(high / low) : 0;
  return { exponentformat: "power", minexponent: 3, nticks: 6, ...(decades >= 2 ? { dtick: 1 } : {}) };
}

/** Tick values and labels for a log axis that read as numbers ("0.3", "0.05", "2"), never
 * plotly's bare mantissas ("3" for 0.3) or SI suffixes ("100µ"). */
export function logTicks(...series) {
  const [low, high] = positiveRange(...series);
  if (!(high > 0)) return {};
  const decades = Math.log10(high / low);
  // as many labels as fit without crowding the top of each decade
  const mantissas = decades < 0.5 ? [1, 2, 3, 4, 5, 6, 7, 8, 9] : decades < 1.2 ? [1, 2, 3, 5] : decades < 2.5 ? [1, 2, 5] : [1];
  const step = decades > 6 ? 2 : 1; // every other power of ten over a very wide range
  const tickvals = [];
  for (let power = Math.floor(Math.log10(low)); power <= Math.ceil(Math.log10(high)); power += 1) {
    if (mantissas.length === 1 && power % step !== 0) continue;
    for (const m of mantissas) {
      const v = m * 10 ** power;
      if (v >= low / 1.5 && v <= high * 1.5) tickvals.push(Number(v.toPrecision(1)));
    }
  }
  const label = (v) => (v >= 1e-4 ? String(v) : v.toExponential(0).replace("e-", "×10⁻").replace(/\d+$/, (d) => superscript(d)));
  return { tickmode: "array", tickvals, ticktext: tickvals.map(label) };
}

function superscript(digits) {
  return [...digits].map((d) => "⁰¹²³⁴⁵⁶⁷⁸⁹"[Number(d)]).join("");
}

/** Draw a polyline through data points [[x, y], ...] with a view's toPixel. */
export function polyline(ctx, view, points, { colour, width = 2, dash = [] } = {}) {
  if (!points.length) return;
  ctx.save();
  ctx.strokeStyle = colour;
  ctx.lineWidth = width;
  ctx.setLineDash(dash);
  ctx.lineJoin = "round";
  ctx.beginPath();
  points.forEach(([x, y], i) => {
    const [px, py] = view.toPixel(x, y);
    if (i === 0) ctx.moveTo(px, py);
    else ctx.lineTo(px, py);
  });
  ctx.stroke();
  ctx.restore();
}

/** A star marker for a known minimum. */
export function drawStar(ctx, x, y, r, colour = "#111") {
  ctx.save();
  ctx.beginPath();
  for (let i = 0; i < 10; i += 1) {
    const radius = i % 2 === 0 ? r : r * 0.45;
    const angle = -Math.PI / 2 + (i * Math.PI) / 5;
    const px = x + radius * Math.cos(angle);
    const py = y + radius * Math.sin(angle);
    if (i === 0) ctx.moveTo(px, py);
    else ctx.lineTo(px, py);
  }
  ctx.closePath();
  ctx.fillStyle = "#fff";
  ctx.fill();
  ctx.strokeStyle = colour;
  ctx.lineWidth = 1.5;
  ctx.stroke();
  ctx.restore();
}

/** A keyboard cursor: a cross of arms `arm` pixels long centred on (x, y). */
export function drawCrosshair(ctx, x, y, arm, colour = "#1b1d21") {
  ctx.save();
  ctx.strokeStyle = colour;
  ctx.lineWidth = 1.5;
  ctx.beginPath();
  ctx.moveTo(x - arm, y);
  ctx.lineTo(x + arm, y);
  ctx.moveTo(x, y - arm);
  ctx.lineTo(x, y + arm);
  ctx.stroke();
  ctx.restore();
}

/** A round tick spacing (1, 2 or 5 times a power of ten) giving about five ticks over `span`. */
export function niceStep(span) {
  const raw = span / 5;
  const power = 10 ** Math.floor(Math.log10(raw));
  for (const m of [1, 2, 5, 10]) if (m * power >= raw) return m * power;
  return 10 * power;
}

const SVG_NS = "http://www.w3.org/2000/svg";

// An SVG element with its attributes (and its text, if given): the network diagrams' parts.
export function svgElement(tag, attributes = {}, text) {
  const node = document.createElementNS(SVG_NS, tag);
  for (const [k, v] of Object.entries(attributes)) node.setAttribute(k, String(v));
  if (text !== undefined) node.textContent = text;
  return node;
}

// The y of the i-th of `count` units spaced evenly down a diagram `height` pixels tall.
export function unitY(height, count, i) {
  return (height / (count + 1)) * (i + 1);
}
