// A sheet gone for this user (access revoked, deleted, a 404): the queue, the
// pending edits, the outbox entries and the committed copy all go, and the
// count of what was discarded is what the page tells the user.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { makeSheet, savingFor } from './parts.js';
import { FakeStorage } from './fakestorage.js';
import { Outbox, sheetPrefix } from '../src/outbox.js';
import { classify } from '../src/opqueue.js';
import { SyncLoop } from '../src/sync.js';
import { describeStatus } from '../src/status.js';
import { goneText } from '../src/gone.js';

const C1 = '00000000-0000-4000-8000-00000000c001';
const C2 = '00000000-0000-4000-8000-00000000c002';
const R1 = '00000000-0000-4000-8000-00000000a001';
const R2 = '00000000-0000-4000-8000-00000000a002';
const USER = 7;
const SHEET = 3;

const snapshot = (version = 10) => ({
  id: SHEET, title: 'Secret plans', version,
  columns: [{ id: C1, name: 'Item', type: 'text' }, { id: C2, name: 'Amount', type: 'number' }],
  rows: [{ id: R1, values: { [C1]: 'top secret' } }, { id: R2, values: {} }],
});

/** A sheet page's state parts with its Saving over a fake storage; nothing is sent (the queue is held). */
function page({ storage = new FakeStorage(), fetchImpl = () => new Promise(() => {}) } = {}) {
  const s = makeSheet({ clientId: 'tab-a' });
  s.store.loadSnapshot(snapshot());
  let gone = 0;
  s.saving = savingFor(s, { user: USER, sheet: SHEET, storage, fetchImpl, onGone: () => { gone += 1; } });
  s.storage = storage;
  s.goneCalls = () => gone;
  return s;
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 0));
const keysOf = (storage) => [...storage.map.keys()];

test('discarding the sheet drops its queued ops, pending edits and every outbox entry of it', async () => {
  const storage = new FakeStorage();
  // Another (closed) tab of this user left an op for this sheet; another sheet's entry stays.
  const other = new Outbox({ storage, userId: USER, sheetId: SHEET, clientId: 'tab-b', locks: null });
  other.save([{ endpoint: 'cells', opId: 'old', body: { changes: [] }, createdAt: 1 }]);
  const elsewhere = new Outbox({ storage, userId: USER, sheetId: SHEET + 1, clientId: 'tab-c', locks: null });
  elsewhere.save([{ endpoint: 'cells', opId: 'keep', body: { changes: [] }, createdAt: 1 }]);

  const s = page({ storage });
  s.saving.send(s.local.editCells([{ row: R1, col: C1, value: 'mine' }, { row: R2, col: C1, value: 'too' }]));
  s.saving.send(s.local.insertRows(R1, [{}]));
  await settle(); // the outbox entry is written once per task
  assert.ok(storage.getItem(s.saving.outbox.key), 'the queued ops were written down');
  assert.equal(s.saving.unsent(), 3);

  const discarded = s.saving.discardSheet('No access');

  assert.equal(discarded, 3);
  assert.equal(s.saving.queue.size, 0);
  assert.equal(s.saving.queue.aside.length, 0);
  assert.equal(s.pending.pendingCount(), 0);
  assert.equal(s.pending.records.size, 0);
  assert.equal(s.store.rows.length, 2, 'the row this tab made went with its op');
  assert.deepEqual(keysOf(storage), [elsewhere.key], 'only the other sheet\'s entry is left');
  assert.ok(!keysOf(storage).some((key) => key.startsWith(sheetPrefix(USER, SHEET))));

  // Nothing of the sheet is written again, whatever asks for it.
  s.saving.send(s.local.editCells([{ row: R1, col: C1, value: 'late' }]));
  await settle();
  s.saving.outbox.close();
  assert.deepEqual(keysOf(storage), [elsewhere.key]);
  // A second call discards nothing more.
  assert.equal(s.saving.discardSheet('No access'), 0);
});

