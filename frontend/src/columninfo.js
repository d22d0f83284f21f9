// What a column says besides its name and type: a formula column's formula
// and result type, the footer summary and its total (docs/protocol.md,
// "Formula columns and totals"), and how the grid words them. The server
// computes every value and total; nothing here evaluates a formula. No DOM.
import { readWrap } from './columnwrap.js';
import { formatNumber, readNumberFormat, takesNumberFormat } from './numberformat.js';

const NUMBER = new Intl.NumberFormat('en-US', { maximumFractionDigits: 10 });

/** A column of the snapshot or of an event, as the store keeps it. */
export function columnFromSpec(spec) {
  const col = { id: spec.id, name: spec.name, type: spec.type };
  setColumnInfo(col, spec);
  return col;
}

/**
 * The formula, result type, summary, width and number format of `spec` onto
 * `col` (a total only if `spec` has one). A width is pixels set for everyone;
 * null: the grid's default. A number format (numberformat.js) only changes
 * how numbers are drawn; null: as stored.
 */
export function setColumnInfo(col, spec) {
  col.formula = spec.type === 'formula' && typeof spec.formula === 'string' ? spec.formula : null;
  col.width = Number.isInteger(spec.width) && spec.width > 0 ? spec.width : null;
  col.numberFormat = readNumberFormat(spec.number_format);
  col.wrap = readWrap(spec);
  col.resultType = spec.type === 'formula' ? spec.result_type || null : null;
  col.summary = spec.summary || null;
  if ('total' in spec) col.total = spec.total ?? null;
  else if (!col.summary) col.total = null;
}

export const isFormula = (col) => !!col && col.type === 'formula';

/**
 * What an event computed besides its own writes: `formulas` shown anew and
 * `totals`. Returns {structure, totals}: whether headers or footers changed.
 */
export function applyComputed(columnOf, event) {
  const changed = { structure: false, totals: false };
  for (const [id, shown] of Object.entries(event.formulas || {})) {
    const col = columnOf(id);
    if (!col || !shown) continue;
    col.formula = shown.formula ?? null;
    col.resultType = shown.result_type || null;
    changed.structure = true;
  }
  for (const [id, total] of Object.entries(event.totals || {})) {
    const col = columnOf(id);
    if (!col) continue;
    col.total = total ?? null;
    changed.totals = true;
  }
  return changed;
}

/** A total as the footer writes it: numbers grouped ("1,234.5"), dates as they are, nothing as "—". */
export function formatTotal(kind, total) {
  if (total === null || total === undefined) return '—';
  if (typeof total === 'number') return kind === 'percent_checked' ? `${NUMBER.format(total)}%` : NUMBER.format(total);
  return String(total);
}

// Totals in the column's own units (a sum of prices is a price), written in its number format; counts stay counts.
const IN_COLUMN_UNITS = new Set(['sum', 'average', 'min', 'max']);

/**
 * The footer's text of a column ("Sum 1,234"), or '' without a summary.
 * `labels`: [[kind, label]] as the page's sheet-config has them (the server's list);
 * `locale`: the language a number format is written in (the browser's).
 */
export function summaryText(col, labels = [], locale = globalThis.navigator?.language) {
  if (!col || !col.summary) return '';
  const found = labels.find(([kind]) => kind === col.summary);
  const formatted = col.numberFormat && IN_COLUMN_UNITS.has(col.summary) && takesNumberFormat(col) && typeof col.total === 'number';
  const total = formatted ? formatNumber(col.total, col.numberFormat, locale) : formatTotal(col.summary, col.total);
  return `${found ? found[1] : col.summary} ${total}`;
}

// What a plain column's header shows of its type: a short mark, and its name for screen readers.
const TYPE_LABELS = {
  text: { mark: 'Aa', name: 'Text column' },
  number: { mark: '#', name: 'Number column' },
  date: { mark: null, name: 'Date column' }, // a calendar drawn by columnheader.js
  checkbox: { mark: '\u2611', name: 'Checkbox column' },
};

/** {mark, name} of the type a plain column's header shows; null for a formula column (marked ƒ). */
export function typeLabel(col) {
  return (col && TYPE_LABELS[col.type]) || null;
}

/** The header's title of a formula column ("Formula column: =[Price] * [Qty]"), or ''. */
export function headerTitle(col) {
  if (!isFormula(col)) return '';
  return `Formula column: ${col.formula || '(no formula)'}`;
}

/** An error value of a formula cell ({error, message}) as {code, message}; null for any other value. */
export function cellError(value) {
  if (!value || typeof value !== 'object' || typeof value.error !== 'string') return null;
  return { code: value.error, message: typeof value.message === 'string' ? value.message : '' };
}

/** What the grid shows for a committed value: an error cell shows its code. */
export function shownValue(value) {
  const error = cellError(value);
  return error ? error.code : value;
}

/** A value typed into a plain column that a user may have meant as a formula. */
export function looksLikeFormula(col, value) {
  return !!col && !isFormula(col) && typeof value === 'string' && value.trimStart().startsWith('=');
}
