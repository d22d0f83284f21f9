// The committed store: the sheet as the database holds it, as far as this tab
// knows, applied in `seq` order from the snapshot, the events of the socket,
// the events of answers and catch-up (docs/protocol.md, "Keeping a tab in
// step"). No DOM, so Node's test runner covers it as shipped.
//
// Rows and columns this tab made whose insert is not committed yet are kept in
// the same lists (marked `local` with their op id) so that the grid has one
// order to show; the pending edits (pending.js) put them there and take them
// out. Whatever this tab is deleting, what it has pending and its conflicts are
// the pending edits' to say: the store asks them through `attach`. A big
// sheet's tab holds only some of its rows (blocks.js, rowlayout.js).
import { applyComputed, columnFromSpec, setColumnInfo } from './columninfo.js';
import { ChangeFeed } from './changefeed.js';
import { layoutRows, setRowValue, withoutRows } from './rowlayout.js';
import { countUnheldDeletes, mergeBlockInto, mergeReadyBlocks, placeUnheld, rememberEvent } from './blocks.js';
import { VIEW_EVENTS, sharedViewsOf } from './sharedviews.js';

export const SEP = '\u0001';
export const cellKey = (rowId, colId) => rowId + SEP + colId;
export const splitKey = (key) => key.split(SEP);

// How each committed sheet event changes the store: the one list of event
// types the client knows (docs/adding-an-op.md, "The client").
const APPLY = {
  'cells.changed': (store, e) => {
    for (const c of e.changes || []) store._commit(store.row(c.row), c.col, c.value);
  },
  'rows.inserted': (store, e) => {
    store._applyRowsInserted(e.rows || []);
    // Every position changed: the held rows' keys are stale, the snapshot and blocks bring new ones.
    if (e.renumbered && store.partial) store.guessing = true;
  },
  'rows.deleted': (store, e) => store._applyRowsDeleted(e),
  'columns.inserted': (store, e) => store._applyColumnsInserted(e),
  'columns.deleted': (store, e) => store.removeColumns(new Set(e.columns || [])),
  'column.updated': (store, e) => store._applyColumnUpdated(e),
  'sheet.renamed': (store, e) => { store.title = e.title; store.feed.title(e.title); },
  'sheet.frozen': (store, e) => { store.frozenColumns = e.columns; store._structure(); },
  'sheet.reset': (store) => { store.resetSeen = true; }, // an import: the snapshot follows
  'columns.recomputed': (store) => { store.resetSeen = true; }, // whole formula columns: values with it
  'rows.sorted': (store) => { store.resetSeen = true; }, // every row moved (no ids on the wire): reload
  ...VIEW_EVENTS, // shared views: the store keeps them beside the sheet (sharedviews.js)
};

export const SHEET_EVENTS = new Set(Object.keys(APPLY));

// A snapshot row is {id, values}; from `?rows=arrays` [id, value per column];
// from `?rows=block` [id, position, value per column] (docs/protocol.md).
function rowFromSnapshot(r, columns, skip) {
  if (!Array.isArray(r)) return { id: r.id, values: { ...r.values } };
  const values = {};
  for (let i = skip; i < r.length; i += 1) {
    if (r[i] !== null && columns[i - skip]) values[columns[i - skip].id] = r[i];
  }
  return skip === 2 ? { id: r[0], pos: r[1], values } : { id: r[0], values };
}

// What the store asks about this tab's own edits when there are none.
const NO_LOCAL = {
  hides: () => false,
  forget: () => {},
  beforeEvent: () => null,
  afterEvent: () => {},
  afterSnapshot: () => {},
};

