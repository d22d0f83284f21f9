// Pending edits and local ops that outlive a page or come back changed: base_version,
// restored ops, answers that drop, split, re-anchor or set aside an op, and
// conflicts with other users' edits.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CONFLICT_SHOW_MS } from '../src/pending.js';
import { makeSheet, wants } from './parts.js';
import { describeStatus } from '../src/status.js';

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
  const s = makeSheet({ clientId: 'me', ...options });
  s.store.loadSnapshot(snapshot(version));
  return s;
}

const show = (s, rowId, colId) => s.pending.display(s.store.rowIndexOf(rowId), s.store.colIndexOf(colId));
const cells = (seq, changes, more = {}) => ({ type: 'cells.changed', sheet_id: 7, seq, op_id: null, broadcaster_id: 'other', user: BOB, changes, ...more });
const ok = (op, seq, type, fields) => ({
  version: seq, applied: true, errors: [],
  event: { type, sheet_id: 7, seq, op_id: op.opId, broadcaster_id: 'me', user: null, ...fields },
});

test('every op carries the version the tab had when it was made', () => {
  const s = loaded(10);
  assert.equal(s.local.editCells([{ row: R1, col: C1, value: 'a' }]).body.base_version, 10);
  s.store.receive(cells(11, [{ row: R2, col: C1, value: 'x' }]));
  const op = s.local.insertRows(R1, [{}]);
  assert.equal(op.body.base_version, 11);
  assert.equal(typeof op.createdAt, 'number');
});

test('a 409 (row gone) drops the op with a message; a 403 too', () => {
  const s = loaded(10);
  const op = s.local.editCells([{ row: R1, col: C1, value: 'mine' }]);
  s.pending.applyAnswer(op.opId, { error: 'forbidden', message: 'You may only view this sheet.' }, 403);
  assert.equal(wants(s), null);
  assert.equal(show(s, R1, C1), 'mine'); // what was typed stays in sight, refused
  assert.deepEqual(s.pending.lastRejection, { count: 1, message: 'You may only view this sheet.' });
  assert.equal(s.pending.discardRefused(), 1);
  assert.equal(show(s, R1, C1), 'v0');
  const del = s.local.deleteRows([R2]);
  s.pending.applyAnswer(del.opId, { error: 'row_not_found', message: 'Those rows no longer exist.' }, 409);
  assert.deepEqual(wants(s), { reload: true });
  assert.equal(s.pending.pendingCount(), 0);
  assert.deepEqual(describeStatus({ pending: s.pending, loaded: s.store.loaded, queue: {} }), { kind: 'rejected', text: '1 change rejected: Those rows no longer exist.', notice: null });
});

test('ops saved by an earlier page come back as pending edits, before or after the snapshot', () => {
  const earlier = loaded(10);
  const ins = earlier.local.insertRows(R1, [{ [C1]: 'new row' }]);
  const rowId = ins.body.rows[0].id;
  const edit = earlier.local.editCells([{ row: R2, col: C1, value: 'typed' }, { row: rowId, col: C2, value: 5 }]);
  const del = earlier.local.deleteRows([R1]);
  const saved = JSON.parse(JSON.stringify([ins, edit, del]));

  for (const order of ['restore first', 'snapshot first']) {
    const s = makeSheet({ clientId: 'page2' });
    if (order === 'snapshot first') s.store.loadSnapshot(snapshot(12));
    for (const op of saved) s.local.restoreOp(op);
    if (order === 'restore first') s.store.loadSnapshot(snapshot(12));
    assert.deepEqual(s.store.rows.map((r) => r.id), [rowId, R2], order);
    assert.equal(show(s, rowId, C1), 'new row', order);
    assert.equal(show(s, rowId, C2), 5, order);
    assert.equal(show(s, R2, C1), 'typed', order);
    assert.equal(s.pending.pendingCount(), 4, order); // 3 cells + the delete
    assert.deepEqual(s.pending.cellInfo(R2, C1), { pending: true, failed: false, error: null });
    // Answers (replays included) settle them by op_id.
    // (The new row goes after R1, which this tab hides while deleting it: the snapshot places it.)
    s.pending.applyAnswer(ins.opId, ok(ins, 13, 'rows.inserted', { rows: [{ id: rowId, after: R1, values: { [C1]: 'new row' } }] }), 200);
    const placed = wants(s);
    assert.deepEqual(placed, { reload: true }, order);
    s.pending.applyAnswer(edit.opId, ok(edit, 14, 'cells.changed', { changes: [{ row: R2, col: C1, value: 'typed' }, { row: rowId, col: C2, value: 5 }] }), 200);
    s.pending.applyAnswer(del.opId, ok(del, 15, 'rows.deleted', { rows: [R1] }), 200);
    assert.equal(s.pending.pendingCount(), 0, order);
    s.store.loadSnapshot({ ...snapshot(15), rows: [{ id: rowId, values: { [C1]: 'new row', [C2]: 5 } }, { id: R2, values: { [C1]: 'typed' } }] });
    assert.deepEqual(s.store.rows.map((r) => r.id), [rowId, R2], order);
    assert.equal(show(s, rowId, C2), 5, order);
  }
});

