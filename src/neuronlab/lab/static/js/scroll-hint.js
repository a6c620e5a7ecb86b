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
