// SheetState and ops that outlive a page or come back changed: base_version,
// restored ops, answers that drop, split, re-anchor or set aside an op, and
// conflicts with other users' edits.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SheetState, CONFLICT_SHOW_MS } from '../src/state.js';
import { describeStatus } from '../src/saving.js';

const C1 = '00000000-0000-4000-8000-00000000c001';
const C2 = '00000000-0000-4000-8000-00000000c002';
const R1 = '00000000-0000-4000-8000-00000000a001';
const R2 = '00000000-0000-4000-8000-00000000a002';
const R3 = '00000000-0000-4000-8000-00000000a003';
const BOB = { id: 2, username: 'bob', display_name: 'Bob' };

const snapshot = (version = 10, rows = [R1, R2]) => ({
  id: 7, title: 'Budget', version,
  columns: [{ id: C1, name: 'Item', type: 'text' }, { id: C2, name: 'Amount', type: 'number' }],
  rows: rows.map((id, i) => ({ id, values: { [C1]: `v${i}` } })),
});

function loaded(version = 10, options = {}) {
  const s = new SheetState({ clientId: 'me', ...options });
  s.loadSnapshot(snapshot(version));
  return s;
}

const show = (s, rowId, colId) => s.display(s.rowIndexOf(rowId), s.colIndexOf(colId));
const cells = (seq, changes, more = {}) => ({ type: 'cells.changed', sheet_id: 7, seq, op_id: null, broadcaster_id: 'other', user: BOB, changes, ...more });
const ok = (op, seq, type, fields) => ({
  version: seq, applied: true, errors: [],
  event: { type, sheet_id: 7, seq, op_id: op.opId, broadcaster_id: 'me', user: null, ...fields },
});

test('every op carries the version the tab had when it was made', () => {
  const s = loaded(10);
  assert.equal(s.editCells([{ row: R1, col: C1, value: 'a' }]).body.base_version, 10);
  s.receive(cells(11, [{ row: R2, col: C1, value: 'x' }]));
  const op = s.insertRows(R1, [{}]);
  assert.equal(op.body.base_version, 11);
  assert.equal(typeof op.createdAt, 'number');
});

test('a 409 (row gone) drops the op with a message; a 403 too', () => {
  const s = loaded(10);
  const op = s.editCells([{ row: R1, col: C1, value: 'mine' }]);
  assert.equal(s.applyAnswer(op.opId, { error: 'forbidden', message: 'You may only view this sheet.' }, 403), null);
  assert.equal(show(s, R1, C1), 'v0');
  assert.deepEqual(s.lastRejection, { count: 1, message: 'You may only view this sheet.' });
  const del = s.deleteRows([R2]);
  assert.deepEqual(s.applyAnswer(del.opId, { error: 'row_not_found', message: 'Those rows no longer exist.' }, 409), { reload: true });
  assert.equal(s.pendingCount(), 0);
  assert.deepEqual(describeStatus({ state: s, queue: {} }), { kind: 'rejected', text: '1 change rejected: Those rows no longer exist.', notice: null });
});

test('ops saved by an earlier page come back as pending edits, before or after the snapshot', () => {
  const earlier = loaded(10);
  const ins = earlier.insertRows(R1, [{ [C1]: 'new row' }]);
  const rowId = ins.body.rows[0].id;
  const edit = earlier.editCells([{ row: R2, col: C1, value: 'typed' }, { row: rowId, col: C2, value: 5 }]);
  const del = earlier.deleteRows([R1]);
  const saved = JSON.parse(JSON.stringify([ins, edit, del]));

  for (const order of ['restore first', 'snapshot first']) {
    const s = new SheetState({ clientId: 'page2' });
    if (order === 'snapshot first') s.loadSnapshot(snapshot(12));
    for (const op of saved) s.restoreOp(op);
    if (order === 'restore first') s.loadSnapshot(snapshot(12));
    assert.deepEqual(s.rows.map((r) => r.id), [rowId, R2], order);
    assert.equal(show(s, rowId, C1), 'new row', order);
    assert.equal(show(s, rowId, C2), 5, order);
    assert.equal(show(s, R2, C1), 'typed', order);
    assert.equal(s.pendingCount(), 4, order); // 3 cells + the delete
    assert.deepEqual(s.cellInfo(R2, C1), { pending: true, failed: false, error: null });
    // Answers (replays included) settle them by op_id.
    // (The new row goes after R1, which this tab hides while deleting it: the snapshot places it.)
    const placed = s.applyAnswer(ins.opId, ok(ins, 13, 'rows.inserted', { rows: [{ id: rowId, after: R1, values: { [C1]: 'new row' } }] }), 200);
    assert.deepEqual(placed, { reload: true }, order);
    s.applyAnswer(edit.opId, ok(edit, 14, 'cells.changed', { changes: [{ row: R2, col: C1, value: 'typed' }, { row: rowId, col: C2, value: 5 }] }), 200);
    s.applyAnswer(del.opId, ok(del, 15, 'rows.deleted', { rows: [R1] }), 200);
    assert.equal(s.pendingCount(), 0, order);
    s.loadSnapshot({ ...snapshot(15), rows: [{ id: rowId, values: { [C1]: 'new row', [C2]: 5 } }, { id: R2, values: { [C1]: 'typed' } }] });
    assert.deepEqual(s.rows.map((r) => r.id), [rowId, R2], order);
    assert.equal(show(s, rowId, C2), 5, order);
  }
});

