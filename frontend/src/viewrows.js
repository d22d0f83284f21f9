// The rows of this tab's view (a sort and filter of its own, viewstate.js),
// in the view's order: fetched in blocks from GET rows?view=…&at=K (one
// request at a time, for wherever the user is when the last one answered:
// blockfetch.js) and kept in step with the sheet's events as the committed
// store applies them (its `recent` events). Nothing moves under the user: an edited row stays
// where it is (greyed when it no longer passes the filters, viewmatch.js), a
// row this tab inserts shows where it was inserted, and anything that would
// move rows (another user's insert or delete, a sorted or filtered value
// changed, "Sort the sheet") only marks the view out of date until the user
// refreshes it. A filtered view's count may come after its first block (the
// server counts every row for it): the view is sized by what is known until
// `count=only` answers (`counted`), never by a guess shown as the count.
// The grid reads it as it reads the store (`layout`, `rows`, `columns`,
// `row`). No DOM.
import { ChangeFeed } from './changefeed.js';
import { recordsOfBlock, replayOnto } from './blocks.js';
import { firstUnheld, setRowValue } from './rowlayout.js';
import { rowPasses } from './viewmatch.js';
import { BlockFetch } from './blockfetch.js';
import { fitToCount, sameCount } from './viewcount.js';

const STALE_TRIES = 3; // a block read while the sheet moved is fetched again, this many times in a row

export class ViewRows {
  /** `state`: the view asked for (viewstate.js); `getJson`, `rowsUrl`, `onGone` as the row windows'. */
  constructor({ store, pending, state, getJson, rowsUrl, onGone = () => {}, blockRows = 500, marginRows = 100, retryMs = 3000 }) {
    Object.assign(this, { store, pending, state, getJson, rowsUrl, onGone, blockRows, marginRows, retryMs });
    this.feed = new ChangeFeed();
    this.fetch = new BlockFetch({
      getJson,
      retryMs,
      onGone,
      next: () => this._next(),
      take: (block, request) => this._take(block, request),
      refused: (body, request) => {
        if (request.generation !== this.generation) return true; // an earlier view's: ask for this one
        this.feed.batch(() => { this.error = body?.message || 'This view cannot be shown.'; this.feed.structure(); });
        return false;
      },
    });
    this.view = [0, 0]; // grid rows drawn
    this.counting = Promise.resolve(); // the count=only request, if one runs
    this._reset();
    store.subscribe((change) => this._storeChanged(change));
  }

  _reset() {
    this.generation = (this.generation || 0) + 1; // an answer for an earlier view is dropped
    this.slots = []; // the record of each view row, undefined until its block comes
    this.opened = false; // the first block came
    this.total = null; // the view's count as the server said it (null: not known yet)
    this.countAsked = false; // count=only asked for this view
    this.countHeld = null; // a count read at a version this tab has not reached yet
    this.mine = new Set(); // rows this tab inserted while the view shows
    this.outOfDate = false;
    this.misfit = false; // the server's row numbers no longer match the slots: no more blocks until a refresh
    this.error = null; // the server refused the view (its message)
    this.seenSeq = null; // the store's version the held rows are at
    this.waiting = null; // a block read ahead of the tab
    this.firstSeq = null; // the version of the view the slots were sized by
    this.stale = 0;
    this._layout = null;
  }

  subscribe(fn) { return this.feed.subscribe(fn); }

  /** The grid shows the view (once its first block came); else the sheet's own order. */
  get shown() { return this.state.active && this.opened && !this.error; }

  /**
   * Rows the view shows: those passing the filters when it was read, and rows
   * this tab added since. Until `counted`, an upper bound: the rows read, then
   * the rest of the sheet's rows while more may follow.
   */
  get count() { return this.slots.length; }

  /** The view's count is known (the status line says it; else "… of N shown"). */
  get counted() { return this.opened && this.total !== null; }

  /** The view asked for changed (or Refresh view): its rows are fetched from the first. */
  apply() {
    this.fetch.cancelRetry();
    this.feed.batch(() => {
      this._reset();
      this.feed.structure();
    });
    return this.check();
  }

