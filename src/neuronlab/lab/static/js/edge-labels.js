// Edge labels on the network diagrams (the forward pass, the backprop stepper).
//
//   import { placeEdgeLabels } from "../edge-labels.js";
//   placeEdgeLabels(svg, [{a: [x, y], b: [x, y], width, colour, text, attributes}], {circles, bounds});

import { svgElement } from "./draw.js";

// A weight's number sits on its own edge, in a small white box outlined in the edge's colour
// that hides the stroke beneath it. Edges that leave one node start close together, so each
// label looks along its edge for a spot where its box clears every node (circle and texts),
// every label placed before it and every other edge's stroke; among those spots it takes the
// one nearest `prefer` of the way along. The hardest edges (fewest free spots) choose first;
// where no spot is free, the label takes the one that misses its room by least.
// This is drawing only: where a number goes, never what it is.

const LABEL_PAD = [4, 2]; // the box's margin around the text, x and y
const LABEL_GAP = 3; // the least room between a box and anything else
const LABEL_STEPS = 64; // the spots tried along an edge, from 8 % to 92 % of the way
// a box may also move up or down by this share of its height: the edge still runs through it
const LABEL_SHIFTS = [0, -0.35, 0.35];

// The search below tries about 2,300 boxes against every other edge on each redraw, so these
// take scalars and allocate nothing. The sums keep the order and the arithmetic of the plain
// geometry (same numbers, same spots), only skipping the exact distance where a cheap bound
// already shows there is room.

function pointToSegment(px, py, ax, ay, bx, by) {
  const dx = bx - ax;
  const dy = by - ay;
  const t = Math.max(0, Math.min(1, ((px - ax) * dx + (py - ay) * dy) / (dx * dx + dy * dy || 1)));
  return Math.hypot(px - ax - t * dx, py - ay - t * dy);
}

function pointToBox(px, py, x, y, w, h) {
  return Math.hypot(Math.max(x - px, 0, px - (x + w)), Math.max(y - py, 0, py - (y + h)));
}

// one Liang-Barsky side: the new [t0, t1] packed in the two-slot `range`
function clipSide(p, q, range) {
  if (p === 0) {
    if (q < 0) range[1] = -1;
  } else if (p < 0) range[0] = Math.max(range[0], q / p);
  else range[1] = Math.min(range[1], q / p);
}

const CLIP = [0, 1];

// whether the segment enters the box: clipped against its four sides (Liang-Barsky)
function segmentEntersBox(ax, ay, bx, by, x, y, w, h) {
  const dx = bx - ax;
  const dy = by - ay;
  CLIP[0] = 0;
  CLIP[1] = 1;
  clipSide(-dx, ax - x, CLIP);
  clipSide(dx, x + w - ax, CLIP);
  clipSide(-dy, ay - y, CLIP);
  clipSide(dy, y + h - ay, CLIP);
  return CLIP[0] <= CLIP[1];
}

function segmentToBox(ax, ay, bx, by, x, y, w, h) {
  // 0 if the segment enters the box; else the
  // nearest of its ends to the box and of the box's corners to it
  if (segmentEntersBox(ax, ay, bx, by, x, y, w, h)) return 0;
  return Math.min(
    pointToBox(ax, ay, x, y, w, h),
    pointToBox(bx, by, x, y, w, h),
    pointToSegment(x, y, ax, ay, bx, by),
    pointToSegment(x + w, y, ax, ay, bx, by),
    pointToSegment(x, y + h, ax, ay, bx, by),
    pointToSegment(x + w, y + h, ax, ay, bx, by),
  );
}

// true when the segment is surely farther than `room` from the box: the same test as
// segmentToBox with squared distances (no square roots), so only near cases pay for the exact one
function segmentClearOf(ax, ay, bx, by, x, y, w, h, room) {
  if (segmentEntersBox(ax, ay, bx, by, x, y, w, h)) return false;
  const dx = bx - ax;
  const dy = by - ay;
  const r2 = room * room;
  return (
    pointToBoxSquared(ax, ay, x, y, w, h) > r2 &&
    pointToBoxSquared(bx, by, x, y, w, h) > r2 &&
    pointToSegmentSquared(x, y, ax, ay, dx, dy) > r2 &&
    pointToSegmentSquared(x + w, y, ax, ay, dx, dy) > r2 &&
    pointToSegmentSquared(x, y + h, ax, ay, dx, dy) > r2 &&
    pointToSegmentSquared(x + w, y + h, ax, ay, dx, dy) > r2
  );
}

