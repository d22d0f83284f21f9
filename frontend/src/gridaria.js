// Names for what Handsontable draws without one. `ariaTags` (grid.js) gives
// the grid, rows and cells their roles; the grid itself and the editor's
// textarea have no accessible name, so screen readers (and axe) would meet an
// unnamed grid and an unlabelled text field. The context menu's separators
// are drawn as menu items named "---------": they become separators.

/**
 * `hot`: the Handsontable instance inside `container` (whose aria-label names
 * the grid); `columnName(col)`: a visual column's name, for the open editor.
 */
export function nameGridParts(hot, { container, columnName }) {
  const grid = container.querySelector('[role="treegrid"]');
  if (grid) grid.setAttribute('aria-label', container.getAttribute('aria-label') || 'Sheet grid');
  const nameEditors = (row = null, col = null) => {
    // Each editor type makes its textarea on first use: name any that is new.
    for (const area of container.querySelectorAll('textarea.handsontableInput')) {
      if (!area.hasAttribute('aria-label')) area.setAttribute('aria-label', 'Edit cell');
    }
    const editor = hot.getActiveEditor();
    const name = col === null ? null : columnName(col);
    if (editor && editor.TEXTAREA && name) editor.TEXTAREA.setAttribute('aria-label', `Edit cell ${name}, row ${row + 1}`);
  };
  hot.addHook('afterContextMenuShow', (plugin) => {
    const menu = plugin && plugin.menu && plugin.menu.hotMenu;
    if (!menu) return;
    const separators = () => {
      for (const td of menu.rootElement.querySelectorAll('td.htSeparator')) {
        td.setAttribute('role', 'separator');
        td.removeAttribute('aria-label');
      }
    };
    separators();
    menu.addHook('afterRender', separators); // each repaint (arrow keys, hover) draws them again
  });
  hot.addHook('afterSelectionEnd', () => nameEditors());
  hot.addHook('afterBeginEditing', (row, col) => nameEditors(row, col));
}
