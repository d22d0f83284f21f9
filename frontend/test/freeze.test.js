// Frozen columns: the count comes with the snapshot and the `sheet.frozen`
// event, the op asks for it, and the menu names what it freezes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { makeSheet } from './parts.js';
import { OTHER, snapshot, loaded } from './sheetfixtures.js';
import { columnsKey } from '../src/gridrows.js';
import { freezeLabel } from '../src/gridmenu.js';

test('the snapshot says how many columns are frozen (none when it does not say)', () => {
  const s = makeSheet({ clientId: 'me' });
  s.store.loadSnapshot({ ...snapshot(10), frozen_columns: 2 });
  assert.equal(s.store.frozenColumns, 2);
  const t = loaded(10);
  assert.equal(t.store.frozenColumns, 0);
});

test('a sheet.frozen event sets the count and asks the grid to set its columns up again', () => {
  const s = loaded(10);
  const seen = [];
  s.store.subscribe((c) => seen.push(c.structure));
  s.store.receive({ type: 'sheet.frozen', seq: 11, op_id: null, broadcaster_id: OTHER, columns: 3 });
  assert.equal(s.store.frozenColumns, 3);
  assert.equal(s.store.lastSeq, 11);
  assert.deepEqual(seen, [true]);
});

test('freezing is an op on the freeze endpoint, shown once committed', () => {
  const s = loaded(10);
  const op = s.local.freezeColumns(2);
  assert.equal(op.endpoint, 'freeze');
  assert.equal(op.body.columns, 2);
  assert.equal(op.body.base_version, 10);
  assert.equal(s.store.frozenColumns, 0);
});

test('a different frozen count sets the grid columns up again', () => {
  const cols = [{ id: 'a', name: 'A', type: 'text' }];
  assert.notEqual(columnsKey(cols, true, 0), columnsKey(cols, true, 1));
  assert.equal(columnsKey(cols, true, 1), columnsKey(cols, true, 1));
});

test('the menu item names how many columns it freezes', () => {
  assert.equal(freezeLabel(1), 'Freeze first column');
  assert.equal(freezeLabel(3), 'Freeze first 3 columns');
});
