// A tab's own sort and filter: the spec and its words (viewstate.js), the
// filters evaluated on held rows (viewmatch.js), and the view's rows fetched
// in blocks and kept in step with the sheet's events (viewrows.js) over the
// shipped store and pending edits. The server here is a small model of the
// view endpoint (one number column, `>` and a sort); the real one is covered
// by sheets/tests and e2e/test_views.py.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { makeSheet } from './parts.js';
import { FakeStorage } from './fakestorage.js';
import { OPERATORS, ViewState, filterText, filterType, readFilter } from '../src/viewstate.js';
import { rowPasses } from '../src/viewmatch.js';
import { ViewRows } from '../src/viewrows.js';
import { fitToCount, sameCount } from '../src/viewcount.js';
import { viewCountText } from '../src/status.js';

const AMOUNT = '00000000-0000-4000-8000-00000000c001';
const NAME = '00000000-0000-4000-8000-00000000c002';
const rowId = (n) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
const number = { id: AMOUNT, name: 'Amount', type: 'number' };

test('operators follow the column type, a formula by its result', () => {
  assert.equal(filterType(number), 'number');
  assert.equal(filterType({ type: 'formula', resultType: 'date' }), 'date');
  assert.equal(filterType({ type: 'formula', resultType: null }), 'text');
  assert.deepEqual(OPERATORS.checkbox, ['checked', 'not_checked']);
  assert.ok(!OPERATORS.text.includes('>'));
});

test('a filter value is read as the column type takes it, or told why not', () => {
  assert.deepEqual(readFilter(number, '>', ['100']), { filter: { column: AMOUNT, op: '>', value: 100 } });
  assert.deepEqual(readFilter(number, '>', ['1.234,5'], { decimal: ',' }).filter.value, 1234.5);
  assert.equal(readFilter(number, '>', ['lots']).error, '“lots” is not a number.');
  assert.equal(readFilter(number, '>', ['  ']).error, 'Enter a value.');
  assert.equal(readFilter(number, 'contains', ['1']).error, 'Choose a condition.');
  assert.deepEqual(readFilter(number, 'between', ['1', '5']).filter.value, [1, 5]);
  assert.match(readFilter(number, 'between', ['5', '1']).error, /must not be above/);
  const date = { id: 'd', name: 'Due', type: 'date' };
  assert.equal(readFilter(date, 'before', ['15/03/2027'], { dateOrder: 'DMY' }).filter.value, '2027-03-15');
  assert.match(readFilter(date, 'after', ['31/02/2027'], { dateOrder: 'DMY' }).error, /not a date/);
  assert.deepEqual(readFilter({ id: 'c', type: 'checkbox' }, 'checked').filter, { column: 'c', op: 'checked' });
  assert.match(readFilter({ id: 't', type: 'text' }, 'is', ['x'.repeat(201)]).error, /200/);
});

test('the bar says what is active, and the spec is what the server reads', () => {
  const storage = new FakeStorage();
  const state = new ViewState({ storage, key: 'gridroom.view.v1.7' });
  assert.equal(state.active, false);
  state.sortBy(AMOUNT, 'desc');
  state.addFilter({ column: AMOUNT, op: '>', value: 1000 });
  state.addFilter({ column: NAME, op: 'is_empty' });
  const names = { [AMOUNT]: 'Price', [NAME]: 'Item' };
  assert.deepEqual(state.items((id) => names[id]).map((i) => i.text), ['Sorted by Price ↓', 'Price > 1,000', 'Item is empty']);
  assert.deepEqual(state.spec(), {
    sort: [{ column: AMOUNT, dir: 'desc' }],
    filters: [{ column: AMOUNT, op: '>', value: 1000 }, { column: NAME, op: 'is_empty' }],
  });
  assert.equal(filterText({ column: 'd', op: 'between', value: ['2026-01-01', '2026-03-31'] }, 'Due'), 'Due between “2026-01-01” and “2026-03-31”');
  // Kept for the sheet in this tab: a reload shows it again; Clear all forgets it.
  const again = new ViewState({ storage, key: 'gridroom.view.v1.7' });
  assert.deepEqual(again.spec(), state.spec());
  again.keepColumns((id) => id === AMOUNT); // Item's column was deleted
  assert.equal(again.filters.length, 1);
  again.clearAll();
  assert.equal(again.active, false);
  assert.equal(storage.getItem('gridroom.view.v1.7'), null);
  assert.equal(viewCountText(12, 40000), '12 of 40,000 shown');
  assert.equal(viewCountText(null, 40000), '… of 40,000 shown'); // being counted
});

