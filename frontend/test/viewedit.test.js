// Edits in a view's rows the committed store does not hold (a big sheet
// sorted so that its last rows come first): the rows this tab knows
// (knownrows.js) take edits, pending and refused values, and follow the
// events, over the shipped store, pending edits and view rows.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { makeSheet } from './parts.js';
import { FakeStorage } from './fakestorage.js';
import { ViewState } from '../src/viewstate.js';
import { ViewRows } from '../src/viewrows.js';
import { KnownRows } from '../src/knownrows.js';
import { cellKey } from '../src/committed.js';
import { refusedKey } from '../src/refused.js';

const AMOUNT = '00000000-0000-4000-8000-00000000c001';
const rowId = (n) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
const number = { id: AMOUNT, name: 'Amount', type: 'number' };
const NOT_A_NUMBER = '“lots” is not a number.';

/** The server: six rows, amounts rising; a snapshot holds the first three only (a big sheet). */
class BigSheet {
  constructor() {
    this.rows = [10, 20, 30, 40, 50, 60].map((value, i) => ({ id: rowId(i + 1), pos: (i + 1) * 1024, value }));
    this.version = 1;
  }

  snapshot() {
    const held = this.rows.slice(0, 3);
    return {
      id: 7, title: 'Big', version: this.version, row_count: this.rows.length, first: 0, more_before: false, more_after: true,
      columns: [number], rows: held.map((r) => [r.id, r.pos, r.value]),
    };
  }

  /** Sorted by amount, descending: the sheet's last rows first. */
  viewBlock(url) {
    const at = Number(new URL(url, 'http://x').searchParams.get('at'));
    const rows = [...this.rows].sort((a, b) => b.value - a.value);
    return {
      seq: this.version, row_count: this.rows.length, count: rows.length, first: at, columns: [AMOUNT],
      rows: rows.slice(at).map((r) => [r.id, r.pos, r.value]), more_before: at > 0, more_after: false,
    };
  }

  /** A cells event at the next version (the server's answer to an op, or another user's). */
  event(changes, extra = {}) {
    for (const c of changes) this.rows.find((r) => r.id === c.row).value = c.value;
    this.version += 1;
    return { type: 'cells.changed', seq: this.version, changes, ...extra };
  }
}

async function sortedTab(server, storage = null) {
  const tab = makeSheet({ clientId: 'me' });
  if (storage) tab.refused.keepIn(storage, refusedKey(1, 7));
  tab.store.loadSnapshot(server.snapshot());
  tab.state = new ViewState();
  const getJson = async (url) => ({ status: 200, body: server.viewBlock(url) });
  tab.view = new ViewRows({ store: tab.store, pending: tab.pending, state: tab.state, getJson, rowsUrl: '/api/sheets/7/rows' });
  tab.pending.rows.showing(tab.view);
  tab.state.sortBy(AMOUNT, 'desc');
  await tab.view.apply();
  return tab;
}

const DEEP = rowId(6); // the sheet's last row: first in the view, not held by the store

test('a row is known when the store holds it or the shown view does', async () => {
  const server = new BigSheet();
  const tab = makeSheet({ clientId: 'me' });
  tab.store.loadSnapshot(server.snapshot());
  const known = new KnownRows(tab.store);
  assert.equal(known.has(rowId(1)), true);
  assert.equal(known.has(DEEP), false);
  assert.equal(known.mayExist(DEEP), true); // the store holds only some rows: not known to be gone
  const view = { shown: false, row: (id) => (id === DEEP ? { id, values: {} } : null) };
  known.showing(view);
  assert.equal(known.has(DEEP), false); // a view not shown (yet, or cleared) holds nothing
  view.shown = true;
  assert.equal(known.row(DEEP).id, DEEP);
  assert.equal(known.row(rowId(1)), tab.store.row(rowId(1)));
  assert.equal(known.has(rowId(99)), false);
});

test('an edit of a view row the store does not hold is sent, shown pending, then committed in place', async () => {
  const server = new BigSheet();
  const tab = await sortedTab(server);
  assert.equal(tab.store.row(DEEP), null);
  assert.equal(tab.view.rows[0].id, DEEP);

  const op = tab.local.editCells([{ row: DEEP, col: AMOUNT, value: 5 }]);
  assert.ok(op, 'the edit is an op');
  assert.deepEqual(op.body.changes, [{ row: DEEP, col: AMOUNT, value: 5 }]);
  assert.equal(tab.pending.valueOf(tab.view.row(DEEP), AMOUNT), 5);
  assert.equal(tab.pending.cellInfo(DEEP, AMOUNT).pending, true);
  assert.equal(tab.pending.pendingCount(), 1);

  const event = server.event(op.body.changes, { op_id: op.opId, broadcaster_id: 'me' });
  tab.pending.applyAnswer(op.opId, { applied: true, version: event.seq, event, errors: [] }, 200, op.body);
  assert.equal(tab.pending.pendingCount(), 0);
  assert.equal(tab.pending.cellInfo(DEEP, AMOUNT), null);
  assert.equal(tab.view.row(DEEP).values[AMOUNT], 5); // the view's record follows the event
  assert.equal(tab.view.rows[0].id, DEEP); // and the row stays where it is until a refresh
  assert.equal(tab.view.outOfDate, true);

  // Undo: the server's event puts the value back, in the view's record too.
  const undo = tab.local.undo();
  const back = server.event([{ row: DEEP, col: AMOUNT, value: 60 }], { op_id: undo.opId, broadcaster_id: 'me', kind: 'undo' });
  tab.pending.applyAnswer(undo.opId, { applied: true, version: back.seq, event: back, errors: [] }, 200, undo.body);
  assert.equal(tab.view.row(DEEP).values[AMOUNT], 60);
});

