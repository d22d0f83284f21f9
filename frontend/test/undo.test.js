// Undo and redo through the server: ops queued like any other, answered with
// an ordinary event (`kind: "undo"|"redo"`) or refused with a message, and the
// keys that send them (undokeys.js).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { makeSheet, wants } from './parts.js';
import { OpQueue } from '../src/opqueue.js';
import { describeStatus } from '../src/status.js';
import { bindUndoKeys, bindUndoButtons, undoShortcuts } from '../src/undokeys.js';

const C1 = '00000000-0000-4000-8000-00000000c001';
const C2 = '00000000-0000-4000-8000-00000000c002';
const R1 = '00000000-0000-4000-8000-00000000a001';
const R2 = '00000000-0000-4000-8000-00000000a002';
const ANN = { id: 1, username: 'ann', display_name: 'Ann' };

const snapshot = (version = 10) => ({
  id: 7, title: 'Budget', version,
  columns: [{ id: C1, name: 'Item', type: 'text' }, { id: C2, name: 'Amount', type: 'number' }],
  rows: [{ id: R1, values: { [C1]: 'v0', [C2]: 1 } }, { id: R2, values: { [C1]: 'v1', [C2]: 2 } }],
});

function loaded(clientId = 'me', options = {}) {
  const s = makeSheet({ clientId, ...options });
  s.store.loadSnapshot(snapshot());
  return s;
}

const show = (s, rowId, colId) => s.pending.display(s.store.rowIndexOf(rowId), s.store.colIndexOf(colId));
const status = (s) => describeStatus({ pending: s.pending, loaded: s.store.loaded, queue: {} });
const event = (seq, type, fields, more = {}) => ({ type, sheet_id: 7, seq, op_id: null, broadcaster_id: 'other', user: ANN, ...fields, ...more });
const answerOf = (op, seq, type, fields, kind = 'undo') => ({
  version: seq, applied: true, errors: [],
  event: event(seq, type, fields, { op_id: op.opId, broadcaster_id: 'me', kind }),
});

test('an undo is an op with only op_id and base_version; its event shows the old value', () => {
  const s = loaded();
  const edit = s.local.editCells([{ row: R1, col: C1, value: 'new' }]);
  s.pending.applyAnswer(edit.opId, answerOf(edit, 11, 'cells.changed', { changes: [{ row: R1, col: C1, value: 'new' }] }, undefined), 200);
  const op = s.local.undo();
  assert.equal(op.endpoint, 'undo');
  assert.deepEqual(op.body, { op_id: op.opId, base_version: 11 });
  // Nothing changes before the server answers; the status says it is on its way.
  assert.equal(show(s, R1, C1), 'new');
  assert.equal(s.pending.pendingCount(), 1);
  assert.equal(status(s).text, 'Saving…');
  s.pending.applyAnswer(op.opId, answerOf(op, 12, 'cells.changed', { changes: [{ row: R1, col: C1, value: 'v0' }] }), 200);
  assert.equal(show(s, R1, C1), 'v0');
  assert.equal(s.pending.pendingCount(), 0);
  assert.deepEqual(status(s), { kind: 'saved', text: 'All changes saved', notice: null });
  assert.equal(s.pending.conflicts.size, 0);
  // Redo: the same, the other way.
  const again = s.local.redo();
  assert.equal(again.endpoint, 'redo');
  s.pending.applyAnswer(again.opId, answerOf(again, 13, 'cells.changed', { changes: [{ row: R1, col: C1, value: 'new' }] }, 'redo'), 200);
  assert.equal(show(s, R1, C1), 'new');
});

test('the undo\'s event reaching the tab first (socket) settles the op as well', () => {
  const s = loaded();
  const op = s.local.undo();
  s.store.receive(event(11, 'rows.deleted', { rows: [R2] }, { op_id: op.opId, broadcaster_id: 'me', kind: 'undo' }));
  assert.deepEqual(s.store.rows.map((r) => r.id), [R1]);
  assert.equal(s.pending.pendingCount(), 0);
  // The answer comes after: a replay of what the tab has.
  s.pending.applyAnswer(op.opId, answerOf(op, 11, 'rows.deleted', { rows: [R2] }), 200);
  assert.deepEqual(s.store.rows.map((r) => r.id), [R1]);
});

test('refusals are shown as the server says them, change nothing and leave no "Saving…"', () => {
  const s = loaded();
  const op = s.local.undo();
  const message = "Can't undo: a cell you changed was changed since by bob.";
  s.pending.applyAnswer(op.opId, { error: 'undo_conflict', message }, 409);
  assert.equal(wants(s), null, 'no reload: nothing was shown early');
  assert.equal(s.pending.pendingCount(), 0);
  assert.deepEqual(status(s), { kind: 'rejected', text: message, notice: null });
  assert.equal(show(s, R1, C1), 'v0');
  assert.equal(s.pending.errorCount(), 0);
  // The next undo clears the message while it is on its way; "nothing to" without a message still reads well.
  const next = s.local.undo();
  assert.equal(status(s).text, 'Saving…');
  s.pending.applyAnswer(next.opId, { error: 'nothing_to_undo' }, 409);
  assert.equal(status(s).text, 'Nothing to undo.');
  const redo = s.local.redo();
  s.pending.applyAnswer(redo.opId, { error: 'nothing_to_redo', message: 'Nothing to redo.' }, 409);
  assert.equal(status(s).text, 'Nothing to redo.');
  const viewer = s.local.undo();
  s.pending.applyAnswer(viewer.opId, { error: 'forbidden', message: 'You can only view this sheet.' }, 403);
  assert.equal(status(s).text, 'You can only view this sheet.');
});

