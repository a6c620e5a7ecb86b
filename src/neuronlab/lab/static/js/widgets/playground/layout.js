// The playground's page: the example menu, Run / Stop / Clear, the status line, the token
// field (shown when the server asks for one), the editor with its line numbers, the help line,
// the output log and the error line.
//
//   const ui = buildPlayground(root);  // ui.run, ui.code, ui.output, ...
//
// The ids (pg-...) tie labels to their controls and the help texts to what they describe;
// the widget keeps the elements themselves and never looks one up by id.

import { el } from "../controls.js";

const kbd = (text) => el("kbd", {}, text);

/** Build the playground inside `root`; returns the elements the widget works with. */
export function buildPlayground(root) {
  const ui = {
    example: el("select", { id: "pg-example" }),
    run: el(
      "button",
      {
        type: "button",
        id: "pg-run",
        class: "primary",
        "aria-label": "Run code",
        "aria-keyshortcuts": "Control+Enter Meta+Enter",
        title: "Run the code (Ctrl+Enter)",
      },
      "Run",
    ),
    stop: el("button", { type: "button", id: "pg-stop", "aria-label": "Stop the run", disabled: true }, "Stop"),
    clear: el("button", { type: "button", id: "pg-clear" }, "Clear output"),
    status: el("p", { id: "pg-status", class: "pg-status", role: "status", "aria-live": "polite" }),
    notice: el("p", { id: "pg-notice", class: "notice", hidden: true }),
    token: el("input", {
      id: "pg-token",
      type: "password",
      autocomplete: "off",
      spellcheck: "false",
      "aria-describedby": "pg-token-help",
    }),
    gutter: el("pre", { class: "pg-lines", "aria-hidden": "true" }, "1"),
    code: el("textarea", {
      id: "pg-code",
      spellcheck: "false",
      autocapitalize: "off",
      autocomplete: "off",
      wrap: "off",
      "aria-label": "Python code",
      "aria-describedby": "pg-help",
      rows: 18,
    }),
    output: el("div", {
      id: "pg-output",
      class: "pg-output",
      role: "log",
      "aria-labelledby": "pg-output-title",
      tabindex: 0,
      "data-empty": "Output appears here.",
    }),
    error: el("p", { id: "pg-error", class: "error-box", "aria-live": "assertive" }),
  };
  ui.tokenField = el(
    "div",
    { id: "pg-token-field", class: "field pg-token", hidden: true },
    el("label", { for: "pg-token" }, "Playground token"),
    ui.token,
    el(
      "span",
      { id: "pg-token-help", class: "pg-help" },
      "This server listens on the network, so running code needs the token it printed when it started. Your teacher has it.",
    ),
  );
  const toolbar = el(
    "div",
    { class: "pg-toolbar" },
    el("div", { class: "pg-example-field" }, el("label", { for: "pg-example" }, "Example"), ui.example),
    el("div", { class: "button-row" }, ui.run, ui.stop, ui.clear),
    ui.status,
  );
  const help = el(
    "p",
    { id: "pg-help", class: "pg-help" },
    kbd("Tab"), " indents and ", kbd("Shift"), "+", kbd("Tab"), " dedents the selected lines; ",
    kbd("Ctrl"), "+", kbd("Enter"), " (", kbd("⌘"), "+", kbd("Enter"), " on a Mac) runs. ",
    "To leave the editor with the keyboard, press ", kbd("Esc"), ", then ", kbd("Tab"), ".",
  );
  root.replaceChildren(
    toolbar,
    ui.notice,
    ui.tokenField,
    el("div", { class: "pg-editor" }, ui.gutter, ui.code),
    help,
    el("h3", { class: "visually-hidden", id: "pg-output-title" }, "Output"),
    ui.output,
    ui.error,
  );
  return ui;
}
