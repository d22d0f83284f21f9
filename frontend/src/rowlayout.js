// Where the rows a tab holds sit among the sheet's rows. A tab on a big sheet
// holds only some rows (blocks of row windows, docs/protocol.md "Holding only
// some rows"): each held row record carries `gap`, the number of rows the tab
// does not hold just before it, and the store keeps `tail`, the rows after the
// last held one. A tab that holds every row has no gaps and a tail of 0. Rows
// this tab made whose insert is not committed (`local`) sit right after the
// row before them and have no gap. No DOM: Node's test runner covers it.

/** (position, id) order, as the server orders rows: position, then the id. */
export function compareKeys(posA, idA, posB, idB) {
  if (posA !== posB) return posA < posB ? -1 : 1;
  if (idA === idB) return 0;
  return idA < idB ? -1 : 1;
}

/**
 * Where each held row shows: {count, rowPos: id -> grid row, visuals: grid row
 * of each held row (ascending), localVisuals: grid rows of local rows, serverCount}.
 */
export function layoutRows(rows, tail) {
  const rowPos = new Map();
  const visuals = new Array(rows.length);
  const localVisuals = [];
  let v = 0;
  let gaps = 0;
  rows.forEach((r, i) => {
    const gap = r.gap || 0;
    v += gap;
    gaps += gap;
    rowPos.set(r.id, v);
    visuals[i] = v;
    if (r.local) localVisuals.push(v);
    v += 1;
  });
  return { count: v + tail, rowPos, visuals, localVisuals, serverCount: v + tail - localVisuals.length, partial: gaps + tail > 0 };
}

/** The first grid row in [from, to] that is not held, or null. */
export function firstUnheld(layout, from, to) {
  const { visuals } = layout;
  let v = Math.max(0, from);
  let lo = 0;
  let hi = visuals.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (visuals[mid] < v) lo = mid + 1; else hi = mid;
  }
  for (let i = lo; i < visuals.length && visuals[i] === v && v <= to; i += 1) v += 1;
  return v <= Math.min(to, layout.count - 1) ? v : null;
}

/** The server's row number of grid row `v` (local rows above it are not the server's). */
export function serverRowNumber(layout, v) {
  let n = 0;
  for (const lv of layout.localVisuals) if (lv < v) n += 1;
  return v - n;
}

/**
 * The index of the first held row after (pos, id) in server order, or
 * rows.length when it falls after every held row (into the tail). Local rows
 * have no position: they are passed over (they stay with the row before them).
 */
export function heldRowAfter(rows, pos, id) {
  let lo = 0;
  let hi = rows.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    let k = mid;
    while (k < hi && typeof rows[k].pos !== 'number') k += 1; // a local row: the next one with a key
    if (k === hi) { hi = mid; continue; }
    if (compareKeys(rows[k].pos, rows[k].id, pos, id) > 0) hi = mid; else lo = k + 1;
  }
  while (lo < rows.length && typeof rows[lo].pos !== 'number') lo += 1;
  return lo;
}

/**
 * Held rows with a block merged in: `block` is {first, row_count, rows:
 * [[id, position, …]]} read at the tab's version, `makeRecord(array)` the
 * record of a new row. Null when the block does not fit what the tab holds
 * (another row count, another row at one of its row numbers): fetch it again.
 */
export function mergeBlock(rows, tail, block, makeRecord) {
  const serverCount = layoutRows(rows, tail).serverCount;
  const first = block.first;
  const incoming = block.rows || [];
  if (block.row_count !== serverCount || !Number.isInteger(first)) return null;
  const out = [];
  const nums = []; // server row number of each out row (-1: a local row)
  let num = 0;
  let b = 0;
  const take = (n) => {
    while (b < incoming.length && first + b < n) { out.push(makeRecord(incoming[b])); nums.push(first + b); b += 1; }
  };
  for (const r of rows) {
    if (r.local) { out.push(r); nums.push(-1); continue; }
    num += r.gap || 0;
    take(num);
    if (b < incoming.length && first + b === num) {
      if (incoming[b][0] !== r.id) return null;
      r.pos = incoming[b][1];
      b += 1;
    }
    out.push(r);
    nums.push(num);
    num += 1;
  }
  take(Infinity);
  let prev = -1;
  out.forEach((r, i) => {
    if (nums[i] < 0) { if (r.gap) r.gap = 0; return; }
    const gap = nums[i] - prev - 1;
    if (gap) r.gap = gap; else if (r.gap) r.gap = 0;
    prev = nums[i];
  });
  return { rows: out, tail: serverCount - prev - 1 };
}

/**
 * Held rows without those `drop(row, index)` picks; each one's gap goes to the
 * next held row (or the tail). `counted`: the dropped rows are still the
 * sheet's, now not held (each one more in the gap); else they are gone.
 * {rows, tail}.
 */
export function withoutRows(rows, tail, drop, { counted = false } = {}) {
  let carry = 0;
  const kept = rows.filter((r, i) => {
    if (drop(r, i)) { carry += (r.gap || 0) + (counted ? 1 : 0); return false; }
    if (carry) { r.gap = (r.gap || 0) + carry; carry = 0; }
    return true;
  });
  return { rows: kept, tail: tail + carry };
}

/** A row record's committed value of a column; null or undefined: empty. */
export function setRowValue(row, colId, value) {
  if (value === null || value === undefined) delete row.values[colId];
  else row.values[colId] = value;
}
