// One reader's sort and filter of a sheet (docs/protocol.md, "Views (sort and
// filter)"): the spec this tab asks the server for, its words for the filter
// bar ("Sorted by Price ↓", "Amount > 100"), the operators each column type
// takes and the values a filter form may hold. Kept per tab (and per sheet in
// sessionStorage, so a reload keeps it); other tabs see nothing, unless the tab
// is on a shared view (sharedviews.js), whose spec it then holds. No DOM.
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

export const MAX_SORT_KEYS = 5; // as the server allows (sheets/viewspec.py)

/** "then by Name ↑": a later sort key, as the bar lists it. */
export const thenText = (sort, name) => `then by ${name} ${sort.dir === 'desc' ? '↓' : '↑'}`;

const cleanSorts = (list) => (Array.isArray(list) ? list : [])
  .filter((k) => k && typeof k.column === 'string')
  .map((k) => ({ column: k.column, dir: k.dir === 'desc' ? 'desc' : 'asc' }))
  .slice(0, MAX_SORT_KEYS);
const cleanFilters = (list) => (Array.isArray(list) ? list : []).filter((f) => f && typeof f.column === 'string' && typeof f.op === 'string');
const cleanIds = (list) => (Array.isArray(list) ? list.filter((id) => typeof id === 'string') : []);

export class ViewState {
  /** `storage` (sessionStorage) and `key`: where this tab keeps the view of this sheet. */
  constructor({ storage = null, key = null } = {}) {
    Object.assign(this, { storage, key });
    this.sorts = []; // [{column, dir}], the first key first
    this.filters = [];
    this.hidden = []; // a shared view's hidden columns and column order, kept as chosen
    this.order = [];
    this.shared = null; // the id of the shared view this tab is on (sharedviews.js); null: its own view
    this.copyOf = null; // the name of the shared view this tab's own view was copied from
    this._load();
  }

  /** The first sort key (or null). */
  get sort() { return this.sorts[0] || null; }

  /** A sort or a filter is set: the tab shows the server's view rows. */
  get active() { return this.sorts.length > 0 || this.filters.length > 0; }

  /** Sort by this column only. */
  sortBy(column, dir) { this.sorts = [{ column, dir: dir === 'desc' ? 'desc' : 'asc' }]; this._save(); }

  /** Then sort by this column (a later key; its earlier key goes); false: at most MAX_SORT_KEYS. */
  thenSortBy(column, dir) {
    const rest = this.sorts.filter((k) => k.column !== column);
    if (rest.length >= MAX_SORT_KEYS) return false;
    this.sorts = [...rest, { column, dir: dir === 'desc' ? 'desc' : 'asc' }];
    this._save();
    return true;
  }

  /** A filter of a column replaces that column's filter with the same operator; false: too many. */
  addFilter(filter) {
    const rest = this.filters.filter((f) => !(f.column === filter.column && f.op === filter.op));
    if (rest.length >= MAX_FILTERS) return false;
    this.filters = [...rest, filter];
    this._save();
    return true;
  }

  clearSort() { this.sorts = []; this._save(); }

  removeSort(index) { this.sorts = this.sorts.filter((_, i) => i !== index); this._save(); }

  removeFilter(index) { this.filters = this.filters.filter((_, i) => i !== index); this._save(); }

  clearAll() { this.sorts = []; this.filters = []; this._save(); }

  /** Hide a column in this tab's view (the grid keeps at least one: the caller checks). */
  hideColumn(column) { if (!this.hidden.includes(column)) this.hidden = [...this.hidden, column]; this._save(); }

  showColumn(column) { this.hidden = this.hidden.filter((id) => id !== column); this._save(); }

  /** The columns shown first, in this order (columnorder.js); [] is the sheet's order. */
  setOrder(ids) { this.order = cleanIds(ids); this._save(); }

  resetOrder() { this.setOrder([]); }

  /** A shared view's spec (or null: none) becomes this tab's; `shared`: its id, `copyOf`: a copy's name. */
  setSpec(spec, { shared = null, copyOf = null } = {}) {
    this.sorts = cleanSorts(spec?.sort);
    this.filters = cleanFilters(spec?.filters).map((f) => ({ ...f }));
    this.hidden = cleanIds(spec?.hidden);
    this.order = cleanIds(spec?.order);
    Object.assign(this, { shared, copyOf });
    this._save();
  }

  /** Columns that are gone leave the view; true when something went. */
  keepColumns(has) {
    const before = this.filters.length + this.sorts.length;
    this.sorts = this.sorts.filter((k) => has(k.column));
    this.filters = this.filters.filter((f) => has(f.column));
    this.hidden = this.hidden.filter(has);
    this.order = this.order.filter(has);
    const changed = before !== this.filters.length + this.sorts.length;
    if (changed) this._save();
    return changed;
  }

  /** The `view=` spec (sheets/viewspec.py). */
  spec() {
    const spec = {};
    if (this.sorts.length) spec.sort = this.sorts.map((k) => ({ column: k.column, dir: k.dir }));
    if (this.filters.length) spec.filters = this.filters.map((f) => ({ ...f }));
    return spec;
  }

  /** The whole view as a shared view keeps it (docs/protocol.md, "Saved views"). */
  fullSpec() {
    return { sort: this.sorts.map((k) => ({ ...k })), filters: this.filters.map((f) => ({ ...f })), hidden: [...this.hidden], order: [...this.order] };
  }

  /** What the filter bar lists: [{kind: 'sort'|'filter', index, text}] with column names from `nameOf(id)`. */
  items(nameOf) {
    const out = this.sorts.map((k, index) => ({ kind: 'sort', index, text: (index ? thenText : sortText)(k, nameOf(k.column)) }));
    this.filters.forEach((f, index) => out.push({ kind: 'filter', index, text: filterText(f, nameOf(f.column)) }));
    this.hidden.forEach((id, index) => out.push({ kind: 'hidden', index, column: id, text: `${nameOf(id)} hidden` }));
    if (this.order.length) out.push({ kind: 'order', index: 0, text: 'Columns reordered' });
    return out;
  }

  _save() {
    if (!this.storage || !this.key) return;
    try {
      const kept = { ...this.fullSpec(), shared: this.shared, copyOf: this.copyOf };
      if (this.active || this.hidden.length || this.order.length || this.shared || this.copyOf) this.storage.setItem(this.key, JSON.stringify(kept));
      else this.storage.removeItem(this.key);
    } catch { /* storage full or off: the view lasts as long as the page */ }
  }

  _load() {
    if (!this.storage || !this.key) return;
    try {
      const kept = JSON.parse(this.storage.getItem(this.key) || '{}');
      this.sorts = cleanSorts(kept.sort);
      this.filters = cleanFilters(kept.filters);
      this.hidden = cleanIds(kept.hidden);
      this.order = cleanIds(kept.order);
      if (typeof kept.shared === 'string') this.shared = kept.shared;
      if (typeof kept.copyOf === 'string') this.copyOf = kept.copyOf;
    } catch { /* nothing kept, or not ours: no view */ }
  }
}