test('held rows are matched as the server matches them', () => {
  const cols = { a: number, t: { id: 't', type: 'text' }, d: { id: 'd', type: 'date' }, c: { id: 'c', type: 'checkbox' } };
  const passes = (filters, values) => rowPasses(filters, (id) => values[id] ?? null, (id) => cols[id] || null);
  assert.equal(passes([{ column: 'a', op: '>', value: 5 }], { a: 6 }), true);
  assert.equal(passes([{ column: 'a', op: '>', value: 5 }], { a: '9' }), false); // text in a number column
  assert.equal(passes([{ column: 'a', op: '!=', value: 5 }], {}), true); // empty cells too
  assert.equal(passes([{ column: 'a', op: 'between', value: [1, 5] }], { a: 5 }), true);
  assert.equal(passes([{ column: 't', op: 'contains', value: 'RE' }], { t: 'Rent' }), true);
  assert.equal(passes([{ column: 't', op: 'is', value: 'rent' }], { t: 'Rent' }), true);
  assert.equal(passes([{ column: 't', op: 'not_empty' }], { t: '' }), false);
  assert.equal(passes([{ column: 'd', op: 'before', value: '2026-02-01' }], { d: '2026-01-31T23:00:00' }), true);
  assert.equal(passes([{ column: 'c', op: 'not_checked' }], { c: false }), true);
  // AND: every filter.
  assert.equal(passes([{ column: 'a', op: '>', value: 5 }, { column: 'c', op: 'checked' }], { a: 6 }), false);
});

/** The server: rows with an amount, its version, its events, and its view blocks. */
class ModelSheet {
  constructor(amounts) {
    this.rows = amounts.map((value, i) => ({ id: rowId(i + 1), pos: (i + 1) * 1024, value }));
    this.version = 1;
    this.asked = [];
  }

  snapshot() {
    return {
      id: 7, title: 'Payments', version: this.version, row_count: this.rows.length, first: 0, more_before: false, more_after: false,
      columns: [number], rows: this.rows.map((r) => [r.id, r.pos, r.value]),
    };
  }

  /** `deferCount`: as the server, a filtered view's block says count null until counted (count=only). */
  viewBlock(url) {
    const params = new URL(url, 'http://x').searchParams;
    const spec = JSON.parse(params.get('view'));
    let rows = this.rows.filter((r) => (spec.filters || []).every((f) => typeof r.value === 'number' && r.value > f.value));
    if (spec.sort) rows = [...rows].sort((a, b) => (a.value - b.value) * (spec.sort[0].dir === 'desc' ? -1 : 1));
    const known = !this.deferCount || !(spec.filters || []).length || this.counted === this.version;
    if (params.get('count') === 'only') {
      this.countsAsked = (this.countsAsked || 0) + 1;
      this.counted = this.version;
      return { seq: this.version, count: rows.length };
    }
    this.asked.push(Number(params.get('at')));
    const at = Number(params.get('at'));
    const limit = Number(params.get('limit'));
    const ends = at + limit >= rows.length && (at < rows.length || at === 0);
    return {
      seq: this.version, row_count: this.rows.length, count: known || ends ? rows.length : null, first: at, columns: [AMOUNT],
      rows: rows.slice(at, at + limit).map((r) => [r.id, r.pos, r.value]),
      more_before: at > 0, more_after: at + limit < rows.length,
    };
  }

  edit(tab, i, value) {
    this.rows[i].value = value;
    this.version += 1;
    tab.store.receive({ type: 'cells.changed', seq: this.version, broadcaster_id: 'other', changes: [{ row: this.rows[i].id, col: AMOUNT, value }] });
  }
}

function tabOn(server, { blockRows = 500, marginRows = 100 } = {}) {
  const tab = makeSheet({ clientId: 'me' });
  tab.store.loadSnapshot(server.snapshot());
  tab.state = new ViewState();
  const getJson = async (url) => ({ status: 200, body: server.viewBlock(url) });
  tab.view = new ViewRows({ store: tab.store, pending: tab.pending, state: tab.state, getJson, rowsUrl: '/api/sheets/7/rows', blockRows, marginRows });
  return tab;
}

const shownAmounts = (view) => view.rows.map((r) => r.values[AMOUNT]);