test('a refused undo leaves an edit typed meanwhile pending', () => {
  const s = loaded();
  const op = s.local.undo();
  const edit = s.local.editCells([{ row: R1, col: C1, value: 'typed' }]);
  s.pending.applyAnswer(op.opId, { error: 'nothing_to_undo', message: 'Nothing to undo.' }, 409);
  assert.equal(show(s, R1, C1), 'typed');
  assert.deepEqual(s.pending.cellInfo(R1, C1), { pending: true, failed: false, error: null });
  assert.equal(status(s).text, 'Saving…');
  s.pending.applyAnswer(edit.opId, answerOf(edit, 11, 'cells.changed', { changes: [{ row: R1, col: C1, value: 'typed' }] }, undefined), 200);
  assert.equal(status(s).text, 'Nothing to undo.');
});

test('an undone column delete brings the column back with its values, in every tab', () => {
  const s = loaded('other-tab');
  s.store.receive(event(11, 'columns.deleted', { columns: [C2] }));
  assert.equal(s.store.colIndexOf(C2), -1);
  s.store.receive(event(12, 'columns.inserted', {
    columns: [{ id: C2, name: 'Amount', type: 'number', after: C1 }],
    values: [{ row: R1, col: C2, value: 1 }, { row: R2, col: C2, value: 2 }, { row: 'gone-row', col: C2, value: 3 }],
  }, { kind: 'undo' }));
  assert.deepEqual(s.store.columns.map((c) => c.id), [C1, C2]);
  assert.equal(show(s, R1, C2), 1);
  assert.equal(show(s, R2, C2), 2);
  // Without values (an ordinary insert) the column is empty, as before.
  s.store.receive(event(13, 'columns.inserted', { columns: [{ id: 'c3', name: 'New', type: 'text', after: C2 }] }));
  assert.equal(show(s, R1, 'c3'), null);
});

test('an undone row delete brings the row back where it was, with its values', () => {
  const s = loaded('other-tab');
  s.store.receive(event(11, 'rows.deleted', { rows: [R1] }));
  s.store.receive(event(12, 'rows.inserted', { rows: [{ id: R1, after: null, values: { [C1]: 'v0', [C2]: 1 } }] }, { kind: 'undo' }));
  assert.deepEqual(s.store.rows.map((r) => r.id), [R1, R2]);
  assert.equal(show(s, R1, C1), 'v0');
});

test('the user\'s undo in another tab is no conflict with what this tab just wrote', () => {
  const s = loaded('tab-b');
  const edit = s.local.editCells([{ row: R1, col: C1, value: 'typed here' }]);
  s.pending.applyAnswer(edit.opId, answerOf(edit, 11, 'cells.changed', { changes: [{ row: R1, col: C1, value: 'typed here' }] }, undefined), 200);
  s.store.receive(event(12, 'cells.changed', { changes: [{ row: R1, col: C1, value: 'v0' }] }, { broadcaster_id: 'tab-a', kind: 'undo' }));
  assert.equal(show(s, R1, C1), 'v0');
  assert.equal(s.pending.cellInfo(R1, C1), null);
});

test('an undo saved by an earlier page is shown as waiting and settled by its answer', () => {
  const earlier = loaded('page1');
  const saved = JSON.parse(JSON.stringify(earlier.local.undo()));
  const s = makeSheet({ clientId: 'page2' });
  s.local.restoreOp(saved);
  s.store.loadSnapshot(snapshot(10));
  assert.equal(s.pending.pendingCount(), 1);
  s.pending.applyAnswer(saved.opId, answerOf(saved, 11, 'cells.changed', { changes: [{ row: R2, col: C1, value: 'before' }] }), 200);
  assert.equal(s.pending.pendingCount(), 0);
  assert.equal(show(s, R2, C1), 'before');
});

