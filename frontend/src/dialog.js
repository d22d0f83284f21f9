// The column dialog: a new column's name and type ("Add column", "Insert
// column left/right"), or rename a column and/or change its type; a formula
// column's formula (formulafield.js), any column's footer total and a number
// column's number format (numberformatfield.js). A type change the server
// cannot convert (422 with `values`) is shown here.
import { FormulaField } from './formulafield.js';
import { NumberFormatField } from './numberformatfield.js';
import { sameNumberFormat, takesNumberFormat } from './numberformat.js';

const MAX_LISTED = 5;

export class ColumnDialog {
  /**
   * `store` (committed.js) has the columns, `local` (localops.js) makes the op, `send(op)` resolves its answer;
   * `check(body)` asks the server about a formula (formulaedit.js).
   */
  constructor({ store, local, send, check, onAdded = () => {}, doc = globalThis.document }) {
    Object.assign(this, { store, local, send, onAdded });
    this.dialog = doc.getElementById('column-dialog');
    this.form = doc.getElementById('column-form');
    this.nameInput = doc.getElementById('column-name');
    this.typeSelect = doc.getElementById('column-type');
    this.summarySelect = doc.getElementById('column-summary');
    this.formula = new FormulaField({ store, check, doc });
    this.numberFormat = new NumberFormatField({ doc });
    this.error = doc.getElementById('column-error');
    this.saveButton = doc.getElementById('column-save');
    this.heading = doc.getElementById('column-dialog-title');
    this.doc = doc;
    this.columnId = null;
    this.adding = null; // {after}: the dialog makes a new column after that one (null: first)
    this.busy = false;
    this.form.addEventListener('submit', (event) => { event.preventDefault(); this._submit(); });
    doc.getElementById('column-cancel').addEventListener('click', () => this.close());
    this.dialog.addEventListener('close', () => { this.columnId = null; this.adding = null; this._setBusy(false); this.formula.close(); });
    this.typeSelect.addEventListener('change', () => this._showFields());
    // The formula may name the column itself (a cycle): checked again with the new name.
    this.nameInput.addEventListener('input', () => this.formula.changed());
  }

  _setBusy(flag) {
    this.busy = flag;
    this.saveButton.disabled = flag;
  }

  _showError(lines) {
    this.error.replaceChildren();
    for (const line of lines) {
      const p = this.doc.createElement('p');
      p.textContent = line;
      this.error.append(p);
    }
    this.error.hidden = !lines.length;
  }

  close() {
    this.columnId = null;
    this.adding = null;
    this._setBusy(false);
    this.formula.close();
    if (this.dialog.open) this.dialog.close();
  }

  /** The formula field, the footer total and the number format as `column` has them (null: a new column). */
  _fill(column) {
    const nameOf = () => this.nameInput.value.trim();
    this.formula.reset({ columnId: column ? column.id : null, formula: (column && column.formula) || '', nameOf });
    this.summarySelect.value = (column && column.summary) || '';
    this.numberFormat.reset(column ? column.numberFormat : null);
    this._showFields();
  }

  /**
   * The formula field for a formula column; the number format for a number
   * column, or a formula column whose results are numbers already.
   */
  _showFields() {
    const type = this.typeSelect.value;
    const column = this.columnId ? this.store.column(this.columnId) : null;
    this.formula.setVisible(type === 'formula');
    const resultType = column?.type === 'formula' ? column.resultType : null; // known once saved
    this.numberFormat.setVisible(takesNumberFormat({ type, resultType }));
  }

  _show(heading, save) {
    if (this.heading) this.heading.textContent = heading;
    this.saveButton.textContent = save;
    this._setBusy(false);
    this._showError([]);
    if (!this.dialog.open) this.dialog.showModal();
  }

  open(id, focus = 'name') {
    const column = this.store.column(id);
    if (!column) return;
    this.adding = null;
    this.columnId = id;
    this.nameInput.value = column.name;
    this.typeSelect.value = column.type;
    this._fill(column);
    this._show('Column settings', 'Save column');
    if (focus === 'format' && this.numberFormat.visible) { this.numberFormat.focus(); return; }
    (focus === 'type' ? this.typeSelect : this.nameInput).focus();
    if (focus !== 'type') this.nameInput.select();
  }

