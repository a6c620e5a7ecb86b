// plotly.js, fetched only when a chart is about to be seen.
//
//   import { whenPlotly } from "../load-plotly.js";
//   whenPlotly(chartElement).then((Plotly) => Plotly.react(chartElement, traces, layout));
//
// plotly.min.js is 4.8 MB (1.4 MB gzipped), more than the rest of the page together, and the
// widgets that draw with it (the 3-D surface, the trainer's loss chart, the overfitting
// curves) are all far below the top of the page. So the page does not ask for it until one of
// their chart elements comes within NEAR of the screen; it is then fetched once, and each
// chart gets it when its own element comes near. A widget builds its controls without waiting
// for this, and draws its chart when the promise resolves.
//
// plotly.min.js sits beside js/ on the server (static/<version>/vendor/), so the URL below
// carries the same version segment as this module.

const SOURCE = new URL("../vendor/plotly.min.js", import.meta.url).href;
// a generous margin, in viewport heights, so that the chart is drawn before it scrolls in
const NEAR = "150% 0px 150% 0px";

let loading = null; // the one promise of the script, once asked for
let observer = null;
const waiting = new Map(); // element -> callbacks to run when it comes near

function load() {
  if (!loading) {
    loading = new Promise((resolve, reject) => {
      if (window.Plotly) {
        resolve(window.Plotly);
        return;
      }
      const script = document.createElement("script");
      script.src = SOURCE;
      script.async = true;
      script.onload = () => (window.Plotly ? resolve(window.Plotly) : reject(new Error("plotly.js did not load")));
      script.onerror = () => {
        loading = null; // a later chart may try again
        script.remove();
        reject(new Error("plotly.js could not be fetched from the lab server"));
      };
      document.head.append(script);
    });
  }
  return loading;
}

function near(entries) {
  for (const entry of entries) {
    if (!entry.isIntersecting) continue;
    observer.unobserve(entry.target);
    const callbacks = waiting.get(entry.target) || [];
    waiting.delete(entry.target);
    for (const callback of callbacks) callback();
  }
}

/** Resolves with window.Plotly once `element` is near the screen and plotly.js has loaded. */
export function whenPlotly(element) {
  if (!element || !("IntersectionObserver" in window)) return load();
  return new Promise((resolve, reject) => {
    observer ??= new IntersectionObserver(near, { rootMargin: NEAR });
    if (!waiting.has(element)) {
      waiting.set(element, []);
      observer.observe(element);
    }
    waiting.get(element).push(() => load().then(resolve, reject));
  });
}
