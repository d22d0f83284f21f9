// The sheet both committed.test.js and pending.test.js start from.
import { makeSheet } from './parts.js';

export const C1 = '00000000-0000-4000-8000-00000000c001';
export const C2 = '00000000-0000-4000-8000-00000000c002';
export const R1 = '00000000-0000-4000-8000-00000000a001';
export const R2 = '00000000-0000-4000-8000-00000000a002';
export const R3 = '00000000-0000-4000-8000-00000000a003';
export const OTHER = 'other-tab';

export function snapshot(version = 10, extra = {}) {
  return {
    id: 7, title: 'Budget', version,
    columns: [{ id: C1, name: 'Item', type: 'text' }, { id: C2, name: 'Amount', type: 'number' }],
    rows: [
      { id: R1, values: { [C1]: 'Rent', [C2]: 900 } },
      { id: R2, values: { [C1]: 'Food' } },
    ],
    ...extra,
  };
}

export const cells = (seq, changes, more = {}) => ({
  type: 'cells.changed', sheet_id: 7, seq, op_id: null, broadcaster_id: OTHER, user: null, changes, ...more,
});

export function loaded(version = 10) {
  const s = makeSheet({ clientId: 'me' });
  s.store.loadSnapshot(snapshot(version));
  return s;
}

export const show = (s, rowId, colId) => s.pending.display(s.store.rowIndexOf(rowId), s.store.colIndexOf(colId));
