import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SyncLoop } from '../src/sync.js';
import { makeSheet, wants } from './parts.js';

const C = '00000000-0000-4000-8000-00000000c001';
const R = '00000000-0000-4000-8000-00000000a001';
const snap = (version, value) => ({ id: 1, title: 'T', version, columns: [{ id: C, name: 'A', type: 'text' }], rows: [{ id: R, values: { [C]: value } }] });
const ev = (seq, value) => ({ type: 'cells.changed', seq, op_id: null, broadcaster_id: 'x', changes: [{ row: R, col: C, value }] });

function server(routes) {
  const asked = [];
  const getJson = async (url) => {
    asked.push(url);
    const answer = routes[url];
    if (!answer) throw new Error(`unexpected ${url}`);
    return typeof answer === 'function' ? answer() : answer;
  };
  return { getJson, asked };
}

test('the first resync loads the snapshot; events held meanwhile are applied', async () => {
  const state = makeSheet();
  const { getJson, asked } = server({ '/s/': { status: 200, body: snap(5, 'snap') } });
  const syncer = new SyncLoop({ store: state.store, getJson, snapshotUrl: '/s/', changesUrl: '/s/changes' });
  state.store.receive(ev(6, 'six'));
  await syncer.resync();
  assert.deepEqual(asked, ['/s/']);
  assert.equal(state.store.lastSeq, 6);
  assert.equal(state.pending.display(0, 0), 'six');
});

test('a gap is filled by catch-up from the last seq', async () => {
  const state = makeSheet();
  const { getJson, asked } = server({
    '/s/': { status: 200, body: snap(5, 'snap') },
    '/s/changes?since=5': { status: 200, body: { version: 7, reload: false, changes: [ev(6, 'six'), ev(7, 'seven')] } },
  });
  const syncer = new SyncLoop({ store: state.store, getJson, snapshotUrl: '/s/', changesUrl: '/s/changes' });
  await syncer.resync();
  await syncer.receive(ev(7, 'seven'));
  assert.deepEqual(asked, ['/s/', '/s/changes?since=5']);
  assert.equal(state.store.lastSeq, 7);
  assert.equal(state.pending.display(0, 0), 'seven');
});

test('a reconnect catches up; a reload answer refetches the snapshot', async () => {
  const state = makeSheet();
  let version = 5;
  const { getJson, asked } = server({
    '/s/': () => ({ status: 200, body: snap(version, `v${version}`) }),
    '/s/changes?since=5': { status: 200, body: { version: 9000, reload: true, changes: [] } },
  });
  const syncer = new SyncLoop({ store: state.store, getJson, snapshotUrl: '/s/', changesUrl: '/s/changes' });
  await syncer.resync();
  version = 9000;
  await syncer.resync(); // reconnect
  assert.deepEqual(asked, ['/s/', '/s/changes?since=5', '/s/']);
  assert.equal(state.store.lastSeq, 9000);
  assert.equal(state.pending.display(0, 0), 'v9000');
});

test('a heartbeat ahead triggers one catch-up', async () => {
  const state = makeSheet();
  const { getJson, asked } = server({
    '/s/': { status: 200, body: snap(5, 'snap') },
    '/s/changes?since=5': { status: 200, body: { version: 6, reload: false, changes: [ev(6, 'six')] } },
  });
  const syncer = new SyncLoop({ store: state.store, getJson, snapshotUrl: '/s/', changesUrl: '/s/changes' });
  await syncer.resync();
  await syncer.receive({ type: 'sheet.heartbeat', sheet_id: 1, version: 6 });
  assert.deepEqual(asked, ['/s/', '/s/changes?since=5']);
  assert.equal(state.pending.display(0, 0), 'six');
});