test('the view shows the server rows in its order; an edited row stays where it is, greyed', async () => {
  const server = new ModelSheet([50, 400, 120, 900, 10, 300]);
  const tab = tabOn(server);
  assert.equal(tab.view.shown, false);
  tab.state.sortBy(AMOUNT, 'desc');
  tab.state.addFilter({ column: AMOUNT, op: '>', value: 100 });
  await tab.view.apply();
  assert.equal(tab.view.shown, true);
  assert.deepEqual(shownAmounts(tab.view), [900, 400, 300, 120]);
  assert.equal(tab.view.count, 4);
  assert.equal(tab.store.rowCount, 6); // the sheet's rows stay the store's
  assert.equal(tab.view.outOfDate, false);

  // This tab types 5 over 400: the row stays second, greyed, and the view is out of date.
  const r400 = server.rows[1].id;
  tab.local.editCells([{ row: r400, col: AMOUNT, value: 5 }]);
  assert.deepEqual(tab.view.rows.map((r) => r.id)[1], r400);
  assert.equal(tab.pending.valueOf(tab.view.row(r400), AMOUNT), 5);
  assert.equal(tab.view.failsAt(1), true);
  assert.equal(tab.view.failsAt(0), false);
  assert.equal(tab.view.outOfDate, true);

  // Another user's edit of a held row: the value follows, the row does not move.
  server.edit(tab, 3, 50);
  assert.deepEqual(shownAmounts(tab.view), [50, 400, 300, 120]);
  assert.equal(tab.view.failsAt(0), true);

  // Refresh view: what the server holds now.
  server.rows[1].value = 5;
  await tab.view.apply();
  assert.deepEqual(shownAmounts(tab.view), [300, 120]);
  assert.equal(tab.view.outOfDate, false);
});

test('other users\' deletes leave at once, their inserts mark the view out of date', async () => {
  const server = new ModelSheet([50, 400, 120, 900]);
  const tab = tabOn(server);
  tab.state.sortBy(AMOUNT, 'asc');
  await tab.view.apply();
  assert.deepEqual(shownAmounts(tab.view), [50, 120, 400, 900]);
  const [gone] = server.rows.splice(2, 1);
  server.version = 2;
  tab.store.receive({ type: 'rows.deleted', seq: 2, broadcaster_id: 'other', rows: [gone.id], positions: [gone.pos] });
  assert.deepEqual(shownAmounts(tab.view), [50, 400, 900]);
  assert.equal(tab.view.outOfDate, true);

  await tab.view.apply();
  assert.equal(tab.view.outOfDate, false);
  tab.store.receive({ type: 'rows.inserted', seq: 3, broadcaster_id: 'other', rows: [{ id: rowId(99), after: null, position: 1, values: { [AMOUNT]: 1 } }] });
  assert.equal(tab.view.outOfDate, true);
  assert.equal(tab.view.count, 3); // nothing moved in
});

test('a row this tab inserts shows where it was inserted, and stays there once committed', async () => {
  const server = new ModelSheet([50, 400, 120, 900]);
  const tab = tabOn(server);
  tab.state.sortBy(AMOUNT, 'desc');
  await tab.view.apply();
  const r400 = server.rows[1].id;
  assert.equal(tab.view.rows[1].id, r400);
  const op = tab.local.insertRows(r400, [{}]);
  const made = op.body.rows[0].id;
  assert.deepEqual(tab.view.rows.map((r) => r.id).slice(1, 3), [r400, made]);
  assert.equal(tab.view.count, 5);
  // Its own event comes back: no other user's insert, nothing out of date, nothing moves.
  tab.store.receive({ type: 'rows.inserted', seq: 2, broadcaster_id: 'me', op_id: op.body.op_id, rows: [{ id: made, after: r400, position: 2.5 * 1024, values: {} }] });
  assert.deepEqual(tab.view.rows.map((r) => r.id).slice(1, 3), [r400, made]);
  assert.equal(tab.view.outOfDate, false);
});

test('a long view comes in blocks around the rows drawn, by the view\'s row numbers', async () => {
  const server = new ModelSheet(Array.from({ length: 300 }, (_, i) => i));
  const tab = tabOn(server, { blockRows: 50, marginRows: 10 });
  tab.state.sortBy(AMOUNT, 'desc');
  await tab.view.apply();
  assert.equal(tab.view.count, 300);
  assert.equal(tab.view.rows.length, 50);
  assert.deepEqual(server.asked, [0]);
  await tab.view.show(200, 220);
  assert.deepEqual(server.asked, [0, 190]);
  const layout = tab.view.layout();
  assert.equal(tab.view.row(layout.rows[50].id).values[AMOUNT], 299 - 190);
  assert.equal(layout.visuals[50], 190);
  // A block read before a value change is brought up to the tab's version.
  server.edit(tab, 0, 0); // value unchanged, version moves on
  await tab.view.show(250, 260);
  assert.equal(tab.view.rows.length, 150);
});