  /** The grid draws rows first..last: fetch what of them (and around) the view lacks. */
  show(first, last) {
    if (Number.isInteger(first) && Number.isInteger(last)) this.view = [first, last];
    return this.check();
  }

  check() {
    const blocks = this.fetch.check();
    return blocks.then(() => this.counting);
  }

  idle() { return this.fetch.idle().then(() => this.counting); }

  // --- What the grid reads (as the store's).
  get columns() { return this.store.columns; }

  get rows() { return this.layout().rows; }

  layout() {
    if (!this._layout) {
      const rows = [];
      const visuals = [];
      const rowPos = new Map();
      this.slots.forEach((r, v) => { if (r) { rows.push(r); visuals.push(v); rowPos.set(r.id, v); } });
      this._layout = { count: this.slots.length, rows, visuals, rowPos };
    }
    return this._layout;
  }

  row(id) {
    const v = this.layout().rowPos.get(id);
    return v === undefined ? null : this.slots[v];
  }

  /** Grid row `v` holds a row that no longer passes the filters (an edit took it out): greyed. */
  failsAt(v) {
    const rec = this.shown ? this.slots[v] : null;
    if (!rec || !this.state.filters.length) return false;
    return !rowPasses(this.state.filters, (colId) => this.pending.valueOf(rec, colId), (id) => this.store.column(id));
  }

  // --- Fetching.
  _wanted() {
    const { store } = this;
    if (!this.state.active || this.error || store.closed || this.waiting) return null;
    // The first block is asked beside the sheet's own opening, not after it:
    // the server may count the view's rows for a while (docs/protocol.md, "Views").
    if (!this.opened) return 0;
    if (!store.loaded) return null;
    if (this.misfit) return null;
    const layout = this.layout();
    const [first, last] = this.view;
    const v = firstUnheld(layout, first - this.marginRows, last + this.marginRows);
    return v === null ? null : v - this._mineAbove(v);
  }

  /** Rows this tab added above grid row `v` (the server does not count them). */
  _mineAbove(v) {
    let n = 0;
    for (const id of this.mine) if (this.layout().rowPos.get(id) < v) n += 1;
    return n;
  }

  _next() {
    const at = this._wanted();
    if (at === null) return null;
    const spec = encodeURIComponent(JSON.stringify(this.state.spec()));
    if (!this.opened) this._askCount(spec);
    return { url: `${this.rowsUrl}?view=${spec}&at=${at}&limit=${this.blockRows}`, generation: this.generation };
  }

  /**
   * A filtered view's count, asked once beside its first block: blocks do not
   * wait for it (docs/protocol.md, "Views"). Its answer is dropped if the view
   * changed meanwhile; a failed request is asked again with the next block.
   */
  _askCount(spec) {
    if (this.countAsked || !this.state.filters.length) return;
    this.countAsked = true;
    const { generation } = this;
    this.counting = this.getJson(`${this.rowsUrl}?view=${spec}&count=only`).then((answer) => {
      if (generation !== this.generation) return;
      if (answer.status !== 200) {
        if (answer.status !== 404 && answer.status !== 403) this.countAsked = false; // the block fetch tells a gone sheet
        return;
      }
      const { seq, count } = answer.body || {};
      if (Number.isInteger(seq) && Number.isInteger(count)) this.feed.batch(() => this._takeCount(seq, count));
    }, () => {
      if (generation === this.generation) this.countAsked = false;
    });
  }

  /**
   * The view's count at version `seq`: the view's length once it is known to
   * be the count of the rows held (read at `firstSeq`), that is when nothing
   * between the two versions could add rows to the view or take them out.
   */
  _takeCount(seq, count) {
    if (this.total !== null) return;
    const { store } = this;
    if (!this.opened || !store.loaded || seq > store.lastSeq) { this.countHeld = { seq, count }; return; }
    this.countHeld = null;
    if (!sameCount(this.state.filters, store.recent, this.firstSeq, seq)) { this._markOutOfDate(); return; }
    if (!fitToCount(this.slots, this.mine.size, count)) { this.misfit = true; this._markOutOfDate(); return; }
    this.total = count;
    this._layout = null;
    this.feed.structure();
  }

