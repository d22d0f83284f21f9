// Saving a sheet page's changes: the op queue (ops.js) written down in the
// outbox (outbox.js) so that nothing typed is lost to a reload, a closed tab,
// an outage or an expired session, and the status line that says where they
// are. docs/protocol.md, "Keeping a tab in step", has the rules.
import { OpQueue, opWeight } from './ops.js';
import { Outbox, TOUCH_MS, defaultStorage, setLocalUnsent } from './outbox.js';

const plural = (n, word) => `${n} ${word}${n === 1 ? '' : 's'}`;

/**
 * What the status line says: {kind, text} plus the notice next to it
 * ({text, actions: ['resend', 'discard', 'retry']} or null). No DOM.
 */
export function describeStatus({ state, queue, socketDown = false, loggedOut = false, storageError = null }) {
  const waiting = state.pendingCount();
  const aside = state.asideCount();
  let kind;
  let text;
  if (loggedOut && waiting) {
    [kind, text] = ['unsaved', `${plural(waiting, 'change')} not saved — log in again to send ${waiting === 1 ? 'it' : 'them'}`];
  } else if (queue.paused && waiting) {
    [kind, text] = ['unsaved', `${plural(waiting, 'change')} not saved — kept on this device`];
  } else if (waiting && (queue.failing || socketDown)) {
    [kind, text] = ['offline', `offline — ${plural(waiting, 'change')} waiting`];
  } else if (waiting) {
    [kind, text] = ['saving', 'Saving…'];
  } else if (state.lastRejection) {
    const { count, message, what = 'cell', plain = false } = state.lastRejection;
    [kind, text] = ['rejected', plain ? message : `${plural(count, what)} rejected: ${message}`];
  } else if (!state.loaded) {
    [kind, text] = ['loading', 'Loading…'];
  } else {
    [kind, text] = ['saved', 'All changes saved'];
  }
  const notes = [];
  const actions = [];
  if (aside) {
    notes.push(`${plural(aside, 'change')} could not be applied safely (made on a version of the sheet too old to check).`);
    actions.push('resend', 'discard');
  }
  if (queue.paused && waiting && !loggedOut) {
    notes.push('Retrying stopped after 10 minutes of failures; they are sent when the connection is back or on Retry.');
    actions.push('retry');
  }
  if (storageError && (waiting || aside)) notes.push(storageError);
  return { kind, text, notice: notes.length ? { text: notes.join(' '), actions } : null };
}

const ACTION_LABELS = { resend: 'Send again', discard: 'Discard', retry: 'Retry' };

/**
 * The queue, the outbox and the status line of a sheet page.
 * `syncer` (sync.js) takes what state methods return; `header` (header.js) shows banners.
 */
