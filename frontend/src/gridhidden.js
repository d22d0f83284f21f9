// The columns this tab's view hides (viewstate.js `hidden`, a shared view's or
// its own), hidden in the grid with Handsontable's HiddenColumns plugin: a
// hidden column keeps its index (the grid's `colIds` stay right), it is only
// not drawn. Applied again after every rebuild of the grid's columns (a
// global hook: the grid may be built after this is made).
import Handsontable from 'handsontable/base';
import { registerPlugin, HiddenColumns } from 'handsontable/plugins';

registerPlugin(HiddenColumns);

const sameList = (a, b) => a.length === b.length && a.every((v, i) => v === b[i]);

export class GridHidden {
  /** `grid()`: the grid adapter (grid.js); `hidden()`: the column ids to hide. */
  constructor({ grid, hidden }) {
    Object.assign(this, { grid, hidden });
    const self = this;
    for (const hook of ['afterInit', 'afterUpdateSettings']) {
      // After Handsontable's own handlers (the plugin's among them) are done with the update.
      Handsontable.hooks.add(hook, function sync() { const hot = this; Promise.resolve().then(() => self.sync(hot)); });
    }
  }

  /** Hide what the view hides, show the rest; nothing when they already are. */
  sync(hot = this.grid()?.hot) {
    const g = this.grid();
    // Handsontable draws inside the container the grid gave it: another instance is not ours.
    if (!hot || hot.isDestroyed || !g || !g.colPos || !g.container.contains(hot.rootElement)) return;
    const want = this.hidden().map((id) => g.colPos.get(id)).filter(Number.isInteger).sort((a, b) => a - b);
    const plugin = hot.getPlugin('hiddenColumns');
    if (!plugin) return;
    if (!plugin.isEnabled()) {
      if (want.length) hot.updateSettings({ hiddenColumns: { columns: want, indicators: false } });
      return;
    }
    const now = [...plugin.getHiddenColumns()].sort((a, b) => a - b);
    if (sameList(now, want)) return;
    plugin.showColumns(now);
    plugin.hideColumns(want);
    hot.render();
  }
}
