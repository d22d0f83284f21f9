// Sort the sheet for everyone (rows/sort): the op a tab sends, and the
// `rows.sorted` event, which names no rows: the tab reloads the snapshot and
// shows the rows in their new order, keeping its pending edits.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SyncLoop } from '../src/sync.js';
import { makeSheet, wants } from './parts.js';

const C = '00000000-0000-4000-8000-00000000c001';
const [R1, R2, R3] = ['a001', 'a002', 'a003'].map((n) => `00000000-0000-4000-8000-00000000${n}`);
const snap = (version, ids) => ({
  id: 1, title: 'T', version,
  columns: [{ id: C, name: 'A', type: 'text' }],
  rows: ids.map((id) => ({ id, values: { [C]: `v${id.slice(-1)}` } })),
});
const sorted = (seq, more = {}) => ({ type: 'rows.sorted', sheet_id: 1, seq, op_id: null, broadcaster_id: 'other', user: null, sort: [{ column: C, descending: true }], rows: 3, ...more });

test('sortSheet queues rows/sort with the keys and the tab version, showing nothing before the answer', () => {
  const s = makeSheet({ clientId: 'me' });
  s.store.loadSnapshot(snap(4, [R1, R2, R3]));
  const op = s.local.sortSheet([{ column: C, descending: false }]);
  assert.equal(op.endpoint, 'rows/sort');
  assert.deepEqual(op.body.sort, [{ column: C, descending: false }]);
  assert.equal(op.body.base_version, 4);
  assert.deepEqual(s.store.rows.map((r) => r.id), [R1, R2, R3]);
});

for (const kind of [undefined, 'undo']) {
  test(`a rows.sorted event${kind ? ` (${kind})` : ''} reloads the rows in their new order`, async () => {
    const state = makeSheet({ clientId: 'me' });
    let answer = snap(5, [R1, R2, R3]);
    const asked = [];
    const getJson = async (url) => { asked.push(url); return { status: 200, body: answer }; };
    const syncer = new SyncLoop({ store: state.store, getJson, snapshotUrl: '/s/', changesUrl: '/s/changes' });
    await syncer.resync();
    // This tab's edit, not committed yet, survives the reload.
    state.local.editCells([{ row: R1, col: C, value: 'mine' }]);
    answer = snap(6, [R3, R2, R1]);
    const running = syncer.receive(sorted(6, kind ? { kind, sort: [] } : {}));
    assert.deepEqual(wants(state), { reload: true });
    await running;
    assert.deepEqual(asked, ['/s/', '/s/']);
    assert.equal(state.store.lastSeq, 6);
    assert.deepEqual(state.store.rows.map((r) => r.id), [R3, R2, R1]);
    assert.equal(state.pending.display(2, 0), 'mine');
    assert.equal(state.pending.display(0, 0), 'v3');
  });
}