test('once the sheet is gone the status line says so, never "All changes saved"', () => {
  const s = page();
  const before = describeStatus({ pending: s.pending, loaded: true, queue: s.saving.queue });
  assert.equal(before.text, 'All changes saved');
  s.saving.discardSheet('No access');
  const status = describeStatus({ pending: s.pending, loaded: true, queue: s.saving.queue, gone: s.saving.gone });
  assert.deepEqual(status, { kind: 'gone', text: 'No access', notice: null });
});

test('a 404 to an op stops the queue, keeps its ops for the discard and tells the page once', async () => {
  const calls = [];
  const fetchImpl = async (url) => {
    calls.push(url);
    return { status: 404, json: async () => ({ error: 'not_found', message: 'Sheet not found.' }), headers: { get: () => null } };
  };
  const s = page({ fetchImpl });
  s.saving.send(s.local.editCells([{ row: R1, col: C1, value: 'a' }]));
  s.saving.send(s.local.editCells([{ row: R2, col: C1, value: 'b' }]));
  s.saving.queue.restore([]); // what start() does once earlier pages' ops are in
  await settle();
  await settle();
  assert.equal(s.goneCalls(), 1);
  assert.equal(calls.length, 1, 'nothing more is sent after the 404');
  assert.equal(s.saving.queue.stopped, true);
  assert.equal(s.saving.queue.size, 2, 'the ops wait for the discard');
  assert.equal(s.saving.discardSheet('Not available'), 2);
  assert.equal(s.saving.queue.size, 0);
});

test('what an answer means: 404 is gone, 403 forbidden is a refusal, 403 csrf_failed a login', () => {
  assert.equal(classify(404, { error: 'not_found' }), 'gone');
  assert.equal(classify(403, { error: 'forbidden' }), 'final');
  assert.equal(classify(403, { error: 'csrf_failed' }), 'login');
});

test('clearing the store forgets the sheet, and nothing late brings it back', () => {
  const s = makeSheet({ clientId: 'me' });
  s.store.loadSnapshot(snapshot());
  s.local.editCells([{ row: R1, col: C1, value: 'typed' }]);
  let structure = 0;
  s.store.subscribe((change) => { if (change.structure) structure += 1; });
  s.store.clear();
  assert.equal(structure, 1);
  assert.equal(s.store.title, '');
  assert.deepEqual(s.store.rows, []);
  assert.deepEqual(s.store.columns, []);
  s.store.loadSnapshot(snapshot(12));
  s.store.receive({ type: 'rows.inserted', sheet_id: SHEET, seq: 11, op_id: null, broadcaster_id: 'x', rows: [{ id: R2, after: null, values: {} }] });
  s.store.applyCatchUp({ version: 12, reload: false, changes: [] });
  assert.deepEqual(s.store.rows, []);
  assert.equal(s.store.title, '');
  assert.equal(s.store.needsSnapshot, false);
  assert.equal(s.store.behind, false);
});

test('a 403 or a 404 to the snapshot or a catch-up tells the page the sheet is gone', async () => {
  for (const status of [403, 404]) {
    const s = makeSheet();
    let gone = 0;
    const getJson = async () => ({ status, body: { error: 'not_found' } });
    const syncer = new SyncLoop({ store: s.store, getJson, snapshotUrl: '/s/', changesUrl: '/s/changes', onGone: () => { gone += 1; } });
    await syncer.resync();
    assert.equal(gone, 1, `status ${status}`);
    assert.equal(syncer.stopped, true);
  }
});

test('the page says how many unsaved edits were discarded', () => {
  assert.equal(goneText('revoked', 0), 'You no longer have access to this sheet.');
  assert.equal(goneText('revoked', 1), 'You no longer have access to this sheet. 1 unsaved edit was discarded.');
  assert.equal(goneText('revoked', 3), 'You no longer have access to this sheet. 3 unsaved edits were discarded.');
  assert.equal(goneText('deleted', 2), 'This sheet was deleted. 2 unsaved edits were discarded.');
  assert.match(goneText('gone', 0), /no longer exists/);
});
