// The network diagram: inputs, hidden neurons (each a small map of what it computes over
// the plane), outputs; edges drawn with width = |weight| and colour = sign.
//
// The server sends the maps as byte indices into a colour table and the weights as signed
// bytes (127 = the largest |w| of that layer). Here we only lay out boxes and draw lines.

import { classColour, classShape, paintIndexed, setupCanvas } from "../../draw.js";

// positive weights in class 1's colour (blue), negative ones in class 0's (orange), like the
// neuron maps' colour table
const POSITIVE = 1;
const NEGATIVE = 0;
const BUCKETS = 8; // edge widths are drawn in this many steps (one path per step and sign)
// Negative weights are dashed up to this many edges. Dashes cost about 2.5 times a plain
// stroke (a 6 x 64 net, 20,000 edges: 45 ms a frame instead of 18); past this the
// diagram is a dense mesh whose single lines nobody can follow anyway.
const MOST_DASHED = 2500;

function nodeSize(units) {
  if (units <= 6) return 48;
  if (units <= 10) return 40;
  if (units <= 16) return 32;
  if (units <= 32) return 22;
  return 15;
}

/** An input of the network: a labelled pill, as wide as its label ("sin x₁" is wider than "x₁"). */
function inputNode(label) {
  const element = document.createElement("div");
  element.className = "io-node input-node";
  element.textContent = label;
  element.dataset.input = label;
  element.style.width = `${Math.max(30, 8 * [...label].length + 14)}px`;
  element.setAttribute("aria-hidden", "true");
  return element;
}

export class NetworkDiagram {
  constructor(container, { mapColours, onPickEdge = () => {} }) {
    this.container = container;
    this.onPickEdge = onPickEdge; // (layer, source, target): a line the learner clicked
    this.scales = null; // per layer, the weight a byte of 127 stands for
    this.picked = null; // {layer, source, target}: the edge drawn highlighted
    this.table = mapColours;
    this.layerSizes = [];
    this.inputLabels = ["x₁", "x₂"]; // one per input: the coordinates and the chosen features
    this.nodes = []; // nodes[l][j]: {x, y, size, canvas, button} for every column l
    this.zoom = null;
    this.zoomed = null; // {layer, unit} shown large
    this.maps = null;
    this.edges = null;
    this.images = new Map();
    this.resizeObserver = new ResizeObserver(() => {
      if (this.layerSizes.length && Math.abs(this.container.clientWidth - this.width) > 8) {
        this.build(this.layerSizes);
        this.redraw();
      }
    });
    this.resizeObserver.observe(container);
    container.addEventListener("keydown", (event) => this.onKey(event));
    container.addEventListener("click", (event) => this.onClick(event));
  }

  /** Lay the diagram out for layer sizes [inputs, h1, ..., k], the inputs named by
   * `inputLabels` (x₁, x₂, then each chosen feature); no-op when unchanged. */
  setArchitecture(layerSizes, inputLabels = this.inputLabels) {
    const same = layerSizes.join() === this.layerSizes.join() && inputLabels.join() === this.inputLabels.join();
    this.inputLabels = inputLabels.slice();
    if (same) return;
    // the last frame's weights belong to the old network (a regression set's one output
    // against two classes, say): they wait for the new network's first frame
    if (this.layerSizes.length && layerSizes.join() !== this.layerSizes.join()) this.edges = null;
    this.build(layerSizes);
  }