function pointToBoxSquared(px, py, x, y, w, h) {
  const ex = Math.max(x - px, 0, px - (x + w));
  const ey = Math.max(y - py, 0, py - (y + h));
  return ex * ex + ey * ey;
}

function pointToSegmentSquared(px, py, ax, ay, dx, dy) {
  const t = Math.max(0, Math.min(1, ((px - ax) * dx + (py - ay) * dy) / (dx * dx + dy * dy || 1)));
  const ex = px - ax - t * dx;
  const ey = py - ay - t * dy;
  return ex * ex + ey * ey;
}

function boxMeets(p, x, y, w, h, gap) {
  return p[0] < x + w + gap && x < p[0] + p[2] + gap && p[1] < y + h + gap && y < p[1] + p[3] + gap;
}

function circleToBox(cx, cy, r, x, y, w, h) {
  const dx = Math.max(x - cx, 0, cx - (x + w));
  const dy = Math.max(y - cy, 0, cy - (y + h));
  return Math.hypot(dx, dy) - r;
}

// a bound's margin: an edge is skipped only when its bounding box is clear by more than this
const CLEAR_BY = 1e-6;

// the last few layouts and their boxes: a redraw with the same geometry reuses its spots
const LABEL_CACHE = new Map();
const LABEL_CACHE_SIZE = 16;

/**
 * Append one label per edge to `diagram` (an <svg> in the page), placed to be read.
 *
 * `edges`: [{a: [x, y], b: [x, y], width, colour, text, attributes}], `attributes` going on
 * the label's <g> (data-*, opacity); `circles`: [[cx, cy, r]] of the nodes; `bounds`: [width,
 * height] of the viewBox. Every text already in the diagram (node names, values, biases) is
 * kept clear too.
 */
export function placeEdgeLabels(diagram, edges, { circles = [], bounds, prefer = 0.3, className = "w-edge-label" }) {
  // the texts already there, then the labels appended, then everything measured in one pass
  // (one layout for the lot, not one per label)
  const texts = [...diagram.querySelectorAll("text")];
  const made = edges.map((edge) => {
    const text = svgElement("text", { class: edge.className || className, "text-anchor": "middle", "dominant-baseline": "central" }, edge.text);
    const rect = svgElement("rect", { class: "w-edge-box", rx: 3, stroke: edge.colour });
    const group = svgElement("g", { class: "w-edge-tag", ...edge.attributes }, undefined);
    group.append(rect, text);
    diagram.append(group);
    return { edge, text, rect };
  });
  const boxes = texts.map((t) => {
    const b = t.getBBox();
    return [b.x, b.y, b.width, b.height];
  });
  made.forEach((label) => {
    const { edge, text } = label;
    const measured = text.getBBox();
    // a diagram not on screen yet measures 0: 12 px monospace is about 7.3 units a character
    const w = (measured.width || 7.3 * [...edge.text].length) + 2 * LABEL_PAD[0];
    const h = (measured.height || 15) + 2 * LABEL_PAD[1];
    label.w = w;
    label.h = h;
  });
  // the same geometry (a redraw that moved nothing) gives the same boxes: look them up
  const key = [
    bounds ? `${bounds[0]},${bounds[1]}` : "-",
    prefer,
    circles.map((c) => `${c[0]},${c[1]},${c[2]}`).join(";"),
    boxes.map((b) => `${b[0]},${b[1]},${b[2]},${b[3]}`).join(";"),
    made.map(({ edge, w, h }) => `${edge.a[0]},${edge.a[1]},${edge.b[0]},${edge.b[1]},${edge.width},${w},${h}`).join(";"),
  ].join("|");
  let chosen = LABEL_CACHE.get(key);
  if (chosen) LABEL_CACHE.delete(key);
  else chosen = chooseLabelBoxes(made, circles, boxes, bounds, prefer);
  LABEL_CACHE.set(key, chosen);
  if (LABEL_CACHE.size > LABEL_CACHE_SIZE) LABEL_CACHE.delete(LABEL_CACHE.keys().next().value);
  made.forEach(({ text, rect, w, h }, k) => {
    const box = chosen[k];
    for (const [name, v] of [["x", box[0]], ["y", box[1]], ["width", w], ["height", h]]) rect.setAttribute(name, String(v));
    text.setAttribute("x", String(box[0] + w / 2));
    text.setAttribute("y", String(box[1] + h / 2));
  });
}

