// Numbers as the page shows them: the one place that decides digits, signs and dashes.
//
//   formatNumber(-0.5, 2)   "−0.50"  (a real minus sign; 2.1e+82 past 100,000; "–" for none)
//   formatLoss(2.1e82)      "2.10e+82"  (4 decimals, 3 significant digits past 10,000)
//   formatPercent(0.953)    "95.3%"
//   formatCount(123456)     "123,456"
//   formatCompact(459936)   "460K"
//   formatTerm(-0.41, 2)    "− 0.41"  (a term added to a sum: its sign is the operator)
//
// A value that is not a finite number (null, NaN, a loss that overflowed) reads "–".

function missing(value) {
  return value === null || value === undefined || !Number.isFinite(value);
}

/** `digits` decimals, or 3 significant digits once the size reaches `large` or drops below
 * 0.001 (a number that must fit its box and still read as huge or tiny). */
export function formatNumber(value, digits = 3, { large = 1e5 } = {}) {
  if (missing(value)) return "–";
  const size = Math.abs(value);
  const text = size >= large || (size < 1e-3 && value !== 0) ? value.toExponential(2) : value.toFixed(digits);
  return text.replaceAll("-", "−");
}

/** A term added to a sum, its sign as the operator: "+ 0.41" or "− 0.41", never "+ −0.41".
 * A term that rounds to zero reads "+ 0.00" (a "− 0.00" would be a sign without a value). */
export function formatTerm(value, digits = 3) {
  if (missing(value)) return "+ –";
  const size = formatNumber(Math.abs(value), digits);
  return /[1-9]/.test(size) && value < 0 ? `− ${size}` : `+ ${size}`;
}

/** A loss readout: 4 decimals, or 3 significant digits when very small or very large (a
 * diverging loss of 2.1e+82 must fit its box). */
export function formatLoss(value) {
  return formatNumber(value, 4, { large: 10_000 });
}

/** A fraction as a percentage readout, e.g. 0.953 -> "95.3%". */
export function formatPercent(value, digits = 1) {
  if (missing(value)) return "–";
  return `${(value * 100).toFixed(digits)}%`;
}

/** A count with thousands separators, e.g. 123456 -> "123,456". */
export function formatCount(value) {
  if (missing(value)) return "–";
  return Math.round(value).toLocaleString("en-US");
}

/** A large count in few characters, for a readout that must fit one line: 459936 -> "460K". */
export function formatCompact(value) {
  if (missing(value)) return "–";
  return value.toLocaleString("en-US", { notation: "compact", maximumSignificantDigits: 3 });
}