  /** A view block answered (false: stop asking for now). */
  _take(block, request) {
    if (request.generation !== this.generation) return true; // the view changed meanwhile: ask for the new one
    if (this._merge(block) === 'stale') {
      this.stale += 1;
      if (this.stale >= STALE_TRIES) { this._markOutOfDate(); return false; }
    } else this.stale = 0;
    return true;
  }

  /** A view block: 'merged', 'held' (read ahead of the tab) or 'stale' (fetch it again). */
  _merge(block) {
    const { store } = this;
    if (!block || !Number.isInteger(block.seq) || !Array.isArray(block.rows)) return 'stale';
    const count = Number.isInteger(block.count) ? block.count : null; // null: not counted yet
    if (!store.loaded) {
      this.waiting = block; // merged once the sheet's own opening is in (_storeChanged)
      return 'held';
    }
    if (block.seq > store.lastSeq) {
      this.waiting = block;
      store.feed.batch(() => { store.saw(block.seq); store.noteStanding(); }); // the tab catches up, then merges it
      return 'held';
    }
    const records = recordsOfBlock(block, (id) => store.column(id));
    if (block.seq < store.lastSeq && !replayOnto(records, block.seq, store.recent, store.lastSeq)) return 'stale';
    this.feed.batch(() => {
      if (!this.opened) {
        this.opened = true;
        this.total = count;
        // Uncounted: the rows read, and while more may follow the sheet's other rows (an upper bound).
        const read = block.first + block.rows.length;
        this.slots = new Array(count ?? (block.more_after ? Math.max(read, block.row_count || 0) : read));
        this.seenSeq = store.lastSeq;
        this.firstSeq = block.seq;
        if (count === null && this.countHeld) this._takeCount(this.countHeld.seq, this.countHeld.count);
      } else if (count !== null && this.total === null) {
        this._takeCount(block.seq, count);
        if (this.misfit) return;
      } else if (count !== null && count !== this.total) {
        this.misfit = true;
        this._markOutOfDate();
        return;
      } else if (count === null && this.total === null && !block.rows.length && !block.more_after) {
        this._cutTo(block.first); // none from here: the view ends before
      }
      // Server row n of the block goes to the nth slot that is not a row this tab added.
      const { rowPos } = this.layout();
      let v = block.first;
      if (this.mine.size) {
        let server = 0;
        for (v = 0; v < this.slots.length && server < block.first; v += 1) {
          if (!this.slots[v] || !this.mine.has(this.slots[v].id)) server += 1;
        }
      }
      for (const rec of records) {
        while (this.slots[v] && this.mine.has(this.slots[v].id)) v += 1;
        if (v >= this.slots.length) break;
        if (!this.slots[v] && !rowPos.has(rec.id)) this.slots[v] = rec; // a row held elsewhere stays there
        v += 1;
      }
      this._layout = null;
      this.feed.structure();
    });
    return 'merged';
  }

  /** Uncounted: the view has no row past server row `end`; drop the unread slots after it. */
  _cutTo(end) {
    let last = this.slots.length;
    while (last > 0 && this.slots[last - 1] === undefined && last - this._mineAbove(last) > end) last -= 1;
    if (last === this.slots.length) return;
    this.slots.length = last;
    this._layout = null;
  }

  _markOutOfDate() {
    if (this.outOfDate) return;
    this.outOfDate = true;
    this.feed.status();
  }

  // --- Keeping in step with the sheet.
  _storeChanged(change) {
    if (!this.state.active) return;
    this.feed.batch(() => {
      if (this.waiting && this.store.loaded && (this.waiting.seq <= this.store.lastSeq || !this.store.behind)) {
        const block = this.waiting;
        this.waiting = null;
        if (this._merge(block) === 'stale') this.check();
      }
      if (this.countHeld && this.opened && this.store.loaded && this.countHeld.seq <= this.store.lastSeq) {
        this._takeCount(this.countHeld.seq, this.countHeld.count);
      }
      if (!this.opened) return;
      this._followEvents();
      if (change.structure) this._placeOwnRows();
      const watched = this._watchedColumns();
      for (const [rowId, colId] of change.cells) {
        if (watched.has(colId) && this.row(rowId)) {
          this._markOutOfDate(); // its place or its match may have changed
          if (this.state.filters.length) this.feed.structure(); // the whole row is drawn again, greyed or not
        }
      }
    });
    this.check();
  }