test('a restored insert whose rows were deleted since (a replayed answer) leaves no ghost row', () => {
  const earlier = loaded(10);
  const ins = earlier.local.insertRows(R2, [{}]);
  const rowId = ins.body.rows[0].id;
  const s = makeSheet({ clientId: 'page2' });
  s.store.loadSnapshot(snapshot(20)); // the row was inserted at 11 and deleted at 12
  s.local.restoreOp(JSON.parse(JSON.stringify(ins)));
  assert.equal(s.store.rowIndexOf(rowId), 2);
  const replay = { ...ok(ins, 11, 'rows.inserted', { rows: [{ id: rowId, after: R2, values: {} }] }), replayed: true };
  s.pending.applyAnswer(ins.opId, replay, 200);
  assert.equal(s.store.rowIndexOf(rowId), -1);
  assert.equal(s.pending.pendingCount(), 0);
});

test('413: the op becomes two ops with the pending values moved to them', () => {
  const s = loaded(10);
  const op = s.local.editCells([{ row: R1, col: C1, value: 'a' }, { row: R2, col: C1, value: 'b' }, { row: R1, col: C2, value: 3 }]);
  const [first, second] = s.local.splitOp(op);
  assert.deepEqual(first.body.changes.length + second.body.changes.length, 3);
  assert.equal(first.body.base_version, 10);
  assert.notEqual(first.opId, op.opId);
  assert.ok(!s.pending.records.has(op.opId));
  assert.equal(s.pending.pendingCount(), 3);
  s.pending.applyAnswer(first.opId, ok(first, 11, 'cells.changed', { changes: first.body.changes }), 200);
  assert.equal(s.pending.pendingCount(), 1);
  s.pending.applyAnswer(second.opId, ok(second, 12, 'cells.changed', { changes: second.body.changes }), 200);
  assert.equal(s.pending.pendingCount(), 0);
  assert.equal(show(s, R2, C1), 'b');
  assert.equal(s.local.splitOp(s.local.renameSheet('x')), null);
});

test('op_too_old: the op is set aside (not counted as waiting), then sent again or discarded', () => {
  const s = loaded(10);
  const ins = s.local.insertRows(R2, [{ [C1]: 'kept' }]);
  const rowId = ins.body.rows[0].id;
  const edit = s.local.editCells([{ row: R1, col: C1, value: 'old edit' }]);
  s.pending.setAside(ins.opId, 'too old');
  s.pending.setAside(edit.opId, 'too old');
  assert.equal(s.pending.pendingCount(), 0);
  assert.equal(s.pending.asideCount(), 2);
  assert.deepEqual(s.pending.cellInfo(R1, C1), { pending: true, failed: false, error: 'too old', aside: true });
  const status = describeStatus({ pending: s.pending, loaded: s.store.loaded, queue: {} });
  assert.equal(status.kind, 'saved');
  assert.match(status.notice.text, /^2 changes could not be applied safely/);
  assert.deepEqual(status.notice.actions, ['resend', 'discard']);
  // Send again: a new op made now.
  s.store.receive(cells(11, [{ row: R2, col: C1, value: 'x' }]));
  const again = s.local.reissueOp(edit);
  assert.notEqual(again.opId, edit.opId);
  assert.equal(again.body.base_version, 11);
  assert.deepEqual(again.body.changes, edit.body.changes);
  assert.equal(s.pending.asideCount(), 1);
  assert.equal(s.pending.pendingCount(), 1);
  // Discard: the row it made goes, nothing is left.
  s.local.discardOps([ins.opId]);
  assert.equal(wants(s), null);
  assert.equal(s.store.rowIndexOf(rowId), -1);
  assert.equal(s.pending.asideCount(), 0);
  s.local.discardOps([s.local.deleteRows([R1]).opId]);
  assert.deepEqual(wants(s), { reload: true }, 'a discarded delete needs the snapshot to show the row again');
});

test('an insert whose anchor row was deleted meanwhile is re-anchored where the user sees it', () => {
  const s = loaded(10);
  s.store.loadSnapshot(snapshot(10, [R1, R2, R3]));
  const op = s.local.insertRows(R2, [{ [C1]: 'a' }, { [C1]: 'b' }]);
  const [a, b] = op.body.rows.map((r) => r.id);
  s.store.receive({ type: 'rows.deleted', seq: 11, op_id: null, broadcaster_id: 'other', user: BOB, rows: [R2] });
  assert.deepEqual(s.store.rows.map((r) => r.id), [R1, a, b, R3]);
  const [next] = s.local.reanchorOp(op, { error: 'row_not_found', message: 'gone', row: R2 });
  assert.deepEqual(next.body.rows.map((r) => [r.id, r.after]), [[a, R1], [b, a]]);
  assert.equal(show(s, a, C1), 'a');
  assert.equal(s.local.reanchorOp(next, { error: 'id_taken' }), null);
  s.pending.applyAnswer(next.opId, ok(next, 12, 'rows.inserted', { rows: next.body.rows }), 200);
  assert.deepEqual(s.store.rows.map((r) => r.id), [R1, a, b, R3]);
  assert.equal(s.pending.pendingCount(), 0);
});

