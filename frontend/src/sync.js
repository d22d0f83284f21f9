// The sync loop: keeps the committed store (committed.js) in step with the
// server. It feeds the store what the socket brings, and decides by itself,
// from what the store says of its standing (`behind`, `needsSnapshot`), when
// to fetch the snapshot or catch up (changes?since=): after the server's
// hello, on a gap or a heartbeat ahead, when an answer shows a newer version,
// when only a snapshot can help. One request at a time; requests asked for
// meanwhile are merged, and while a snapshot is on its way nothing asks for a
// second one (a big sheet's snapshot can take longer than the no-socket wait):
// what is asked meanwhile is at most a catch-up from the version it brings. No DOM.

const LOAD_WITHOUT_SOCKET_MS = 3000;

export class SyncLoop {
  /**
   * getJson(url) resolves {status, body} (rejects on network trouble).
   * onGone() on 404 or 403 (the sheet is gone, or no longer this user's to read),
   * onLoggedOut() on 401, onLoaded() after each snapshot.
   */
  constructor({ store, getJson, snapshotUrl, changesUrl, onGone = () => {}, onLoggedOut = () => {}, onLoaded = () => {}, retryMs = 3000 }) {
    Object.assign(this, { store, getJson, snapshotUrl, changesUrl, onGone, onLoggedOut, onLoaded, retryMs });
    this.want = null; // null | 'catchup' | 'snapshot' (a snapshot covers a catch-up)
    this.running = null;
    this.fetching = null; // the kind of request on the wire, if any
    this.stalls = 0;
    this.stopped = false;
    this.retryTimer = null;
    this.unsubscribe = store.subscribe((change) => { if (change.sync) this.check(); });
  }

  /** Load the sheet even if the socket never says hello (slow network, proxy trouble). */
  start({ waitMs = LOAD_WITHOUT_SOCKET_MS } = {}) {
    setTimeout(() => { if (!this.store.loaded && !this.running) this.resync(); }, waitMs);
  }

  /** A socket message. Resolves once what it started is done (tests wait for it). */
  receive(msg) {
    if (msg && msg.type === 'hello') return this.resync(); // groups joined: now the snapshot (or catch-up) is complete
    this.store.receive(msg);
    return this.idle();
  }

  /** After every (re)connect: the snapshot the first time, catch-up afterwards. */
  resync() { return this._ask(this.store.loaded ? 'catchup' : 'snapshot'); }

  /** Ask the server for what the store lacks, if it lacks anything. */
  check() {
    if (this.store.needsSnapshot) return this._ask('snapshot');
    if (this.store.behind) return this._ask('catchup');
    return this.idle();
  }

  /** Resolves when no request is running. */
  idle() { return this.running || Promise.resolve(); }

  stop() {
    this.stopped = true;
    clearTimeout(this.retryTimer);
    this.unsubscribe();
  }

  _ask(kind) {
    if (this.stopped) return Promise.resolve();
    if (this.fetching === 'snapshot') {
      // The snapshot on its way may predate this ask (a hello, a gap): catch up after it.
      if (!this.want) this.want = 'catchup';
    } else if (kind === 'snapshot' || !this.store.loaded) this.want = 'snapshot';
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
      this.fetching = kind;
      try {
        if (kind === 'snapshot') await this._snapshot();
        else await this._catchUp();
      } catch (err) {
        // Network trouble: try again a little later (heartbeats also ask again).
        clearTimeout(this.retryTimer);
        this.retryTimer = setTimeout(() => this._ask(kind), this.retryMs);
        return;
      } finally {
        this.fetching = null;
      }
    }
  }

  _check(status) {
    if (status === 401) { this.stop(); this.onLoggedOut(); return false; }
    if (status === 404 || status === 403) { this.stop(); this.onGone(); return false; }
    if (status !== 200) throw new Error(`HTTP ${status}`);
    return true;
  }

  async _snapshot() {
    const { status, body } = await this.getJson(this.snapshotUrl);
    if (!this._check(status)) return;
    this.stalls = 0;
    this.store.loadSnapshot(body);
    this.onLoaded();
    this._next();
  }

  async _catchUp() {
    const since = this.store.lastSeq;
    const { status, body } = await this.getJson(`${this.changesUrl}?since=${since}`);
    if (!this._check(status)) return;
    this.store.applyCatchUp(body);
    if (this.store.behind && !this.store.needsSnapshot) {
      // Still behind after a catch-up that brought nothing new: fall back to the snapshot.
      this.stalls = this.store.lastSeq === since ? this.stalls + 1 : 0;
      if (this.stalls >= 2) { this.stalls = 0; this.want = 'snapshot'; return; }
    } else {
      this.stalls = 0;
    }
    this._next();
  }

  /** What to fetch next, from what the store says now. */
  _next() {
    if (this.store.needsSnapshot) this.want = 'snapshot';
    else if (this.store.behind && !this.want) this.want = 'catchup';
  }
}
