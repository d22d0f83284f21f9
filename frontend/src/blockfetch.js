// One block request at a time, each for wherever the user is when the last
// one answered: how the row windows (windows.js) and a view's rows
// (viewrows.js) fetch. A network error or an unexpected status tries again
// after `retryMs`; a 404 or 403 means the sheet is gone for this user. No DOM.
export class BlockFetch {
  /**
   * `next()`: the next request ({url, …}) or null when nothing is wanted;
   * `take(body, request)`: a 200's body, false to stop asking for now;
   * `refused(body, request)`: a 400's body, false to stop asking (if not given, a 400 is
   * tried again later).
   */
  constructor({ getJson, next, take, refused = null, onGone = () => {}, retryMs = 3000 }) {
    Object.assign(this, { getJson, next, take, refused, onGone, retryMs });
    this.running = null;
    this.stopped = false;
    this.retryTimer = null;
  }

  /** Fetch what is wanted, if anything and no fetch is running; resolves when none runs. */
  check() {
    if (!this.running && !this.stopped && this.next() !== null) {
      this.running = this._loop().finally(() => { this.running = null; });
    }
    return this.idle();
  }

  idle() { return this.running || Promise.resolve(); }

  /** No retry due: a new request goes out at the next check. */
  cancelRetry() { clearTimeout(this.retryTimer); }

  stop() {
    this.stopped = true;
    this.cancelRetry();
  }

  async _loop() {
    let request;
    while (!this.stopped && (request = this.next()) !== null) {
      let answer;
      try {
        answer = await this.getJson(request.url);
      } catch (err) {
        this._retryLater();
        return;
      }
      if (answer.status === 404 || answer.status === 403) { this.stop(); this.onGone(); return; }
      if (answer.status === 400 && this.refused) {
        if (this.refused(answer.body, request) === false) return;
        continue;
      }
      if (answer.status !== 200) { this._retryLater(); return; }
      if (this.take(answer.body, request) === false) return;
    }
  }

  _retryLater() {
    this.cancelRetry();
    this.retryTimer = setTimeout(() => this.check(), this.retryMs);
  }
}
