// A box whose content is wider than the screen scrolls sideways in place; phones show no
// scrollbar, so the box says so in words, and only while it really overflows.
//
//   scrollHint(box)            one box (a widget's diagram, a table, a row of charts)
//   scrollHintsIn(document)    every `.equation` and `[data-scroll-hint]` box below a root,
//                              and the code of each "Show the Python" panel when it opens
//
// The hint is a line just above the box ("scroll sideways →"), hidden whenever the content
// fits, so a wide screen never sees it. Reusable by any widget: import it, call it once.

const HINT = "scroll sideways →";

/** Put a "scroll sideways →" line above `box`, shown while the box's content overflows it. */
export function scrollHint(box, text = box.dataset?.scrollHint || HINT) {
  if (box.previousElementSibling?.classList.contains("scroll-hint")) return box.previousElementSibling;
  const hint = document.createElement("p");
  hint.className = "scroll-hint";
  hint.textContent = text;
  hint.hidden = true;
  box.before(hint);
  const update = () => {
    hint.hidden = box.scrollWidth <= box.clientWidth + 1;
  };
  if ("ResizeObserver" in window) {
    const watch = new ResizeObserver(update);
    watch.observe(box);
    for (const child of box.children) watch.observe(child);
  }
  update();
  return hint;
}

/** A hint above every sideways-scrolling box below `root` that asks for one, and above the
 * code of every "Show the Python" panel once it is opened (its code arrives after the click). */
export function scrollHintsIn(root) {
  for (const box of root.querySelectorAll(".equation, [data-scroll-hint]")) scrollHint(box);
  // "toggle" does not bubble: listen in the capture phase, for panels made later as well
  root.addEventListener(
    "toggle",
    (event) => {
      const panel = event.target;
      if (!panel.matches?.("details.source-panel") || !panel.open || panel.dataset.scrollHints) return;
      panel.dataset.scrollHints = "on";
      const hintCode = () => panel.querySelectorAll(".source").forEach((box) => scrollHint(box));
      hintCode();
      new MutationObserver(hintCode).observe(panel, { childList: true, subtree: true });
    },
    true,
  );
}

// The two functions above hint the boxes a widget names. ``watchSidewaysScroll`` is the
// lookout for all the others: every box in the lab whose content is wider than the box and
// that has no hint yet gets one, just before it, shown only while its content is wider than
// it is (a ResizeObserver on the box and on what it holds), set aside at the far end.
//
//   watchSidewaysScroll(document.body, onShift);   // onShift: a hint appeared or went
//
// A hint that appears above the place a link opened (#trainer) pushes it down: main.js
// passes the function that brings that place back into view. Widgets build their boxes as
// their data arrives, so the lookout runs again when the page's structure changes, at most
// twice a second.

function scrollsSideways(element) {
  const overflow = getComputedStyle(element).overflowX;
  return overflow === "auto" || overflow === "scroll";
}

/** Whether `element`'s content runs past its right edge (a pixel of rounding aside). */
export function overflowsSideways(element) {
  return element.scrollWidth > element.clientWidth + 2;
}

/** Whether a change adds HTML elements outside the readouts and the charts' drawings. */
function addsBoxes(change) {
  if (change.target.closest?.("output, dd, svg, .js-plotly-plot")) return false;
  return [...change.addedNodes].some((node) => node instanceof HTMLElement && node.tagName !== "SPAN");
}

export function watchSidewaysScroll(root, onShift = () => {}) {
  if (!root || !("ResizeObserver" in window)) return;
  let shiftPending = false;
  const shifted = () => {
    if (shiftPending) return;
    shiftPending = true;
    requestAnimationFrame(() => {
      shiftPending = false;
      onShift();
    });
  };
  const watched = new Map(); // box -> its hint
  const sizes = new ResizeObserver((entries) => {
    for (const entry of entries) {
      const box = watched.has(entry.target) ? entry.target : entry.target.parentElement;
      if (watched.has(box)) show(box);
    }
  });

  function show(box) {
    const hint = watched.get(box);
    const visible = box.offsetParent !== null || box.getClientRects().length > 0;
    const hidden = !(visible && overflowsSideways(box));
    if (hint.hidden !== hidden) shifted();
    hint.hidden = hidden;
    // scrolled to the far end, there is nothing more that way: the hint steps aside (keeping
    // its room, so the content does not jump)
    hint.classList.toggle("at-end", box.scrollLeft + box.clientWidth >= box.scrollWidth - 2);
  }

  function look() {
    // the candidates: boxes the style sheets let scroll sideways (and code blocks, which do)
    for (const box of root.querySelectorAll("div, pre, ol, ul, table, textarea, section > *")) {
      if (watched.has(box) || box.classList.contains("scroll-hint") || !scrollsSideways(box)) continue;
      const anchor = box.tagName === "TEXTAREA" ? box.parentElement : box;
      if (anchor.previousElementSibling?.classList.contains("scroll-hint")) continue; // scrollHint's
      const hint = document.createElement("p");
      hint.className = "scroll-hint";
      hint.textContent = HINT;
      hint.hidden = true;
      // a code editor's text box sits in a grid beside its line numbers: the hint goes above both
      anchor.before(hint);
      watched.set(box, hint);
      sizes.observe(box);
      for (const child of box.children) sizes.observe(child);
      box.addEventListener("scroll", () => show(box), { passive: true });
      box.addEventListener("input", () => show(box), { passive: true }); // typed lines grow
    }
    for (const box of watched.keys()) {
      if (!box.isConnected) {
        watched.get(box).remove();
        watched.delete(box);
      } else {
        show(box);
      }
    }
  }

  let waiting = false;
  const structure = new MutationObserver((changes) => {
    // readouts and charts change many times a second while training: only new page boxes count
    if (waiting || !changes.some(addsBoxes)) return;
    waiting = true;
    setTimeout(() => {
      waiting = false;
      look();
    }, 500);
  });
  structure.observe(root, { childList: true, subtree: true });
  addEventListener("resize", () => look(), { passive: true });
  look();
}
