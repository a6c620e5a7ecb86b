// Your own network's loss landscape: takes the trainer's network as it is now (the trainer's
// "Download model" link), sends it to POST /api/landscape/plane, and draws the loss on a
// plane through its weights, shaded by the server as the descent widget's surfaces are, with
// the walks of the four optimisers across it. Python computes; this module draws.

import { showError, clearError } from "../api.js";
import { getOptions } from "../options.js";
import { drawStar, makeView, paintRGBA, polyline, setupCanvas } from "../draw.js";
import { decodeBase64, el, readouts, say, statusLine } from "./controls.js";
import { formatNumber } from "../format.js";

const SIZE = 400;
// each optimiser's colour, as the race draws it (the server's palette, in the options document)
let COLOURS = {};
const NAMES = { sgd: "SGD", momentum: "momentum", rmsprop: "RMSProp", adam: "Adam" };

export async function mount(root) {
  const options = await getOptions();
  COLOURS = Object.fromEntries(options.optimizers.map((o) => [o.name, o.colour]));
  const button = el("button", { type: "button", class: "primary", "data-action": "landscape" }, "Show my network's landscape");
  const another = el("button", { type: "button", "data-action": "directions", disabled: true }, "Two other directions");
  const status = statusLine();
  const numbers = readouts([
    ["epoch", "the trainer's network, at epoch"],
    ["centre", "loss at the network (0, 0)"],
    ["low", "lowest loss on this slice"],
  ]);
  const race = el("ul", { class: "w-legend w-ls-race", "data-role": "race" });
  const canvas = el("canvas", {
    class: "w-canvas",
    role: "img",
    "aria-label": "The loss on a plane through the trained network's weights, with four optimisers' walks",
  });
  const ctx = setupCanvas(canvas, SIZE, SIZE);
  const error = el("p", { class: "w-error", "aria-live": "assertive" });
  root.replaceChildren(
    el(
      "div",
      { class: "w-layout" },
      el("div", { class: "w-plot" }, canvas),
      el("div", { class: "w-side" }, el("div", { class: "button-row" }, button, another), status, numbers.element, race, error),
    ),
  );
  ctx.fillStyle = "#fff";
  ctx.fillRect(0, 0, SIZE, SIZE);
  // until the first press, the empty plane says what will appear on it
  ctx.strokeStyle = "rgb(0 0 0 / 0.2)";
  ctx.strokeRect(0.5, 0.5, SIZE - 1, SIZE - 1);
  ctx.fillStyle = "#4a4f57";
  ctx.font = "15px system-ui, sans-serif";
  ctx.textAlign = "center";
  for (const [i, line] of ["Train the network in the trainer above,", "then press “Show my network's landscape”:", "the loss around it appears here."].entries()) {
    ctx.fillText(line, SIZE / 2, SIZE / 2 - 22 + 22 * i);
  }

  let seed = 0;
  let busy = false;

  function draw(view, answer) {
    const bytes = decodeBase64(answer.image);
    ctx.clearRect(0, 0, SIZE, SIZE);
    paintRGBA(ctx, bytes, answer.size, answer.size, view);
    ctx.strokeStyle = "rgb(0 0 0 / 0.35)";
    ctx.strokeRect(0.5, 0.5, SIZE - 1, SIZE - 1);
    for (const path of answer.paths) {
      polyline(ctx, view, path.points, { colour: "rgb(255 255 255 / 0.7)", width: 5.5 });
    }
    for (const path of answer.paths) {
      polyline(ctx, view, path.points, { colour: COLOURS[path.optimizer], width: 2.5 });
    }
    drawStar(ctx, ...view.toPixel(0, 0), 10); // the network itself
  }

  async function look() {
    if (busy) return;
    const link = document.getElementById("tr-download-model");
    clearError(error);
    if (!link || link.getAttribute("aria-disabled") === "true" || !link.href || link.href.endsWith("#")) {
      showError(error, "The trainer above has no network yet: wait for it to connect, train it a little, then try again.");
      return;
    }
    busy = true;
    // a disabled button drops the keyboard's focus: it comes back when the button does
    const hadFocus = [button, another].find((b) => b === document.activeElement);
    button.disabled = true;
    another.disabled = true;
    say(status, "Taking the trainer's network and measuring the loss on the plane…");
    try {
      const model = await fetch(link.href);
      if (!model.ok) throw new Error((await model.json()).detail || `${model.status}`);
      const bytes = await model.arrayBuffer();
      const reply = await fetch(`/api/landscape/plane?seed=${seed}`, {
        method: "POST",
        headers: { "Content-Type": "application/octet-stream" },
        body: bytes,
      });
      const answer = await reply.json();
      if (!reply.ok) throw new Error(typeof answer.detail === "string" ? answer.detail : `${reply.status}`);
      const view = makeView(answer.bounds, SIZE, SIZE);
      draw(view, answer);
      numbers.set("epoch", String(answer.epoch));
      numbers.set("centre", formatNumber(answer.centre_loss, 4));
      numbers.set("low", formatNumber(answer.low, 4));
      race.replaceChildren(
        ...answer.paths.map((path) =>
          el(
            "li",
            { "data-optimizer": path.optimizer },
            el("span", { class: "w-key", style: `border-top-color:${COLOURS[path.optimizer]}` }),
            ` ${NAMES[path.optimizer]} (η ${path.learning_rate}): loss ${formatNumber(path.losses[0], 3)} → ${formatNumber(path.losses[path.losses.length - 1], 3)}`,
          ),
        ),
      );
      root.dataset.centreLoss = String(answer.centre_loss);
      say(status, `The star is your network at epoch ${answer.epoch}; each axis runs one unit of a filter-normalised random direction either way. The four walks start at the top-right corner.`);
    } catch (problem) {
      showError(error, problem);
      say(status, "");
    } finally {
      busy = false;
      button.disabled = false;
      another.disabled = false;
      if (hadFocus && document.activeElement === document.body) hadFocus.focus();
    }
  }

  button.addEventListener("click", look);
  another.addEventListener("click", () => {
    seed += 1;
    look();
  });
}
