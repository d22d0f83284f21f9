// Find on the sheet page (docs/protocol.md, "Find"): the text typed, the
// matches the server gave for it so far and which one the user is at. Once
// the typing pauses two questions go out: the first page of matches (quick:
// the server answers as soon as it holds one) and their count (which reads
// every row). The status says "1 of …" until the count comes, then "3 of 41".
// Next past the last match held asks for the following page; Previous before
// the first one reads the pages to the end and goes to the last match. An
// answer to text no longer typed is dropped. No DOM.

export const FIND_DELAY_MS = 250;
export const FIND_LIMIT = 200; // matches asked per page

export class FindState {
  /**
   * getJson(url) resolves {status, body}; `jump(match)` shows a match
   * ({row, col, row_number}); `onChange()` after every change of what to show.
   */
  constructor({ getJson, findUrl, jump, onChange = () => {}, delayMs = FIND_DELAY_MS, timers = globalThis }) {
    Object.assign(this, { getJson, findUrl, jump, onChange, delayMs, timers });
    this.query = '';
    this.timer = null;
    this.asked = 0; // a number per query asked: only its answers count
    this._reset();
  }

  /** The text in the box changed: ask about it once the typing pauses. */
  setQuery(text) {
    if (text === this.query) return;
    this.query = text;
    this._reset();
    this.timers.clearTimeout(this.timer);
    this.timer = null;
    this.asked += 1; // answers on their way are for older text now
    if (text) this.timer = this.timers.setTimeout(() => this.search(), this.delayMs);
    this.onChange();
  }

  /** Ask the server now (the pause is over, or Enter came first). Resolves
   * when the first page is answered; the count comes when it comes. */
  search() {
    this.timers.clearTimeout(this.timer);
    this.timer = null;
    if (!this.query) return Promise.resolve();
    if (this.waiting) return this.waiting;
    this._reset();
    const ticket = (this.asked += 1);
    const q = `${this.findUrl}?q=${encodeURIComponent(this.query)}`;
    this.waiting = this._page(ticket, `${q}&limit=${FIND_LIMIT}`);
    this.getJson(`${q}&count=only`).then(
      (answer) => this._counted(ticket, answer),
      () => this._counted(ticket, null),
    );
    this.onChange();
    return this.waiting;
  }

  /** Enter: the next match (the first one, the first time), asked for first if need be. */
  async next() { await this._go(1); }

  /** Shift+Enter: the previous match (the last one, the first time). */
  async previous() { await this._go(-1); }

  /** The box closed: nothing more is asked or answered. */
  close() {
    this.setQuery('');
  }

  /** What the status says: '', 'Searching…', 'No matches', '1 of …' (counting), '3 of 41', '3 of 10,000+'. */
  status() {
    if (!this.query) return '';
    if (this.failed) return 'Find failed; press Enter to try again';
    if (!this.loaded) return 'Searching…';
    if (!this.matches.length) return 'No matches';
    if (!this.count) return `${this.index + 1} of …`;
    const count = this.count.count.toLocaleString('en-US') + (this.count.more ? '+' : '');
    return `${this.index + 1} of ${count}`;
  }

  /** The match the user is at, once jumped to; else null. */
  current() {
    return this.shown ? this.matches[this.index] || null : null;
  }

  _reset() {
    this.matches = []; // the pages answered so far, in sheet order
    this.after = null; // where the following page starts; null: none follows
    this.loaded = false; // whether the first page came
    this.count = null; // {count, more}, once counted
    this.index = 0;
    this.shown = false; // whether `index` was jumped to yet
    this.failed = false;
    this.waiting = null; // the first page on its way, if any
    this.loading = null; // a following page on its way, if any
  }

  _page(ticket, url) {
    const answered = (answer) => {
      if (ticket !== this.asked) return; // an older query's: the box holds other text now
      const body = answer && answer.status === 200 ? answer.body : null;
      if (body && Array.isArray(body.matches)) {
        this.matches.push(...body.matches);
        this.after = body.next ?? null;
        this.loaded = true;
      } else {
        this.failed = true;
      }
      this.waiting = null;
      this.loading = null;
      this.onChange();
    };
    return this.getJson(url).then(answered, () => answered(null));
  }

  _counted(ticket, answer) {
    if (ticket !== this.asked) return;
    const body = answer && answer.status === 200 ? answer.body : null;
    if (!body || typeof body.count !== 'number') return; // the status keeps saying "of …"
    this.count = { count: body.count, more: Boolean(body.more) };
    this.onChange();
  }

  /** The page after the matches held, if one follows. */
  _more() {
    if (!this.after || this.failed) return Promise.resolve();
    if (!this.loading) {
      const url = `${this.findUrl}?q=${encodeURIComponent(this.query)}&limit=${FIND_LIMIT}&after=${encodeURIComponent(this.after)}`;
      this.loading = this._page(this.asked, url);
    }
    return this.loading;
  }

  async _go(step) {
    if (!this.query) return;
    if (!this.loaded) await this.search();
    const ticket = this.asked;
    const stale = () => ticket !== this.asked || this.failed;
    if (stale() || !this.matches.length) return;
    let index;
    if (step > 0) {
      index = this.shown ? this.index + 1 : 0;
      if (index >= this.matches.length) await this._more();
      if (stale()) return;
      if (index >= this.matches.length) index = 0; // past the last: round to the first
    } else {
      index = this.shown ? this.index - 1 : -1;
      while (index < 0 && this.after) {
        await this._more(); // the last match is on the last page
        if (stale()) return;
      }
      if (index < 0) index = this.matches.length - 1;
    }
    this.shown = true;
    this.index = index;
    this.onChange();
    this.jump(this.matches[index]);
  }
}
