// Refused values stay in sight: what the user typed and the server refused is
// shown with the reason, kept on the device across a reload, and goes only when
// the user corrects or discards it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { makeSheet, savingFor } from './parts.js';
import { FakeStorage } from './fakestorage.js';
import { C1, C2, R1, R2, snapshot, cells, loaded, show } from './sheetfixtures.js';
import { RefusedValues, refusedKey, MAX_KEPT } from '../src/refused.js';
import { cellKey } from '../src/committed.js';
import { ChangeFeed } from '../src/changefeed.js';
import { describeStatus } from '../src/status.js';
import { clearUser, Outbox } from '../src/outbox.js';

const NOT_A_NUMBER = '“abc” is not a number.';
const NOT_A_DATE = '“15/03/2027” is not a date (YYYY-MM-DD).';
const USER = 7;
const SHEET = 7;

/** A page's state and its Saving over `storage`, started (refused values kept there come back). */
async function page(storage, { version = 10 } = {}) {
  const s = makeSheet({ clientId: `tab-${Math.random()}` });
  s.saving = savingFor(s, { user: USER, sheet: SHEET, storage, win: { setInterval: () => 0, addEventListener() {} } });
  await s.saving.start();
  s.store.loadSnapshot(snapshot(version));
  return s;
}

function refuseAbc(s) {
  const op = s.local.editCells([{ row: R1, col: C2, value: 'abc' }]);
  s.pending.applyAnswer(op.opId, {
    version: 10, applied: false, event: null,
    errors: [{ row: R1, col: C2, error: 'not_a_number', message: NOT_A_NUMBER }],
  }, 422, op.body);
  return op;
}

const status = (s) => describeStatus({ pending: s.pending, loaded: true, queue: {} });

test('a refused value stays shown with its reason until the user corrects it', () => {
  const s = loaded(10);
  refuseAbc(s);
  assert.equal(show(s, R1, C2), 'abc');
  assert.deepEqual(s.pending.cellInfo(R1, C2), { pending: false, failed: false, error: NOT_A_NUMBER, refused: true });
  assert.ok(s.refused.has(cellKey(R1, C2)));
  // Someone else changes the cell: what this user typed is still what they see.
  s.store.receive(cells(11, [{ row: R1, col: C2, value: 950 }]));
  assert.equal(s.store.row(R1).values[C2], 950);
  assert.equal(show(s, R1, C2), 'abc');
  // A new edit of the cell replaces it; once committed, the committed value shows.
  const op = s.local.editCells([{ row: R1, col: C2, value: '12' }]);
  assert.equal(s.pending.errorCount(), 0);
  s.store.receive(cells(12, [{ row: R1, col: C2, value: 12 }], { op_id: op.opId, broadcaster_id: 'me' }));
  assert.equal(show(s, R1, C2), 12);
  assert.equal(s.pending.cellInfo(R1, C2), null);
});

test('the text typed is kept even when the op\'s own event settled it before the answer came', () => {
  const s = loaded(10);
  const op = s.local.editCells([{ row: R1, col: C2, value: 'abc' }, { row: R2, col: C2, value: '7' }]);
  const event = cells(11, [{ row: R2, col: C2, value: 7 }], { op_id: op.opId, broadcaster_id: 'me' });
  s.store.receive(event);
  s.pending.applyAnswer(op.opId, {
    version: 11, applied: true, event,
    errors: [{ row: R1, col: C2, error: 'not_a_number', message: NOT_A_NUMBER }],
  }, 200, op.body);
  assert.equal(show(s, R1, C2), 'abc');
  assert.equal(s.pending.cellInfo(R1, C2).error, NOT_A_NUMBER);
});

test('the status line never says all is saved while a refused value is shown', () => {
  const s = loaded(10);
  refuseAbc(s);
  assert.deepEqual(status(s).text, `1 cell rejected: ${NOT_A_NUMBER}`);
  // The next good edit elsewhere: saving, then still rejected (not "All changes saved").
  const op = s.local.editCells([{ row: R2, col: C1, value: 'fine' }]);
  assert.equal(status(s).kind, 'saving');
  s.store.receive(cells(11, [{ row: R2, col: C1, value: 'fine' }], { op_id: op.opId, broadcaster_id: 'me' }));
  const after = status(s);
  assert.equal(after.kind, 'rejected');
  assert.equal(after.text, `1 cell rejected: ${NOT_A_NUMBER}`);
  assert.deepEqual(after.notice.actions, ['discardRefused']);
  // Discarding every refused value: all saved again.
  assert.equal(s.pending.discardRefused(), 1);
  assert.equal(show(s, R1, C2), 900);
  assert.deepEqual(status(s), { kind: 'saved', text: 'All changes saved', notice: null });
});

test('two refused values: the status line counts them and names the latest reason', () => {
  const s = loaded(10);
  refuseAbc(s);
  const op = s.local.editCells([{ row: R2, col: C2, value: '15/03/2027' }]);
  s.pending.applyAnswer(op.opId, { applied: false, version: 10, event: null, errors: [{ row: R2, col: C2, message: NOT_A_DATE }] }, 422, op.body);
  s.pending.clearRejection();
  assert.equal(status(s).text, `2 cells rejected (latest: ${NOT_A_DATE})`);
  assert.equal(s.pending.discardRefused([[R2, C2]]), 1);
  assert.equal(status(s).text, `1 cell rejected: ${NOT_A_NUMBER}`);
});

