// "Scroll sideways →": every box in the lab whose content is wider than the box says so.
//
// A phone shows no scrollbar, so a diagram, a table or a line of code that runs past the
// right edge looks cut off. Each box that scrolls sideways (overflow-x auto or scroll) gets a
// hint line just before it, shown only while its content is wider than it is, and its own
// width follows the box's (a ResizeObserver on the box and on what it holds).
//
//   watchSidewaysScroll(document.body, onShift);   // onShift: a hint appeared or went
//
// A hint that appears above the place a link opened (#trainer) pushes it down: main.js
// passes the function that brings that place back into view.
//
// Widgets build their boxes as their data arrives, so the lookout for new boxes runs again
// when the page's structure changes, at most twice a second.

const HINT = "Scroll sideways →";

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
      const hint = document.createElement("p");
      hint.className = "scroll-hint";
      hint.textContent = HINT;
      hint.hidden = true;
      // a code editor's text box sits in a grid beside its line numbers: the hint goes above both
      (box.tagName === "TEXTAREA" ? box.parentElement : box).before(hint);
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
