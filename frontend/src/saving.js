// Saving a sheet page's changes: the op queue (opqueue.js) written down in
// the outbox (outbox.js) so that nothing typed is lost to a reload, a closed
// tab, an outage or an expired session; its answers handed to the pending
// edits (pending.js) and its reworked ops made by localops.js; and the status
// line that says where they are. docs/protocol.md, "Keeping a tab in step",
// has the rules.
import { OpQueue, opWeight } from './opqueue.js';
import { Outbox, TOUCH_MS, defaultStorage, setLocalUnsent } from './outbox.js';
import { StatusLine, describeStatus } from './status.js';
import { refusedKey } from './refused.js';

const plural = (n, word) => `${n} ${word}${n === 1 ? '' : 's'}`;

export class Saving {
  /**
   * `header` (header.js) shows banners; `pageConfig` has the user and the
   * initial-state URL; `onStatus()` asks for the status line to be written;
   * `onGone()` when an op is answered 404 (the sheet is gone for this user).
   */
  constructor({
    store, pending, local, pageConfig, sheetConfig, header, csrfToken, onStatus = () => {},
    onGone = () => {}, storage = defaultStorage(), fetchImpl, win = globalThis.window,
  }) {
    Object.assign(this, { store, pending, local, pageConfig, header, onStatus, onGone, storage, win });
    const userId = pageConfig && pageConfig.user ? pageConfig.user.id : 'anon';
    this.outbox = new Outbox({ storage, userId, sheetId: sheetConfig.sheet_id, clientId: pending.clientId });
    this.refusedKey = refusedKey(userId, sheetConfig.sheet_id);
    this.loggedOut = false;
    this.socketDown = false;
    this.persistDue = false;
    this.gone = null; // what the status line says once the sheet is gone for this user
    this.queue = this._makeQueue({ baseUrl: sheetConfig.ops_url, csrfToken, fetchImpl });
    this.queue.hold(); // saved ops of earlier pages go first
    this.statusLine = null;
    setLocalUnsent(() => ({
      key: this.outbox.key,
      count: [...this.queue.ops(), ...this.reviewable()].reduce((n, op) => n + opWeight(op), 0),
    }));
    if (win) this._watchPage(win);
  }

  _makeQueue({ baseUrl, csrfToken, fetchImpl }) {
    const { pending, local } = this;
    return new OpQueue({
      baseUrl,
      clientId: pending.clientId,
      csrfToken,
      ...(fetchImpl ? { fetchImpl } : {}),
      onAnswer: (op, status, answer) => pending.applyAnswer(op.opId, answer, status, op.body),
      onReplace: (op, status, answer) => (status === 413 ? local.splitOp(op) : local.reanchorOp(op, answer)),
      onAside: (op, answer) => pending.setAside(op.opId, answer && answer.message),
      onFailing: (op, message) => pending.opFailed(op.opId, message),
      onGaveUp: () => this.onStatus(),
      onLoggedOut: () => this.loggedOutNow(),
      onGone: () => this.onGone(),
      onPersist: () => this._persist(),
      onChange: () => this.onStatus(),
    });
  }

  /** Queue an op (null: nothing to send). Resolves with its answer. */
  send(op) { return op ? this.queue.send(op) : Promise.resolve(null); }

  /** An op set aside whose own event came meanwhile was applied after all: it is done. */
  reviewable() { return this.queue.aside.filter((op) => this.pending.has(op.opId)); }

  // Written once per task however many ops were queued in it (a big paste is many ops):
  // still before the page can go away.
  _persist() {
    if (this.persistDue) return;
    this.persistDue = true;
    queueMicrotask(() => this._persistNow());
  }

  _persistNow() {
    this.persistDue = false;
    this.outbox.save(this.queue.ops(), this.reviewable());
  }

  /** Adopt what earlier pages of this sheet left unsent, show it, send it first. */
  async start() {
    // Values refused on earlier pages of this sheet are shown again (before the ops, which may correct them).
    if (this.storage) this.pending.refused.keepIn(this.storage, this.refusedKey);
    let found = { ops: [], aside: [] };
    try {
      await this.outbox.claim();
      found = await this.outbox.adopt();
    } catch (err) {
      // Storage trouble: start empty (the entries stay for a later page).
    }
    for (const op of found.ops) this.local.restoreOp(op);
    for (const op of found.aside) this.local.restoreOp(op, { aside: true });
    this.queue.restore(found.ops, found.aside);
    if (!this.outbox.locks && this.storage) this.win.setInterval(() => this.outbox.touch(), TOUCH_MS);
    this.onStatus();
  }

  unsent() { return this.pending.pendingCount() + this.pending.asideCount(); }