test('the queue sends an undo after the edits before it, to .../undo, retried with the same op_id', async () => {
  const s = loaded();
  const calls = [];
  const script = [
    { status: 200, body: { version: 11, applied: true, errors: [], event: null } },
    { status: 503, body: null },
    { status: 409, body: { error: 'undo_conflict', message: "Can't undo: changed since by bob." } },
  ];
  const fetchImpl = async (url, init) => {
    calls.push({ url, body: JSON.parse(init.body) });
    const next = script.shift();
    return { status: next.status, json: async () => next.body, headers: { get: () => null } };
  };
  const q = new OpQueue({
    baseUrl: '/api/sheets/7/', clientId: 'me', fetchImpl, backoff: () => 1,
    onAnswer: (op, code, answer) => s.pending.applyAnswer(op.opId, answer, code),
    onReplace: (op, code, answer) => (code === 413 ? s.local.splitOp(op) : s.local.reanchorOp(op, answer)),
  });
  const edit = s.local.editCells([{ row: R1, col: C1, value: 'x' }]);
  const undo = s.local.undo();
  await Promise.all([q.send(edit), q.send(undo)]);
  assert.deepEqual(calls.map((c) => c.url), ['/api/sheets/7/cells', '/api/sheets/7/undo', '/api/sheets/7/undo']);
  assert.deepEqual(calls[1].body, { client_id: 'me', op_id: undo.opId, base_version: 10 });
  assert.deepEqual(calls[2].body, calls[1].body);
  assert.equal(s.pending.pendingCount(), 0);
  assert.equal(status(s).text, "Can't undo: changed since by bob.");
});

// --- The keys and buttons (undokeys.js), with a stand-in for Handsontable's shortcut manager.
function fakeHot() {
  const added = [];
  const grid = { addShortcuts: (list, options) => added.push(...list.map((s) => ({ ...options, ...s }))) };
  const hot = { getShortcutManager: () => ({ getContext: (name) => (name === 'grid' ? grid : null) }) };
  const press = (keys, event = {}) => {
    for (const s of added) {
      if (s.keys.some((k) => k.join('+') === keys) && s.runOnlyIf(event)) s.callback(event);
    }
  };
  return { hot, added, press };
}

test('Ctrl+Z undoes and Ctrl+Y / Ctrl+Shift+Z redo in the grid, unless an editor is open or the user may not edit', () => {
  const { hot, added, press } = fakeHot();
  const calls = [];
  let canEdit = true;
  let editing = false;
  bindUndoKeys(hot, { undo: () => calls.push('undo'), redo: () => calls.push('redo'), enabled: () => canEdit, editorOpen: () => editing });
  assert.ok(added.every((s) => s.group === 'gridroom-undo'));
  press('Control/Meta+z');
  press('Control/Meta+y');
  press('Control/Meta+Shift+z');
  assert.deepEqual(calls, ['undo', 'redo', 'redo']);
  press('Control/Meta+z', { altKey: true }); // AltGr
  editing = true;
  press('Control/Meta+z');
  editing = false;
  canEdit = false;
  press('Control/Meta+z');
  assert.deepEqual(calls, ['undo', 'redo', 'redo']);
});

test('the toolbar buttons name the shortcut of the platform', () => {
  assert.deepEqual(undoShortcuts({ platform: 'MacIntel' }), { undo: '⌘Z', redo: '⇧⌘Z' });
  assert.deepEqual(undoShortcuts({ platform: 'Linux x86_64' }), { undo: 'Ctrl+Z', redo: 'Ctrl+Y' });
  const button = () => ({ listeners: [], addEventListener(type, fn) { this.listeners.push([type, fn]); } });
  const undoButton = button();
  const redoButton = button();
  const calls = [];
  bindUndoButtons({ undoButton, redoButton, undo: () => calls.push('undo'), redo: () => calls.push('redo'), nav: { platform: 'Win32' } });
  assert.equal(undoButton.title, 'Undo your last change (Ctrl+Z)');
  assert.equal(redoButton.title, 'Redo what you undid (Ctrl+Y)');
  undoButton.listeners[0][1]();
  redoButton.listeners[0][1]();
  assert.deepEqual(calls, ['undo', 'redo']);
});

test('a column this tab was deleting, brought back by an undo meanwhile, is fetched again', () => {
  // The delete's answer was lost; the server applied it (seq 11) and another
  // tab of the same user undid it (seq 12) before this tab heard either.
  const s = loaded();
  const del = s.local.deleteColumns([C2]);
  s.store.loadSnapshot({ ...snapshot(11), columns: [snapshot().columns[0]] });
  s.store.receive(event(12, 'columns.inserted', {
    columns: [{ id: C2, name: 'Amount', type: 'number', after: C1 }],
    values: [{ row: R1, col: C2, value: 1 }],
  }, { kind: 'undo' }));
  assert.equal(wants(s), null);
  assert.equal(s.store.colIndexOf(C2), -1); // still hidden: this tab's own delete is pending
  const replay = { ...answerOf(del, 11, 'columns.deleted', { columns: [C2] }, undefined), replayed: true };
  s.pending.applyAnswer(del.opId, replay, 200);
  assert.deepEqual(wants(s), { reload: true });
});

test('a row this tab deleted itself, with nothing coming back, needs no snapshot', () => {
  const s = loaded();
  const del = s.local.deleteRows([R2]);
  s.pending.applyAnswer(del.opId, answerOf(del, 11, 'rows.deleted', { rows: [R2] }, undefined), 200);
  assert.equal(wants(s), null);
  assert.equal(s.store.rowIndexOf(R2), -1);
});
