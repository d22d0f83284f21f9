// A tab that holds only some rows (row windows): blocks merged at their
// version, rows inserted and deleted where the tab holds nothing counted in
// their gap, and the grid rows of every held row the server's row numbers.
// The server here is a model of its rules (positions, keyset blocks, events
// with positions); the real one is covered by sheets/tests/test_windows.py and
// the e2e test on a 200,000-row sheet.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { makeSheet } from './parts.js';
import { firstUnheld, layoutRows } from '../src/rowlayout.js';
import { RowWindows } from '../src/windows.js';

const COL = '00000000-0000-4000-8000-00000000c001';
const rowId = (n) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;

/** The server's rows (ordered by position, then id), its version, its events. */
class ModelSheet {
  constructor(count) {
    this.rows = Array.from({ length: count }, (_, i) => ({ id: rowId(i + 1), pos: (i + 1) * 1024, value: `r${i}` }));
    this.next = count + 1;
    this.version = 1;
    this.events = [];
  }

  block(at, limit) {
    const rows = this.rows.slice(at, at + limit).map((r) => [r.id, r.pos, r.value]);
    return { seq: this.version, row_count: this.rows.length, first: at, columns: [COL], rows, more_before: at > 0, more_after: at + limit < this.rows.length };
  }

  snapshot(limit) {
    return { id: 7, title: 'Big', version: this.version, ...this.block(0, limit), columns: [{ id: COL, name: 'A', type: 'text' }] };
  }

  _event(e) { this.version += 1; this.events.push({ ...e, seq: this.version, sheet_id: 7, broadcaster_id: 'other' }); }

  edit(i, value) {
    this.rows[i].value = value;
    this._event({ type: 'cells.changed', changes: [{ row: this.rows[i].id, col: COL, value }] });
  }

  insert(i) { // a new row at row number i
    const before = this.rows[i - 1];
    const after = this.rows[i];
    const pos = ((before ? before.pos : 0) + (after ? after.pos : (before ? before.pos + 2048 : 2048))) / 2;
    const row = { id: rowId(this.next), pos, value: `new${this.next}` };
    this.next += 1;
    this.rows.splice(i, 0, row);
    this._event({ type: 'rows.inserted', rows: [{ id: row.id, after: before ? before.id : null, position: pos, values: { [COL]: row.value } }] });
  }

  remove(i, n = 1) {
    const gone = this.rows.splice(i, n);
    this._event({ type: 'rows.deleted', rows: gone.map((r) => r.id), positions: gone.map((r) => r.pos) });
  }
}

/** Every held row shows at its server row number with its value; the grid is as tall as the sheet. */
function assertInStep(s, model) {
  const layout = s.store.layout();
  assert.equal(layout.count, model.rows.length);
  for (const row of s.store.rows) {
    const v = layout.rowPos.get(row.id);
    assert.equal(model.rows[v].id, row.id, `row at ${v}`);
    assert.equal(row.values[COL], model.rows[v].value);
  }
}

function openPartial(model, head) {
  const s = makeSheet({ clientId: 'me' });
  s.store.loadSnapshot(model.snapshot(head));
  return s;
}

const deliver = (s, model) => { for (const e of model.events.splice(0)) s.store.receive(e); };

test('a block snapshot holds the first rows; the others are counted, not held', () => {
  const model = new ModelSheet(2000);
  const s = openPartial(model, 100);
  assert.equal(s.store.rowCount, 2000);
  assert.equal(s.store.rows.length, 100);
  assert.equal(s.store.partial, true);
  assert.equal(firstUnheld(s.store.layout(), 0, 2000), 100);
  assertInStep(s, model);
});

test('a sheet no longer than the snapshot is held whole', () => {
  const model = new ModelSheet(50);
  const s = openPartial(model, 100);
  assert.equal(s.store.partial, false);
  assert.equal(s.store.rowCount, 50);
});

test('a block far down is merged at its row numbers; the rows between stay counted', () => {
  const model = new ModelSheet(10000);
  const s = openPartial(model, 100);
  assert.equal(s.store.mergeBlock(model.block(5000, 500)), 'merged');
  assert.equal(s.store.rows.length, 600);
  assert.equal(s.store.rowCount, 10000);
  assert.equal(firstUnheld(s.store.layout(), 4900, 5600), 4900);
  assert.equal(firstUnheld(s.store.layout(), 5000, 5499), null);
  assertInStep(s, model);
  // An overlapping block adds only the rows not held yet.
  assert.equal(s.store.mergeBlock(model.block(5400, 500)), 'merged');
  assert.equal(s.store.rows.length, 1000);
  assertInStep(s, model);
});

test('inserts and deletes above, inside and below a held block move it and the count', () => {
  const model = new ModelSheet(10000);
  const s = openPartial(model, 100);
  s.store.mergeBlock(model.block(5000, 500));
  model.insert(3000); // in the gap above the far block
  model.remove(200, 3); // in the gap too
  model.insert(5100); // inside the block
  model.remove(5200); // inside the block
  model.insert(9000); // in the tail
  model.insert(0); // at the top
  model.remove(9990); // the tail
  model.edit(7000, 'not held'); // dropped: the row will come with its block
  model.edit(5300, 'held');
  deliver(s, model);
  assert.equal(s.store.guessing, false);
  assertInStep(s, model);
});