  /** 401, CSRF failure, or the socket closed 4401. */
  loggedOutNow() {
    if (this.loggedOut) return;
    this.loggedOut = true;
    this.queue.holdForLogin();
    const login = this.header.loginLink ? this.header.loginLink() : null;
    if (this.outbox.discardedByLogout()) {
      // Logged out with the Log out button (which said what would be lost): nothing stays.
      const n = this.unsent();
      this.local.discardOps(this.queue.clear().map((op) => op.opId));
      this.pending.discardRefused();
      this.header.showBanner(
        n ? `You logged out: ${plural(n, 'unsent change')} here ${n === 1 ? 'was' : 'were'} discarded.` : 'You are logged out.',
        login,
      );
    } else {
      this._persistNow();
      const n = this.unsent();
      const text = n
        ? `You are logged out. ${plural(n, 'change')} ${n === 1 ? 'is' : 'are'} kept on this device and sent once you log in again.`
        : 'You are logged out. Log in again to keep working.';
      this.header.showBanner(text, login);
      this._watchForLogin();
    }
    this.onStatus();
  }

  /**
   * The user may no longer see this sheet (access taken away, the sheet
   * deleted, a 404): nothing more is sent; every queued and set-aside op, the
   * pending edits they stand for and every outbox entry of this sheet go.
   * `why` is what the status line says from now on. Returns how many unsaved
   * changes were discarded.
   */
  discardSheet(why) {
    const count = this.gone === null ? this.unsent() : 0;
    this.gone = why;
    this.outbox.discardSheet();
    this.pending.refused.discardStored();
    this.queue.stop();
    this.local.discardOps(this.queue.clear().map((op) => op.opId));
    this.local.discardOps([...this.pending.records.keys()]); // answered, its event not applied yet
    this.onStatus();
    return count;
  }

  /** Logged in again in another tab: this page reloads (its saved ops come back with it). */
  _watchForLogin() {
    const { win, pageConfig } = this;
    if (!pageConfig || !pageConfig.initial_state_url || !win) return;
    let checking = false;
    const check = async () => {
      if (checking || win.document.visibilityState === 'hidden') return;
      checking = true;
      try {
        const response = await win.fetch(pageConfig.initial_state_url, { credentials: 'same-origin', headers: { Accept: 'application/json' } });
        if (response.status === 200) win.location.reload();
      } catch (err) {
        // Still offline: the next focus asks again.
      } finally {
        checking = false;
      }
    };
    win.addEventListener('focus', check);
    win.document.addEventListener('visibilitychange', check);
  }

  /** A button of the notice: retry now, discard or send again what was set aside, discard the refused values. */
  act(action) {
    const { queue, pending, local } = this;
    if (action === 'retry') queue.retryNow();
    else if (action === 'discardRefused') pending.discardRefused();
    else if (action === 'discard') {
      local.discardOps(queue.takeAside().filter((op) => pending.has(op.opId)).map((op) => op.opId));
    } else if (action === 'resend') {
      for (const op of queue.takeAside()) if (pending.has(op.opId)) queue.send(local.reissueOp(op));
    }
    this.onStatus();
  }

  /** Write the status line into `element`. */
  render(element) {
    if (!element) return;
    if (!this.statusLine) this.statusLine = new StatusLine({ element, act: (action) => this.act(action), doc: this.win.document });
    this.statusLine.render(this.status());
  }

  /** What the status line says now (status.js describeStatus). */
  status() {
    return describeStatus({
      pending: this.pending,
      loaded: this.store.loaded,
      queue: this.queue,
      socketDown: this.socketDown,
      loggedOut: this.loggedOut,
      storageError: this.outbox.error,
      gone: this.gone,
      rowCount: this.store.rowCount,
    });
  }

  /** The socket's state (socket.js): anything but live counts as offline for waiting changes. */
  setSocketState(socketState) {
    const down = socketState !== 'live';
    if (down !== this.socketDown) { this.socketDown = down; this.onStatus(); }
  }

  _watchPage(win) {
    win.addEventListener('pagehide', () => { if (this.persistDue) this._persistNow(); this.outbox.close(); });
    // Changes that could not be written down would be lost with the page: ask first.
    win.addEventListener('beforeunload', (event) => {
      if (this.outbox.error && this.unsent()) { event.preventDefault(); event.returnValue = ''; }
    });
    win.addEventListener('pageshow', (event) => {
      // Back from the back/forward cache after another page took over its ops: start afresh.
      if (event.persisted && !this.outbox.reopen(this.queue.size + this.queue.aside.length > 0)) win.location.reload();
    });
    win.addEventListener('online', () => this.queue.retryNow());
  }
}
