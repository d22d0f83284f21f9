// The sheet page's find box (#find-box in sheets/detail.html): Ctrl+F or
// Cmd+F opens it instead of the browser's find, which misses rows a big
// sheet does not hold. Enter / Shift+Enter and the buttons go to the next or
// previous match: the grid scrolls there and selects the cell, and the row
// windows load its block. Escape closes it and gives the grid the keyboard
// back. The state is findstate.js's.
import { FindState } from './findstate.js';

/** Scroll to a match and select its cell (where the row is held now, else at its row number). */
export function showMatch(hot, grid, match) {
  const rows = hot.countRows();
  if (!rows) return true;
  const at = grid.rowPos.get(match.row);
  // Under this tab's sort and filter a row number says nothing of where a row shows.
  if (at === undefined && grid.view && grid.view.shown) return false;
  const row = Math.min(at ?? match.row_number, rows - 1);
  const col = grid.colPos.get(match.col) ?? 0;
  hot.scrollViewportTo({ row, col, verticalSnap: 'top' });
  // The box keeps the keyboard (no listen): Enter goes on to the next match.
  hot.selectCell(row, col, row, col, false, false);
  return true;
}

export class FindBox {
  /** `grid()`: the grid adapter (grid.js), or null once the sheet is gone. */
  constructor({ root, getJson, findUrl, grid }) {
    this.root = root;
    this.grid = grid;
    this.outside = false; // the match last jumped to is not among the rows the view shows
    this.input = root.querySelector('input');
    this.statusEl = root.querySelector('[role="status"]');
    this.state = new FindState({
      getJson,
      findUrl,
      jump: (match) => {
        const g = grid();
        this.outside = !!(g && g.hot) && !showMatch(g.hot, g, match);
        this.showStatus();
      },
      onChange: () => this.showStatus(),
    });
    root.addEventListener('submit', (event) => event.preventDefault());
    this.input.addEventListener('input', () => { this.outside = false; this.state.setQuery(this.input.value); });
    this.input.addEventListener('keydown', (event) => this._key(event));
    root.querySelector('[data-find="next"]').addEventListener('click', () => this.state.next());
    root.querySelector('[data-find="previous"]').addEventListener('click', () => this.state.previous());
    root.querySelector('[data-find="close"]').addEventListener('click', () => this.close());
    // Capture: seen before Handsontable and before the browser opens its own find.
    document.addEventListener('keydown', (event) => this._pageKey(event), true);
  }

  showStatus() {
    const outside = this.outside ? ' (not among the rows your sort and filter show)' : '';
    this.statusEl.textContent = `${this.state.status()}${outside}`;
  }

  open() {
    const g = this.grid();
    if (!g || !g.hot) return;
    if (g.editorOpen()) g.hot.destroyEditor(false, false); // what was typed is kept, as a click elsewhere keeps it
    this.root.hidden = false;
    g.hot.unlisten(); // typing goes into the box, not into the selected cell
    this.input.focus();
    this.input.select();
    this.state.setQuery(this.input.value);
  }

  close() {
    this.root.hidden = true;
    this.state.close();
    const g = this.grid();
    if (!g || !g.hot) return;
    g.hot.listen();
    if (g.hot.getSelectedRangeActive()) g.hot.getFocusManager().focusOnHighlightedCell();
    else g.hot.selectCell(0, 0);
  }

  _pageKey(event) {
    const findKey = (event.ctrlKey || event.metaKey) && !event.altKey && !event.shiftKey && event.key.toLowerCase() === 'f';
    if (!findKey || document.querySelector('dialog[open]')) return;
    event.preventDefault();
    event.stopPropagation();
    this.open();
  }

  _key(event) {
    if (event.key === 'Escape') {
      event.preventDefault();
      this.close();
    } else if (event.key === 'Enter' && !event.isComposing) {
      event.preventDefault();
      if (event.shiftKey) this.state.previous(); else this.state.next();
    }
  }
}
