// Which rows this tab knows, by id: the committed store holds them (on a big
// sheet only some, in windows: windows.js), or the view the grid shows holds
// their record (viewrows.js: a sorted view's first rows may lie deep in the
// sheet). An edit, a refused value or a pending value of a row known either
// way is kept and sent by row id: the server does not care which rows a tab
// holds. No DOM.

export class KnownRows {
  constructor(store) {
    this.store = store;
    this.view = null; // the tab's own view (viewrows.js), once made
  }

  /** The tab's view (ViewRows): its rows count as known while it is shown. */
  showing(view) { this.view = view; }

  /** The row's committed record as this tab has it (null: neither the store nor the shown view holds it). */
  row(id) {
    const held = this.store.row(id);
    if (held) return held;
    const { view } = this;
    return view && view.shown ? view.row(id) : null;
  }

  has(id) { return !!this.row(id); }

  /**
   * The row may still exist: known, or the store holds only some of the
   * sheet's rows (a row not held may be among the others). Refused values
   * of rows that may exist are kept after a snapshot (pending.js).
   */
  mayExist(id) { return this.store.partial || this.has(id); }
}
