// Grid basics: a column's width (from the snapshot and column.updated, sent by
// a drag, shown while its op is on its way), a column's type in its header,
// the row count in the status line, and the whole text of a cell on hover.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { makeSheet } from './parts.js';
import { C1, C2, R1, OTHER, loaded, snapshot } from './sheetfixtures.js';
import { columnFromSpec, typeLabel } from '../src/columninfo.js';
import { ColumnWidths, DEFAULT_WIDTH, clampWidth } from '../src/columnwidths.js';
import { describeStatus, rowCountText } from '../src/status.js';
import { fullText } from '../src/cellrender.js';

const updated = (seq, column) => ({
  type: 'column.updated', sheet_id: 7, seq, op_id: null, broadcaster_id: OTHER, user: null, column, values: {},
});

test('a column keeps the width it is given; anything but whole pixels is the default', () => {
  assert.equal(columnFromSpec({ id: C1, name: 'A', type: 'text', width: 240 }).width, 240);
  for (const width of [null, undefined, '240', -3, 0, 12.5]) {
    assert.equal(columnFromSpec({ id: C1, name: 'A', type: 'text', width }).width, null);
  }
});

test('the snapshot and column.updated carry the width into the store', () => {
  const s = makeSheet({ clientId: 'me' });
  s.store.loadSnapshot(snapshot(10, { columns: [{ id: C1, name: 'Item', type: 'text', width: 300 }, { id: C2, name: 'Amount', type: 'number' }] }));
  assert.equal(s.store.column(C1).width, 300);
  assert.equal(s.store.column(C2).width, null);
  s.store.receive(updated(11, { id: C2, name: 'Amount', type: 'number', formula: null, result_type: null, summary: null, width: 90 }));
  assert.equal(s.store.column(C2).width, 90);
  s.store.receive(updated(12, { id: C1, name: 'Item', type: 'text', formula: null, result_type: null, summary: null, width: null }));
  assert.equal(s.store.column(C1).width, null);
});

test('a column update with a width sends it, and only what was given', () => {
  const s = loaded();
  const op = s.local.updateColumn(C1, { width: 250 });
  assert.equal(op.endpoint, 'columns/update');
  assert.equal(op.body.column, C1);
  assert.equal(op.body.width, 250);
  assert.equal('name' in op.body, false);
});

test('a dragged width is whole pixels within the bounds', () => {
  assert.equal(clampWidth(10), 40);
  assert.equal(clampWidth(123.6), 124);
  assert.equal(clampWidth(5000), 1000);
});

/** ColumnWidths over the real store, drawn by no Handsontable; `answers` resolves each op sent. */
function widthsOf(s, { canEdit = true } = {}) {
  const sent = [];
  const grid = { store: s.store, colIds: s.store.columns.map((c) => c.id), hot: null, canEdit: () => canEdit };
  let answer;
  const widths = new ColumnWidths({
    grid,
    resize: (id, width) => {
      sent.push({ id, width });
      return new Promise((resolve) => { answer = resolve; });
    },
  });
  return { widths, sent, answer: () => answer({ status: 200 }) };
}

test('a dragged width shows until its op is answered, then the store says', async () => {
  const s = loaded();
  const { widths, sent, answer } = widthsOf(s);
  assert.equal(widths.width(0), DEFAULT_WIDTH);
  assert.equal(widths.stretched(180, 0), 180); // no width set: stretched like the others
  widths.resized(321.4, 0, false);
  assert.deepEqual(sent, [{ id: C1, width: 321 }]);
  assert.equal(widths.width(0), 321);
  assert.equal(widths.stretched(180, 0), 321);
  s.store.receive(updated(11, { id: C1, name: 'Item', type: 'text', formula: null, result_type: null, summary: null, width: 321 }));
  answer();
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(widths.wanted.size, 0);
  assert.equal(widths.width(0), 321); // the store's now
});

test('a refused width goes back to the store\'s', async () => {
  const s = loaded();
  const { widths, answer } = widthsOf(s);
  widths.resized(500, 1, false);
  assert.equal(widths.width(1), 500);
  answer();
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(widths.width(1), DEFAULT_WIDTH);
});

test('a viewer, a double click or an unchanged width sends nothing', () => {
  const viewer = widthsOf(loaded(), { canEdit: false });
  viewer.widths.resized(300, 0, false);
  assert.deepEqual(viewer.sent, []);
  assert.equal(viewer.widths.width(0), DEFAULT_WIDTH);
  const editor = widthsOf(loaded());
  editor.widths.resized(300, 0, true);
  editor.widths.resized(Number.NaN, 0, false);
  assert.deepEqual(editor.sent, []);
});

test('each plain type has a mark and a name in its header; a formula column has none', () => {
  assert.deepEqual(typeLabel({ type: 'number' }), { mark: '#', name: 'Number column' });
  assert.equal(typeLabel({ type: 'text' }).name, 'Text column');
  assert.equal(typeLabel({ type: 'date' }).name, 'Date column');
  assert.equal(typeLabel({ type: 'checkbox' }).name, 'Checkbox column');
  assert.equal(typeLabel({ type: 'formula' }), null);
  assert.equal(typeLabel(undefined), null);
});

test('the row count is written with thousands grouped', () => {
  assert.equal(rowCountText(0), '0 rows');
  assert.equal(rowCountText(1), '1 row');
  assert.equal(rowCountText(40000), '40,000 rows');
  assert.equal(rowCountText(null), null);
});

test('the status line counts the rows a big sheet\'s tab does not hold yet', () => {
  const s = makeSheet({ clientId: 'me' });
  s.store.loadSnapshot({
    id: 7, title: 'Big', version: 10, row_count: 40000,
    columns: [{ id: C1, name: 'Item', type: 'text' }],
    rows: [[R1, 1, 'Rent']], more_before: false, more_after: true,
  });
  assert.equal(s.store.rows.length, 1);
  const status = describeStatus({ pending: s.pending, loaded: true, queue: {}, rowCount: s.store.rowCount });
  assert.equal(status.text, 'All changes saved');
  assert.equal(status.rows, '40,000 rows');
});

test('no row count before the sheet is loaded or once it is gone', () => {
  const s = makeSheet({ clientId: 'me' });
  assert.equal(describeStatus({ pending: s.pending, loaded: false, queue: {}, rowCount: 0 }).rows, undefined);
  assert.equal(describeStatus({ pending: s.pending, queue: {}, rowCount: 5, gone: 'Gone.' }).rows, undefined);
});

test('a text longer than its column shows, or of several lines, is shown whole on hover', () => {
  assert.equal(fullText('Rent', 160), null);
  assert.equal(fullText(12345678901234567890, 40), null); // numbers are drawn whole or as ###
  const long = 'A note long enough not to fit in a narrow column';
  assert.equal(fullText(long, 400), null);
  assert.equal(fullText(long, 160), long);
  assert.equal(fullText('two\nlines', 400), 'two\nlines');
});
