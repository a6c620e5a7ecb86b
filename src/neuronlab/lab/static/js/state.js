// Widget state in the URL, so every experiment is a link.
//
// Each widget owns a prefix: the trainer's points live in ?trainer.points=500. Only values
// that differ from the defaults are written, so a fresh page has a clean address.
//
//   const state = readState("trainer", defaults);   // typed like the defaults
//   writeState("trainer", state, defaults);         // replaceState, no history spam
//   shareURL("trainer")                             // the address, scrolled to #trainer
//
// A list (the trainer's input features) is written with commas: ?trainer.features=sin_x1,x1_squared.

function key(prefix, name) {
  return `${prefix}.${name}`;
}

function parse(text, fallback) {
  if (Array.isArray(fallback)) return text.split(",").filter((item) => item !== "");
  if (typeof fallback === "number") {
    const value = Number(text);
    return text !== "" && Number.isFinite(value) ? value : fallback;
  }
  if (typeof fallback === "boolean") {
    if (text === "1" || text === "true") return true;
    if (text === "0" || text === "false") return false;
    return fallback;
  }
  return text;
}

function format(value) {
  if (Array.isArray(value)) return value.join(",");
  if (typeof value === "boolean") return value ? "1" : "0";
  return String(value);
}

/** Values of `defaults`' keys found in the URL under `prefix.`, typed like the defaults. */
export function readState(prefix, defaults) {
  const params = new URLSearchParams(location.search);
  const state = { ...defaults };
  for (const [name, fallback] of Object.entries(defaults)) {
    const text = params.get(key(prefix, name));
    if (text !== null) state[name] = parse(text, fallback);
  }
  return state;
}

/** Write `values` under `prefix.` (dropping those equal to the defaults); keeps the rest. */
export function writeState(prefix, values, defaults = {}) {
  const params = new URLSearchParams(location.search);
  for (const name of Object.keys({ ...defaults, ...values })) {
    const value = values[name];
    if (value === undefined || value === null || format(value) === format(defaults[name])) {
      params.delete(key(prefix, name));
    } else {
      params.set(key(prefix, name), format(value));
    }
  }
  const query = params.toString().replaceAll("%2C", ","); // a list reads as one: a,b,c
  const url = `${location.pathname}${query ? `?${query}` : ""}${location.hash}`;
  if (url !== `${location.pathname}${location.search}${location.hash}`) {
    history.replaceState(history.state, "", url);
  }
}

/** The current address with `#anchor`: the link a teacher shares. */
export function shareURL(anchor, search = location.search) {
  const hash = anchor ? `#${anchor}` : location.hash;
  return `${location.origin}${location.pathname}${search}${hash}`;
}

/** The page's own settings in the address, outside any widget's prefix: ?present=1, ?sections=trainer. */
export function pageParam(name) {
  return new URLSearchParams(location.search).get(name);
}

/** Set (or, with null, remove) a page setting in the address, without a new history entry. */
export function setPageParam(name, value) {
  const params = new URLSearchParams(location.search);
  if (value === null || value === undefined || value === "") params.delete(name);
  else params.set(name, String(value));
  const query = params.toString();
  history.replaceState(history.state, "", `${location.pathname}${query ? `?${query}` : ""}${location.hash}`);
}
