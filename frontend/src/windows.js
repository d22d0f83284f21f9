// The row windows a tab fetches: the grid says which rows it shows
// (`show(first, last)`, grid rows), and the rows around them the store does not
// hold come in blocks from GET rows?at=K (docs/protocol.md, "Holding only some
// rows"), one request at a time, for wherever the user is by the time the last
// one came back (blockfetch.js). The store merges each block (blocks.js). No DOM.
import { firstUnheld, serverRowNumber } from './rowlayout.js';
import { releaseFar } from './blocks.js';
import { BlockFetch } from './blockfetch.js';

export const BLOCK_ROWS = 500;
const MARGIN_ROWS = 100; // rows above and below the view fetched with it
const STALE_TRIES = 3; // a block read while the sheet moved is fetched again, this many times in a row
export const MAX_HELD_ROWS = 10000; // past this, rows far from the view are let go (blocks.js releaseFar)

export class RowWindows {
  /**
   * getJson(url) resolves {status, body}; `onGone` for a 404/403, like the sync
   * loop's; `blockRows` and `marginRows` are smaller in the property tests;
   * `pending` (the pending edits): rows with this tab's values are never let go.
   */
  constructor({ store, getJson, rowsUrl, pending = null, onGone = () => {}, retryMs = 3000, blockRows = BLOCK_ROWS, marginRows = MARGIN_ROWS, maxHeld = MAX_HELD_ROWS }) {
    Object.assign(this, { store, getJson, rowsUrl, pending, onGone, retryMs, blockRows, marginRows, maxHeld });
    this.view = null; // [first, last] grid rows shown
    this.stale = 0;
    this.fetch = new BlockFetch({
      getJson,
      retryMs,
      onGone,
      next: () => {
        const at = this._wanted();
        return at === null ? null : { url: `${this.rowsUrl}?at=${at}&limit=${this.blockRows}` };
      },
      take: (block) => this._take(block),
    });
  }

  get stopped() { return this.fetch.stopped; }

  /** The grid shows rows first..last (grid row numbers): fetch what of them (and around) is missing. */
  show(first, last) {
    if (!Number.isInteger(first) || !Number.isInteger(last)) return this.idle();
    this.view = [first, last];
    return this.check();
  }

  /** Fetch what the view lacks, if anything (after a snapshot, a merge, a scroll). */
  check() { return this.fetch.check(); }

  /** Resolves when no fetch is running. */
  idle() { return this.fetch.idle(); }

  /** Resolves once the sheet's last row is held (Add row appends after it). */
  loadEnd() {
    if (!this.store.tail) return Promise.resolve();
    const count = this.store.rowCount;
    return this.show(Math.max(0, count - 1 - this.marginRows), count - 1).then(() => {
      if (this.store.tail && !this.stopped) return this.loadEnd();
      return undefined;
    });
  }

  stop() { this.fetch.stop(); }

  /** The server row number to fetch from, or null when the view's rows are all held. */
  _wanted() {
    const { store } = this;
    if (!this.view || !store.loaded || store.closed || !store.partial) return null;
    const layout = store.layout();
    const [first, last] = this.view;
    const v = firstUnheld(layout, first - this.marginRows, last + this.marginRows);
    return v === null ? null : serverRowNumber(layout, v);
  }

  /** A block answered: merged, held for later, or asked again (false: stop for now). */
  _take(block) {
    const outcome = this.store.mergeBlock(block);
    if (outcome === 'held') return false; // merged once the tab reaches its version; the store's change asks again
    if (outcome === 'merged' && this.pending && this.store.rows.length > this.maxHeld) {
      const [first, last] = this.view;
      const room = 2 * this.blockRows;
      releaseFar(this.store, first - room, last + room, this.pending);
    }
    this.stale = outcome === 'stale' ? this.stale + 1 : 0;
    if (this.stale >= STALE_TRIES) {
      // The sheet keeps moving under the blocks: the snapshot and catch-up first.
      this.stale = 0;
      this.store.markGuessing();
      return false;
    }
    return true;
  }
}
