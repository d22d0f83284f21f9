// Pending edits over the committed store: what a cell shows, answers, rejections.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { wants } from './parts.js';
import { C1, C2, R1, R2, OTHER, snapshot, cells, loaded, show } from './sheetfixtures.js';

test('an own event carrying a value other than the one typed shows the committed value', () => {
  const s = loaded(10);
  const op = s.local.editCells([{ row: R2, col: C2, value: '12' }]);
  assert.equal(op.endpoint, 'cells');
  assert.deepEqual(op.body.changes, [{ row: R2, col: C2, value: '12' }]);
  assert.equal(show(s, R2, C2), '12');
  assert.equal(s.pending.pendingCount(), 1);
  // The broadcast of this tab's own op arrives first: it is not ignored.
  const event = cells(11, [{ row: R2, col: C2, value: 12 }], { op_id: op.opId, broadcaster_id: 'me' });
  s.store.receive(event);
  assert.equal(show(s, R2, C2), 12);
  assert.equal(s.pending.pendingCount(), 0);
  // Then the HTTP answer with the same event: a duplicate, nothing changes.
  s.pending.applyAnswer(op.opId, { version: 11, applied: true, errors: [], event }, 200);
  assert.equal(wants(s), null);
  assert.equal(show(s, R2, C2), 12);
  assert.equal(s.store.lastSeq, 11);
});

test('the answer of an op feeds its event through the seq pipeline', () => {
  const s = loaded(10);
  const op = s.local.editCells([{ row: R1, col: C1, value: 'new' }]);
  const event = cells(11, [{ row: R1, col: C1, value: 'new' }], { op_id: op.opId, broadcaster_id: 'me' });
  s.pending.applyAnswer(op.opId, { version: 11, applied: true, errors: [], event }, 200);
  assert.equal(wants(s), null);
  assert.equal(s.store.lastSeq, 11);
  assert.equal(s.pending.pendingCount(), 0);
  assert.equal(s.store.row(R1).values[C1], 'new');
  s.store.receive(event);
  assert.equal(wants(s), null); // the broadcast is a duplicate
});

test('an answer whose event is after a gap keeps the pending value until the gap is filled', () => {
  const s = loaded(10);
  const op = s.local.editCells([{ row: R1, col: C1, value: 'mine' }]);
  const event = cells(12, [{ row: R1, col: C1, value: 'mine' }], { op_id: op.opId, broadcaster_id: 'me' });
  s.pending.applyAnswer(op.opId, { version: 12, applied: true, errors: [], event }, 200);
  assert.deepEqual(wants(s), { needCatchUp: 10 });
  assert.equal(show(s, R1, C1), 'mine');
  assert.equal(s.pending.pendingCount(), 1);
  s.store.applyCatchUp({ version: 12, reload: false, changes: [cells(11, [{ row: R1, col: C1, value: 'theirs' }]), event] });
  assert.equal(show(s, R1, C1), 'mine');
  assert.equal(s.pending.pendingCount(), 0);
});

test('a rejected cell keeps what was typed and is marked with the message', () => {
  const s = loaded(10);
  const changes = [];
  s.store.subscribe((c) => changes.push(c));
  const op = s.local.editCells([{ row: R1, col: C2, value: 'abc' }, { row: R2, col: C2, value: '7' }]);
  assert.equal(show(s, R1, C2), 'abc');
  const message = '“abc” is not a number.';
  const event = cells(11, [{ row: R2, col: C2, value: 7 }], { op_id: op.opId, broadcaster_id: 'me' });
  s.pending.applyAnswer(op.opId, {
    version: 11, applied: true, event,
    errors: [{ row: R1, col: C2, error: 'not_a_number', message }],
  }, 200);
  assert.equal(show(s, R1, C2), 'abc'); // kept in sight, with the reason
  assert.equal(show(s, R2, C2), 7);
  assert.deepEqual(s.pending.cellInfo(R1, C2), { pending: false, failed: false, error: message, refused: true });
  assert.equal(s.pending.cellInfo(R2, C2), null);
  assert.equal(s.pending.errorCount(), 1);
  assert.deepEqual(s.pending.lastRejection, { count: 1, message });
  assert.ok(changes.some((c) => c.cells.some(([r, col]) => r === R1 && col === C2)));
  // Typing into the cell again clears the mark.
  s.local.editCells([{ row: R1, col: C2, value: '8' }]);
  assert.equal(s.pending.errorCount(), 0);
  assert.equal(s.pending.lastRejection, null);
});

test('an op where every cell is invalid (422) keeps them all refused until discarded', () => {
  const s = loaded(10);
  const op = s.local.editCells([{ row: R1, col: C2, value: 'x' }]);
  s.pending.applyAnswer(op.opId, {
    version: 10, applied: false, event: null,
    errors: [{ row: R1, col: C2, error: 'not_a_number', message: '“x” is not a number.' }],
  }, 422);
  const result = wants(s);
  assert.equal(result, null);
  assert.equal(show(s, R1, C2), 'x');
  assert.equal(s.pending.pendingCount(), 0);
  assert.equal(s.pending.errorCount(), 1);
  assert.equal(s.pending.discardRefused([[R1, C2]]), 1);
  assert.equal(show(s, R1, C2), 900);
  assert.equal(s.pending.cellInfo(R1, C2), null);
});