  build(layerSizes) {
    if (layerSizes.join() !== this.layerSizes.join()) this.picked = null; // another network
    this.layerSizes = layerSizes.slice();
    const hidden = layerSizes.slice(1, -1);
    const biggest = Math.max(...hidden, layerSizes[0], layerSizes.at(-1));
    const size = nodeSize(Math.max(...hidden));
    const gap = Math.max(5, Math.round(size * 0.28));
    const ioSize = 30;
    const width = Math.max(420, this.container.clientWidth - 2);
    const height = Math.max(220, biggest * (size + gap) + 70);
    const columns = layerSizes.length;
    const left = 50;
    const right = width - 62; // room for the centred "softmax outputs" label
    this.width = this.container.clientWidth;

    const canvas = document.createElement("canvas");
    canvas.className = "edges";
    this.edgeCtx = setupCanvas(canvas, width, height);
    this.edgeSize = [width, height];
    const elements = [canvas];
    this.nodes = [];

    let tabStop = true;
    layerSizes.forEach((count, l) => {
      const x = left + ((right - left) * l) / (columns - 1);
      const isHidden = l > 0 && l < columns - 1;
      const box = isHidden ? size : ioSize;
      const step = isHidden ? size + gap : Math.max(ioSize + 14, size + gap);
      const top = (height - 30 - count * step) / 2 + 10;
      const column = [];
      for (let j = 0; j < count; j += 1) {
        const y = top + j * step + step / 2;
        let element;
        const node = { x, y, size: box };
        if (isHidden) {
          element = document.createElement("button");
          element.type = "button";
          element.className = "node";
          element.setAttribute("aria-label", `Hidden layer ${l}, neuron ${j + 1}: what it computes over the plane`);
          element.tabIndex = tabStop ? 0 : -1;
          tabStop = false;
          element.dataset.layer = l;
          element.dataset.unit = j;
          const map = document.createElement("canvas");
          map.width = map.height = 1;
          element.append(map);
          node.canvas = map;
          const show = () => this.showZoom(l, j);
          element.addEventListener("pointerenter", show);
          element.addEventListener("focus", show);
          element.addEventListener("pointerleave", () => this.hideZoom());
          element.addEventListener("blur", () => this.hideZoom());
        } else if (l === 0) {
          element = inputNode(this.inputLabels[j] ?? `input ${j + 1}`);
          node.size = parseFloat(element.style.width); // the edges leave from its right side
        } else if (layerSizes.at(-1) === 1) {
          element = outputValueNode(); // a regression set: one linear output
        } else {
          element = document.createElement("div");
          element.className = "io-node";
          element.style.borderColor = classColour(j);
          element.style.background = classColour(j, 0.18);
          element.title = `output ${j}: probability of class ${j} (${classShape(j)})`;
          element.textContent = String(j);
          element.setAttribute("aria-hidden", "true");
        }
        element.style.left = `${x - node.size / 2}px`;
        element.style.top = `${y - box / 2}px`;
        element.style.width = `${node.size}px`;
        element.style.height = `${box}px`;
        node.element = element;
        column.push(node);
        elements.push(element);
      }
      const label = document.createElement("div");
      label.className = "layer-label";
      const outputs = layerSizes.at(-1) === 1 ? "linear output" : "softmax outputs";
      label.textContent = l === 0 ? "inputs" : l === columns - 1 ? outputs : `hidden ${l}`;
      label.style.left = `${x}px`;
      label.style.top = `${height - 22}px`;
      label.setAttribute("aria-hidden", "true");
      elements.push(label);
      this.nodes.push(column);
    });

    this.zoom = document.createElement("div");
    this.zoom.className = "neuron-zoom";
    this.zoom.hidden = true;
    this.zoomCanvas = document.createElement("canvas");
    this.zoomText = document.createElement("p");
    this.zoom.append(this.zoomCanvas, this.zoomText);
    elements.push(this.zoom);

    const inner = document.createElement("div");
    inner.style.position = "relative";
    inner.style.width = `${width}px`;
    inner.style.height = `${height}px`;
    inner.append(...elements);
    this.container.replaceChildren(inner);
    this.images.clear();
  }

  /** New maps (Uint8Array, hidden neurons in order) and edges (Int8Array, W layer by layer),
   * with `scales`, the weight a byte of 127 stands for in each layer. */
  update({ maps, mapSize, edges, layerSizes, scales }) {
    if (layerSizes) this.setArchitecture(layerSizes);
    if (maps) {
      this.maps = { bytes: maps, size: mapSize };
    }
    if (edges) this.edges = edges;
    if (scales) this.scales = scales;
    this.redraw();
  }

  /** The weight W[layer][source, target] to the two digits the edges carry, or null. */
  weightOf(layer, source, target) {
    if (!this.edges || !this.scales || this.scales[layer] == null) return null;
    let offset = 0;
    for (let l = 0; l < layer; l += 1) offset += this.layerSizes[l] * this.layerSizes[l + 1];
    const byte = this.edges[offset + source * this.layerSizes[layer + 1] + target];
    return byte === undefined ? null : (byte / 127) * this.scales[layer];
  }