export function createSaving({
  state, live, config, header, syncer, csrfToken, onStatus = () => {},
  storage = defaultStorage(), fetchImpl, win = globalThis.window,
}) {
  const userId = live && live.user ? live.user.id : 'anon';
  const outbox = new Outbox({ storage, userId, sheetId: config.sheet_id, clientId: state.clientId });
  let loggedOut = false;
  let socketDown = false;
  let notice = null;

  // An op set aside whose own event came meanwhile was applied after all: it is done.
  const reviewable = () => queue.aside.filter((op) => state.ops.has(op.opId));
  // Written once per task however many ops were queued in it (a big paste is many ops):
  // still before the page can go away.
  let persistDue = false;
  const persistNow = () => { persistDue = false; outbox.save(queue.ops(), reviewable()); };
  const persist = () => {
    if (persistDue) return;
    persistDue = true;
    queueMicrotask(persistNow);
  };
  const queue = new OpQueue({
    baseUrl: config.ops_url,
    clientId: state.clientId,
    csrfToken,
    ...(fetchImpl ? { fetchImpl } : {}),
    onAnswer: (op, status, answer) => syncer.handle(state.applyAnswer(op.opId, answer, status)),
    onReplace: (op, status, answer) => (status === 413 ? state.splitOp(op) : state.reanchorOp(op, answer)),
    onAside: (op, answer) => state.setAside(op.opId, answer && answer.message),
    onFailing: (op, message) => state.opFailed(op.opId, message),
    onGaveUp: () => onStatus(),
    onLoggedOut: () => loggedOutNow(),
    onPersist: persist,
    onChange: () => onStatus(),
  });
  queue.hold(); // saved ops of earlier pages go first

  setLocalUnsent(() => ({
    key: outbox.key,
    count: [...queue.ops(), ...reviewable()].reduce((n, op) => n + opWeight(op), 0),
  }));

  /** Adopt what earlier pages of this sheet left unsent, show it, send it first. */
  async function start() {
    let found = { ops: [], aside: [] };
    try {
      await outbox.claim();
      found = await outbox.adopt();
    } catch (err) {
      // Storage trouble: start empty (the entries stay for a later page).
    }
    for (const op of found.ops) state.restoreOp(op);
    for (const op of found.aside) state.restoreOp(op, { aside: true });
    queue.restore(found.ops, found.aside);
    if (!outbox.locks && storage) win.setInterval(() => outbox.touch(), TOUCH_MS);
    onStatus();
  }

  const unsent = () => state.pendingCount() + state.asideCount();

  /** 401, CSRF failure, or the socket closed 4401. */
  function loggedOutNow() {
    if (loggedOut) return;
    loggedOut = true;
    queue.holdForLogin();
    if (outbox.discardedByLogout()) {
      // Logged out with the Log out button (which said what would be lost): nothing stays.
      const n = unsent();
      const ops = queue.clear();
      state.discardOps(ops.map((op) => op.opId));
      header.showBanner(
        n ? `You logged out: ${plural(n, 'unsent change')} here ${n === 1 ? 'was' : 'were'} discarded.` : 'You are logged out.',
        header.loginLink ? header.loginLink() : null,
      );
    } else {
      persistNow();
      const n = unsent();
      const text = n
        ? `You are logged out. ${plural(n, 'change')} ${n === 1 ? 'is' : 'are'} kept on this device and sent once you log in again.`
        : 'You are logged out. Log in again to keep working.';
      header.showBanner(text, header.loginLink ? header.loginLink() : null);
      watchForLogin();
    }
    onStatus();
  }

  /** Logged in again in another tab: this page reloads (its saved ops come back with it). */
  function watchForLogin() {
    if (!live || !live.initial_state_url || !win) return;
    let checking = false;
    const check = async () => {
      if (checking || win.document.visibilityState === 'hidden') return;
      checking = true;
      try {
        const response = await win.fetch(live.initial_state_url, { credentials: 'same-origin', headers: { Accept: 'application/json' } });
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

  function act(action) {
    if (action === 'retry') queue.retryNow();
    else if (action === 'discard') {
      const ops = queue.takeAside().filter((op) => state.ops.has(op.opId));
      syncer.handle(state.discardOps(ops.map((op) => op.opId)));
    } else if (action === 'resend') {
      for (const op of queue.takeAside()) if (state.ops.has(op.opId)) queue.send(state.reissueOp(op));
    }
    onStatus();
  }

  /** Write the status line (and the notice after it, made on first use). */
  function render(statusEl) {
    if (!statusEl) return;
    const status = describeStatus({ state, queue, socketDown, loggedOut, storageError: outbox.error });
    if (statusEl.textContent !== status.text) statusEl.textContent = status.text;
    statusEl.dataset.state = status.kind;
    if (!status.notice && !notice) return;
    if (!notice) {
      notice = win.document.createElement('p');
      notice.id = 'sheet-notice';
      notice.className = 'sheet-notice';
      notice.setAttribute('role', 'status');
      statusEl.after(notice);
    }
    notice.hidden = !status.notice;
    if (!status.notice) { notice.replaceChildren(); return; }
    const key = `${status.notice.text}|${status.notice.actions.join()}`;
    if (notice.dataset.key === key) return;
    notice.dataset.key = key;
    const text = win.document.createElement('span');
    text.textContent = status.notice.text;
    const buttons = status.notice.actions.map((action) => {
      const button = win.document.createElement('button');
      button.type = 'button';
      button.className = action === 'discard' ? 'button danger' : 'button secondary';
      button.dataset.action = action;
      button.textContent = ACTION_LABELS[action];
      button.addEventListener('click', () => act(action));
      return button;
    });
    notice.replaceChildren(text, ...buttons);
  }

  if (win) {
    win.addEventListener('pagehide', () => { if (persistDue) persistNow(); outbox.close(); });
    // Changes that could not be written down would be lost with the page: ask first.
    win.addEventListener('beforeunload', (event) => {
      if (outbox.error && unsent()) { event.preventDefault(); event.returnValue = ''; }
    });
    win.addEventListener('pageshow', (event) => {
      // Back from the back/forward cache after another page took over its ops: start afresh.
      if (event.persisted && !outbox.reopen(queue.size + queue.aside.length > 0)) win.location.reload();
    });
  }

  return {
    queue,
    outbox,
    start,
    render,
    act,
    loggedOutNow,
    /** The socket's state (socket.js): anything but live counts as offline for waiting changes. */
    setSocketState(socketState) {
      const down = socketState !== 'live';
      if (down !== socketDown) { socketDown = down; onStatus(); }
    },
    get loggedOut() { return loggedOut; },
  };
}