test('a pending edit is not overwritten by an older event, but the committed value is updated', () => {
  const s = loaded(10);
  const op = s.local.editCells([{ row: R1, col: C1, value: 'mine' }]);
  s.store.receive(cells(11, [{ row: R1, col: C1, value: 'theirs' }]));
  assert.equal(show(s, R1, C1), 'mine');
  assert.equal(s.store.row(R1).values[C1], 'theirs');
  assert.deepEqual(s.pending.cellInfo(R1, C1), { pending: true, failed: false, error: null });
  // An older op of this tab committing does not discard a newer pending edit either.
  const op2 = s.local.editCells([{ row: R1, col: C1, value: 'newer' }]);
  s.store.receive(cells(12, [{ row: R1, col: C1, value: 'mine' }], { op_id: op.opId, broadcaster_id: 'me' }));
  assert.equal(show(s, R1, C1), 'newer');
  s.store.receive(cells(13, [{ row: R1, col: C1, value: 'newer' }], { op_id: op2.opId, broadcaster_id: 'me' }));
  assert.equal(show(s, R1, C1), 'newer');
  assert.equal(s.pending.pendingCount(), 0);
});

test('a failing op is counted and marked until its answer comes', () => {
  const s = loaded(10);
  const op = s.local.editCells([{ row: R1, col: C1, value: 'a' }, { row: R2, col: C1, value: 'b' }]);
  assert.equal(s.pending.failedCount(), 0);
  s.pending.opFailed(op.opId, 'No connection to the server.');
  assert.equal(s.pending.failedCount(), 2);
  assert.deepEqual(s.pending.cellInfo(R1, C1), { pending: true, failed: true, error: 'No connection to the server.' });
  assert.equal(show(s, R1, C1), 'a');
  const event = cells(11, [{ row: R1, col: C1, value: 'a' }, { row: R2, col: C1, value: 'b' }], { op_id: op.opId });
  s.pending.applyAnswer(op.opId, { version: 11, applied: true, errors: [], event, replayed: true }, 200);
  assert.equal(s.pending.failedCount(), 0);
  assert.equal(s.pending.pendingCount(), 0);
});

test('a cells op refused as a whole (403) keeps and marks its cells', () => {
  const s = loaded(10);
  const op = s.local.editCells([{ row: R1, col: C1, value: 'x' }]);
  s.pending.applyAnswer(op.opId, { error: 'forbidden', message: 'You may not edit this sheet.' }, 403);
  const result = wants(s);
  assert.equal(result, null);
  assert.equal(show(s, R1, C1), 'x');
  assert.equal(s.pending.cellInfo(R1, C1).error, 'You may not edit this sheet.');
  s.pending.discardRefused();
  assert.equal(show(s, R1, C1), 'Rent');
});

test('a locally created row survives a snapshot reload until its insert commits', () => {
  const s = loaded(10);
  const op = s.local.insertRows(R2, [{}]);
  const localId = op.body.rows[0].id;
  s.store.loadSnapshot(snapshot(11));
  assert.deepEqual(s.store.rows.map((r) => r.id), [R1, R2, localId]);
  assert.equal(s.pending.pendingCount(), 1);
  const event = { type: 'rows.inserted', seq: 12, op_id: op.opId, broadcaster_id: 'me', rows: [{ id: localId, after: R2, values: {} }] };
  s.pending.applyAnswer(op.opId, { version: 12, applied: true, errors: [], event }, 200);
  assert.equal(s.pending.pendingCount(), 0);
  assert.deepEqual(s.store.rows.map((r) => r.id), [R1, R2, localId]);
});

test('an edit in a row deleted meanwhile is dropped', () => {
  const s = loaded(10);
  s.local.editCells([{ row: R2, col: C1, value: 'x' }]);
  s.store.receive({ type: 'rows.deleted', seq: 11, op_id: null, broadcaster_id: OTHER, rows: [R2] });
  assert.equal(s.pending.pendingCount(), 0);
  assert.equal(s.local.editCells([{ row: R2, col: C1, value: 'y' }]), null);
});

test('a rejected cell is marked even when the op\'s broadcast came before its answer', () => {
  const s = loaded(10);
  const op = s.local.editCells([{ row: R1, col: C2, value: 'abc' }, { row: R2, col: C2, value: '7' }]);
  const event = cells(11, [{ row: R2, col: C2, value: 7 }], { op_id: op.opId, broadcaster_id: 'me' });
  s.store.receive(event);
  assert.equal(show(s, R1, C2), 900);
  s.pending.applyAnswer(op.opId, {
    version: 11, applied: true, event,
    errors: [{ row: R1, col: C2, error: 'not_a_number', message: '“abc” is not a number.' }],
  }, 200);
  assert.equal(s.pending.cellInfo(R1, C2).error, '“abc” is not a number.');
  assert.equal(show(s, R2, C2), 7);
});

test('a row deleted before its insert commits does not come back with the insert event', () => {
  const s = loaded(10);
  const ins = s.local.insertRows(R2, [{}]);
  const id = ins.body.rows[0].id;
  const del = s.local.deleteRows([id]);
  s.store.receive({ type: 'rows.inserted', seq: 11, op_id: ins.opId, broadcaster_id: 'me', rows: [{ id, after: R2, values: {} }] });
  assert.equal(s.store.rowIndexOf(id), -1);
  s.store.receive({ type: 'rows.deleted', seq: 12, op_id: del.opId, broadcaster_id: 'me', rows: [id] });
  assert.equal(s.store.rowIndexOf(id), -1);
  assert.equal(s.pending.pendingCount(), 0);
});