test('another user\'s change of a view row the store does not hold reaches the view at once', async () => {
  const server = new BigSheet();
  const tab = await sortedTab(server);
  const heard = [];
  tab.view.subscribe((change) => heard.push(...change.cells));
  tab.store.receive(server.event([{ row: DEEP, col: AMOUNT, value: 7 }], { broadcaster_id: 'other' }));
  assert.equal(tab.view.row(DEEP).values[AMOUNT], 7);
  assert.deepEqual(heard, [[DEEP, AMOUNT]]); // the grid repaints the cell
  // A row neither holds: nothing to tell.
  const other = makeSheet({ clientId: 'x' });
  other.store.loadSnapshot(server.snapshot());
  let told = 0;
  other.store.subscribe(() => { told += 1; });
  other.store.receive(server.event([{ row: DEEP, col: AMOUNT, value: 8 }], { broadcaster_id: 'other' }));
  assert.equal(told, 0);
});

test('a refused value in a view row stays shown, through a snapshot, and on the device once the view is cleared', async () => {
  const server = new BigSheet();
  const storage = new FakeStorage();
  const tab = await sortedTab(server, storage);
  const op = tab.local.editCells([{ row: DEEP, col: AMOUNT, value: 'lots' }]);
  tab.pending.applyAnswer(op.opId, {
    applied: false, version: server.version, event: null, errors: [{ row: DEEP, col: AMOUNT, error: 'not_a_number', message: NOT_A_NUMBER }],
  }, 422, op.body);
  const key = cellKey(DEEP, AMOUNT);
  assert.equal(tab.pending.valueOf(tab.view.row(DEEP), AMOUNT), 'lots');
  assert.equal(tab.pending.cellInfo(DEEP, AMOUNT).refused, true);
  assert.equal(tab.pending.errorCount(), 1);

  // A snapshot (a reconnect) holds the first rows only: the refused value stays.
  tab.store.loadSnapshot(server.snapshot());
  assert.equal(tab.refused.value(key), 'lots');

  // The user clears the view: the row is no longer shown, its refused value is kept.
  tab.state.clearAll();
  await tab.view.apply();
  assert.equal(tab.view.shown, false);
  tab.store.loadSnapshot(server.snapshot());
  assert.equal(tab.refused.value(key), 'lots');
  assert.match(storage.getItem(refusedKey(1, 7)), /lots/);

  // Typing a number fixes it (the view shown again).
  tab.state.sortBy(AMOUNT, 'desc');
  await tab.view.apply();
  const fix = tab.local.editCells([{ row: DEEP, col: AMOUNT, value: 65 }]);
  assert.ok(fix);
  assert.equal(tab.pending.errorCount(), 0);
});

test('a snapshot of a sheet held whole drops refused values of rows it no longer has', async () => {
  const tab = makeSheet({ clientId: 'me' });
  const snap = (rows, version) => ({ id: 7, title: 'S', version, columns: [number], rows: rows.map((id) => ({ id, values: {} })) });
  tab.store.loadSnapshot(snap([rowId(1), rowId(2)], 1));
  tab.refused.refuse(cellKey(rowId(2), AMOUNT), 'x', 'no');
  tab.store.loadSnapshot(snap([rowId(1)], 3));
  assert.equal(tab.refused.size, 0);
});

test('an edit of a row this tab does not know is dropped', async () => {
  const server = new BigSheet();
  const tab = makeSheet({ clientId: 'me' });
  tab.store.loadSnapshot(server.snapshot());
  assert.equal(tab.local.editCells([{ row: DEEP, col: AMOUNT, value: 1 }]), null);
});

test('another user\'s value over this tab\'s fresh one in a view row the store does not hold is marked', async () => {
  const server = new BigSheet();
  const tab = await sortedTab(server);
  const op = tab.local.editCells([{ row: DEEP, col: AMOUNT, value: 5 }]);
  const mine = server.event(op.body.changes, { op_id: op.opId, broadcaster_id: 'me' });
  tab.pending.applyAnswer(op.opId, { applied: true, version: mine.seq, event: mine, errors: [] }, 200, op.body);
  tab.store.receive(server.event([{ row: DEEP, col: AMOUNT, value: 9 }], { broadcaster_id: 'other', user: { display_name: 'Bob' } }));
  assert.equal(tab.view.row(DEEP).values[AMOUNT], 9);
  assert.equal(tab.pending.cellInfo(DEEP, AMOUNT).conflict, 'Bob');
});

test('rows of the view the store does not hold can be removed: they leave the view at once', async () => {
  const server = new BigSheet();
  const tab = await sortedTab(server);
  const op = tab.local.deleteRows([DEEP, rowId(99)]);
  assert.deepEqual(op.body.rows, [DEEP]); // a row nobody here knows is left out
  assert.equal(tab.view.row(DEEP), null);
  assert.equal(tab.view.rows[0].id, rowId(5));
  const rowCount = tab.store.rowCount;
  server.rows = server.rows.filter((r) => r.id !== DEEP);
  server.version += 1;
  const event = { type: 'rows.deleted', seq: server.version, op_id: op.opId, broadcaster_id: 'me', rows: [DEEP], positions: [6 * 1024] };
  tab.pending.applyAnswer(op.opId, { applied: true, version: event.seq, event, errors: [] }, 200, op.body);
  assert.equal(tab.pending.pendingCount(), 0);
  assert.equal(tab.store.rowCount, rowCount - 1); // the sheet's count: one row fewer, among those not held
  assert.equal(tab.store.needsSnapshot, false);
  assert.equal(tab.view.outOfDate, false);
});
