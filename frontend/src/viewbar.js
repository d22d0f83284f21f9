// The filter bar above the grid (#view-bar in sheets/detail.html) and the
// filter form (#filter-dialog): what this tab's own sort and filter are
// ("Sorted by Price ↓", "Amount > 100"), a button to clear each, Clear all,
// and Refresh view once the rows shown are out of date. The state is
// viewstate.js's, the rows viewrows.js's, the shared view this tab is on
// sharedviews.js's (its switcher: viewswitch.js); this module only reads and
// writes the page.
import { OPERATORS, OPERATOR_LABELS, filterType, readFilter, takesValue } from './viewstate.js';
import { movedOrder } from './columnorder.js';

const VALUE_HINTS = { number: 'Value (a number)', date: 'Value (a date, e.g. 2027-03-15)', text: 'Value' };

export class ViewBar {
  /** `rows`: ViewRows; `prefs()`: how the user writes numbers and dates; `grid()`: the grid adapter. */
  constructor({ state, rows, store, prefs, grid, doc = globalThis.document }) {
    Object.assign(this, { state, rows, store, prefs, grid, doc });
    const $ = (id) => doc.getElementById(id);
    this.bar = $('view-bar');
    this.items = $('view-items');
    this.note = $('view-note');
    this.refreshButton = $('view-refresh');
    this.heading = $('view-bar-label');
    this.choice = null; // the shared view this tab is on (sharedviews.js), once attached
    this.dialog = $('filter-dialog');
    this.form = $('filter-form');
    this.title = $('filter-dialog-title');
    this.op = $('filter-op');
    this.value = $('filter-value');
    this.valueLabel = $('filter-value-label');
    this.value2 = $('filter-value2');
    this.value2Field = $('filter-value2-field');
    this.valueField = $('filter-value-field');
    this.error = $('filter-error');
    this.columnId = null;
    $('view-clear').addEventListener('click', () => this._change(() => state.clearAll()));
    this.extra = () => {}; // the switcher's render (viewswitch.js)
    this.refreshButton.addEventListener('click', () => { this.rows.apply(); this.render(); });
    this.op.addEventListener('change', () => this._showValueFields());
    this.form.addEventListener('submit', (event) => { event.preventDefault(); this._submit(); });
    $('filter-cancel').addEventListener('click', () => this.dialog.close());
    this.dialog.addEventListener('close', () => this._giveGridKeys());
    rows.subscribe(() => this.render());
    // Columns that went leave the view (a view of a column gone would be refused).
    store.subscribe((change) => {
      if (!change.structure || !this.store.loaded) return;
      if (state.keepColumns((id) => !!this.store.column(id))) this._applied();
      else if (state.active) this.render(); // a column renamed: the bar says its new name
    });
    this.render();
    if (state.active) rows.apply(); // kept for this sheet by an earlier page of this tab
  }

  /** The context menu's Sort A → Z / Z → A. */
  sortColumn(colId, dir) { this._change(() => this.state.sortBy(colId, dir)); }

  /** The context menu's Then sort A → Z / Z → A: one more key (at most five). */
  thenSortColumn(colId, dir) { this._change(() => this.state.thenSortBy(colId, dir)); }

  /** The context menu's Hide column (this tab's view; the last column shown stays). */
  hideColumn(colId) {
    const shown = this.store.columns.filter((c) => !this.state.hidden.includes(c.id));
    if (shown.length <= 1 || !shown.some((c) => c.id === colId)) return;
    this._change(() => this.state.hideColumn(colId), false);
  }

  /** The context menu's Move column left / right (this tab's view; hidden columns are stepped over). */
  moveColumn(colId, step) {
    const g = this.grid();
    if (!g) return;
    const order = movedOrder(g.colIds, colId, step, { hidden: this.state.hidden, sheetIds: this.store.columns.map((c) => c.id) });
    if (order) this._change(() => this.state.setOrder(order), false);
  }

  /** How many sort keys this tab's view has (the menu offers "Then sort" once there is one). */
  sortKeys() { return this.state.sorts.length; }

  /** The context menu's Filter…: the form for this column. */
  filterColumn(colId) {
    const col = this.store.column(colId);
    if (!col) return;
    this.columnId = colId;
    const type = filterType(col);
    this.title.textContent = `Filter ${col.name}`;
    this.op.replaceChildren(...OPERATORS[type].map((op) => {
      const option = this.doc.createElement('option');
      option.value = op;
      option.textContent = OPERATOR_LABELS[op];
      return option;
    }));
    this.valueLabel.textContent = VALUE_HINTS[type] || 'Value';
    this.value.value = '';
    this.value2.value = '';
    this._showError(null);
    this._showValueFields();
    const g = this.grid();
    if (g && g.hot) g.hot.unlisten(); // typing goes into the form, not into the selected cell
    if (!this.dialog.open) this.dialog.showModal();
    this.op.focus();
  }

