// Blocks of rows in the committed store (committed.js): a tab on a big sheet
// holds only some rows, fetched in blocks (row windows) as the user scrolls or
// jumps, and places the rows it does not hold by their position (rowlayout.js;
// docs/protocol.md, "Holding only some rows"). No DOM.
import { splitKey } from './committed.js';
import { heldRowAfter, mergeBlock, setRowValue, withoutRows } from './rowlayout.js';

const RECENT_EVENTS = 1000; // kept to bring a block read a little earlier up to date
// Events a block read before them can be brought through: they change values, not which rows exist.
const REPLAYABLE = new Set(['cells.changed', 'column.updated', 'sheet.renamed', 'sheet.frozen', 'view.saved', 'view.deleted']);

/** An event the store applied, kept for blocks read before it. */
export function rememberEvent(store, event) {
  store.recent.push(event);
  if (store.recent.length > RECENT_EVENTS) store.recent.splice(0, store.recent.length - RECENT_EVENTS);
}

/** The block's rows as store records ({id, pos, values}), values of the columns the tab knows. */
export function recordsOfBlock(block, column) {
  const ids = block.columns || [];
  const known = ids.map((id) => (column(id) ? id : null));
  return (block.rows || []).map((r) => {
    const values = {};
    for (let i = 0; i < known.length; i += 1) {
      const v = r[i + 2];
      if (known[i] !== null && v !== null && v !== undefined) values[known[i]] = v;
    }
    return { id: r[0], pos: r[1], values };
  });
}

/**
 * Bring block records read at `seq` up to `to` with the events the store
 * applied since (`recent`). False when those events are not all there, or one
 * of them inserts or deletes rows or columns: the block is fetched again.
 */
export function replayOnto(records, seq, recent, to) {
  const events = recent.filter((e) => e.seq > seq && e.seq <= to);
  if (events.length !== to - seq || events.some((e) => !REPLAYABLE.has(e.type))) return false;
  const byId = new Map(records.map((r) => [r.id, r]));
  const set = (row, colId, value) => { if (row) setRowValue(row, colId, value); };
  for (const e of events) {
    if (e.type === 'cells.changed') for (const c of e.changes || []) set(byId.get(c.row), c.col, c.value);
    if (e.type === 'column.updated' && e.column) {
      for (const [rowId, value] of Object.entries(e.values || {})) set(byId.get(rowId), e.column.id, value);
    }
  }
  return true;
}

/** See CommittedStore.mergeBlock. */
export function mergeBlockInto(store, block) {
  if (store.closed || !store.loaded || !block || !Number.isInteger(block.seq)) return 'stale';
  if (block.seq > store.lastSeq) {
    store.heldBlocks.push(block);
    store.saw(block.seq);
    store.noteStanding();
    return 'held';
  }
  const records = recordsOfBlock(block, (id) => store.column(id));
  if (block.seq < store.lastSeq && !replayOnto(records, block.seq, store.recent, store.lastSeq)) return 'stale';
  const byId = new Map(records.map((r) => [r.id, r]));
  const merged = mergeBlock(store.rows, store.tail, block, (r) => byId.get(r[0]));
  if (!merged) return 'stale';
  store.feed.batch(() => {
    store.rows = merged.rows.filter((r) => !store.local.hides(r.id));
    store.tail = merged.tail;
    store._structure();
  });
  return 'merged';
}

/**
 * Let go of held rows outside grid rows [first, last] (they become counted
 * rows again, fetched when the user comes back), except rows this tab made
 * and rows with a pending or refused value of this tab: those stay in sight.
 * So a tab scrolled through a million rows holds about what it shows.
 */
export function releaseFar(store, first, last, pending) {
  const keep = new Set();
  for (const key of pending.cells.keys()) keep.add(splitKey(key)[0]);
  for (const [rowId] of pending.refused.list()) keep.add(rowId);
  const { visuals } = store.layout();
  const far = (r, i) => (visuals[i] < first || visuals[i] > last) && !r.local && !keep.has(r.id);
  const { rows, tail } = withoutRows(store.rows, store.tail, far, { counted: true });
  if (rows.length === store.rows.length) return;
  store.feed.batch(() => {
    Object.assign(store, { rows, tail });
    store._structure();
  });
}

/** Blocks read ahead of the tab that it has now reached. */
export function mergeReadyBlocks(store) {
  const ready = store.heldBlocks.filter((b) => b.seq <= store.lastSeq);
  store.heldBlocks = store.heldBlocks.filter((b) => b.seq > store.lastSeq);
  for (const b of ready) store.mergeBlock(b);
}

/**
 * Inserted rows (a rows.inserted event's specs) whose place this tab does not
 * hold are counted in the gap their position says; the others are returned, to
 * be placed by their `after` as usual.
 */
export function placeUnheld(store, specs) {
  const ids = new Set(specs.map((s) => s.id));
  const heldNow = new Set();
  return specs.filter((s) => {
    const anchored = s.after == null || heldNow.has(s.after) || (!ids.has(s.after) && store.row(s.after)) || store.row(s.id);
    if (anchored || typeof s.position !== 'number') { heldNow.add(s.id); return true; }
    const i = heldRowAfter(store.rows, s.position, s.id);
    if (i < store.rows.length) store.rows[i].gap = (store.rows[i].gap || 0) + 1;
    else store.tail += 1;
    store._structure();
    return false;
  });
}

/** Deleted rows this tab does not hold leave their gap (rows.deleted carries their positions). */
export function countUnheldDeletes(store, e) {
  const positions = e.positions || [];
  (e.rows || []).forEach((id, k) => {
    if (store.row(id) || typeof positions[k] !== 'number') return;
    const i = heldRowAfter(store.rows, positions[k], id);
    const gap = i < store.rows.length ? store.rows[i].gap || 0 : store.tail;
    if (gap < 1) { store.guessing = true; return; }
    if (i < store.rows.length) store.rows[i].gap = gap - 1;
    else store.tail = gap - 1;
    store._structure();
  });
}