test('another user overwriting what this tab just committed is flagged for a few seconds', () => {
  let now = 1000;
  const s = loaded(10, { now: () => now });
  const op = s.local.editCells([{ row: R1, col: C1, value: 'mine' }]);
  s.pending.applyAnswer(op.opId, ok(op, 11, 'cells.changed', { changes: [{ row: R1, col: C1, value: 'mine' }] }), 200);
  now += 300;
  s.store.receive(cells(12, [{ row: R1, col: C1, value: 'theirs' }]));
  assert.equal(show(s, R1, C1), 'theirs');
  assert.deepEqual(s.pending.cellInfo(R1, C1), { pending: false, failed: false, error: null, conflict: 'Bob' });
  now += CONFLICT_SHOW_MS + 1;
  assert.equal(s.pending.cellInfo(R1, C1), null);
  s.pending.expireConflicts();
  assert.equal(s.pending.conflicts.size, 0);
});

test('no conflict when this tab\'s pending edit wins, the value is the same, or the edit is old', () => {
  let now = 1000;
  const s = loaded(10, { now: () => now });
  // Pending when the other edit lands: this tab's value is committed after it, and wins.
  const op = s.local.editCells([{ row: R1, col: C1, value: 'mine' }]);
  s.store.receive(cells(11, [{ row: R1, col: C1, value: 'theirs' }]));
  s.pending.applyAnswer(op.opId, ok(op, 12, 'cells.changed', { changes: [{ row: R1, col: C1, value: 'mine' }] }), 200);
  assert.equal(show(s, R1, C1), 'mine');
  assert.equal(s.pending.conflicts.size, 0);
  // The same value: nothing to see.
  s.store.receive(cells(13, [{ row: R1, col: C1, value: 'mine' }]));
  assert.equal(s.pending.conflicts.size, 0);
  // Long after: a later edit, not a conflict.
  const op2 = s.local.editCells([{ row: R2, col: C1, value: 'mine too' }]);
  s.pending.applyAnswer(op2.opId, ok(op2, 14, 'cells.changed', { changes: [{ row: R2, col: C1, value: 'mine too' }] }), 200);
  now += 60_000;
  s.store.receive(cells(15, [{ row: R2, col: C1, value: 'later' }]));
  assert.equal(s.pending.conflicts.size, 0);
});

test('a row placed after one this tab is deleting asks for the snapshot', () => {
  const s = loaded(10);
  const ins = s.local.insertRows(R1, [{}]);
  const rowId = ins.body.rows[0].id;
  const ins2 = s.local.insertRows(rowId, [{}]);
  const later = ins2.body.rows[0].id;
  s.local.deleteRows([rowId]);
  s.store.receive({ type: 'rows.inserted', seq: 11, op_id: ins.opId, broadcaster_id: 'me', rows: [{ id: rowId, after: R1, values: {} }] });
  assert.equal(wants(s), null);
  s.store.receive({ type: 'rows.inserted', seq: 12, op_id: ins2.opId, broadcaster_id: 'me', rows: [{ id: later, after: rowId, values: {} }] });
  assert.deepEqual(wants(s), { reload: true });
  s.store.loadSnapshot({ ...snapshot(12), rows: [{ id: R1, values: {} }, { id: rowId, values: {} }, { id: later, values: {} }, { id: R2, values: {} }] });
  assert.deepEqual(s.store.rows.map((r) => r.id), [R1, later, R2]);
  assert.equal(s.store.guessing, false);
});

test('the status line: offline with changes waiting, kept on this device, logged out, saved', () => {
  const s = loaded(10);
  const queue = { failing: false, paused: false };
  assert.deepEqual(describeStatus({ pending: s.pending, loaded: s.store.loaded, queue }), { kind: 'saved', text: 'All changes saved', notice: null });
  s.local.editCells([{ row: R1, col: C1, value: 'a' }]);
  s.local.insertRows(R1, [{}]);
  assert.equal(describeStatus({ pending: s.pending, loaded: s.store.loaded, queue }).text, 'Saving…');
  assert.equal(describeStatus({ pending: s.pending, loaded: s.store.loaded, queue: { ...queue, failing: true } }).text, 'offline — 2 changes waiting');
  assert.equal(describeStatus({ pending: s.pending, loaded: s.store.loaded, queue, socketDown: true }).text, 'offline — 2 changes waiting');
  const paused = describeStatus({ pending: s.pending, loaded: s.store.loaded, queue: { failing: true, paused: true } });
  assert.equal(paused.text, '2 changes not saved — kept on this device');
  assert.deepEqual(paused.notice.actions, ['retry']);
  assert.equal(describeStatus({ pending: s.pending, loaded: s.store.loaded, queue, loggedOut: true }).text, '2 changes not saved — log in again to send them');
  assert.match(describeStatus({ pending: s.pending, loaded: s.store.loaded, queue, storageError: 'Storage is full.' }).notice.text, /Storage is full/);
});