export class CommittedStore {
  constructor() {
    this.title = '';
    this.frozenColumns = 0; // the first columns stay in place as the grid scrolls sideways
    this.columns = []; // [{id, name, type, formula, resultType, summary, total, local?, localAfter?}] in display order
    this.rows = []; // [{id, values: {colId: committed}, local?, localAfter?}]
    this.feed = new ChangeFeed();
    this.lastSeq = null; // null until the first snapshot
    this.held = new Map(); // seq -> event not yet applicable (before the snapshot, or after a gap)
    this.knownVersion = 0; // highest version the server told us about
    // What this tab shows is a guess until the next snapshot: an event placed a
    // row or column after one this tab hides, something it hid came back, an
    // optimistic op was refused, or the change log no longer reaches back.
    this.guessing = false;
    this.resetSeen = false; // a sheet.reset (an import) was applied: only a snapshot shows the sheet now
    this.closed = false; // clear(): this tab may no longer show the sheet; nothing of it comes in again
    this.local = NO_LOCAL;
    this.tail = 0; // rows after the last one held (rowlayout.js); rows hold their `gap`
    this.recent = []; // the last events applied, oldest first (a block read before them catches up)
    this.heldBlocks = []; // blocks read at a version this tab has not reached yet
    this._layout = null;
    this._rowIdx = null;
    this._colIdx = null;
  }

  /** The pending edits (pending.js): asked about rows it hides, told what went and what was applied. */
  attach(local) { this.local = local; }

  subscribe(fn) { return this.feed.subscribe(fn); }

  get loaded() { return this.lastSeq !== null; }

  /** The server has versions this tab has not applied: a catch-up from lastSeq fills the gap. */
  get behind() { return this.loaded && this.knownVersion > this.lastSeq; }

  /** Only the snapshot brings this tab back in step. */
  get needsSnapshot() { return this.loaded && (this.resetSeen || this.guessing); }

  /** What this tab shows may differ from the database until the next snapshot. */
  markGuessing() {
    this.guessing = true;
    this.feed.sync();
  }

  // --- Lookups.
  rowIndexOf(id) {
    if (!this._rowIdx) this._rowIdx = new Map(this.rows.map((r, i) => [r.id, i]));
    const i = this._rowIdx.get(id);
    return i === undefined ? -1 : i;
  }

  colIndexOf(id) {
    if (!this._colIdx) this._colIdx = new Map(this.columns.map((c, i) => [c.id, i]));
    const i = this._colIdx.get(id);
    return i === undefined ? -1 : i;
  }

  row(id) { const i = this.rowIndexOf(id); return i < 0 ? null : this.rows[i]; }

  column(id) { const i = this.colIndexOf(id); return i < 0 ? null : this.columns[i]; }

  /** Where the held rows show among all the sheet's rows (rowlayout.js layoutRows). */
  layout() {
    if (!this._layout) this._layout = layoutRows(this.rows, this.tail);
    return this._layout;
  }

  /** Rows the grid shows: held or not. */
  get rowCount() { return this.layout().count; }

  /** This tab holds only some of the sheet's rows. */
  get partial() { return this.layout().partial; }

  /**
   * The user may no longer see the sheet: its title, rows, columns and held
   * events go, with the pending edits' marks, and nothing that comes later
   * (a late event, answer or snapshot) brings any of it back.
   */
  clear() {
    this.feed.batch(() => {
      this.closed = true;
      this.title = '';
      this.rows = [];
      this.tail = 0;
      this.columns = [];
      this.held.clear();
      this.heldBlocks = [];
      this.guessing = false;
      this.resetSeen = false;
      this.knownVersion = this.lastSeq ?? 0;
      this.local.forget(() => true);
      this._structure();
    });
  }

  // --- What comes from the server.
  /** A socket message: sheet events, heartbeats, changes.available (others are not the store's). */
  receive(msg) {
    if (!msg || typeof msg !== 'object' || this.closed) return;
    this.feed.batch(() => {
      if (SHEET_EVENTS.has(msg.type)) this.ingest(msg);
      else if (msg.type === 'sheet.heartbeat') this._saw(msg.version);
      else if (msg.type === 'changes.available') this._saw(msg.seq);
      else return;
      this.noteStanding();
    });
  }