test('a block read before events that only changed values is brought up to date', () => {
  const model = new ModelSheet(3000);
  const s = openPartial(model, 100);
  const block = model.block(1000, 500);
  model.edit(1200, 'after the read');
  model.edit(50, 'in the head');
  deliver(s, model);
  assert.equal(s.store.mergeBlock(block), 'merged');
  assertInStep(s, model);
});

test('a block read before a row was inserted or deleted is fetched again', () => {
  const model = new ModelSheet(3000);
  const s = openPartial(model, 100);
  const block = model.block(1000, 500);
  model.insert(500);
  deliver(s, model);
  assert.equal(s.store.mergeBlock(block), 'stale');
  assert.equal(s.store.mergeBlock(model.block(1000, 500)), 'merged');
  assertInStep(s, model);
});

test('a block read ahead of the tab waits for the events before it', () => {
  const model = new ModelSheet(3000);
  const s = openPartial(model, 100);
  model.insert(2000);
  model.edit(1100, 'x');
  const block = model.block(1000, 500);
  assert.equal(s.store.mergeBlock(block), 'held');
  assert.equal(s.store.behind, true); // the sync loop catches up
  assert.equal(s.store.rows.length, 100);
  deliver(s, model);
  assert.equal(s.store.rows.length, 600);
  assertInStep(s, model);
});

test('the row windows fetch the rows around the view, one block at a time', async () => {
  const model = new ModelSheet(100000);
  const s = openPartial(model, 1000);
  const asked = [];
  const getJson = async (url) => {
    asked.push(url);
    const q = new URL(url, 'http://x').searchParams;
    return { status: 200, body: model.block(Number(q.get('at')), Number(q.get('limit'))) };
  };
  const windows = new RowWindows({ store: s.store, getJson, rowsUrl: '/api/sheets/7/rows' });
  await windows.show(0, 40);
  assert.deepEqual(asked, []); // the head holds them
  await windows.show(99980, 99999); // Ctrl+End
  assert.deepEqual(asked, ['/api/sheets/7/rows?at=99880&limit=500']);
  assert.equal(firstUnheld(s.store.layout(), 99880, 99999), null);
  await windows.show(50000, 50030);
  assert.equal(asked[1], '/api/sheets/7/rows?at=49900&limit=500');
  await windows.loadEnd();
  assert.equal(s.store.tail, 0);
  assertInStep(s, model);
});

test('random ops, blocks and events keep every held row at its row number', () => {
  let seed = 7;
  const rand = (n) => { seed = (seed * 1103515245 + 12345) % 2147483648; return seed % n; };
  for (let round = 0; round < 30; round += 1) {
    const model = new ModelSheet(400 + rand(400));
    const s = openPartial(model, 20 + rand(50));
    const blocks = [];
    for (let step = 0; step < 60; step += 1) {
      const n = model.rows.length;
      const pick = rand(10);
      if (pick < 3) model.insert(rand(n + 1));
      else if (pick < 5 && n > 10) model.remove(rand(n - 3), 1 + rand(3));
      else if (pick < 7) model.edit(rand(n), `v${step}`);
      else blocks.push(model.block(rand(n), 1 + rand(80)));
      if (rand(3) === 0) deliver(s, model);
      if (blocks.length && rand(2) === 0) s.store.mergeBlock(blocks.shift());
    }
    deliver(s, model);
    for (const b of blocks) s.store.mergeBlock(b);
    assert.equal(s.store.guessing, false);
    assertInStep(s, model);
    assert.equal(layoutRows(s.store.rows, s.store.tail).serverCount, model.rows.length);
  }
});

test('a tab scrolled far lets go of rows far from the view, but not of rows with its own values', async () => {
  const model = new ModelSheet(100000);
  const s = openPartial(model, 1000);
  s.local.editCells([{ row: model.rows[10].id, col: COL, value: 'typed' }]);
  const getJson = async (url) => {
    const q = new URL(url, 'http://x').searchParams;
    return { status: 200, body: model.block(Number(q.get('at')), Number(q.get('limit'))) };
  };
  const windows = new RowWindows({ store: s.store, pending: s.pending, getJson, rowsUrl: '/rows', maxHeld: 1500 });
  for (let at = 2000; at < 60000; at += 5000) await windows.show(at, at + 30);
  assert.ok(s.store.rows.length <= 1500 + 500, `holds ${s.store.rows.length}`);
  assert.ok(s.store.row(model.rows[10].id), 'the row with a pending value stays');
  assert.ok(s.store.row(model.rows[57010].id), 'the rows in view stay');
  assert.equal(s.store.row(model.rows[500].id), null);
  assertInStep(s, model);
  await windows.show(0, 30); // back at the top: fetched again
  assert.ok(s.store.row(model.rows[20].id));
  assertInStep(s, model);
});