test('a view the server refuses is told, and the grid keeps the sheet', async () => {
  const tab = makeSheet({ clientId: 'me' });
  tab.store.loadSnapshot(new ModelSheet([1, 2]).snapshot());
  const state = new ViewState();
  const getJson = async () => ({ status: 400, body: { error: 'unknown_column', message: 'No such column.' } });
  const view = new ViewRows({ store: tab.store, pending: tab.pending, state, getJson, rowsUrl: '/r' });
  state.sortBy('gone', 'asc');
  await view.apply();
  assert.equal(view.shown, false);
  assert.equal(view.error, 'No such column.');
});

test('a row this tab deletes leaves at once, and the view stays in date', async () => {
  const server = new ModelSheet([50, 400, 120, 900]);
  const tab = tabOn(server);
  tab.state.sortBy(AMOUNT, 'desc');
  await tab.view.apply();
  const r400 = server.rows[1].id;
  const op = tab.local.deleteRows([r400]);
  assert.deepEqual(shownAmounts(tab.view), [900, 120, 50]);
  tab.store.receive({ type: 'rows.deleted', seq: 2, broadcaster_id: 'me', op_id: op.body.op_id, rows: [r400], positions: [2 * 1024] });
  assert.deepEqual(shownAmounts(tab.view), [900, 120, 50]);
  assert.equal(tab.view.outOfDate, false);
  assert.equal(tab.view.count, 3);
});

test('the first block is asked before the sheet has loaded and shown once it has', async () => {
  const server = new ModelSheet([50, 400, 120, 900]);
  const tab = makeSheet({ clientId: 'me' });
  tab.state = new ViewState();
  const getJson = async (url) => ({ status: 200, body: server.viewBlock(url) });
  tab.view = new ViewRows({ store: tab.store, pending: tab.pending, state: tab.state, getJson, rowsUrl: '/api/sheets/7/rows' });
  tab.state.sortBy(AMOUNT, 'desc');
  await tab.view.apply();
  assert.deepEqual(server.asked, [0]); // asked at once, beside the sheet's own opening
  assert.equal(tab.view.shown, false); // held: the sheet is not in yet
  tab.store.loadSnapshot(server.snapshot());
  await tab.view.idle();
  assert.equal(tab.view.shown, true);
  assert.deepEqual(shownAmounts(tab.view), [900, 400, 120, 50]);
  assert.deepEqual(server.asked, [0]);
});

test('a filtered view is shown before it is counted, sized by what is known, then by its count', async () => {
  const server = new ModelSheet(Array.from({ length: 300 }, (_, i) => i));
  server.deferCount = true;
  const tab = tabOn(server, { blockRows: 50, marginRows: 10 });
  let release;
  const gate = new Promise((resolve) => { release = resolve; });
  const plain = tab.view.getJson;
  tab.view.getJson = async (url) => {
    if (url.includes('count=only')) await gate; // the count comes after the first block
    return plain(url);
  };
  tab.state.sortBy(AMOUNT, 'desc');
  tab.state.addFilter({ column: AMOUNT, op: '>', value: 99 }); // 200 rows pass
  const opened = tab.view.apply();
  await tab.view.fetch.idle();
  assert.equal(tab.view.shown, true);
  assert.equal(tab.view.counted, false);
  assert.equal(tab.view.count, 300); // the 50 read, then at most the sheet's other rows
  assert.equal(viewCountText(tab.view.counted ? tab.view.count : null, tab.store.rowCount), '… of 300 shown');
  assert.deepEqual(shownAmounts(tab.view).slice(0, 2), [299, 298]);
  release();
  await opened;
  assert.equal(server.countsAsked, 1); // once, beside the blocks
  assert.equal(tab.view.counted, true);
  assert.equal(tab.view.count, 200);
  assert.equal(tab.view.rows.length, 50); // the rows read stay
  // Later blocks carry the count (kept for the version) and agree.
  await tab.view.show(150, 170);
  assert.deepEqual(server.asked, [0, 140]);
  assert.equal(tab.view.count, 200);
  assert.equal(tab.view.outOfDate, false);
});

