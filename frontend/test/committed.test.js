// The committed store: events in seq order, gaps and catch-up, snapshots, rows and columns.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { makeSheet, wants } from './parts.js';
import { C1, C2, R1, R2, R3, OTHER, snapshot, cells, loaded, show } from './sheetfixtures.js';

test('events that arrive before the snapshot are held, older ones dropped, newer ones applied', () => {
  const s = makeSheet({ clientId: 'me' });
  s.store.receive(cells(9, [{ row: R1, col: C1, value: 'old' }]));
  assert.equal(wants(s), null);
  s.store.receive(cells(11, [{ row: R1, col: C1, value: 'eleven' }]));
  assert.equal(wants(s), null);
  s.store.receive(cells(12, [{ row: R2, col: C2, value: 5 }]));
  assert.equal(wants(s), null);
  assert.equal(s.store.loaded, false);
  s.store.loadSnapshot(snapshot(10));
  const result = wants(s);
  assert.equal(result, null);
  assert.equal(s.store.lastSeq, 12);
  assert.equal(show(s, R1, C1), 'eleven');
  assert.equal(show(s, R2, C2), 5);
});

test('an event the snapshot already contains is dropped', () => {
  const s = makeSheet({ clientId: 'me' });
  s.store.receive(cells(10, [{ row: R1, col: C1, value: 'from event' }]));
  s.store.loadSnapshot(snapshot(10));
  assert.equal(show(s, R1, C1), 'Rent');
  assert.equal(s.store.lastSeq, 10);
});

test('out-of-order events are applied in seq order', () => {
  const s = loaded(10);
  s.store.receive(cells(12, [{ row: R1, col: C1, value: 'twelve' }]));
  const first = wants(s);
  assert.deepEqual(first, { needCatchUp: 10 });
  assert.equal(show(s, R1, C1), 'Rent'); // held, not applied yet
  s.store.receive(cells(11, [{ row: R1, col: C1, value: 'eleven' }]));
  const second = wants(s);
  assert.equal(second, null);
  assert.equal(s.store.lastSeq, 12);
  assert.equal(show(s, R1, C1), 'twelve');
});

test('a duplicated event is dropped', () => {
  const s = loaded(10);
  const e11 = cells(11, [{ row: R1, col: C1, value: 'eleven' }]);
  s.store.receive(e11);
  s.store.receive(cells(12, [{ row: R1, col: C1, value: 'twelve' }]));
  s.store.receive(e11);
  assert.equal(wants(s), null);
  s.store.receive({ ...e11 });
  assert.equal(wants(s), null);
  assert.equal(show(s, R1, C1), 'twelve');
  assert.equal(s.store.lastSeq, 12);
});

test('a missing event asks for catch-up from the last seq, then everything is applied', () => {
  const s = loaded(10);
  const e13 = cells(13, [{ row: R2, col: C1, value: 'thirteen' }]);
  s.store.receive(e13);
  assert.deepEqual(wants(s), { needCatchUp: 10 });
  assert.equal(s.store.lastSeq, 10);
  s.store.applyCatchUp({
    version: 13,
    reload: false,
    changes: [
      cells(11, [{ row: R1, col: C1, value: 'eleven' }]),
      cells(12, [{ row: R1, col: C2, value: 12 }]),
      e13,
    ],
  });
  const result = wants(s);
  assert.equal(result, null);
  assert.equal(s.store.lastSeq, 13);
  assert.equal(show(s, R1, C1), 'eleven');
  assert.equal(show(s, R1, C2), 12);
  assert.equal(show(s, R2, C1), 'thirteen');
});

test('a heartbeat ahead of the tab asks for catch-up; one in step does not', () => {
  const s = loaded(10);
  s.store.receive({ type: 'sheet.heartbeat', sheet_id: 7, version: 10 });
  assert.equal(wants(s), null);
  s.store.receive({ type: 'sheet.heartbeat', sheet_id: 7, version: 12 });
  assert.deepEqual(wants(s), { needCatchUp: 10 });
  s.store.receive({ type: 'changes.available', sheet_id: 7, seq: 13 });
  assert.deepEqual(wants(s), { needCatchUp: 10 });
});

test('a reload answer asks for the snapshot again, and the reload keeps pending edits', () => {
  const s = loaded(10);
  const op = s.local.editCells([{ row: R1, col: C1, value: 'mine' }]);
  s.store.applyCatchUp({ version: 5000, reload: true, changes: [] });
  assert.deepEqual(wants(s), { reload: true });
  const snap = snapshot(5000);
  snap.rows[0].values[C1] = 'server';
  s.store.loadSnapshot(snap);
  assert.equal(wants(s), null);
  assert.equal(s.store.lastSeq, 5000);
  assert.equal(show(s, R1, C1), 'mine');
  assert.equal(s.store.row(R1).values[C1], 'server');
  assert.equal(s.pending.pendingCount(), 1);
  assert.ok(op.opId);
});

