// "Share this setup": a teacher ticks what learners should not see and copies the link.
//
// The link is this page's address with the trainer's settings (trainer.points=..., as the
// page keeps them), trainer.hide=... for the ticked controls, sections=trainer when only the
// trainer's section should show, present=1 for the projector's layout, and #trainer. Ticking
// changes the link only: the teacher's own page keeps every control.
//
//   const share = buildShare(ui.share, { hidden });
//   share.refresh();   // after a setting changed: the link follows

import { el } from "../controls.js";
import { shareURL } from "../../state.js";
import { HIDE_KEY, HIDEABLE } from "./visibility.js";

/** Fill the <details> `box`; `hidden` are the names the current link hides (ticked at first).
 * Its ticks are built when it first opens: until a teacher asks, the page has one control
 * named "Noise", not two. */
export function buildShare(box, { hidden, sectionId = "trainer" }) {
  let body = null;
  box.replaceChildren(el("summary", {}, "Share this setup"));
  box.addEventListener("toggle", () => {
    if (box.open && body === null) body = buildBody(box, { hidden, sectionId });
    body?.refresh();
  });
  return {
    refresh: () => body?.refresh(),
  };
}

function buildBody(box, { hidden, sectionId }) {
  const ticks = new Map();
  const groups = HIDEABLE.map(([title, items]) =>
    el(
      "fieldset",
      { class: "share-group" },
      el("legend", {}, title),
      items.map(([name, label]) => {
        const input = el("input", { type: "checkbox", id: `tr-hide-${name}`, name: "hide", value: name });
        input.checked = hidden.includes(name);
        ticks.set(name, input);
        return el("label", { for: input.id }, input, ` ${label}`);
      }),
    ),
  );
  const params = new URLSearchParams(location.search);
  const onlySection = el("input", { type: "checkbox", id: "tr-share-only" });
  onlySection.checked = (params.get("sections") || "") === sectionId;
  const present = el("input", { type: "checkbox", id: "tr-share-present" });
  present.checked = params.get("present") === "1";
  const link = el("input", { type: "text", id: "tr-share-link", readonly: true, spellcheck: "false" });
  const copy = el("button", { type: "button", id: "tr-share-copy" }, "Copy link");
  const open = el("a", { id: "tr-share-open", target: "_blank", rel: "noopener" }, "Open it in a new tab");
  const status = el("span", { class: "copy-status", role: "status" });

  box.append(
    el(
      "p",
      { class: "hint" },
      "Tick what your learners should not see, then copy the link. It keeps every setting, the hidden ones too, so the exercise starts exactly as it is on your screen. Your own page keeps all its controls.",
    ),
    el("div", { class: "share-groups" }, groups),
    el(
      "fieldset",
      { class: "share-group share-page" },
      el("legend", {}, "The page"),
      el("label", { for: onlySection.id }, onlySection, " Show only this section (the trainer)"),
      el("label", { for: present.id }, present, " Open in the presentation layout (for a projector)"),
    ),
    el("div", { class: "field share-link" }, el("label", { for: link.id }, "Link"), link),
    el("div", { class: "button-row" }, copy, open, status),
  );

  function url() {
    const search = new URLSearchParams(location.search);
    const names = [...ticks].filter(([, input]) => input.checked).map(([name]) => name);
    const set = (key, value) => (value ? search.set(key, value) : search.delete(key));
    set(HIDE_KEY, names.join(","));
    set("sections", onlySection.checked ? sectionId : "");
    set("present", present.checked ? "1" : "");
    const query = search.toString().replaceAll("%2C", ",");
    return shareURL(sectionId, query ? `?${query}` : "");
  }

  function refresh() {
    link.value = url();
    open.href = link.value;
  }

  box.addEventListener("change", refresh);
  copy.addEventListener("click", async () => {
    refresh();
    try {
      await navigator.clipboard.writeText(link.value);
      status.textContent = "Link copied.";
    } catch {
      link.select(); // no clipboard here (an insecure page): selected, ready for Ctrl+C
      status.textContent = "Select and copy the link above.";
    }
    setTimeout(() => {
      status.textContent = "";
    }, 4000);
  });
  refresh();
  return { refresh, url };
}
