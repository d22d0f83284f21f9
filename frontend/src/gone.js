// A sheet this tab may no longer show: access taken away (`access.revoked`,
// a 4403 close), the sheet deleted (`sheet.deleted`), or the server answering
// 404 to an op, a catch-up or the snapshot (docs/protocol.md, "Keeping a tab
// in step"). Nothing of the sheet stays: the sync loop and the op queue stop;
// the queued changes, the outbox entries and the committed copy go
// (saving.js `discardSheet`, committed.js `clear`); the grid is destroyed; the
// title, the presence list and the side panel are emptied; and the page says
// how many unsaved changes were discarded, with a link back to the list.

const REASONS = {
  revoked: { status: 'No access', message: 'You no longer have access to this sheet.' },
  deleted: { status: 'Sheet deleted', message: 'This sheet was deleted.' },
  gone: { status: 'Not available', message: 'This sheet no longer exists, or you may no longer see it.' },
};

/** What the page says once the sheet is gone for this user (no DOM). */
export function goneText(reason, discarded) {
  const { message } = REASONS[reason] || REASONS.gone;
  if (!discarded) return message;
  const edits = discarded === 1 ? '1 unsaved edit was' : `${discarded} unsaved edits were`;
  return `${message} ${edits} discarded.`;
}

export class SheetGone {
  /** `parts`: the sheet page's parts (sheet.js); `listUrl`: the sheet list. */
  constructor({ parts, listUrl, doc = globalThis.document }) {
    Object.assign(this, { parts, listUrl, doc });
    this.reason = null; // set once: the first reason is the one the page shows
    this.discarded = 0;
  }

  /** Leave the sheet ('revoked', 'deleted' or 'gone'). Only the first call does anything. */
  leave(reason) {
    if (this.reason) return;
    this.reason = reason;
    const { sync, access, presence, saving, grid, store } = this.parts;
    sync.stop();
    access.revoke(); // the toolbar off, the side panel closed, the history link hidden
    presence.leave();
    this.discarded = saving.discardSheet((REASONS[reason] || REASONS.gone).status);
    grid.destroy();
    store.clear();
    this._show();
  }

  _show() {
    const { doc } = this;
    const title = doc.getElementById('sheet-title');
    if (title) title.textContent = 'Sheet unavailable';
    const rename = doc.getElementById('sheet-title-button');
    if (rename) rename.disabled = true;
    const titleForm = doc.getElementById('title-form');
    if (titleForm && !titleForm.hidden) doc.getElementById('title-cancel')?.click();
    doc.title = 'Sheet unavailable · Gridroom';
    const toolbar = doc.querySelector('.sheet-bar .toolbar');
    if (toolbar) toolbar.hidden = true;
    const gridEl = doc.getElementById('grid');
    if (!gridEl) return;
    const notice = doc.createElement('div');
    notice.id = 'sheet-gone';
    notice.className = 'sheet-gone card';
    notice.setAttribute('role', 'status');
    const text = doc.createElement('p');
    text.textContent = goneText(this.reason, this.discarded);
    const back = doc.createElement('a');
    back.className = 'button';
    back.href = this.listUrl;
    back.textContent = 'Back to your sheets';
    notice.append(text, back);
    gridEl.hidden = true;
    gridEl.before(notice);
  }
}