test('rows are placed by `after`; a row this tab made moves to where its event says', () => {
  const s = loaded(10);
  const op = s.local.insertRows(R1, [{ [C1]: 'local' }]);
  const localId = op.body.rows[0].id;
  assert.deepEqual(op.body.rows, [{ id: localId, after: R1, values: { [C1]: 'local' } }]);
  assert.deepEqual(s.store.rows.map((r) => r.id), [R1, localId, R2]);
  assert.equal(show(s, localId, C1), 'local');
  // Someone else's row lands right after R1 first.
  s.store.receive({ type: 'rows.inserted', seq: 11, op_id: null, broadcaster_id: OTHER, rows: [{ id: R3, after: R1, values: { [C1]: 'remote' } }] });
  assert.deepEqual(s.store.rows.map((r) => r.id), [R1, R3, localId, R2]);
  // Then this tab's insert commits: the server put it right after R1.
  s.store.receive({ type: 'rows.inserted', seq: 12, op_id: op.opId, broadcaster_id: 'me', rows: [{ id: localId, after: R1, values: { [C1]: 'local' } }] });
  assert.deepEqual(s.store.rows.map((r) => r.id), [R1, localId, R3, R2]);
  assert.equal(show(s, localId, C1), 'local');
  assert.equal(s.pending.pendingCount(), 0);
  // At the top, and after a row of the same event.
  s.store.receive({ type: 'rows.inserted', seq: 13, op_id: null, broadcaster_id: OTHER, rows: [{ id: 'top1', after: null, values: {} }, { id: 'top2', after: 'top1', values: {} }] });
  assert.deepEqual(s.store.rows.map((r) => r.id).slice(0, 3), ['top1', 'top2', R1]);
});

test('rows deleted locally and by events; a refused optimistic op asks for a reload', () => {
  const s = loaded(10);
  const op = s.local.deleteRows([R1]);
  assert.deepEqual(op.body.rows, [R1]);
  assert.deepEqual(s.store.rows.map((r) => r.id), [R2]);
  // A snapshot taken before the delete committed does not bring the row back.
  s.store.loadSnapshot(snapshot(10));
  assert.deepEqual(s.store.rows.map((r) => r.id), [R2]);
  s.store.receive({ type: 'rows.deleted', seq: 11, op_id: op.opId, broadcaster_id: 'me', rows: [R1] });
  assert.equal(s.pending.pendingCount(), 0);
  s.store.receive({ type: 'rows.deleted', seq: 12, op_id: null, broadcaster_id: OTHER, rows: [R2] });
  assert.deepEqual(s.store.rows, []);
  const s2 = loaded(10);
  const op2 = s2.local.deleteRows([R2]);
  s2.pending.applyAnswer(op2.opId, { error: 'row_not_found', message: 'Those rows no longer exist.' }, 409);
  assert.deepEqual(wants(s2), { reload: true });
  assert.deepEqual(s2.pending.lastRejection, { count: 1, message: 'Those rows no longer exist.', what: 'change' });
});

test('columns: insert by after, delete, rename and type change', () => {
  const s = loaded(10);
  const op = s.local.insertColumn({ after: C1, name: 'Note', type: 'text' });
  const colId = op.body.columns[0].id;
  assert.deepEqual(op.body.columns, [{ id: colId, name: 'Note', type: 'text', after: C1 }]);
  assert.deepEqual(s.store.columns.map((c) => c.id), [C1, colId, C2]);
  s.store.receive({ type: 'columns.inserted', seq: 11, op_id: null, broadcaster_id: OTHER, columns: [{ id: 'cx', name: 'X', type: 'date', after: null }] });
  assert.deepEqual(s.store.columns.map((c) => c.id), ['cx', C1, colId, C2]);
  s.store.receive({ type: 'columns.inserted', seq: 12, op_id: op.opId, broadcaster_id: 'me', columns: [{ id: colId, name: 'Note', type: 'text', after: 'cx' }] });
  assert.deepEqual(s.store.columns.map((c) => c.id), ['cx', colId, C1, C2]);
  assert.equal(s.pending.pendingCount(), 0);
  // Rename and type change are shown once committed, with converted values.
  const upd = s.local.updateColumn(C1, { name: 'Amount text', type: 'number' });
  assert.deepEqual(upd.body, { op_id: upd.opId, base_version: 12, column: C1, name: 'Amount text', type: 'number' });
  assert.equal(s.store.column(C1).name, 'Item');
  s.store.receive({
    type: 'column.updated', seq: 13, op_id: upd.opId, broadcaster_id: 'me',
    column: { id: C1, name: 'Amount text', type: 'number' }, values: { [R1]: null, [R2]: 3 },
  });
  const { id, name, type, formula } = s.store.column(C1);
  assert.deepEqual({ id, name, type, formula }, { id: C1, name: 'Amount text', type: 'number', formula: null });
  assert.equal(show(s, R1, C1), null);
  assert.equal(show(s, R2, C1), 3);
  // A type change that does not convert changes nothing and needs no reload.
  const bad = s.local.updateColumn(C2, { type: 'checkbox' });
  const refusal = { error: 'not_convertible', message: '1 value(s) cannot become checkbox; fix them first.', count: 1, values: [{ row: R1, value: 900, message: 'no' }] };
  s.pending.applyAnswer(bad.opId, refusal, 422);
  assert.equal(wants(s), null);
  assert.equal(s.store.column(C2).type, 'number');
  // Deleting a column drops its values and pending edits.
  s.local.editCells([{ row: R1, col: C2, value: '1' }]);
  const del = s.local.deleteColumns([C2]);
  assert.deepEqual(del.body.columns, [C2]);
  assert.equal(s.store.colIndexOf(C2), -1);
  assert.equal(s.pending.pendingCount(), 1); // the delete op itself
  s.store.receive({ type: 'columns.deleted', seq: 14, op_id: del.opId, broadcaster_id: 'me', columns: [C2] });
  assert.equal(s.pending.pendingCount(), 0);
  assert.equal(s.store.row(R1).values[C2], undefined);
});

