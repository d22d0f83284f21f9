// Bringing the state up to date over HTTP: the snapshot, then catch-up
// (changes?since=) whenever the state says it is behind. One request at a
// time; requests asked for meanwhile are merged. No DOM.

export class Syncer {
  /**
   * getJson(url) resolves {status, body} (rejects on network trouble).
   * onGone() on 404, onLoggedOut() on 401, onLoaded() after each snapshot.
   */
  constructor({ state, getJson, snapshotUrl, changesUrl, onGone = () => {}, onLoggedOut = () => {}, onLoaded = () => {}, retryMs = 3000 }) {
    Object.assign(this, { state, getJson, snapshotUrl, changesUrl, onGone, onLoggedOut, onLoaded, retryMs });
    this.want = null; // null | 'catchup' | 'snapshot' (a snapshot covers a catch-up)
    this.running = null;
    this.stalls = 0;
    this.stopped = false;
    this.retryTimer = null;
  }

  /** After every (re)connect: the snapshot the first time, catch-up afterwards. */
  resync() { return this._ask(this.state.loaded ? 'catchup' : 'snapshot'); }

  /** Act on what a state method returned: {needCatchUp}, {reload} or null. */
  handle(result) {
    if (!result) return this.running || Promise.resolve();
    if (result.reload) return this._ask('snapshot');
    if (result.needCatchUp !== undefined) return this._ask('catchup');
    return this.running || Promise.resolve();
  }

  stop() { this.stopped = true; clearTimeout(this.retryTimer); }

  _ask(kind) {
    if (this.stopped) return Promise.resolve();
    if (kind === 'snapshot' || !this.state.loaded) this.want = 'snapshot';
    else if (!this.want) this.want = 'catchup';
    if (!this.running) {
      this.running = this._loop().finally(() => { this.running = null; });
    }
    return this.running;
  }

  async _loop() {
    while (this.want && !this.stopped) {
      const kind = this.want;
      this.want = null;
      try {
        if (kind === 'snapshot') await this._snapshot();
        else await this._catchUp();
      } catch (err) {
        // Network trouble: try again a little later (heartbeats also ask again).
        clearTimeout(this.retryTimer);
        this.retryTimer = setTimeout(() => this._ask(kind), this.retryMs);
        return;
      }
    }
  }

  _check(status) {
    if (status === 401) { this.stop(); this.onLoggedOut(); return false; }
    if (status === 404) { this.stop(); this.onGone(); return false; }
    if (status !== 200) throw new Error(`HTTP ${status}`);
    return true;
  }

  async _snapshot() {
    const { status, body } = await this.getJson(this.snapshotUrl);
    if (!this._check(status)) return;
    this.stalls = 0;
    const result = this.state.loadSnapshot(body);
    this.onLoaded();
    this._follow(result);
  }

  async _catchUp() {
    const since = this.state.lastSeq;
    const { status, body } = await this.getJson(`${this.changesUrl}?since=${since}`);
    if (!this._check(status)) return;
    const result = this.state.applyCatchUp(body);
    if (result && result.needCatchUp !== undefined) {
      // Still behind after a catch-up that brought nothing new: fall back to the snapshot.
      this.stalls = this.state.lastSeq === since ? this.stalls + 1 : 0;
      if (this.stalls >= 2) { this.stalls = 0; this.want = 'snapshot'; return; }
    } else {
      this.stalls = 0;
    }
    this._follow(result);
  }

  _follow(result) {
    if (!result) return;
    if (result.reload) this.want = 'snapshot';
    else if (result.needCatchUp !== undefined && !this.want) this.want = 'catchup';
  }
}
