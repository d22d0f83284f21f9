// The column settings dialog: rename a column and/or change its type.
// A type change the server cannot convert (422 with `values`) is shown here.

const MAX_LISTED = 5;

export function createColumnDialog({ state, send }) {
  const dialog = document.getElementById('column-dialog');
  const form = document.getElementById('column-form');
  const nameInput = document.getElementById('column-name');
  const typeSelect = document.getElementById('column-type');
  const error = document.getElementById('column-error');
  const saveButton = document.getElementById('column-save');
  const cancelButton = document.getElementById('column-cancel');
  let columnId = null;
  let busy = false;

  function showError(lines) {
    error.replaceChildren();
    for (const line of lines) {
      const p = document.createElement('p');
      p.textContent = line;
      error.append(p);
    }
    error.hidden = !lines.length;
  }

  function close() {
    columnId = null;
    busy = false;
    saveButton.disabled = false;
    if (dialog.open) dialog.close();
  }

  function open(id, focus = 'name') {
    const column = state.column(id);
    if (!column) return;
    columnId = id;
    busy = false;
    saveButton.disabled = false;
    nameInput.value = column.name;
    typeSelect.value = column.type;
    showError([]);
    if (!dialog.open) dialog.showModal();
    (focus === 'type' ? typeSelect : nameInput).focus();
    if (focus !== 'type') nameInput.select();
  }

  function describeRefusal(answer, status) {
    const lines = [(answer && answer.message) || `The column was not changed (HTTP ${status}).`];
    const values = (answer && Array.isArray(answer.values)) ? answer.values : [];
    for (const v of values.slice(0, MAX_LISTED)) {
      const index = state.rowIndexOf(v.row);
      const where = index >= 0 ? `Row ${index + 1}` : 'A row';
      lines.push(`${where}: “${v.value}” — ${v.message}`);
    }
    const count = (answer && answer.count) || values.length;
    if (count > MAX_LISTED) lines.push(`…and ${count - MAX_LISTED} more.`);
    return lines;
  }

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    if (busy || !columnId) return;
    const column = state.column(columnId);
    if (!column) { showError(['That column no longer exists.']); return; }
    const name = nameInput.value.trim();
    const type = typeSelect.value;
    if (!name) { showError(['A column needs a name.']); nameInput.focus(); return; }
    const change = {};
    if (name !== column.name) change.name = name;
    if (type !== column.type) change.type = type;
    if (!Object.keys(change).length) { close(); return; }
    busy = true;
    saveButton.disabled = true;
    showError([]);
    const id = columnId;
    const op = state.updateColumn(id, change);
    if (!op) { busy = false; saveButton.disabled = false; showError(['That column no longer exists.']); return; }
    const result = await send(op);
    if (columnId !== id) return; // closed or reopened meanwhile
    busy = false;
    saveButton.disabled = false;
    if (result && result.status >= 200 && result.status < 300) close();
    else showError(describeRefusal(result && result.answer, result && result.status));
  });

  cancelButton.addEventListener('click', close);
  dialog.addEventListener('close', () => { columnId = null; busy = false; saveButton.disabled = false; });

  return { open, close };
}
