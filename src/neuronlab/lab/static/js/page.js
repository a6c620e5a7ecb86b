// The page's own settings in its address, for a teacher's link:
//
//   ?sections=trainer,overfitting   only these sections show (ids as in #trainer); the
//                                   others are not even started. Unknown ids are ignored;
//                                   if none is known, every section shows.
//   ?present=1                      the presentation layout for a projector: large type, no
//                                   contents or banner, and the trainer's plane and loss chart
//                                   side by side with its settings folded away.

import { pageParam, setPageParam } from "./state.js";

/** Hide the sections the link leaves out; returns the ids shown (all when no link asks). */
export function showOnlyLinkedSections() {
  const sections = [...document.querySelectorAll("main > section[id]")];
  const wanted = (pageParam("sections") || "")
    .split(",")
    .map((id) => id.trim())
    .filter(Boolean);
  const chosen = sections.filter((section) => wanted.includes(section.id));
  if (chosen.length === 0) return sections.map((section) => section.id);
  for (const section of sections) section.hidden = !chosen.includes(section);
  document.documentElement.dataset.sections = "some";
  // a way back to the whole course, after the chosen sections
  const params = new URLSearchParams(location.search);
  params.delete("sections");
  const query = params.toString();
  const back = document.createElement("p");
  back.className = "whole-lab";
  const link = document.createElement("a");
  link.href = `${location.pathname}${query ? `?${query}` : ""}`;
  link.textContent = "Show the whole lab";
  back.append("This link shows part of the lab. ", link);
  document.querySelector("main")?.append(back);
  return chosen.map((section) => section.id);
}

/** Whether the presentation layout is on. */
export function presenting() {
  return document.documentElement.dataset.present === "true";
}

/** Turn the presentation layout on or off (and keep the choice in the address). */
export function setPresenting(on, { remember = true } = {}) {
  if (on) document.documentElement.dataset.present = "true";
  else delete document.documentElement.dataset.present;
  if (remember) setPageParam("present", on ? "1" : null);
  // plotly's responsive charts follow the window's resize event, not their box's
  window.dispatchEvent(new Event("resize"));
}

/** The link's ?present=1, read once when the page opens. */
export function presentFromLink() {
  if (pageParam("present") === "1") setPresenting(true, { remember: false });
}