  /** Draw this edge highlighted (null: none). */
  pick(edge) {
    this.picked = edge;
    this.drawEdges();
  }

  /** A click between the columns picks the nearest line within a few pixels. */
  onClick(event) {
    if (event.target.closest?.(".node, .neuron-zoom") || !this.nodes.length) return;
    const inner = this.container.firstElementChild;
    const rect = inner.getBoundingClientRect();
    const edge = this.edgeAt(event.clientX - rect.left, event.clientY - rect.top);
    if (edge) {
      this.pick(edge);
      this.onPickEdge(edge.layer, edge.source, edge.target);
    }
  }

  /** The edge whose line passes nearest (x, y), within 6 px; geometry of the drawing only. */
  edgeAt(x, y) {
    let best = null;
    let bestDistance = 6;
    for (let l = 0; l + 1 < this.nodes.length; l += 1) {
      const from = this.nodes[l];
      const to = this.nodes[l + 1];
      const x0 = from[0].x + from[0].size / 2;
      const x1 = to[0].x - to[0].size / 2;
      if (x < x0 || x > x1) continue;
      const t = (x - x0) / (x1 - x0);
      for (let i = 0; i < from.length; i += 1) {
        for (let j = 0; j < to.length; j += 1) {
          const lineY = from[i].y + t * (to[j].y - from[i].y);
          // distance to the line, not along the vertical: steep lines stay as easy to hit
          const slope = (to[j].y - from[i].y) / (x1 - x0);
          const distance = Math.abs(y - lineY) / Math.sqrt(1 + slope * slope);
          if (distance < bestDistance) {
            bestDistance = distance;
            best = { layer: l, source: i, target: j };
          }
        }
      }
    }
    return best;
  }

  /** Where the picked edge's line runs, to draw it highlighted. */
  drawPicked(ctx) {
    const edge = this.picked;
    if (!edge || !this.nodes[edge.layer + 1]) return;
    const a = this.nodes[edge.layer][edge.source];
    const b = this.nodes[edge.layer + 1][edge.target];
    if (!a || !b) return;
    ctx.save();
    ctx.strokeStyle = "rgb(255 196 0 / 0.9)";
    ctx.lineWidth = 7;
    ctx.setLineDash([]);
    ctx.beginPath();
    ctx.moveTo(a.x + a.size / 2, a.y);
    ctx.lineTo(b.x - b.size / 2, b.y);
    ctx.stroke();
    ctx.restore();
  }

  redraw() {
    this.drawMaps();
    this.drawEdges();
    if (this.zoomed) this.paintZoom();
  }

  mapOf(layer, unit) {
    if (!this.maps) return null;
    const { bytes, size } = this.maps;
    const cells = size * size;
    let index = 0;
    for (let l = 1; l < layer; l += 1) index += this.layerSizes[l];
    index += unit;
    const start = index * cells;
    if (start + cells > bytes.length) return null;
    return bytes.subarray(start, start + cells);
  }

  drawMaps() {
    if (!this.maps) return;
    for (let l = 1; l < this.nodes.length - 1; l += 1) {
      this.nodes[l].forEach((node, j) => {
        const map = this.mapOf(l, j);
        if (!map) return;
        const key = `${l}:${j}`;
        this.images.set(key, paintIndexed(node.canvas, map, this.maps.size, this.table, this.images.get(key)));
      });
    }
  }