test('an uncounted view read past its end shrinks to the rows it has; a count for another view is dropped', async () => {
  const server = new ModelSheet(Array.from({ length: 100 }, (_, i) => i));
  server.deferCount = true;
  const tab = tabOn(server, { blockRows: 10, marginRows: 0 });
  const plain = tab.view.getJson;
  const counts = [];
  tab.view.getJson = (url) => {
    if (!url.includes('count=only')) return plain(url);
    return new Promise((resolve) => counts.push(() => resolve(plain(url)))); // answered when told
  };
  tab.state.addFilter({ column: AMOUNT, op: '>', value: 69 }); // 30 rows pass
  const first = tab.view.apply();
  await tab.view.fetch.idle();
  assert.equal(tab.view.count, 100);
  tab.view.show(60, 65); // past the view's end: nothing there
  await tab.view.fetch.idle();
  assert.equal(tab.view.counted, false);
  assert.ok(tab.view.count <= 60 && tab.view.count >= 30, `count ${tab.view.count}`);
  // The view changes before the count answers: that answer is dropped, the new view's is asked.
  tab.state.addFilter({ column: AMOUNT, op: '>', value: 89 });
  const again = tab.view.apply();
  await tab.view.fetch.idle();
  counts.forEach((answer) => answer());
  await Promise.all([first, again]);
  assert.equal(counts.length, 2);
  assert.equal(tab.view.counted, true);
  assert.equal(tab.view.count, 10);
});

test('a count read after a change that moves rows in or out is not taken: the view is out of date', async () => {
  const server = new ModelSheet([50, 400, 120, 900, 10, 300]);
  server.deferCount = true;
  const tab = tabOn(server, { blockRows: 2, marginRows: 0 }); // one block: the view's end is not read
  const plain = tab.view.getJson;
  let release;
  const gate = new Promise((resolve) => { release = resolve; });
  tab.view.getJson = async (url) => {
    if (url.includes('count=only')) await gate;
    return plain(url);
  };
  tab.state.addFilter({ column: AMOUNT, op: '>', value: 100 });
  const opened = tab.view.apply();
  await tab.view.fetch.idle();
  server.edit(tab, 0, 500); // 50 -> 500: one more row passes
  release();
  await opened;
  assert.equal(tab.view.counted, false);
  assert.equal(tab.view.outOfDate, true);
  await tab.view.apply();
  assert.equal(tab.view.counted, true);
  assert.equal(tab.view.count, 5);
});

test('every sort key of the view is watched, not only the first', async () => {
  const server = new ModelSheet([50, 400, 120, 900]);
  const tab = tabOn(server);
  tab.state.sortBy(AMOUNT, 'desc');
  tab.state.thenSortBy(NAME, 'asc');
  await tab.view.apply();
  assert.equal(tab.view.outOfDate, false);
  server.version = 2;
  tab.store.receive({ type: 'cells.changed', seq: 2, broadcaster_id: 'other', changes: [{ row: server.rows[0].id, col: NAME, value: 'b' }] });
  assert.equal(tab.view.outOfDate, true); // the second key orders rows too
});

test('the sheet sorted for everyone marks a shown view out of date', async () => {
  const server = new ModelSheet([50, 400, 120, 900]);
  const tab = tabOn(server);
  tab.state.addFilter({ column: AMOUNT, op: '>', value: 100 });
  await tab.view.apply();
  assert.equal(tab.view.outOfDate, false);
  server.version = 2;
  tab.store.receive({ type: 'rows.sorted', seq: 2, broadcaster_id: 'other', sort: [{ column: AMOUNT, dir: 'asc' }], rows: 4 });
  assert.equal(tab.view.outOfDate, true);
});

test('a late count is taken only when nothing between could change it, and sizes the slots', () => {
  const filters = [{ column: AMOUNT, op: '>', value: 1 }];
  const recent = [
    { seq: 2, type: 'cells.changed', changes: [{ row: rowId(1), col: NAME, value: 'x' }] },
    { seq: 3, type: 'cells.changed', changes: [{ row: rowId(1), col: AMOUNT, value: 5 }] },
  ];
  assert.equal(sameCount(filters, recent, 1, 1), true);
  assert.equal(sameCount(filters, recent, 1, 2), true); // another column's value
  assert.equal(sameCount(filters, recent, 2, 1), true); // read before the first block: the same
  assert.equal(sameCount(filters, recent, 1, 3), false); // a filtered column's value
  assert.equal(sameCount(filters, recent, 0, 2), false); // an event not held (a snapshot came)
  assert.equal(sameCount(filters, [{ seq: 2, type: 'rows.inserted', rows: [] }], 1, 2), false);

  const slots = new Array(10);
  slots[0] = { id: 'a' };
  assert.equal(fitToCount(slots, 0, 4), true);
  assert.equal(slots.length, 4);
  assert.equal(fitToCount(slots, 1, 6), true); // a row this tab added is not the server's
  assert.equal(slots.length, 7);
  slots[6] = { id: 'b' };
  assert.equal(fitToCount(slots, 0, 3), false); // a row read lies past the count
});