test('refused values survive a reload, and a discard or a correction is remembered', async () => {
  const storage = new FakeStorage();
  const first = await page(storage);
  refuseAbc(first);
  assert.ok(storage.getItem(refusedKey(USER, SHEET)));

  const second = await page(storage);
  assert.equal(show(second, R1, C2), 'abc');
  assert.equal(second.pending.cellInfo(R1, C2).error, NOT_A_NUMBER);
  assert.equal(status(second).kind, 'rejected');
  second.saving.act('discardRefused');
  assert.equal(show(second, R1, C2), 900);
  assert.equal(storage.getItem(refusedKey(USER, SHEET)), null);

  const third = await page(storage);
  assert.equal(show(third, R1, C2), 900);
  assert.equal(third.pending.errorCount(), 0);
});

test('two tabs of the same sheet keep each other\'s refused values on the device', async () => {
  const storage = new FakeStorage();
  const a = await page(storage);
  const b = await page(storage);
  refuseAbc(a);
  const op = b.local.editCells([{ row: R2, col: C2, value: 'x' }]);
  b.pending.applyAnswer(op.opId, { applied: false, version: 10, event: null, errors: [{ row: R2, col: C2, message: 'no' }] }, 422, op.body);
  b.pending.discardRefused([[R1, C2]]); // not b's: nothing of a's goes
  const reopened = await page(storage);
  assert.equal(show(reopened, R1, C2), 'abc');
  assert.equal(show(reopened, R2, C2), 'x');
});

test('refused values of cells gone meanwhile are dropped after the snapshot', async () => {
  const storage = new FakeStorage();
  const first = await page(storage);
  refuseAbc(first);
  // The row went while the page was closed.
  const s = makeSheet({ clientId: 'later' });
  s.refused.keepIn(storage, refusedKey(USER, SHEET));
  assert.equal(s.pending.errorCount(), 1);
  s.store.loadSnapshot({ ...snapshot(12), rows: [{ id: R2, values: {} }] });
  assert.equal(s.pending.errorCount(), 0);
  assert.equal(storage.getItem(refusedKey(USER, SHEET)), null);
});

test('a row deleted by someone else takes its refused values with it', () => {
  const s = loaded(10);
  refuseAbc(s);
  s.store.receive({ type: 'rows.deleted', seq: 11, sheet_id: 7, op_id: null, broadcaster_id: 'x', rows: [R1] });
  assert.equal(s.pending.errorCount(), 0);
  assert.equal(status(s).kind, 'saved');
});

test('logging out clears the refused values kept for the user, and only theirs', async () => {
  const storage = new FakeStorage();
  const s = await page(storage);
  refuseAbc(s);
  storage.setItem(refusedKey(USER + 1, SHEET), JSON.stringify({ v: 1, cells: {} }));
  clearUser(storage, USER, 1);
  assert.equal(storage.getItem(refusedKey(USER, SHEET)), null);
  assert.ok(storage.getItem(refusedKey(USER + 1, SHEET)));
});

test('the sheet gone for the user: its refused values leave the device', async () => {
  const storage = new FakeStorage();
  const s = await page(storage);
  refuseAbc(s);
  s.saving.discardSheet('gone');
  s.store.clear();
  assert.equal(storage.getItem(refusedKey(USER, SHEET)), null);
  assert.equal(s.pending.errorCount(), 0);
  assert.ok(!new Outbox({ storage, userId: USER, sheetId: SHEET, clientId: 'x', locks: null }).error);
});

test('what storage holds that is not a refused value is ignored; a full storage keeps them on the page', () => {
  const storage = new FakeStorage();
  const key = refusedKey(USER, SHEET);
  for (const junk of ['{', 'null', '{"v":2,"cells":{}}', JSON.stringify({ v: 1, cells: { [cellKey(R1, C2)]: { value: {}, message: 'x' }, nokey: { value: 'a', message: 'b' } } })]) {
    storage.setItem(key, junk);
    const r = new RefusedValues({ feed: new ChangeFeed() });
    assert.equal(r.keepIn(storage, key), 0, junk);
  }
  const r = new RefusedValues({ feed: new ChangeFeed() });
  storage.map.clear();
  r.keepIn(storage, key);
  storage.full = true;
  r.refuse(cellKey(R1, C2), 'abc', NOT_A_NUMBER);
  assert.equal(r.value(cellKey(R1, C2)), 'abc');
  assert.equal(storage.getItem(key), null);
});

test('no more than MAX_KEPT refused values of a sheet are kept on the device, the latest ones', () => {
  const storage = new FakeStorage();
  const key = refusedKey(USER, SHEET);
  const r = new RefusedValues({ feed: new ChangeFeed() });
  r.keepIn(storage, key);
  for (let i = 0; i <= MAX_KEPT; i += 1) r.refuse(cellKey(`row${i}`, C1), `v${i}`, 'no', i);
  const kept = Object.keys(JSON.parse(storage.getItem(key)).cells);
  assert.equal(kept.length, MAX_KEPT);
  assert.ok(!kept.includes(cellKey('row0', C1)));
  assert.ok(kept.includes(cellKey(`row${MAX_KEPT}`, C1)));
});