  _watchedColumns() {
    // Every sort key orders rows (hidden columns do not matter for rows).
    const out = new Set(this.state.filters.map((f) => f.column));
    for (const k of this.state.sorts || []) out.add(k.column);
    return out;
  }

  /** The events the store applied since the held rows' version, applied to them. */
  _followEvents() {
    const { store } = this;
    if (this.seenSeq === null || store.lastSeq === null || store.lastSeq <= this.seenSeq) return;
    const events = store.recent.filter((e) => e.seq > this.seenSeq && e.seq <= store.lastSeq);
    if (events.length !== store.lastSeq - this.seenSeq) this._markOutOfDate(); // a snapshot came: values may have moved on
    this.seenSeq = store.lastSeq;
    const watched = this._watchedColumns();
    for (const e of events) {
      if (e.type === 'cells.changed') {
        for (const c of e.changes || []) this._set(c.row, c.col, c.value, watched);
      } else if (e.type === 'column.updated' && e.column) {
        for (const [rowId, value] of Object.entries(e.values || {})) this._set(rowId, e.column.id, value, watched);
        if (watched.has(e.column.id)) this._markOutOfDate();
      } else if (e.type === 'rows.deleted') {
        this._dropRows(new Set(e.rows || []), e.broadcaster_id === this.pending.clientId);
      } else if (e.type === 'rows.inserted') {
        if ((e.rows || []).some((r) => !this.mine.has(r.id))) this._markOutOfDate();
      } else if (['columns.deleted', 'sheet.reset', 'columns.recomputed', 'rows.sorted'].includes(e.type)) {
        // rows.sorted: "Sort the sheet" moved every row (the view's ties follow the sheet's order).
        this._markOutOfDate();
      }
    }
  }

  _set(rowId, colId, value, watched) {
    const rec = this.row(rowId);
    if (!rec) return;
    setRowValue(rec, colId, value);
    this.feed.touch(rowId, colId);
    if (watched.has(colId)) this._markOutOfDate();
  }

  /**
   * Deleted rows leave the view at once. Another tab's rows not held may have
   * been in it: out of date. This tab's own (it deletes rows it shows) took
   * their place with them (`_placeOwnRows`).
   */
  _dropRows(ids, own) {
    const before = this.slots.length;
    this.slots = this.slots.filter((r) => !r || !ids.has(r.id));
    for (const id of ids) this.mine.delete(id);
    if (!own) {
      this.misfit = true; // rows not held may have left it too
      this._markOutOfDate();
    }
    if (this.slots.length !== before) { this._layout = null; this.feed.structure(); }
  }

  /** Rows this tab is deleting leave at once; rows it inserted show after the row above them in the view. */
  _placeOwnRows() {
    let placed = false;
    const deleting = this.pending.deletingRows;
    if (deleting?.size && this.slots.some((r) => r && deleting.has(r.id))) {
      const gone = (r) => !!r && deleting.has(r.id);
      // The server's count of the view, as blocks read once the delete is in say it.
      if (this.total !== null) this.total -= this.slots.filter((r) => gone(r) && !this.mine.has(r.id)).length;
      this.slots = this.slots.filter((r) => !gone(r));
      this._layout = null;
      placed = true;
    }
    const { rowPos } = this.layout();
    for (const r of this.store.rows) {
      if (!r.local || rowPos.has(r.id) || this.mine.has(r.id)) continue;
      const after = r.localAfter == null ? -1 : this.layout().rowPos.get(r.localAfter);
      const at = after === undefined ? this.slots.length : after + 1;
      this.slots.splice(at, 0, r);
      this.mine.add(r.id);
      this._layout = null;
      placed = true;
    }
    if (placed) this.feed.structure();
  }
}
