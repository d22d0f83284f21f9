// Find on the sheet page (docs/protocol.md, "Find"): the text typed, the
// server's answer for it and which match the user is at. The server is asked
// once the typing pauses; an answer to text no longer typed is dropped. Next
// and Previous go round the matches the answer holds and hand each one to
// `jump` (the grid scrolls there and selects it; its window loads). No DOM.

export const FIND_DELAY_MS = 250;
export const FIND_LIMIT = 1000; // matches fetched per query: Next goes round these

export class FindState {
  /**
   * getJson(url) resolves {status, body}; `jump(match)` shows a match
   * ({row, col, row_number}); `onChange()` after every change of what to show.
   */
  constructor({ getJson, findUrl, jump, onChange = () => {}, delayMs = FIND_DELAY_MS, timers = globalThis }) {
    Object.assign(this, { getJson, findUrl, jump, onChange, delayMs, timers });
    this.query = '';
    this.answer = null; // the server's answer for `query`, once it came
    this.index = 0; // the match the user is at (or will be at with the first Enter)
    this.shown = false; // whether `index` was jumped to yet
    this.failed = false;
    this.timer = null;
    this.asked = 0; // a number per question: only the latest one's answer counts
    this.waiting = null; // the question on its way (a promise), if any
  }

  /** The text in the box changed: ask about it once the typing pauses. */
  setQuery(text) {
    if (text === this.query) return;
    this.query = text;
    this._reset();
    this.timers.clearTimeout(this.timer);
    this.timer = null;
    this.asked += 1; // an answer on its way is for older text now
    this.waiting = null;
    if (text) this.timer = this.timers.setTimeout(() => this.search(), this.delayMs);
    this.onChange();
  }

  /** Ask the server now (the pause is over, or Enter came first). Resolves when answered. */
  search() {
    this.timers.clearTimeout(this.timer);
    this.timer = null;
    if (!this.query) return Promise.resolve();
    if (this.waiting) return this.waiting;
    const ticket = (this.asked += 1);
    const url = `${this.findUrl}?q=${encodeURIComponent(this.query)}&limit=${FIND_LIMIT}`;
    const done = () => { if (ticket === this.asked) this.waiting = null; };
    this.waiting = this.getJson(url).then(
      (answer) => { done(); this._answered(ticket, answer); },
      () => { done(); this._answered(ticket, null); },
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

  /** What the status says: '', 'Searching…', 'No matches', '3 of 41', '3 of 10,000+'. */
  status() {
    if (!this.query) return '';
    if (this.failed) return 'Find failed; press Enter to try again';
    if (!this.answer) return 'Searching…';
    if (!this.answer.matches.length) return 'No matches';
    const count = this.answer.count.toLocaleString('en-US') + (this.answer.more ? '+' : '');
    return `${this.index + 1} of ${count}`;
  }

  /** The match the user is at, once jumped to; else null. */
  current() {
    return this.shown && this.answer ? this.answer.matches[this.index] || null : null;
  }

  _reset() {
    this.answer = null;
    this.index = 0;
    this.shown = false;
    this.failed = false;
  }

  _answered(ticket, answer) {
    if (ticket !== this.asked) return; // an older query's: the box holds other text now
    this._reset();
    if (answer && answer.status === 200 && answer.body && Array.isArray(answer.body.matches)) {
      this.answer = answer.body;
    } else {
      this.failed = true;
    }
    this.onChange();
  }

  async _go(step) {
    if (!this.query) return;
    if (!this.answer) await this.search();
    const matches = this.answer ? this.answer.matches : [];
    if (!matches.length) return;
    if (!this.shown) {
      this.shown = true;
      if (step < 0) this.index = matches.length - 1;
    } else {
      this.index = (this.index + step + matches.length) % matches.length;
    }
    this.onChange();
    this.jump(matches[this.index]);
  }
}