test('a 404 tells the page the sheet is gone', async () => {
  const state = makeSheet();
  let gone = false;
  const { getJson } = server({ '/s/': { status: 404, body: { error: 'not_found' } } });
  const syncer = new SyncLoop({ store: state.store, getJson, snapshotUrl: '/s/', changesUrl: '/s/changes', onGone: () => { gone = true; } });
  await syncer.resync();
  assert.equal(gone, true);
});

const reset = (seq) => ({ type: 'sheet.reset', sheet_id: 1, seq, op_id: null, broadcaster_id: '', reason: 'import', mode: 'replace', rows: 1 });

test('a sheet.reset (an import) makes the tab fetch the snapshot', async () => {
  const state = makeSheet();
  let version = 5;
  const { getJson, asked } = server({ '/s/': () => ({ status: 200, body: snap(version, `v${version}`) }) });
  const syncer = new SyncLoop({ store: state.store, getJson, snapshotUrl: '/s/', changesUrl: '/s/changes' });
  await syncer.resync();
  version = 6;
  const running = syncer.receive(reset(6));
  assert.deepEqual(wants(state), { reload: true });
  await running;
  assert.deepEqual(asked, ['/s/', '/s/']);
  assert.equal(state.store.lastSeq, 6);
  assert.equal(state.pending.display(0, 0), 'v6');
  assert.equal(state.store.resetSeen, false);
});

test('a sheet.reset met in catch-up also ends in the snapshot', async () => {
  const state = makeSheet();
  let version = 5;
  const { getJson, asked } = server({
    '/s/': () => ({ status: 200, body: snap(version, `v${version}`) }),
    '/s/changes?since=5': { status: 200, body: { version: 7, reload: false, changes: [reset(6), ev(7, 'seven')] } },
  });
  const syncer = new SyncLoop({ store: state.store, getJson, snapshotUrl: '/s/', changesUrl: '/s/changes' });
  await syncer.resync();
  version = 7;
  await syncer.receive({ type: 'sheet.heartbeat', sheet_id: 1, version: 7 });
  assert.deepEqual(asked, ['/s/', '/s/changes?since=5', '/s/']);
  assert.equal(state.store.lastSeq, 7);
  assert.equal(state.pending.display(0, 0), 'v7');
});

/** A server whose snapshot answers only when the test says so. */
function slowSnapshot(body) {
  const asked = [];
  let release;
  const held = new Promise((resolve) => { release = resolve; });
  const getJson = async (url) => {
    asked.push(url);
    if (url === '/s/') { await held; return { status: 200, body }; }
    if (url.startsWith('/s/changes?since=')) return { status: 200, body: { version: body.version, reload: false, changes: [] } };
    throw new Error(`unexpected ${url}`);
  };
  return { getJson, asked, release };
}

test('the no-socket timer does not fetch a second snapshot while the first is on its way', async () => {
  const state = makeSheet();
  const { getJson, asked, release } = slowSnapshot(snap(5, 'snap'));
  const syncer = new SyncLoop({ store: state.store, getJson, snapshotUrl: '/s/', changesUrl: '/s/changes' });
  const first = syncer.resync(); // the hello
  syncer.start({ waitMs: 0 });
  await new Promise((resolve) => setTimeout(resolve, 5)); // the timer has fired (fake server, no wall-clock wait for the app)
  release();
  await first;
  await syncer.idle();
  assert.deepEqual(asked, ['/s/']);
  assert.equal(state.store.lastSeq, 5);
});

test('a hello during the snapshot fetch asks only for the changes after it', async () => {
  const state = makeSheet();
  const { getJson, asked, release } = slowSnapshot(snap(5, 'snap'));
  const syncer = new SyncLoop({ store: state.store, getJson, snapshotUrl: '/s/', changesUrl: '/s/changes' });
  syncer.start({ waitMs: 0 });
  await new Promise((resolve) => setTimeout(resolve, 5)); // the timer started the snapshot
  const hello = syncer.receive({ type: 'hello' });
  release();
  await hello;
  await syncer.idle();
  assert.deepEqual(asked, ['/s/', '/s/changes?since=5']);
});
