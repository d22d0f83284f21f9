// Undo and redo go to the server (state.undo()/redo(): ops like any other, so
// every tab sees them and someone else's later change is never overwritten);
// Handsontable's own UndoRedo plugin is not used. Its keys are ours instead:
// Ctrl+Z (Cmd+Z) undoes, Ctrl+Y and Ctrl+Shift+Z (Cmd+Shift+Z) redo, while the
// grid has the focus and no cell editor is open (in an editor the browser
// undoes the typing).
const GROUP = 'gridroom-undo';

const isMac = (nav = globalThis.navigator) => /Mac|iPhone|iPad/.test((nav && (nav.platform || nav.userAgent)) || '');

/** The shortcut as the user types it here: {undo, redo} ("Ctrl+Z" or "⌘Z"). */
export function undoShortcuts(nav) {
  return isMac(nav) ? { undo: '⌘Z', redo: '⇧⌘Z' } : { undo: 'Ctrl+Z', redo: 'Ctrl+Y' };
}

/**
 * Bind the keys in the grid's shortcut context (not the editor's).
 * `enabled()` says whether the user may edit now; `editorOpen()` whether a cell editor is open.
 */
export function bindUndoKeys(hot, { undo, redo, enabled, editorOpen }) {
  const grid = hot.getShortcutManager().getContext('grid');
  // Right Alt is Ctrl+Alt on some systems: AltGr+Z is a character, not an undo.
  const runOnlyIf = (event) => !(event && event.altKey) && enabled() && !editorOpen();
  grid.addShortcuts([
    { keys: [['Control/Meta', 'z']], callback: () => { undo(); } },
    { keys: [['Control/Meta', 'y'], ['Control/Meta', 'Shift', 'z']], callback: () => { redo(); } },
  ], { group: GROUP, runOnlyIf });
}

/** The toolbar's Undo and Redo buttons: their tooltips name the shortcut; clicks call undo/redo. */
export function bindUndoButtons({ undoButton, redoButton, undo, redo, nav }) {
  const keys = undoShortcuts(nav);
  if (undoButton) {
    undoButton.title = `Undo your last change (${keys.undo})`;
    undoButton.addEventListener('click', () => undo());
  }
  if (redoButton) {
    redoButton.title = `Redo what you undid (${keys.redo})`;
    redoButton.addEventListener('click', () => redo());
  }
}
