// The trainer's presentation layout for a projector (the page's ?present=1): large type,
// the plane and the loss chart side by side, the settings folded behind a Settings toggle.

import { presenting, setPresenting } from "../../page.js";

export function setupPresentation(ui, section) {
  const { present, settings } = ui.buttons;

  function show() {
    const on = presenting();
    present.setAttribute("aria-pressed", String(on));
    present.textContent = on ? "Leave the presentation layout" : "Presentation layout";
    if (!on) fold(false);
  }

  function fold(open) {
    ui.grid.classList.toggle("settings-open", open);
    settings.setAttribute("aria-expanded", String(open));
  }

  present.addEventListener("click", () => {
    setPresenting(!presenting());
    show();
    section?.scrollIntoView({ block: "start" });
  });
  settings.addEventListener("click", () => fold(!ui.grid.classList.contains("settings-open")));
  show();
}
