// The playground's editor: a textarea with line numbers, Tab / Shift+Tab to indent and
// dedent the selected lines, Enter that keeps (and after a colon adds) Python's indentation,
// Ctrl+Enter (Cmd+Enter) to run, and Escape then Tab to leave the editor by keyboard.

const INDENT = "    ";

/** Replace [start, end) with text, keeping the browser's undo history where it can. */
function replaceRange(textarea, start, end, text) {
  textarea.focus();
  textarea.setSelectionRange(start, end);
  let done = false;
  try {
    done = document.execCommand("insertText", false, text);
  } catch {
    done = false;
  }
  if (!done || textarea.value.slice(start, start + text.length) !== text) {
    textarea.setRangeText(text, start, end, "end");
    textarea.dispatchEvent(new Event("input", { bubbles: true }));
  }
}

function lineStartOf(value, position) {
  return value.lastIndexOf("\n", position - 1) + 1;
}

/** Tab / Shift+Tab on the selected lines (or at the caret). */
function indent(textarea, outwards) {
  const { value, selectionStart: start, selectionEnd: end } = textarea;
  const first = lineStartOf(value, start);
  const several = value.slice(start, end).includes("\n");
  if (!several && !outwards) {
    const column = start - first;
    replaceRange(textarea, start, end, " ".repeat(INDENT.length - (column % INDENT.length)));
    return;
  }
  const blockEnd = end > start && value[end - 1] === "\n" ? end - 1 : end;
  const newline = value.indexOf("\n", blockEnd);
  const last = newline === -1 ? value.length : newline;
  const lines = value.slice(first, last).split("\n");
  const changed = lines.map((line) => (outwards ? line.replace(/^( {1,4}|\t)/, "") : INDENT + line));
  const text = changed.join("\n");
  if (text === value.slice(first, last)) return;
  replaceRange(textarea, first, last, text);
  if (several) {
    textarea.setSelectionRange(first, first + text.length);
  } else {
    const moved = lines[0].length - changed[0].length;
    const caret = Math.max(first, start - moved);
    textarea.setSelectionRange(caret, caret);
  }
}

/** Enter keeps the line's indentation, one level more after a colon. */
function newlineWithIndent(textarea) {
  const { value, selectionStart: start, selectionEnd: end } = textarea;
  const line = value.slice(lineStartOf(value, start), start);
  let leading = line.match(/^[ \t]*/)[0];
  if (/:\s*(#.*)?$/.test(line)) leading += INDENT;
  replaceRange(textarea, start, end, `\n${leading}`);
}

export function makeEditor(textarea, gutter, { onRun, onChange }) {
  let lineCount = 0;
  let leaving = false; // after Esc, Tab moves the focus instead of indenting
  const numberLines = () => {
    const count = textarea.value.split("\n").length;
    if (count !== lineCount) {
      lineCount = count;
      gutter.textContent = Array.from({ length: count }, (_, i) => i + 1).join("\n");
    }
    gutter.scrollTop = textarea.scrollTop;
  };
  textarea.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      onRun();
      return;
    }
    if (event.key === "Escape") {
      leaving = true;
      return;
    }
    if (event.key === "Tab" && !leaving && !event.altKey && !event.ctrlKey && !event.metaKey) {
      event.preventDefault();
      indent(textarea, event.shiftKey);
      return;
    }
    if (event.key === "Enter" && !event.shiftKey && !event.altKey && !event.isComposing) {
      event.preventDefault();
      newlineWithIndent(textarea);
    }
    // a modifier pressed on its own (the Shift of Shift+Tab) does not cancel the Esc
    if (!["Tab", "Shift", "Control", "Alt", "Meta"].includes(event.key)) leaving = false;
  });
  textarea.addEventListener("blur", () => {
    leaving = false;
  });
  textarea.addEventListener("input", () => {
    numberLines();
    onChange(textarea.value);
  });
  textarea.addEventListener("scroll", () => {
    gutter.scrollTop = textarea.scrollTop;
  });
  return {
    get value() {
      return textarea.value;
    },
    set value(text) {
      textarea.value = text;
      textarea.scrollTop = 0;
      numberLines();
    },
  };
}
