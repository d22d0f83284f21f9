// The column dialog's formula field: the formula, the column names to put in
// at the cursor, and what the server says of the formula as it is typed
// (formulaedit.js checks it). Shown while the dialog's type is "Formula".
import { FormulaChecker, bracketed, insertAt } from './formulaedit.js';

export class FormulaField {
  /** `store` (committed.js) has the columns to pick from; `check(body)` asks the server (resolves {status, body}). */
  constructor({ store, check, doc = globalThis.document }) {
    Object.assign(this, { store, doc });
    this.field = doc.getElementById('column-formula-field');
    this.input = doc.getElementById('column-formula');
    this.names = doc.getElementById('column-formula-names');
    this.status = doc.getElementById('column-formula-check');
    this.columnId = null; // the column the dialog is for (null: a new one)
    this.nameOf = () => null; // the name the column will have, as typed in the dialog
    this.checker = new FormulaChecker({ check, onResult: (result) => this._show(result) });
    this.input.addEventListener('input', () => this.changed());
    this.names.addEventListener('click', (event) => {
      const button = event.target.closest && event.target.closest('button[data-name]');
      if (button) this._insert(button.dataset.name);
    });
  }

  /** The dialog opened for column `columnId` (null: new) with `formula`; `nameOf()` reads its name field. */
  reset({ columnId = null, formula = '', nameOf = () => null }) {
    Object.assign(this, { columnId, nameOf });
    this.input.value = formula;
    this.checker.cancel();
    this._show({ state: 'empty', message: '' });
    this._listColumns();
  }

  /** Shown or hidden with the dialog's type; a formula shown is checked. */
  setVisible(flag) {
    this.field.hidden = !flag;
    if (flag) this.changed();
    else this.checker.cancel();
  }

  get visible() { return !this.field.hidden; }

  value() { return this.input.value.trim(); }

  /** The server's refusal of exactly what is typed now (null: none known). */
  error() { return this.checker.errorFor(this.input.value); }

  /** The formula or the column's name changed: check again after a pause. */
  changed() {
    if (!this.visible) return;
    const name = this.nameOf();
    this.checker.input({ formula: this.input.value, column: this.columnId, name: name || null });
  }

  close() { this.checker.cancel(); }

  _listColumns() {
    const buttons = this.store.columns
      .filter((col) => col.id !== this.columnId && !col.local)
      .map((col) => {
        const button = this.doc.createElement('button');
        button.type = 'button';
        button.className = 'button secondary formula-name';
        button.dataset.name = col.name;
        button.textContent = col.name;
        button.setAttribute('aria-label', `Insert ${bracketed(col.name)}`);
        return button;
      });
    this.names.replaceChildren(...buttons);
  }

  _insert(name) {
    const { input } = this;
    const { text, caret } = insertAt(input.value, input.selectionStart ?? input.value.length, input.selectionEnd ?? input.value.length, bracketed(name));
    input.value = text;
    input.focus();
    input.setSelectionRange(caret, caret);
    this.changed();
  }

  _show(result) {
    this.status.textContent = result.message;
    this.status.dataset.state = result.state;
    this.input.setAttribute('aria-invalid', String(result.state === 'error'));
  }
}
