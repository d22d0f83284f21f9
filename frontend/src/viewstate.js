// One reader's sort and filter of a sheet (docs/protocol.md, "Views (sort and
// filter)"): the spec this tab asks the server for, its words for the filter
// bar ("Sorted by Price ↓", "Amount > 100"), the operators each column type
// takes and the values a filter form may hold. Kept per tab (and per sheet in
// sessionStorage, so a reload keeps it); other tabs see nothing. No DOM.
import { readDate, readNumber } from './typedinput.js';

export const MAX_FILTERS = 20; // as the server allows (sheets/viewspec.py)
const MAX_TEXT = 200;

/** Operators by the type a column filters as, in the order the form offers them. */
export const OPERATORS = {
  text: ['contains', 'is', 'is_empty', 'not_empty'],
  number: ['=', '!=', '<', '<=', '>', '>=', 'between', 'is_empty', 'not_empty'],
  date: ['before', 'after', 'between', 'is_empty', 'not_empty'],
  checkbox: ['checked', 'not_checked'],
};

/** How an operator reads in the form and the bar. */
export const OPERATOR_LABELS = {
  contains: 'contains', is: 'is', '=': '=', '!=': '≠', '<': '<', '<=': '≤', '>': '>', '>=': '≥',
  between: 'between', before: 'before', after: 'after', is_empty: 'is empty', not_empty: 'is not empty',
  checked: 'is checked', not_checked: 'is not checked',
};

const NO_VALUE = new Set(['is_empty', 'not_empty', 'checked', 'not_checked']);

/** The operator takes a value (`between`: two). */
export const takesValue = (op) => !NO_VALUE.has(op);

/** The type a column filters and sorts as: a formula's result type; one with no single type, text. */
export function filterType(col) {
  const type = col && col.type === 'formula' ? col.resultType : col && col.type;
  return OPERATORS[type] ? type : 'text';
}

function readOne(type, text, prefs) {
  const t = String(text ?? '').trim();
  if (!t) return { error: 'Enter a value.' };
  if (type === 'number') {
    const n = readNumber(t, prefs?.decimal || '.');
    return n === null || !Number.isFinite(Number(n)) ? { error: `“${t}” is not a number.` } : { value: Number(n) };
  }
  if (type === 'date') {
    const d = readDate(t, prefs?.dateOrder || 'YMD');
    return d === null ? { error: `“${t}” is not a date (e.g. 2027-03-15).` } : { value: d };
  }
  return t.length > MAX_TEXT ? { error: `At most ${MAX_TEXT} characters.` } : { value: t };
}

/**
 * A filter from the form's fields: {filter} or {error} (what to tell the
 * user). `texts`: what was typed, one or (between) two values; `prefs`: how
 * the user writes numbers and dates (typedinput.js).
 */
export function readFilter(col, op, texts = [], prefs = null) {
  const type = filterType(col);
  if (!col || !OPERATORS[type].includes(op)) return { error: 'Choose a condition.' };
  const filter = { column: col.id, op };
  if (!takesValue(op)) return { filter };
  if (op === 'between') {
    const [low, high] = [readOne(type, texts[0], prefs), readOne(type, texts[1], prefs)];
    if (low.error || high.error) return { error: low.error || high.error };
    if (low.value > high.value) return { error: 'The first value must not be above the second.' };
    return { filter: { ...filter, value: [low.value, high.value] } };
  }
  const one = readOne(type, texts[0], prefs);
  return one.error ? one : { filter: { ...filter, value: one.value } };
}

const shown = (v) => (typeof v === 'number' ? new Intl.NumberFormat('en-US', { maximumFractionDigits: 10 }).format(v) : `“${v}”`);

/** "Amount > 100", "Due between 2026-01-01 and 2026-03-31", "Done is checked". */
export function filterText(filter, name) {
  const op = OPERATOR_LABELS[filter.op] || filter.op;
  if (!takesValue(filter.op)) return `${name} ${op}`;
  if (filter.op === 'between') return `${name} between ${shown(filter.value[0])} and ${shown(filter.value[1])}`;
  return `${name} ${op} ${shown(filter.value)}`;
}

/** "Sorted by Price ↓" */
export const sortText = (sort, name) => `Sorted by ${name} ${sort.dir === 'desc' ? '↓' : '↑'}`;

export class ViewState {
  /** `storage` (sessionStorage) and `key`: where this tab keeps the view of this sheet. */
  constructor({ storage = null, key = null } = {}) {
    Object.assign(this, { storage, key });
    this.sort = null; // {column, dir}
    this.filters = [];
    this._load();
  }

  /** A sort or a filter is set: the tab shows the server's view rows. */
  get active() { return !!this.sort || this.filters.length > 0; }

  sortBy(column, dir) { this.sort = { column, dir: dir === 'desc' ? 'desc' : 'asc' }; this._save(); }

  /** A filter of a column replaces that column's filter with the same operator; false: too many. */
  addFilter(filter) {
    const rest = this.filters.filter((f) => !(f.column === filter.column && f.op === filter.op));
    if (rest.length >= MAX_FILTERS) return false;
    this.filters = [...rest, filter];
    this._save();
    return true;
  }

  clearSort() { this.sort = null; this._save(); }

  removeFilter(index) { this.filters = this.filters.filter((_, i) => i !== index); this._save(); }

  clearAll() { this.sort = null; this.filters = []; this._save(); }

  /** Columns that are gone leave the view; true when something went. */
  keepColumns(has) {
    const before = this.filters.length + (this.sort ? 1 : 0);
    if (this.sort && !has(this.sort.column)) this.sort = null;
    this.filters = this.filters.filter((f) => has(f.column));
    const changed = before !== this.filters.length + (this.sort ? 1 : 0);
    if (changed) this._save();
    return changed;
  }

  /** The `view=` spec (sheets/viewspec.py). */
  spec() {
    const spec = {};
    if (this.sort) spec.sort = [{ column: this.sort.column, dir: this.sort.dir }];
    if (this.filters.length) spec.filters = this.filters.map((f) => ({ ...f }));
    return spec;
  }

  /** What the filter bar lists: [{kind: 'sort'|'filter', index, text}] with column names from `nameOf(id)`. */
  items(nameOf) {
    const out = [];
    if (this.sort) out.push({ kind: 'sort', index: 0, text: sortText(this.sort, nameOf(this.sort.column)) });
    this.filters.forEach((f, index) => out.push({ kind: 'filter', index, text: filterText(f, nameOf(f.column)) }));
    return out;
  }

  _save() {
    if (!this.storage || !this.key) return;
    try {
      if (this.active) this.storage.setItem(this.key, JSON.stringify(this.spec()));
      else this.storage.removeItem(this.key);
    } catch { /* storage full or off: the view lasts as long as the page */ }
  }

  _load() {
    if (!this.storage || !this.key) return;
    try {
      const spec = JSON.parse(this.storage.getItem(this.key) || '{}');
      const [sort] = Array.isArray(spec.sort) ? spec.sort : [];
      if (sort && typeof sort.column === 'string') this.sort = { column: sort.column, dir: sort.dir === 'desc' ? 'desc' : 'asc' };
      if (Array.isArray(spec.filters)) this.filters = spec.filters.filter((f) => f && typeof f.column === 'string' && typeof f.op === 'string');
    } catch { /* nothing kept, or not ours: no view */ }
  }
}
