// Wrapped text (docs/protocol.md, `wrap`): read from the snapshot and
// column.updated, sent through the column update op, drawn per column, and
// offered in the editors' column menu as "Wrap text" or "Don't wrap text".
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readWrap, wrapKey, wrapMenuItems, wrapSettings } from '../src/columnwrap.js';
import { columnsKey } from '../src/gridrows.js';
import { makeSheet } from './parts.js';

const C1 = '00000000-0000-4000-8000-00000000c001';
const C2 = '00000000-0000-4000-8000-00000000c002';
const R1 = '00000000-0000-4000-8000-00000000a001';
const snap = (version, wrap) => ({
  id: 1, title: 'T', version,
  columns: [{ id: C1, name: 'Notes', type: 'text', wrap }, { id: C2, name: 'B', type: 'text' }],
  rows: [{ id: R1, values: { [C1]: 'a long text' } }],
});
const updated = (seq, wrap) => ({
  type: 'column.updated', seq, op_id: null, broadcaster_id: 'other', user: null,
  column: { id: C1, name: 'Notes', type: 'text', formula: null, result_type: null, summary: null, width: null, number_format: null, wrap }, values: {},
});

test('only a true wrap wraps; no wrap is the fixed row height', () => {
  assert.equal(readWrap({ wrap: true }), true);
  for (const spec of [{}, { wrap: false }, { wrap: 'yes' }, { wrap: 1 }]) assert.equal(readWrap(spec), false);
  assert.deepEqual(wrapSettings({ wrap: true }), { wordWrap: true });
  assert.deepEqual(wrapSettings({ wrap: false }), { wordWrap: false });
  assert.notEqual(wrapKey({ wrap: true }), wrapKey({ wrap: false }));
});

test('the snapshot and a column.updated event set the store column wrap, and the grid sets its columns up again', () => {
  const s = makeSheet({ clientId: 'me' });
  s.store.loadSnapshot(snap(3, false));
  assert.equal(s.store.column(C1).wrap, false);
  assert.equal(s.store.column(C2).wrap, false);
  const before = columnsKey(s.store.columns, true);
  s.store.receive(updated(4, true));
  assert.equal(s.store.column(C1).wrap, true);
  assert.notEqual(columnsKey(s.store.columns, true), before);
  s.store.receive(updated(5, false)); // an undo
  assert.equal(s.store.column(C1).wrap, false);
  assert.equal(columnsKey(s.store.columns, true), before);
});

test('wrapping a column is a column update with wrap only', () => {
  const s = makeSheet({ clientId: 'me' });
  s.store.loadSnapshot(snap(3, false));
  const op = s.local.updateColumn(C1, { wrap: true });
  assert.equal(op.endpoint, 'columns/update');
  assert.deepEqual({ column: op.body.column, wrap: op.body.wrap }, { column: C1, wrap: true });
  assert.deepEqual(Object.keys(op.body).sort(), ['base_version', 'column', 'op_id', 'wrap']);
});

test('the menu offers "Wrap text" on a column that does not wrap, "Don\'t wrap text" on one that does', () => {
  const s = makeSheet({ clientId: 'me' });
  s.store.loadSnapshot(snap(3, true));
  const sent = [];
  const on = { wrapColumn: (id, wrap) => sent.push([id, wrap]) };
  let active = C1;
  const items = wrapMenuItems({ store: s.store }, on, () => active);
  assert.equal(items.gr_wrap.hidden.call({}), true);
  assert.equal(items.gr_unwrap.hidden.call({}), false);
  items.gr_unwrap.callback.call({});
  active = C2;
  assert.equal(items.gr_wrap.hidden.call({}), false);
  assert.equal(items.gr_unwrap.hidden.call({}), true);
  items.gr_wrap.callback.call({});
  assert.deepEqual(sent, [[C1, false], [C2, true]]);
});