test('a sheet rename updates the title and notifies', () => {
  const s = loaded(10);
  const seen = [];
  s.store.subscribe((c) => seen.push(c.title));
  s.store.receive({ type: 'sheet.renamed', seq: 11, op_id: null, broadcaster_id: OTHER, title: '<img src=x onerror=alert(1)>' });
  assert.equal(s.store.title, '<img src=x onerror=alert(1)>');
  assert.deepEqual(seen, ['<img src=x onerror=alert(1)>']);
});

test('subscribers learn about structure and cell changes', () => {
  const s = makeSheet({ clientId: 'me' });
  const seen = [];
  s.store.subscribe((c) => seen.push(c));
  s.store.loadSnapshot(snapshot(10));
  assert.equal(seen.at(-1).structure, true);
  s.store.receive(cells(11, [{ row: R1, col: C1, value: 'x' }]));
  assert.equal(seen.at(-1).structure, false);
  assert.deepEqual(seen.at(-1).cells, [[R1, C1]]);
  s.store.receive({ type: 'clock.tick', now_ms: 1 });
  assert.equal(wants(s), null);
  assert.equal(seen.length, 2);
});

test('a large paste into new rows is placed with one splice', () => {
  const s = loaded(10);
  const values = Array.from({ length: 3000 }, (_, i) => ({ [C1]: `v${i}` }));
  const op = s.local.insertRows(R2, values);
  assert.equal(s.store.rows.length, 3002);
  assert.equal(show(s, op.body.rows[2999].id, C1), 'v2999');
  const event = { type: 'rows.inserted', seq: 11, op_id: op.opId, broadcaster_id: 'me', rows: op.body.rows };
  s.pending.applyAnswer(op.opId, { version: 11, applied: true, errors: [], event }, 200);
  assert.equal(s.store.rows.length, 3002);
  assert.deepEqual(s.store.rows.map((r) => r.id).slice(0, 3), [R1, R2, op.body.rows[0].id]);
  assert.equal(s.pending.pendingCount(), 0);
  assert.equal(show(s, op.body.rows[2999].id, C1), 'v2999');
});

test('a snapshot with rows as arrays loads like the object form', () => {
  const s = makeSheet({ clientId: 'me' });
  s.store.loadSnapshot({
    id: 1, title: 'T', version: 3,
    columns: [{ id: 'c1', name: 'A', type: 'text' }, { id: 'c2', name: 'B', type: 'number' }],
    rows: [['r1', 'x', null], ['r2', null, 7]],
  });
  assert.deepEqual(s.store.rows.map((r) => [r.id, r.values]), [['r1', { c1: 'x' }], ['r2', { c2: 7 }]]);
  assert.equal(s.pending.display(1, 1), 7);
  assert.equal(s.pending.display(0, 1), null);
});

test('whole formula columns computed again ask for the snapshot; a plain event does not', () => {
  const s = loaded(10);
  s.store.receive({ type: 'column.updated', seq: 11, op_id: null, broadcaster_id: OTHER, column: { id: C1, name: 'A', type: 'text' }, values: {} });
  assert.equal(s.store.needsSnapshot, false);
  s.store.receive({ type: 'column.updated', seq: 12, op_id: null, broadcaster_id: OTHER, column: { id: C1, name: 'A', type: 'text' }, values: {}, recomputed: [C2] });
  assert.equal(s.store.needsSnapshot, true);
  const t = loaded(10);
  t.store.receive({ type: 'columns.recomputed', seq: 11, op_id: null, broadcaster_id: OTHER, columns: [C2], reason: 'today', user: null });
  assert.equal(t.store.lastSeq, 11);
  assert.equal(t.store.needsSnapshot, true);
});
