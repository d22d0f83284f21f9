// A view's count when it comes after the view's first block (viewrows.js):
// whether it still counts the rows held, and the view's rows sized to it. No DOM.

/**
 * Nothing the store applied between versions `from` and `to` (its `recent`
 * events) can add rows to a view with these filters or take rows out: only
 * values of columns it does not filter changed.
 */
export function sameCount(filters, recent, from, to) {
  if (from === to) return true;
  const lo = Math.min(from, to);
  const hi = Math.max(from, to);
  const events = recent.filter((e) => e.seq > lo && e.seq <= hi);
  if (events.length !== hi - lo) return false; // a snapshot came between: anything may have moved
  const filtered = new Set(filters.map((f) => f.column));
  return events.every((e) => (e.type === 'cells.changed' && (e.changes || []).every((c) => !filtered.has(c.col)))
    || (e.type === 'column.updated' && !!e.column && !filtered.has(e.column.id)));
}

/**
 * The view's slots (records, undefined where not read; `mine` of them rows
 * this tab added, which the server does not count) sized to the server's
 * `count`: unread slots dropped from the end, or added. False when rows read
 * lie past the count (the slots no longer match the server's rows).
 */
export function fitToCount(slots, mine, count) {
  const length = count + mine;
  for (let v = length; v < slots.length; v += 1) if (slots[v] !== undefined) return false;
  slots.length = length;
  return true;
}
