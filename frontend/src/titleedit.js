// Renaming the sheet from its own page: a click on the title swaps it for a
// small form; the new title goes out as a `rename` op (localops.js) through
// the op queue, and the page shows it when the committed `sheet.renamed`
// comes back, as every other tab of the sheet does. A refusal stays in the form.

export class TitleEditor {
  /** `store` (committed.js) has the title, `local` makes the op, `send(op)` resolves its answer, `canEdit()` asks the grid. */
  constructor({ store, local, send, canEdit, doc = globalThis.document }) {
    Object.assign(this, { store, local, send, canEdit });
    this.button = doc.getElementById('sheet-title-button');
    this.heading = doc.getElementById('sheet-heading');
    this.form = doc.getElementById('title-form');
    this.input = doc.getElementById('title-input');
    this.error = doc.getElementById('title-error');
    this.save = doc.getElementById('title-save');
    this.busy = false;
    this.button.addEventListener('click', () => this.open());
    this.form.addEventListener('submit', (event) => { event.preventDefault(); this._submit(); });
    doc.getElementById('title-cancel').addEventListener('click', () => this.close());
    this.input.addEventListener('keydown', (event) => {
      if (event.key === 'Escape') { event.preventDefault(); this.close(); }
    });
  }

  _current() { return this.store.title || this.button.textContent.trim(); }

  _showError(text) {
    this.error.textContent = text;
    this.error.hidden = !text;
  }

  open() {
    if (!this.canEdit()) return;
    this.input.value = this._current();
    this._showError('');
    this._setBusy(false);
    this.heading.hidden = true;
    this.form.hidden = false;
    this.input.focus();
    this.input.select();
  }

  close() {
    if (this.form.hidden) return;
    this.form.hidden = true;
    this.heading.hidden = false;
    this._setBusy(false);
    this.button.focus();
  }

  _setBusy(flag) {
    this.busy = flag;
    this.save.disabled = flag;
  }

  async _submit() {
    if (this.busy) return;
    const title = this.input.value.trim();
    if (!title) { this._showError('A sheet needs a title.'); this.input.focus(); return; }
    if (title === this._current()) { this.close(); return; }
    if (!this.canEdit()) { this._showError('You may no longer rename this sheet.'); return; }
    this._setBusy(true);
    this._showError('');
    const result = await this.send(this.local.renameSheet(title));
    if (this.form.hidden) return; // closed meanwhile
    this._setBusy(false);
    if (result && result.status >= 200 && result.status < 300) this.close();
    else this._showError((result && result.answer && result.answer.message) || 'The title was not changed. Try again.');
  }

  /** The user may no longer edit (access.js): an open form goes away. */
  setCanEdit(flag) {
    this.button.disabled = !flag;
    if (!flag) this.close();
  }
}
