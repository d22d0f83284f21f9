// Whether a row a tab holds passes a view's filters, as the server decides it
// (docs/protocol.md, "Views (sort and filter)"): the tab greys a held row
// that an edit took out of the view until the view is refreshed. No DOM.
import { filterType } from './viewstate.js';

const isEmpty = (v) => v === null || v === undefined || v === '';
// A date formula's date and time compares by its day.
const dayOf = (v) => (typeof v === 'string' && /^\d{4}-\d{2}-\d{2}/.test(v) ? v.slice(0, 10) : null);

function passes(type, op, v, want) {
  if (op === 'is_empty') return isEmpty(v);
  if (op === 'not_empty') return !isEmpty(v);
  if (op === 'checked') return v === true;
  if (op === 'not_checked') return v !== true;
  if (type === 'number') {
    if (op === '!=') return v !== want; // every row not holding that number, empty cells too
    if (typeof v !== 'number') return false;
    switch (op) {
      case '=': return v === want;
      case '<': return v < want;
      case '<=': return v <= want;
      case '>': return v > want;
      case '>=': return v >= want;
      case 'between': return v >= want[0] && v <= want[1];
      default: return false;
    }
  }
  if (type === 'date') {
    const d = dayOf(v);
    if (d === null) return false;
    if (op === 'before') return d < want;
    if (op === 'after') return d > want;
    return op === 'between' && d >= want[0] && d <= want[1];
  }
  if (typeof v !== 'string') return false;
  const text = v.toLowerCase();
  if (op === 'contains') return text.includes(String(want).toLowerCase());
  return op === 'is' && text === String(want).toLowerCase();
}

/**
 * True when the row passes every filter (AND). `valueOf(colId)`: the value the
 * tab shows in the row (a pending edit included); `columnOf(id)`: the column,
 * or null (a filter of a column gone passes: the server drops it too).
 */
export function rowPasses(filters, valueOf, columnOf) {
  return filters.every((f) => {
    const col = columnOf(f.column);
    return !col || passes(filterType(col), f.op, valueOf(f.column), f.value);
  });
}