// The search itself: one box [x, y, w, h] per label, in the order of `made`.
function chooseLabelBoxes(made, circles, boxes, bounds, prefer) {
  // each edge once: its ends, its bounding box and the room its stroke wants
  const geometry = made.map(({ edge }) => {
    const [ax, ay] = edge.a;
    const [bx, by] = edge.b;
    return { ax, ay, bx, by, left: Math.min(ax, bx), right: Math.max(ax, bx), top: Math.min(ay, by), bottom: Math.max(ay, by), need: LABEL_GAP + edge.width / 2 };
  });
  // every spot's shortfall from the room it needs (0: free), against the fixed parts first
  const spots = made.map(({ edge, w, h }, k) => {
    const list = [];
    for (let s = 0; s < LABEL_STEPS; s += 1) {
      const t = 0.08 + (0.84 * s) / (LABEL_STEPS - 1);
      const cx = edge.a[0] + (edge.b[0] - edge.a[0]) * t;
      const cy = edge.a[1] + (edge.b[1] - edge.a[1]) * t;
      // centred on the edge, or shifted up or down while the edge still runs through the box
      for (const shift of LABEL_SHIFTS) {
        const x = cx - w / 2;
        const y = cy - h / 2 + shift * h;
        if (bounds && (x < 0 || y < 0 || x + w > bounds[0] || y + h > bounds[1])) continue;
        let bad = 0;
        for (const c of circles) {
          const gx = Math.max(x - c[0], 0, c[0] - (x + w));
          const gy = Math.max(y - c[1], 0, c[1] - (y + h));
          const room = c[2] + LABEL_GAP + CLEAR_BY;
          if (gx * gx + gy * gy > room * room) continue;
          bad += Math.max(0, LABEL_GAP - circleToBox(c[0], c[1], c[2], x, y, w, h));
        }
        for (const b of boxes) if (boxMeets(b, x, y, w, h, LABEL_GAP)) bad += 10;
        for (let m = 0; m < geometry.length; m += 1) {
          if (m === k) continue;
          const g = geometry[m];
          // the stroke's bounding box already clear of the box by its room: no shortfall
          const gx = Math.max(g.left - (x + w), 0, x - g.right);
          const gy = Math.max(g.top - (y + h), 0, y - g.bottom);
          const room = g.need + CLEAR_BY;
          if (gx > room || gy > room || gx * gx + gy * gy > room * room) continue;
          if (segmentClearOf(g.ax, g.ay, g.bx, g.by, x, y, w, h, room)) continue;
          bad += Math.max(0, g.need - segmentToBox(g.ax, g.ay, g.bx, g.by, x, y, w, h));
        }
        list.push({ t, x, y, bad, cost: Math.abs(t - prefer) + (shift ? 0.15 : 0) });
      }
    }
    return list;
  });
  const free = spots.map((list) => list.reduce((n, s) => n + (s.bad ? 0 : 1), 0));
  const order = made.map((_, k) => k).sort((p, q) => free[p] - free[q] || p - q);
  const placed = [];
  const chosen = [];
  for (const k of order) {
    const { edge, w, h } = made[k];
    let best = null;
    let bestBad = 0;
    for (const spot of spots[k]) {
      let bad = spot.bad;
      for (const p of placed) if (boxMeets(p, spot.x, spot.y, w, h, LABEL_GAP)) bad += 10;
      if (!best || bad < bestBad || (bad === bestBad && spot.cost < best.cost)) {
        best = spot;
        bestBad = bad;
      }
    }
    // no spot inside the diagram at all (never on these diagrams): the preferred one
    let box;
    if (best) box = [best.x, best.y, w, h];
    else {
      const cx = edge.a[0] + (edge.b[0] - edge.a[0]) * prefer;
      const cy = edge.a[1] + (edge.b[1] - edge.a[1]) * prefer;
      box = [cx - w / 2, cy - h / 2, w, h];
    }
    placed.push(box);
    chosen[k] = box;
  }
  return chosen;
}
