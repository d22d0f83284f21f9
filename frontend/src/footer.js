// The footer row under the grid: each column's total, when an editor chose a
// summary for it ("Sum 1,234"), computed by the server and kept in the store
// (columninfo.js). Outside Handsontable's scrolling area, so it is always in
// sight; it follows the grid's column widths and horizontal scroll.
import { summaryText } from './columninfo.js';

export class GridFooter {
  /**
   * `wrap` holds the footer: `label` (under the row headers) and `list` (one
   * item per column) in sheets/detail.html; `labels`: the summaries' labels
   * (sheet-config `summaries`); `grid`: the grid adapter (grid.js).
   */
  constructor({ wrap, label, list, labels = [], grid }) {
    Object.assign(this, { wrap, label, list, labels, grid });
    this.widths = '';
  }

  /** The totals or columns changed: the cells again (hidden while no column has a summary). */
  render() {
    const { wrap, list, grid } = this;
    if (!wrap || !grid.hot) return;
    const doc = list.ownerDocument;
    const columns = grid.colIds.map((id) => grid.store.column(id));
    const shown = columns.some((col) => col && col.summary);
    list.replaceChildren(...columns.map((col) => {
      const li = doc.createElement('li');
      li.className = 'grid-footer-cell';
      const text = summaryText(col, this.labels);
      if (text) {
        const name = doc.createElement('span');
        name.className = 'visually-hidden';
        name.textContent = `${col.name}: `;
        li.append(name, text);
        li.title = `${col.name}: ${text}`;
        li.dataset.col = col.id;
      }
      return li;
    }));
    this.widths = '';
    if (wrap.hidden === shown) {
      wrap.hidden = !shown;
      grid.hot.refreshDimensions(); // the grid's height changed
    }
    this.layout();
  }

  /** Each cell as wide as its column, scrolled as the grid is (after each grid render). */
  layout() {
    const { wrap, list, label, grid } = this;
    if (!wrap || wrap.hidden || !grid.hot) return;
    const widths = grid.colIds.map((_, i) => grid.hot.getColWidth(i));
    const key = `${grid.rowHeaderWidth()};${widths.join(',')}`;
    if (key !== this.widths) {
      this.widths = key;
      label.style.width = `${grid.rowHeaderWidth()}px`;
      [...list.children].forEach((li, i) => { li.style.width = `${widths[i] || 0}px`; });
    }
    this.scroll();
  }

  scroll() {
    const holder = this.grid.container.querySelector('.ht_master .wtHolder');
    if (this.list && holder) this.list.style.transform = `translateX(${-holder.scrollLeft}px)`;
  }
}
