// The page shell: the table of contents, the widgets, the "Show the Python" panels.
//
// Conventions for a section (static/sections/NN-name.html):
//   <section id="name" class="lab-section"><h2>Title</h2> ... </section>
//   <div class="widget" data-widget="name"></div>
//       -> imports /static/js/widgets/name.js and calls its exported mount(element)
//   <div data-source="network.forward training.Trainer.run_epoch"
//        data-summary="Show the Python: the forward pass"></div>
//       -> a <details> panel with the highlighted engine source (api.js)
// A widget that fails to load shows an error in its own box; the others carry on.

import { mountSourcePanel, showError } from "./api.js";
import { presentFromLink, showOnlyLinkedSections } from "./page.js";
import { scrollHintsIn, watchSidewaysScroll } from "./scroll-hint.js";

function buildTableOfContents() {
  const list = document.getElementById("toc-list");
  if (!list) return;
  const items = [];
  for (const section of document.querySelectorAll("main section[id]")) {
    if (section.hidden) continue; // left out by the link's ?sections=
    const heading = section.querySelector("h2");
    if (!heading) continue;
    const item = document.createElement("li");
    const link = document.createElement("a");
    link.href = `#${section.id}`;
    link.textContent = heading.textContent.trim();
    item.append(link);
    items.push(item);
  }
  list.replaceChildren(...items);
  highlightCurrentSection(list);
}

function highlightCurrentSection(list) {
  if (!("IntersectionObserver" in window)) return;
  const links = new Map([...list.querySelectorAll("a")].map((a) => [a.hash.slice(1), a]));
  const observer = new IntersectionObserver(
    (entries) => {
      for (const entry of entries) {
        if (!entry.isIntersecting) continue;
        for (const link of links.values()) link.removeAttribute("aria-current");
        const current = links.get(entry.target.id);
        if (!current) continue;
        current.setAttribute("aria-current", "true");
        // on a narrow screen the contents are one row that scrolls sideways: keep the
        // current section's link in view (only the row scrolls, never the page)
        if (list.scrollWidth > list.clientWidth) {
          const left = current.offsetLeft - list.offsetLeft;
          list.scrollTo({ left: left - (list.clientWidth - current.offsetWidth) / 2 });
        }
      }
    },
    { rootMargin: "-20% 0px -70% 0px" },
  );
  for (const id of links.keys()) {
    const section = document.getElementById(id);
    if (section) observer.observe(section);
  }
}

async function mountWidget(element) {
  const name = element.dataset.widget;
  if (!/^[a-z0-9_-]+$/i.test(name)) return;
  try {
    const module = await import(`./widgets/${name}.js`);
    if (typeof module.mount === "function") await module.mount(element);
  } catch (error) {
    console.error(`widget ${name}:`, error);
    const box = document.createElement("p");
    showError(box, `The ${name} widget could not start: ${error.message}`);
    element.prepend(box);
  }
}

/**
 * A link to a section (…#overfitting) opens the page there, but the widgets above it grow as
 * they mount and push it down, far out of view on a phone. Until the learner scrolls or
 * presses a key, each mount brings it back, at once: the page's smooth scrolling (lab.css) is
 * for the learner's own jumps, and here it made the page glide on for a second after it was
 * ready, thousands of pixels on a phone, restarting at each mount. (The charts also wait for
 * this: plotly.js is fetched when a chart comes near the screen, see load-plotly.js.)
 */
function keepLinkedSectionInView() {
  let target = null;
  try {
    target = document.getElementById(decodeURIComponent(location.hash.slice(1)));
  } catch {
    return () => {}; // a malformed address (#%E0): nothing to keep in view
  }
  if (!target) return () => {};
  let moved = false;
  const learnerMoved = () => {
    moved = true;
  };
  for (const type of ["wheel", "touchstart", "keydown", "pointerdown"]) {
    addEventListener(type, learnerMoved, { once: true, passive: true, capture: true });
  }
  return () => {
    if (!moved) target.scrollIntoView({ block: "start", behavior: "instant" });
  };
}

/** Whether `element` is in a section the link leaves out (nothing there is started). */
function leftOut(element) {
  return Boolean(element.closest("section[hidden]"));
}

function mountSourcePanels() {
  for (const element of document.querySelectorAll("[data-source]")) {
    if (leftOut(element)) continue;
    mountSourcePanel(element, element.dataset.source, element.dataset.summary);
  }
}

presentFromLink();
showOnlyLinkedSections();
buildTableOfContents();
mountSourcePanels();
scrollHintsIn(document); // the equations that are wider than a phone say they scroll
const keepInView = keepLinkedSectionInView();
const widgets = [...document.querySelectorAll("[data-widget]")].filter((element) => !leftOut(element));
await Promise.all(widgets.map((element) => mountWidget(element).then(keepInView)));
watchSidewaysScroll(document.body, keepInView); // the contents row too, on a phone
document.documentElement.dataset.ready = "true";