test('a restored insert whose rows were deleted since (a replayed answer) leaves no ghost row', () => {
  const earlier = loaded(10);
  const ins = earlier.insertRows(R2, [{}]);
  const rowId = ins.body.rows[0].id;
  const s = new SheetState({ clientId: 'page2' });
  s.loadSnapshot(snapshot(20)); // the row was inserted at 11 and deleted at 12
  s.restoreOp(JSON.parse(JSON.stringify(ins)));
  assert.equal(s.rowIndexOf(rowId), 2);
  const replay = { ...ok(ins, 11, 'rows.inserted', { rows: [{ id: rowId, after: R2, values: {} }] }), replayed: true };
  s.applyAnswer(ins.opId, replay, 200);
  assert.equal(s.rowIndexOf(rowId), -1);
  assert.equal(s.pendingCount(), 0);
});

test('413: the op becomes two ops with the pending values moved to them', () => {
  const s = loaded(10);
  const op = s.editCells([{ row: R1, col: C1, value: 'a' }, { row: R2, col: C1, value: 'b' }, { row: R1, col: C2, value: 3 }]);
  const [first, second] = s.splitOp(op);
  assert.deepEqual(first.body.changes.length + second.body.changes.length, 3);
  assert.equal(first.body.base_version, 10);
  assert.notEqual(first.opId, op.opId);
  assert.ok(!s.ops.has(op.opId));
  assert.equal(s.pendingCount(), 3);
  s.applyAnswer(first.opId, ok(first, 11, 'cells.changed', { changes: first.body.changes }), 200);
  assert.equal(s.pendingCount(), 1);
  s.applyAnswer(second.opId, ok(second, 12, 'cells.changed', { changes: second.body.changes }), 200);
  assert.equal(s.pendingCount(), 0);
  assert.equal(show(s, R2, C1), 'b');
  assert.equal(s.splitOp(s.renameSheet('x')), null);
});

test('op_too_old: the op is set aside (not counted as waiting), then sent again or discarded', () => {
  const s = loaded(10);
  const ins = s.insertRows(R2, [{ [C1]: 'kept' }]);
  const rowId = ins.body.rows[0].id;
  const edit = s.editCells([{ row: R1, col: C1, value: 'old edit' }]);
  s.setAside(ins.opId, 'too old');
  s.setAside(edit.opId, 'too old');
  assert.equal(s.pendingCount(), 0);
  assert.equal(s.asideCount(), 2);
  assert.deepEqual(s.cellInfo(R1, C1), { pending: true, failed: false, error: 'too old', aside: true });
  const status = describeStatus({ state: s, queue: {} });
  assert.equal(status.kind, 'saved');
  assert.match(status.notice.text, /^2 changes could not be applied safely/);
  assert.deepEqual(status.notice.actions, ['resend', 'discard']);
  // Send again: a new op made now.
  s.receive(cells(11, [{ row: R2, col: C1, value: 'x' }]));
  const again = s.reissueOp(edit);
  assert.notEqual(again.opId, edit.opId);
  assert.equal(again.body.base_version, 11);
  assert.deepEqual(again.body.changes, edit.body.changes);
  assert.equal(s.asideCount(), 1);
  assert.equal(s.pendingCount(), 1);
  // Discard: the row it made goes, nothing is left.
  assert.equal(s.discardOps([ins.opId]), null);
  assert.equal(s.rowIndexOf(rowId), -1);
  assert.equal(s.asideCount(), 0);
  assert.deepEqual(s.discardOps([s.deleteRows([R1]).opId]), { reload: true }, 'a discarded delete needs the snapshot to show the row again');
});

test('an insert whose anchor row was deleted meanwhile is re-anchored where the user sees it', () => {
  const s = loaded(10);
  s.loadSnapshot(snapshot(10, [R1, R2, R3]));
  const op = s.insertRows(R2, [{ [C1]: 'a' }, { [C1]: 'b' }]);
  const [a, b] = op.body.rows.map((r) => r.id);
  s.receive({ type: 'rows.deleted', seq: 11, op_id: null, broadcaster_id: 'other', user: BOB, rows: [R2] });
  assert.deepEqual(s.rows.map((r) => r.id), [R1, a, b, R3]);
  const [next] = s.reanchorOp(op, { error: 'row_not_found', message: 'gone', row: R2 });
  assert.deepEqual(next.body.rows.map((r) => [r.id, r.after]), [[a, R1], [b, a]]);
  assert.equal(show(s, a, C1), 'a');
  assert.equal(s.reanchorOp(next, { error: 'id_taken' }), null);
  s.applyAnswer(next.opId, ok(next, 12, 'rows.inserted', { rows: next.body.rows }), 200);
  assert.deepEqual(s.rows.map((r) => r.id), [R1, a, b, R3]);
  assert.equal(s.pendingCount(), 0);
});

