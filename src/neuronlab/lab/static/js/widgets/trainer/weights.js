// The weight editor under the network diagram: choose a weight (or click its line in the
// diagram), type a value, and the server sets it; training goes on from it.
//
// The page only names neurons and sends {layer, source, target, value}: the server checks
// the indices against its network and the value against its bound (trainer/protocol.py,
// "set_weight"), and the next frame shows the new weight in the diagram and the plane.

import { fillSelect } from "./fields.js";

/** What a neuron is called in the menus: "x₁", "hidden 1, neuron 3", "output 0". */
export function neuronName(layerSizes, layer, unit) {
  if (layer === 0) return unit < 2 ? ["x₁", "x₂"][unit] : `input ${unit + 1}`;
  if (layer === layerSizes.length - 1) return `output ${unit}`;
  return `hidden ${layer}, neuron ${unit + 1}`;
}

export class WeightEditor {
  /**
   * elements: {from, to, value, set, now} and the form; `diagram` a NetworkDiagram (it draws
   * the chosen line and knows the weight it shows); `onSet(layer, source, target, value)`.
   */
  constructor({ from, to, value, set, now }, form, { diagram, onSet }) {
    Object.assign(this, { from, to, value, set, now, form, diagram, onSet });
    this.layerSizes = [];
    from.addEventListener("change", () => {
      this.fillTargets();
      this.choose();
    });
    to.addEventListener("change", () => this.choose());
    value.addEventListener("input", () => value.setCustomValidity(""));
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      this.submit();
    });
    set.addEventListener("click", () => this.submit());
  }

  /** A new architecture: the menus list its neurons (the choice is kept where it still fits). */
  setArchitecture(layerSizes) {
    if (layerSizes.join() === this.layerSizes.join()) return;
    this.layerSizes = layerSizes.slice();
    const sources = [];
    for (let l = 0; l + 1 < layerSizes.length; l += 1) {
      for (let i = 0; i < layerSizes[l]; i += 1) sources.push(`${l}:${i}`);
    }
    fillSelect(this.from, sources, (key) => {
      const [l, i] = key.split(":").map(Number);
      return neuronName(layerSizes, l, i);
    });
    this.fillTargets();
    this.diagram.pick(null);
    this.showNow();
  }

  fillTargets() {
    const [layer] = this.source();
    const count = this.layerSizes[layer + 1] ?? 0;
    const chosen = this.to.value;
    fillSelect(this.to, [...Array(count).keys()], (j) => neuronName(this.layerSizes, layer + 1, j));
    if ([...this.to.options].some((o) => o.value === chosen)) this.to.value = chosen;
  }

  source() {
    const [layer = 0, unit = 0] = (this.from.value || "0:0").split(":").map(Number);
    return [layer, unit];
  }

  /** The line clicked in the diagram: chosen here, the value box ready for a new value. */
  pickEdge(layer, source, target) {
    this.from.value = `${layer}:${source}`;
    this.fillTargets();
    this.to.value = String(target);
    this.choose();
    this.value.focus();
    this.value.select();
  }

  /** Another weight chosen: its box starts empty, so that Set never sends back the two
   * digits the diagram rounds the weight to (that would move it); "now ≈" shows them. */
  choose() {
    const [layer, source] = this.source();
    this.diagram.pick({ layer, source, target: Number(this.to.value) });
    this.value.value = "";
    this.value.setCustomValidity("");
    this.showNow();
  }

  /** Under the menus, what the chosen weight is now (to the diagram's two digits). */
  showNow() {
    const edge = this.diagram.picked;
    const now = edge ? this.diagram.weightOf(edge.layer, edge.source, edge.target) : null;
    this.now.textContent = now === null ? "" : `now ≈ ${now.toFixed(2)}`;
  }

  submit() {
    const typed = this.value.value.trim();
    const value = Number(typed);
    // an empty box sends nothing (a number input also reads empty while its text is no number)
    const bad = this.value.validity.badInput;
    if (typed === "" || !Number.isFinite(value)) {
      const empty = typed === "" && !bad;
      this.value.setCustomValidity(empty ? "Type a value first." : "Type a number, such as 0.5 or -2.");
      this.value.reportValidity();
      return;
    }
    this.value.setCustomValidity("");
    const [layer, source] = this.source();
    const target = Number(this.to.value);
    this.diagram.pick({ layer, source, target });
    this.onSet(layer, source, target, value);
  }
}