  /** Ask for a new column's name and type; it goes after column `after` (null: first). */
  openNew(after) {
    this.columnId = null;
    this.adding = { after };
    this.nameInput.value = '';
    this.typeSelect.value = 'text';
    this._fill(null);
    this._show('Add column', 'Create column');
    this.nameInput.focus();
  }

  /** A formula column's formula, or error lines (the server's refusal of it, when known). */
  _formulaWanted() {
    const formula = this.formula.value();
    if (!formula) { this.formula.input.focus(); return ['A formula column needs a formula, for example =[Price] * [Qty].']; }
    const error = this.formula.error();
    if (error) { this.formula.input.focus(); return [error]; }
    return formula;
  }

  /** The new column is shown at once (pending, like typed cells); a refusal shows in the status line. */
  _submitNew() {
    const name = this.nameInput.value.trim();
    if (!name) { this.nameInput.focus(); this._showError(['A column needs a name.']); return; }
    const type = this.typeSelect.value;
    const formula = type === 'formula' ? this._formulaWanted() : undefined;
    if (Array.isArray(formula)) { this._showError(formula); return; }
    const numberFormat = this.numberFormat.visible ? this.numberFormat.value() : null;
    if (numberFormat && numberFormat.error) { this._showError([numberFormat.error]); return; }
    const { after } = this.adding;
    const known = after === null || this.store.column(after);
    const op = this.local.insertColumn({ after: known ? after : null, name, type, formula });
    if (!op) return;
    const id = op.body.columns[0].id;
    this.onAdded(id); // the grid shows it, however far right it lands
    this.send(op);
    // The footer total is the column's setting: an update right after the insert (the queue keeps the order).
    const settings = {};
    if (this.summarySelect.value) settings.summary = this.summarySelect.value;
    if (numberFormat) settings.numberFormat = numberFormat;
    if (Object.keys(settings).length) this.send(this.local.updateColumn(id, settings));
    this.close();
  }

  _describeRefusal(answer, status) {
    const lines = [(answer && answer.message) || `The column was not changed (HTTP ${status}).`];
    const values = (answer && Array.isArray(answer.values)) ? answer.values : [];
    for (const v of values.slice(0, MAX_LISTED)) {
      const index = this.store.rowIndexOf(v.row);
      const where = index >= 0 ? `Row ${index + 1}` : 'A row';
      lines.push(`${where}: “${v.value}” — ${v.message}`);
    }
    const count = (answer && answer.count) || values.length;
    if (count > MAX_LISTED) lines.push(`…and ${count - MAX_LISTED} more.`);
    return lines;
  }

  /** What the form asks to change ({name?, type?, formula?, summary?, numberFormat?}), or a list of error lines. */
  _wanted(column) {
    const name = this.nameInput.value.trim();
    const type = this.typeSelect.value;
    if (!name) { this.nameInput.focus(); return ['A column needs a name.']; }
    const change = {};
    if (name !== column.name) change.name = name;
    if (type !== column.type) change.type = type;
    if (type === 'formula') {
      const formula = this._formulaWanted();
      if (Array.isArray(formula)) return formula;
      if (formula !== column.formula || type !== column.type) change.formula = formula;
    }
    const summary = this.summarySelect.value || null;
    if (summary !== (column.summary || null)) change.summary = summary;
    if (this.numberFormat.visible) {
      const numberFormat = this.numberFormat.value();
      if (numberFormat && numberFormat.error) { this.numberFormat.currency.focus(); return [numberFormat.error]; }
      if (!sameNumberFormat(numberFormat, column.numberFormat)) change.numberFormat = numberFormat;
    }
    return change;
  }

  async _submit() {
    if (this.adding) { this._submitNew(); return; }
    if (this.busy || !this.columnId) return;
    const id = this.columnId;
    const column = this.store.column(id);
    if (!column) { this._showError(['That column no longer exists.']); return; }
    const change = this._wanted(column);
    if (Array.isArray(change)) { this._showError(change); return; }
    if (!Object.keys(change).length) { this.close(); return; }
    this._setBusy(true);
    this._showError([]);
    const op = this.local.updateColumn(id, change);
    if (!op) { this._setBusy(false); this._showError(['That column no longer exists.']); return; }
    const result = await this.send(op);
    if (this.columnId !== id) return; // closed or reopened meanwhile
    this._setBusy(false);
    if (result && result.status >= 200 && result.status < 300) this.close();
    else this._showError(this._describeRefusal(result && result.answer, result && result.status));
  }
}
