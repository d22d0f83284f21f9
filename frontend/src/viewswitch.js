// The view switcher in the filter bar (#view-switch in sheets/detail.html):
// "My view (this tab)" and the sheet's shared views; Save as shared view…,
// Rename view… and Delete view, and the name form (#view-name-dialog). What
// each does is sharedviews.js's (ViewChoice); this module reads and writes
// the page, and hides the view's hidden columns in the grid (gridhidden.js).
import { GridHidden } from './gridhidden.js';

export class ViewSwitch {
  /** `choice`: ViewChoice; `bar`: the ViewBar it lives in; `canEdit()`: may this user write the sheet. */
  constructor({ choice, bar, canEdit, doc = globalThis.document }) {
    Object.assign(this, { choice, bar, canEdit, doc });
    this.hidden = new GridHidden({ grid: bar.grid, hidden: () => choice.state.hidden });
    const $ = (id) => doc.getElementById(id);
    this.select = $('view-switch');
    this.saveButton = $('view-save-shared');
    this.renameButton = $('view-rename');
    this.deleteButton = $('view-delete');
    this.dialog = $('view-name-dialog');
    this.form = $('view-name-form');
    this.title = $('view-name-title');
    this.input = $('view-name');
    this.error = $('view-name-error');
    this.mode = 'save';
    this.select.addEventListener('change', () => choice.choose(this.select.value));
    this.saveButton.addEventListener('click', () => this._ask('save'));
    this.renameButton.addEventListener('click', () => this._ask('rename'));
    this.deleteButton.addEventListener('click', () => this._delete());
    this.form.addEventListener('submit', (event) => { event.preventDefault(); this._submit(); });
    $('view-name-cancel').addEventListener('click', () => this.dialog.close());
    this.dialog.addEventListener('close', () => bar._giveGridKeys());
    choice.subscribe(() => bar.render());
    bar.choice = choice;
    bar.extra = () => this.render();
    bar.render();
  }

  render() {
    const { choice } = this;
    this.hidden.sync();
    const current = choice.current();
    const key = JSON.stringify([choice.views.list.map((v) => [v.id, v.name]), current?.id || '']);
    if (this.select.dataset.key !== key) {
      this.select.dataset.key = key;
      const option = (value, text) => {
        const o = this.doc.createElement('option');
        o.value = value;
        o.textContent = text;
        return o;
      };
      this.select.replaceChildren(option('', 'My view (this tab)'), ...choice.views.list.map((v) => option(v.id, v.name)));
      this.select.value = current ? current.id : '';
    }
    const editor = this.canEdit();
    this.saveButton.hidden = !editor;
    this.renameButton.hidden = !(editor && current);
    this.deleteButton.hidden = !(editor && current);
  }

  _ask(mode) {
    this.mode = mode;
    const current = this.choice.current();
    this.title.textContent = mode === 'rename' ? 'Rename shared view' : 'Save as shared view';
    this.input.value = mode === 'rename' && current ? current.name : '';
    this._showError(null);
    const g = this.bar.grid();
    if (g && g.hot) g.hot.unlisten();
    if (!this.dialog.open) this.dialog.showModal();
    this.input.focus();
  }

  async _submit() {
    const name = this.input.value.trim();
    if (!name) { this._showError('Enter a name.'); return; }
    const done = this.mode === 'rename' ? await this.choice.rename(name) : await this.choice.saveAs(name);
    if (done.error) { this._showError(done.error); return; }
    this.dialog.close();
    this.bar.render();
  }

  async _delete() {
    const done = await this.choice.remove();
    if (done.error) this.choice.notice = done.error;
    this.bar.render();
  }

  _showError(message) {
    this.error.hidden = !message;
    this.error.textContent = message || '';
    this.input.setAttribute('aria-invalid', message ? 'true' : 'false');
  }
}