  _showValueFields() {
    const op = this.op.value;
    this.valueField.hidden = !takesValue(op);
    this.value2Field.hidden = op !== 'between';
  }

  _submit() {
    const col = this.store.column(this.columnId);
    const read = readFilter(col, this.op.value, [this.value.value, this.value2.value], this.prefs());
    if (read.error) { this._showError(read.error); return; }
    if (!this.state.addFilter(read.filter)) { this._showError('At most 20 filters.'); return; }
    this.dialog.close();
    this._applied();
    this._edited();
  }

  _showError(message) {
    this.error.hidden = !message;
    this.error.textContent = message || '';
    this.value.setAttribute('aria-invalid', message ? 'true' : 'false');
  }

  _giveGridKeys() {
    const g = this.grid();
    if (g && g.hot) g.hot.listen();
  }

  /** `rows`: the change is to the sort or filters, so the view's rows are fetched again. */
  _change(fn, rows = true) {
    fn();
    if (rows) this._applied(); else this.render();
    this._edited();
  }

  /** The user changed the sort or filters: saved to the shared view this tab is on, if any. */
  _edited() { if (this.choice) this.choice.edited(); }

  /** The view asked for changed: its rows are fetched again from the top. */
  _applied() {
    this.rows.apply();
    const g = this.grid();
    if (g && g.hot && g.hot.countRows()) g.hot.scrollViewportTo({ row: 0 });
    this.render();
  }

  render() {
    const { state, choice } = this;
    const g = this.grid();
    if (g) g.orderChanged(); // the view's column order may be another now (this tab's or the shared view's)
    this.bar.hidden = !state.active && !state.hidden.length && !state.order.length && !(choice && (choice.views.list.length || state.copyOf));
    const label = choice ? choice.label() : { title: 'Your view', aside: '(only this tab)' };
    const labelKey = `${label.title}|${label.aside}`;
    if (this.heading.dataset.key !== labelKey) {
      this.heading.dataset.key = labelKey;
      const aside = this.doc.createElement('span');
      aside.className = 'view-bar-aside';
      aside.textContent = label.aside;
      this.heading.replaceChildren(`${label.title} `, aside);
    }
    this.extra();
    const nameOf = (id) => this.store.column(id)?.name ?? 'a column';
    const key = JSON.stringify([state.spec(), state.items(nameOf).map((i) => i.text)]);
    if (this.items.dataset.key !== key) {
      this.items.dataset.key = key;
      this.items.replaceChildren(...state.items(nameOf).map((item) => this._item(item)));
    }
    const { rows } = this;
    this.refreshButton.hidden = !(rows.outOfDate && rows.shown);
    let note = '';
    if (rows.error) note = `This view cannot be shown: ${rows.error}`;
    else if (this.choice && this.choice.notice) note = this.choice.notice;
    else if (state.active && !rows.shown) note = 'Loading the view…';
    else if (rows.shown && rows.outOfDate) note = 'The sheet changed: rows may be out of place.';
    if (this.note.textContent !== note) this.note.textContent = note;
  }

  _item(item) {
    const li = this.doc.createElement('li');
    li.className = 'view-item';
    const text = this.doc.createElement('span');
    text.textContent = item.text;
    const button = this.doc.createElement('button');
    button.type = 'button';
    button.className = 'view-item-clear';
    button.textContent = '×';
    const labels = { sort: 'Clear sort', filter: 'Clear filter', hidden: 'Show column' };
    if (item.kind === 'order') button.setAttribute('aria-label', 'Reset column order');
    else button.setAttribute('aria-label', `${labels[item.kind]}: ${item.kind === 'hidden' ? item.text.replace(/ hidden$/, '') : item.text}`);
    button.addEventListener('click', () => this._change(() => {
      if (item.kind === 'sort') this.state.removeSort(item.index);
      else if (item.kind === 'filter') this.state.removeFilter(item.index);
      else if (item.kind === 'order') this.state.resetOrder();
      else this.state.showColumn(item.column);
    }, item.kind === 'sort' || item.kind === 'filter'));
    li.append(text, button);
    return li;
  }
}
