// A loss surface seen from above, shared by the gradient-descent and race widgets: the
// contour image the server shaded, the known minima, paths, the way down from a saddle a
// walk stopped on (as the server found it), and a start point the learner places by
// clicking, dragging or with the arrow keys.

import { postJSON } from "../api.js";
import { drawShape, drawStar, makeView, paintRGBA, polyline, setupCanvas } from "../draw.js";
import { arrowStep, clamp, decodeBase64, el, pointerPixel } from "./controls.js";
import { formatNumber } from "../format.js";

const WIDTH = 460;

export function surfaceMap({ label, onStart, onMove }) {
  const canvas = el("canvas", { class: "w-canvas", role: "img", "aria-label": label });
  const handle = el("button", { type: "button", class: "w-handle", "data-role": "start" });
  const element = el("div", { class: "w-plot plane" }, canvas, handle);
  let ctx = null;
  let view = null;
  let surface = null; // an entry of the options document's surfaces
  let image = null; // {bytes, size}
  let start = [0, 0];
  let paths = []; // [{points, colour, dash, width, head (radius), shape}], drawn in order
  let ways = []; // [{point, direction}]: a saddle's way down, a double arrow both ways
  let asked = 0; // the newest surface asked for

  async function setSurface(info, newStart) {
    asked += 1;
    const mine = asked;
    const map = await postJSON("/api/descent/map", { surface: info.name, size: 200 });
    if (mine !== asked) return; // another surface was picked meanwhile
    surface = info;
    const [x0, x1, y0, y1] = info.bounds;
    const height = Math.round((WIDTH * (y1 - y0)) / (x1 - x0));
    ctx = setupCanvas(canvas, WIDTH, height);
    view = makeView(info.bounds, WIDTH, height);
    image = { bytes: decodeBase64(map.image), size: map.size };
    start = newStart || info.start;
    paths = [];
    ways = [];
    draw();
  }

  function setPaths(list, wayDown = []) {
    paths = list;
    ways = wayDown;
    draw();
  }

  function draw() {
    if (!view) return;
    ctx.clearRect(0, 0, view.width, view.height);
    if (image) paintRGBA(ctx, image.bytes, image.size, image.size, view);
    ctx.save();
    ctx.strokeStyle = "rgb(0 0 0 / 0.35)";
    ctx.strokeRect(0.5, 0.5, view.width - 1, view.height - 1);
    ctx.restore();
    for (const [mx, my] of surface.minima) drawStar(ctx, ...view.toPixel(mx, my), 9);
    // halos first, then the lines, so that no path's halo hides another path
    // (a walk that flew off is clipped by the canvas; its visible part is still drawn)
    for (const path of paths) {
      polyline(ctx, view, path.points, { colour: "rgb(255 255 255 / 0.7)", width: (path.width || 2.5) + 3 });
    }
    for (const path of paths) {
      polyline(ctx, view, path.points, { colour: path.colour, width: path.width || 2.5, dash: path.dash || [] });
    }
    for (const path of paths) {
      if (path.points.length) {
        const [hx, hy] = view.toPixel(...path.points[path.points.length - 1]);
        drawShape(ctx, path.shape || "circle", hx, hy, path.head || 6, { fill: path.colour, stroke: "#fff", lineWidth: 2 });
      }
    }
    for (const way of ways) drawWayDown(way);
    const [sx, sy] = view.toPixel(...start);
    drawShape(ctx, "circle", sx, sy, 8, { fill: "#fff", stroke: "#1b1d21", lineWidth: 3 });
    drawShape(ctx, "circle", sx, sy, 2.5, { fill: "#1b1d21", stroke: null });
    handle.style.left = `${(sx / view.width) * 100}%`;
    handle.style.top = `${(sy / view.height) * 100}%`;
    handle.setAttribute(
      "aria-label",
      `Start point at x ${formatNumber(start[0], 2)}, y ${formatNumber(start[1], 2)}. Arrow keys move it; click the map to place it.`,
    );
  }

  // a double arrow through the point along the server's direction, 30 px each way
  function drawWayDown({ point, direction }) {
    const [px, py] = view.toPixel(...point);
    const [qx, qy] = view.toPixel(point[0] + direction[0], point[1] + direction[1]);
    const length = Math.hypot(qx - px, qy - py) || 1;
    const ux = (qx - px) / length;
    const uy = (qy - py) / length;
    ctx.save();
    for (const [colour, width] of [["rgb(255 255 255 / 0.85)", 6], ["#7b1fa2", 2.5]]) {
      ctx.strokeStyle = colour;
      ctx.lineWidth = width;
      ctx.lineCap = "round";
      for (const sign of [1, -1]) {
        const tx = px + sign * 30 * ux;
        const ty = py + sign * 30 * uy;
        ctx.beginPath();
        ctx.moveTo(px + sign * 9 * ux, py + sign * 9 * uy);
        ctx.lineTo(tx, ty);
        // the head: two strokes back from the tip, 30° either side of the shaft
        for (const turn of [Math.PI / 6, -Math.PI / 6]) {
          const c = Math.cos(turn);
          const s = Math.sin(turn);
          const bx = -sign * ux;
          const by = -sign * uy;
          ctx.moveTo(tx, ty);
          ctx.lineTo(tx + 9 * (bx * c - by * s), ty + 9 * (bx * s + by * c));
        }
        ctx.stroke();
      }
    }
    ctx.restore();
  }

  function place(x, y, final) {
    const [x0, x1, y0, y1] = surface.bounds;
    start = [clamp(x, x0, x1), clamp(y, y0, y1)];
    draw();
    onMove?.(start);
    if (final) onStart?.(start);
  }

  let dragging = false;
  element.addEventListener("pointerdown", (event) => {
    if (!view) return;
    dragging = true;
    element.setPointerCapture?.(event.pointerId);
    place(...view.toData(...pointerPixel(canvas, event, view)), false);
    handle.focus({ preventScroll: true });
    event.preventDefault();
  });
  element.addEventListener("pointermove", (event) => {
    if (dragging) place(...view.toData(...pointerPixel(canvas, event, view)), false);
  });
  const finish = () => {
    if (!dragging) return;
    dragging = false;
    onStart?.(start);
  };
  element.addEventListener("pointerup", finish);
  element.addEventListener("pointercancel", finish);
  handle.addEventListener("keydown", (event) => {
    if (!surface) return; // the first map is still on its way
    const [x0, x1] = surface.bounds;
    const delta = arrowStep(event, (x1 - x0) / 80, (x1 - x0) / 16);
    if (!delta) return;
    event.preventDefault();
    place(start[0] + delta[0], start[1] + delta[1], true);
  });

  return {
    element,
    setSurface,
    setPaths,
    draw,
    get start() {
      return start;
    },
    set start(value) {
      start = value;
      draw();
    },
    get surface() {
      return surface;
    },
  };
}
