// The status line of a sheet page ("Saving…", "All changes saved", …), the
// sheet's row count beside it ("40,000 rows"), and the notice after them with
// its buttons (Send again, Discard, Retry). What it says is `describeStatus`
// (no DOM); `StatusLine` writes it into the page.

const plural = (n, word) => `${n} ${word}${n === 1 ? '' : 's'}`;
const COUNT = new Intl.NumberFormat('en-US');

/** "1 row", "40,000 rows"; null for no count (not loaded yet). */
export function rowCountText(rows) {
  if (!Number.isInteger(rows) || rows < 0) return null;
  return `${COUNT.format(rows)} ${rows === 1 ? 'row' : 'rows'}`;
}

/**
 * "12 of 40,000 shown": the rows of this tab's view (viewrows.js) of the
 * sheet's rows; "… of 40,000 shown" while the view is being counted (`shown` null).
 */
export function viewCountText(shown, rows) {
  if (!Number.isInteger(rows) || !(shown === null || Number.isInteger(shown))) return null;
  return `${shown === null ? '…' : COUNT.format(shown)} of ${COUNT.format(rows)} shown`;
}

function headline({ pending, loaded, queue, socketDown, loggedOut }) {
  const waiting = pending.pendingCount();
  if (loggedOut && waiting) {
    return ['unsaved', `${plural(waiting, 'change')} not saved — log in again to send ${waiting === 1 ? 'it' : 'them'}`];
  }
  if (queue.paused && waiting) return ['unsaved', `${plural(waiting, 'change')} not saved — kept on this device`];
  if (waiting && (queue.failing || socketDown)) return ['offline', `offline — ${plural(waiting, 'change')} waiting`];
  if (waiting) return ['saving', 'Saving…'];
  // A change refused as a whole (rows, columns, an undo) is told until the next change...
  const last = pending.lastRejection;
  if (last && (last.what || last.plain)) {
    return ['rejected', last.plain ? last.message : `${plural(last.count, last.what)} rejected: ${last.message}`];
  }
  // ...cells rejected as long as their values are shown: nothing says all is saved meanwhile.
  const refused = pending.errorCount();
  if (refused) {
    const latest = pending.refused.latestMessage();
    return ['rejected', refused === 1 ? `1 cell rejected: ${latest}` : `${refused} cells rejected (latest: ${latest})`];
  }
  if (!loaded) return ['loading', 'Loading…'];
  return ['saved', 'All changes saved'];
}

/**
 * What the status line says: {kind, text}, the row count beside it (`rows`:
 * "40,000 rows", absent without a count) and the notice next to them ({text, actions:
 * ['resend', 'discard', 'retry', 'discardRefused']} or null). `pending` is the
 * pending edits (pending.js), `loaded` whether the first snapshot came,
 * `rowCount` the sheet's rows (store.rowCount: those a big sheet's tab does
 * not hold yet too); `gone` what to say once the sheet is gone for this user
 * (nothing is saved then). No DOM.
 */
export function describeStatus({ pending, loaded = true, queue, socketDown = false, loggedOut = false, storageError = null, gone = null, rowCount = null }) {
  if (gone) return { kind: 'gone', text: gone, notice: null };
  const [kind, text] = headline({ pending, loaded, queue, socketDown, loggedOut });
  const waiting = pending.pendingCount();
  const aside = pending.asideCount();
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
  if (pending.errorCount()) {
    notes.push('What you typed stays in the cell until you correct it (Enter) or discard it (Escape on the cell, or Discard).');
    actions.push('discardRefused');
  }
  const rows = loaded ? rowCountText(rowCount) : null;
  return { kind, text, ...(rows ? { rows } : {}), notice: notes.length ? { text: notes.join(' '), actions } : null };
}

const ACTION_LABELS = { resend: 'Send again', discard: 'Discard', retry: 'Retry', discardRefused: 'Discard' };
// Buttons whose label alone would be ambiguous next to another one.
const ACTION_NAMES = { discardRefused: 'Discard rejected values' };

/**
 * The status line element, and made after it on first use the row count and
 * the notice; `act(action)` runs a button.
 */
export class StatusLine {
  constructor({ element, act, doc = globalThis.document }) {
    Object.assign(this, { element, act, doc });
    this.notice = null;
    this.rows = null;
    this.rowsText = null; // (status) => what the row count says instead ("12 of 40,000 shown"), or null
  }

  render(status) {
    const { element } = this;
    if (!element) return;
    if (element.textContent !== status.text) element.textContent = status.text;
    element.dataset.state = status.kind;
    this._renderRows((this.rowsText && this.rowsText(status)) || status.rows || null);
    if (!status.notice && !this.notice) return;
    const notice = this._noticeElement();
    notice.hidden = !status.notice;
    if (!status.notice) { notice.replaceChildren(); return; }
    const key = `${status.notice.text}|${status.notice.actions.join()}`;
    if (notice.dataset.key === key) return;
    notice.dataset.key = key;
    const text = this.doc.createElement('span');
    text.textContent = status.notice.text;
    notice.replaceChildren(text, ...status.notice.actions.map((action) => this._button(action)));
  }

  // Not a live region: a count that changes with every row added is not announced.
  _renderRows(text) {
    if (!text && !this.rows) return;
    if (!this.rows) {
      this.rows = this.doc.createElement('p');
      this.rows.id = 'sheet-rows';
      this.rows.className = 'sheet-rows';
      this.element.after(this.rows);
    }
    this.rows.hidden = !text;
    if (text && this.rows.textContent !== text) this.rows.textContent = text;
  }

  _noticeElement() {
    if (!this.notice) {
      this.notice = this.doc.createElement('p');
      this.notice.id = 'sheet-notice';
      this.notice.className = 'sheet-notice';
      this.notice.setAttribute('role', 'status');
      (this.rows || this.element).after(this.notice);
    }
    return this.notice;
  }

  _button(action) {
    const button = this.doc.createElement('button');
    button.type = 'button';
    button.className = action === 'discard' || action === 'discardRefused' ? 'button danger' : 'button secondary';
    button.dataset.action = action;
    button.textContent = ACTION_LABELS[action];
    if (ACTION_NAMES[action]) button.setAttribute('aria-label', ACTION_NAMES[action]);
    button.addEventListener('click', () => this.act(action));
    return button;
  }
}