  /** The snapshot (GET /api/sheets/<id>/). Held events newer than it are applied. */
  loadSnapshot(snap) {
    if (this.closed) return;
    this.feed.batch(() => {
      const oldRows = this.rows;
      const oldCols = this.columns;
      this.title = snap.title ?? this.title;
      this.feed.title(this.title);
      this.frozenColumns = snap.frozen_columns ?? 0;
      if (snap.views) sharedViewsOf(this).load(snap.views);
      this.columns = snap.columns.map(columnFromSpec);
      const block = 'more_after' in snap; // ?rows=block: maybe only the first rows
      this.rows = snap.rows.map((r) => rowFromSnapshot(r, this.columns, block ? 2 : 1));
      this.tail = block && snap.more_after ? Math.max(0, snap.row_count - snap.rows.length) : 0;
      this.heldBlocks = this.heldBlocks.filter((b) => b.seq > snap.version);
      this._structure();
      this.feed.totals();
      // Rows and columns this tab made whose insert is not committed yet stay
      // (placed before the ones this tab is deleting go: they may be their anchors).
      for (const c of oldCols) if (c.local && this.colIndexOf(c.id) < 0) this.placeColumn(c, c.localAfter);
      for (const r of oldRows) if (r.local && this.rowIndexOf(r.id) < 0) this.placeRows([r], r.localAfter);
      this.columns = this.columns.filter((c) => !this.local.hides(c.id));
      this.rows = this.rows.filter((r) => !this.local.hides(r.id));
      this._structure();
      this.lastSeq = snap.version;
      this.guessing = false;
      this.resetSeen = false;
      this._saw(snap.version);
      for (const seq of [...this.held.keys()]) if (seq <= snap.version) this.held.delete(seq);
      this.local.afterSnapshot(snap.version);
      this._drain();
      this.noteStanding();
    });
  }

  /** The answer of GET changes?since=. `reload`: the log no longer reaches back, only the snapshot helps. */
  applyCatchUp(answer) {
    if (this.closed) return;
    this.feed.batch(() => {
      if (answer.reload) { this.markGuessing(); return; }
      this._saw(answer.version);
      for (const event of answer.changes || []) this.ingest(event);
      this.noteStanding();
    });
  }

  /** A version the server told of (an answer's): a catch-up finds out what it holds. */
  saw(version) { this._saw(version); }

  /** One committed event, from the socket, an answer or catch-up: applied now, or held for its turn. */
  ingest(event) {
    if (!Number.isInteger(event.seq) || this.closed) return;
    this.feed.batch(() => {
      this._saw(event.seq);
      if (this.loaded && event.seq <= this.lastSeq) return; // duplicate
      this.held.set(event.seq, event);
      if (this.loaded) this._drain();
    });
  }

  /** Tell listeners (the sync loop) when this tab is behind or must reload. */
  noteStanding() {
    if (this.behind || this.needsSnapshot) this.feed.sync();
  }

  _saw(version) {
    if (Number.isInteger(version) && version > this.knownVersion) this.knownVersion = version;
  }

  _drain() {
    let next;
    while ((next = this.held.get(this.lastSeq + 1))) {
      this.held.delete(next.seq);
      this._apply(next);
      this.lastSeq = next.seq;
      rememberEvent(this, next);
    }
    if (this.heldBlocks.length) mergeReadyBlocks(this);
  }

  _apply(e) {
    const before = this.local.beforeEvent(e);
    this._applyChange(e);
    this.local.afterEvent(e, before);
  }

  /** Apply one committed event to rows, columns and title. */
  _applyChange(e) {
    const apply = APPLY[e.type];
    if (apply) apply(this, e);
    const computed = applyComputed((id) => this.column(id), e);
    if (computed.structure) this._structure();
    if (computed.totals) this.feed.totals();
    if (e.recomputed && e.recomputed.length) this.resetSeen = true; // see columns.recomputed
  }

  _commit(row, colId, value) {
    if (!row) return;
    setRowValue(row, colId, value);
    this.feed.touch(row.id, colId);
  }

  _applyRowsInserted(specs) {
    const ids = new Set(specs.map((s) => s.id));
    // Rows whose place this tab does not hold go into the gap their position says.
    if (this.partial) specs = placeUnheld(this, specs);
    // A row this tab already shows (it made it) moves to where the event says.
    if (this.rows.some((r) => ids.has(r.id))) this.rows = this.rows.filter((r) => !ids.has(r.id));
    this._structure();
    // Consecutive rows that follow each other are placed with one splice.
    let chain = [];
    let chainAfter;
    const flush = () => {
      if (!chain.length) return;
      if (chainAfter !== null && this.rowIndexOf(chainAfter) < 0) this.guessing = true;
      this.placeRows(chain, chainAfter);
      chain = [];
    };
    for (const s of specs) {
      if (this.local.hides(s.id)) continue; // this tab is deleting it already
      const record = { id: s.id, values: { ...(s.values || {}) } };
      if (typeof s.position === 'number') record.pos = s.position;
      if (chain.length && s.after === chain[chain.length - 1].id) chain.push(record);
      else { flush(); chain = [record]; chainAfter = s.after ?? null; }
    }
    flush();
  }