test('another user overwriting what this tab just committed is flagged for a few seconds', () => {
  let now = 1000;
  const s = loaded(10, { now: () => now });
  const op = s.editCells([{ row: R1, col: C1, value: 'mine' }]);
  s.applyAnswer(op.opId, ok(op, 11, 'cells.changed', { changes: [{ row: R1, col: C1, value: 'mine' }] }), 200);
  now += 300;
  s.receive(cells(12, [{ row: R1, col: C1, value: 'theirs' }]));
  assert.equal(show(s, R1, C1), 'theirs');
  assert.deepEqual(s.cellInfo(R1, C1), { pending: false, failed: false, error: null, conflict: 'Bob' });
  now += CONFLICT_SHOW_MS + 1;
  assert.equal(s.cellInfo(R1, C1), null);
  s.expireConflicts();
  assert.equal(s.conflicts.size, 0);
});

test('no conflict when this tab\'s pending edit wins, the value is the same, or the edit is old', () => {
  let now = 1000;
  const s = loaded(10, { now: () => now });
  // Pending when the other edit lands: this tab's value is committed after it, and wins.
  const op = s.editCells([{ row: R1, col: C1, value: 'mine' }]);
  s.receive(cells(11, [{ row: R1, col: C1, value: 'theirs' }]));
  s.applyAnswer(op.opId, ok(op, 12, 'cells.changed', { changes: [{ row: R1, col: C1, value: 'mine' }] }), 200);
  assert.equal(show(s, R1, C1), 'mine');
  assert.equal(s.conflicts.size, 0);
  // The same value: nothing to see.
  s.receive(cells(13, [{ row: R1, col: C1, value: 'mine' }]));
  assert.equal(s.conflicts.size, 0);
  // Long after: a later edit, not a conflict.
  const op2 = s.editCells([{ row: R2, col: C1, value: 'mine too' }]);
  s.applyAnswer(op2.opId, ok(op2, 14, 'cells.changed', { changes: [{ row: R2, col: C1, value: 'mine too' }] }), 200);
  now += 60_000;
  s.receive(cells(15, [{ row: R2, col: C1, value: 'later' }]));
  assert.equal(s.conflicts.size, 0);
});

test('a row placed after one this tab is deleting asks for the snapshot', () => {
  const s = loaded(10);
  const ins = s.insertRows(R1, [{}]);
  const rowId = ins.body.rows[0].id;
  const ins2 = s.insertRows(rowId, [{}]);
  const later = ins2.body.rows[0].id;
  s.deleteRows([rowId]);
  assert.equal(s.receive({ type: 'rows.inserted', seq: 11, op_id: ins.opId, broadcaster_id: 'me', rows: [{ id: rowId, after: R1, values: {} }] }), null);
  assert.deepEqual(s.receive({ type: 'rows.inserted', seq: 12, op_id: ins2.opId, broadcaster_id: 'me', rows: [{ id: later, after: rowId, values: {} }] }), { reload: true });
  s.loadSnapshot({ ...snapshot(12), rows: [{ id: R1, values: {} }, { id: rowId, values: {} }, { id: later, values: {} }, { id: R2, values: {} }] });
  assert.deepEqual(s.rows.map((r) => r.id), [R1, later, R2]);
  assert.equal(s.misplaced, false);
});

test('the status line: offline with changes waiting, kept on this device, logged out, saved', () => {
  const s = loaded(10);
  const queue = { failing: false, paused: false };
  assert.deepEqual(describeStatus({ state: s, queue }), { kind: 'saved', text: 'All changes saved', notice: null });
  s.editCells([{ row: R1, col: C1, value: 'a' }]);
  s.insertRows(R1, [{}]);
  assert.equal(describeStatus({ state: s, queue }).text, 'Saving…');
  assert.equal(describeStatus({ state: s, queue: { ...queue, failing: true } }).text, 'offline — 2 changes waiting');
  assert.equal(describeStatus({ state: s, queue, socketDown: true }).text, 'offline — 2 changes waiting');
  const paused = describeStatus({ state: s, queue: { failing: true, paused: true } });
  assert.equal(paused.text, '2 changes not saved — kept on this device');
  assert.deepEqual(paused.notice.actions, ['retry']);
  assert.equal(describeStatus({ state: s, queue, loggedOut: true }).text, '2 changes not saved — log in again to send them');
  assert.match(describeStatus({ state: s, queue, storageError: 'Storage is full.' }).notice.text, /Storage is full/);
});