  drawEdges() {
    const ctx = this.edgeCtx;
    if (!ctx) return;
    const [width, height] = this.edgeSize;
    ctx.clearRect(0, 0, width, height);
    this.drawPicked(ctx); // under the lines: a halo, the line itself stays readable
    const edges = this.edges;
    if (!edges) return;
    // one path per (sign, width step): a few dozen strokes instead of thousands
    const paths = [];
    for (let s = 0; s < 2; s += 1) {
      paths.push(Array.from({ length: BUCKETS }, () => new Path2D()));
    }
    let offset = 0;
    let drawn = 0;
    for (let l = 0; l + 1 < this.nodes.length; l += 1) {
      const from = this.nodes[l];
      const to = this.nodes[l + 1];
      for (let i = 0; i < from.length; i += 1) {
        const a = from[i];
        for (let j = 0; j < to.length; j += 1) {
          const value = edges[offset + i * to.length + j];
          const magnitude = value < 0 ? -value : value;
          if (magnitude < 6) continue; // too faint to see
          const bucket = Math.min(BUCKETS - 1, Math.floor((magnitude * BUCKETS) / 128));
          const path = paths[value < 0 ? 1 : 0][bucket];
          drawn += 1;
          const b = to[j];
          path.moveTo(a.x + a.size / 2, a.y);
          path.lineTo(b.x - b.size / 2, b.y);
        }
      }
      offset += from.length * to.length;
    }
    // thin before thick, both signs at each step: the strongest weights end on top whatever
    // their sign (all positive then all negative would paint a big net orange). Negative
    // weights are dashed as well as orange, so the sign does not rest on colour alone.
    const dashed = drawn <= MOST_DASHED;
    for (let k = 0; k < BUCKETS; k += 1) {
      const lineWidth = 0.4 + (3.6 * (k + 1)) / BUCKETS;
      for (let s = 0; s < 2; s += 1) {
        ctx.strokeStyle = classColour(s === 0 ? POSITIVE : NEGATIVE, 0.18 + (0.7 * (k + 1)) / BUCKETS);
        ctx.lineWidth = lineWidth;
        ctx.setLineDash(s === 1 && dashed ? [4 + 3 * lineWidth, 1.5 + 0.75 * lineWidth] : []);
        ctx.stroke(paths[s][k]);
      }
    }
    ctx.setLineDash([]);
  }

  showZoom(layer, unit) {
    this.zoomed = { layer, unit };
    const node = this.nodes[layer][unit];
    const [width] = this.edgeSize;
    const place = node.x + node.size / 2 + 220 < width ? node.x + node.size / 2 + 10 : node.x - node.size / 2 - 222;
    this.zoom.style.left = `${Math.max(0, place)}px`;
    this.zoom.style.top = `${Math.max(0, node.y - 110)}px`;
    this.zoomText.textContent = `Hidden layer ${layer}, neuron ${unit + 1}: blue where it is positive, orange where negative, white at zero.`;
    this.zoom.hidden = false;
    this.paintZoom();
  }

  paintZoom() {
    const { layer, unit } = this.zoomed;
    const map = this.mapOf(layer, unit);
    if (map) this.zoomImage = paintIndexed(this.zoomCanvas, map, this.maps.size, this.table, this.zoomImage);
  }

  hideZoom() {
    this.zoomed = null;
    if (this.zoom) this.zoom.hidden = true;
  }

  /** Arrow keys move between neurons (one tab stop for the whole diagram). */
  onKey(event) {
    const target = event.target.closest?.(".node");
    if (!target) return;
    if (event.key === "Escape") {
      this.hideZoom(); // the enlarged map covers its neighbours; focus stays on the neuron
      return;
    }
    let l = Number(target.dataset.layer);
    let j = Number(target.dataset.unit);
    const hiddenLayers = this.nodes.length - 2;
    if (event.key === "ArrowDown") j += 1;
    else if (event.key === "ArrowUp") j -= 1;
    else if (event.key === "ArrowRight") l += 1;
    else if (event.key === "ArrowLeft") l -= 1;
    else return;
    event.preventDefault();
    l = Math.min(Math.max(l, 1), hiddenLayers);
    j = Math.min(Math.max(j, 0), this.nodes[l].length - 1);
    const next = this.nodes[l][j].element;
    target.tabIndex = -1;
    next.tabIndex = 0;
    next.focus();
  }
}

/** The output node of a regression network: the predicted value ŷ, linear (no softmax). */
function outputValueNode() {
  const element = document.createElement("div");
  element.className = "io-node";
  element.textContent = "ŷ";
  element.title = "output: the predicted value (linear, no activation)";
  element.setAttribute("aria-hidden", "true");
  return element;
}