  _applyColumnsInserted(e) {
    for (const spec of e.columns || []) {
      if (this.local.hides(spec.id)) continue;
      if (this.column(spec.id)) this.columns.splice(this.colIndexOf(spec.id), 1);
      this._colIdx = null;
      if (spec.after != null && this.colIndexOf(spec.after) < 0) this.guessing = true;
      this.placeColumn(columnFromSpec(spec), spec.after);
    }
    // Cells of the new columns (an undone column delete brings its values back).
    for (const c of e.values || []) if (this.colIndexOf(c.col) >= 0) this._commit(this.row(c.row), c.col, c.value);
  }

  /**
   * A block of rows (GET rows?at=K) joins the rows held (blocks.js): 'merged',
   * 'held' (read ahead of this tab: merged once the tab gets there) or 'stale'
   * (fetch it again).
   */
  mergeBlock(block) { return mergeBlockInto(this, block); }

  _applyRowsDeleted(e) {
    if (this.partial) countUnheldDeletes(this, e);
    this.removeRows(new Set(e.rows || []));
  }

  _applyColumnUpdated(e) {
    const col = this.column(e.column?.id);
    if (!col) return;
    col.name = e.column.name;
    col.type = e.column.type;
    setColumnInfo(col, e.column);
    this._structure();
    this.feed.totals();
    for (const [rowId, value] of Object.entries(e.values || {})) this._commit(this.row(rowId), col.id, value);
  }

  _structure() { this.feed.structure(); this._rowIdx = null; this._colIdx = null; this._layout = null; }

  // --- Placing rows and columns (events, and this tab's own inserts and deletes).
  /** Put rows after the row `after` (null: at the top; unknown: at the end). */
  placeRows(records, after) {
    let index = 0;
    if (after != null) {
      const i = this.rowIndexOf(after);
      index = i < 0 ? this.rows.length : i + 1;
    }
    this.rows.splice(index, 0, ...records);
    this._structure();
  }

  placeColumn(col, after) {
    let index = 0;
    if (after != null) {
      const i = this.colIndexOf(after);
      index = i < 0 ? this.columns.length : i + 1;
    }
    this.columns.splice(index, 0, col);
    this._structure();
  }

  removeRows(ids) {
    if (!ids.size) return;
    ({ rows: this.rows, tail: this.tail } = withoutRows(this.rows, this.tail, (r) => ids.has(r.id)));
    this.local.forget((rowId) => ids.has(rowId));
    this._structure();
  }

  removeColumns(ids) {
    if (!ids.size) return;
    this.columns = this.columns.filter((c) => !ids.has(c.id));
    for (const row of this.rows) for (const id of ids) if (id in row.values) delete row.values[id];
    this.local.forget((_, colId) => ids.has(colId));
    this._structure();
  }

  /** Rows and columns made by op `opId` (still marked local): these ids. */
  madeBy(opId) {
    return {
      rows: new Set(this.rows.filter((r) => r.local === opId).map((r) => r.id)),
      cols: new Set(this.columns.filter((c) => c.local === opId).map((c) => c.id)),
    };
  }

  /** The op that made these rows or columns is committed: they are the database's now. */
  markCommitted(ids, opId) {
    for (const id of ids) {
      const thing = this.row(id) || this.column(id);
      if (thing && thing.local === opId) { delete thing.local; delete thing.localAfter; }
    }
  }

  /** A row or column made by op `oldId` is now made by `newId`, after `after`. */
  relabel(id, oldId, newId, after) {
    const thing = this.row(id) || this.column(id);
    if (thing && thing.local === oldId) { thing.local = newId; thing.localAfter = after; }
  }
}
