import { test } from 'node:test';
import assert from 'node:assert/strict';
import { canMove, displayColumns, movedOrder } from '../src/columnorder.js';
import { ViewState } from '../src/viewstate.js';

const cols = ['a', 'b', 'c', 'd'].map((id) => ({ id, name: id.toUpperCase() }));
const ids = (list) => list.map((c) => c.id);

test('no order: the sheet order, the same list', () => {
  assert.equal(displayColumns(cols, []), cols);
  assert.equal(displayColumns(cols, undefined), cols);
});

test('the ordered columns come first, the others follow in the sheet order', () => {
  assert.deepEqual(ids(displayColumns(cols, ['c', 'a'])), ['c', 'a', 'b', 'd']);
  assert.deepEqual(ids(displayColumns(cols, ['d', 'c', 'b', 'a'])), ['d', 'c', 'b', 'a']);
});

test('ids of columns gone and repeated ids are skipped; a new column goes last', () => {
  assert.deepEqual(ids(displayColumns(cols, ['gone', 'b', 'b'])), ['b', 'a', 'c', 'd']);
  assert.deepEqual(ids(displayColumns(cols, ['gone'])), ['a', 'b', 'c', 'd']);
  assert.deepEqual(ids(displayColumns([...cols, { id: 'e' }], ['d', 'c', 'b', 'a'])), ['d', 'c', 'b', 'a', 'e']);
});

test('a column moves one place left or right', () => {
  const sheetIds = ['a', 'b', 'c', 'd'];
  assert.deepEqual(movedOrder(sheetIds, 'a', 1, { sheetIds }), ['b', 'a', 'c', 'd']);
  assert.deepEqual(movedOrder(sheetIds, 'c', -1, { sheetIds }), ['a', 'c', 'b', 'd']);
  assert.equal(movedOrder(sheetIds, 'a', -1, { sheetIds }), null);
  assert.equal(movedOrder(sheetIds, 'd', 1, { sheetIds }), null);
  assert.equal(movedOrder(sheetIds, 'zz', 1, { sheetIds }), null);
});

test('moved back to the sheet order: no order at all', () => {
  const sheetIds = ['a', 'b', 'c', 'd'];
  assert.deepEqual(movedOrder(['b', 'a', 'c', 'd'], 'a', -1, { sheetIds }), []);
});

test('hidden columns are stepped over', () => {
  const shown = ['a', 'b', 'c', 'd'];
  assert.deepEqual(movedOrder(shown, 'a', 1, { hidden: ['b'] }), ['b', 'c', 'a', 'd']);
  assert.deepEqual(movedOrder(shown, 'c', -1, { hidden: ['b'] }), ['c', 'a', 'b', 'd']);
  assert.equal(canMove(shown, 'c', 1, ['d']), false);
  assert.equal(canMove(shown, 'c', -1, ['a', 'b']), false);
  assert.equal(canMove(shown, 'b', 1, []), true);
});

test('the view keeps its order, lists it and resets it', () => {
  const state = new ViewState();
  assert.deepEqual(state.items(() => 'x'), []);
  state.setOrder(['b', 'a']);
  assert.deepEqual(state.fullSpec().order, ['b', 'a']);
  assert.deepEqual(state.items(() => 'x').map((i) => [i.kind, i.text]), [['order', 'Columns reordered']]);
  state.resetOrder();
  assert.deepEqual(state.fullSpec().order, []);
});
