// Shared views and more sort keys: a tab's sort keys in order, each
// removable (viewstate.js); the sheet's shared views from the snapshot and
// their events through the shipped committed store; which view a tab is on,
// an editor's change saved to it, a viewer's made a copy, another tab's
// change followed (sharedviews.js). The server is played by `send`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeStorage } from './fakestorage.js';
import { MAX_SORT_KEYS, ViewState } from '../src/viewstate.js';
import { SharedViews, ViewChoice, sharedViewsOf } from '../src/sharedviews.js';
import { CommittedStore } from '../src/committed.js';

const A = '00000000-0000-4000-8000-00000000c001';
const B = '00000000-0000-4000-8000-00000000c002';
const C = '00000000-0000-4000-8000-00000000c003';
const V1 = '00000000-0000-4000-8000-0000000000a1';
const names = { [A]: 'Amount', [B]: 'Name', [C]: 'Due' };
const texts = (state) => state.items((id) => names[id]).map((i) => i.text);

const spec = (sort, filters = []) => ({ sort, filters, hidden: [], order: [] });
const view = (id, name, s) => ({ id, name, spec: s, created_by: 1 });

test('then sort adds keys in order, one per column, at most five; each is removable', () => {
  const state = new ViewState({ storage: new FakeStorage(), key: 'k' });
  state.sortBy(A, 'desc');
  assert.equal(state.thenSortBy(B, 'asc'), true);
  state.thenSortBy(C, 'desc');
  assert.deepEqual(texts(state), ['Sorted by Amount ↓', 'then by Name ↑', 'then by Due ↓']);
  assert.deepEqual(state.spec().sort, [{ column: A, dir: 'desc' }, { column: B, dir: 'asc' }, { column: C, dir: 'desc' }]);
  // A column sorted again moves to the end with its new direction.
  state.thenSortBy(A, 'asc');
  assert.deepEqual(state.sorts.map((k) => k.column), [B, C, A]);
  state.removeSort(1);
  assert.deepEqual(texts(state), ['Sorted by Name ↑', 'then by Amount ↑']);
  // Sort A → Z starts over with one key.
  state.sortBy(C, 'asc');
  assert.deepEqual(texts(state), ['Sorted by Due ↑']);
  for (let i = 0; i < MAX_SORT_KEYS - 1; i += 1) assert.equal(state.thenSortBy(`col${i}`, 'asc'), true);
  assert.equal(state.thenSortBy('one-more', 'asc'), false);
  assert.equal(state.sorts.length, MAX_SORT_KEYS);
});

test('hidden columns are listed in the bar, each shown again with its button, and kept', () => {
  const storage = new FakeStorage();
  const state = new ViewState({ storage, key: 'k' });
  state.hideColumn(B);
  state.hideColumn(B);
  state.hideColumn(C);
  assert.equal(state.active, false); // the rows are the sheet's own: nothing to fetch
  assert.deepEqual(texts(state), ['Name hidden', 'Due hidden']);
  assert.deepEqual(new ViewState({ storage, key: 'k' }).hidden, [B, C]);
  state.showColumn(B);
  assert.deepEqual(state.fullSpec().hidden, [C]);
});

test('the sort keys, the shared view and a copy are kept for the tab', () => {
  const storage = new FakeStorage();
  const state = new ViewState({ storage, key: 'k' });
  state.setSpec({ sort: [{ column: A, dir: 'desc' }, { column: B }], filters: [], hidden: [C], order: [B] }, { shared: V1 });
  const again = new ViewState({ storage, key: 'k' });
  assert.deepEqual(again.fullSpec(), { sort: [{ column: A, dir: 'desc' }, { column: B, dir: 'asc' }], filters: [], hidden: [C], order: [B] });
  assert.equal(again.shared, V1);
  // A column gone leaves every part of it.
  again.keepColumns((id) => id !== A && id !== C);
  assert.deepEqual(again.fullSpec(), { sort: [{ column: B, dir: 'asc' }], filters: [], hidden: [], order: [B] });
});

test('the store keeps the shared views from the snapshot and the events, by name', () => {
  const store = new CommittedStore();
  store.loadSnapshot({ version: 3, title: 'T', columns: [{ id: A, name: 'Amount', type: 'number' }], rows: [], views: [view('b', 'Zed', spec([])), view('a', 'Alpha', spec([]))] });
  const views = sharedViewsOf(store);
  assert.deepEqual(views.list.map((v) => v.name), ['Alpha', 'Zed']);
  const seen = [];
  views.subscribe((change) => seen.push(change));
  store.receive({ type: 'view.saved', seq: 4, view: view('c', 'Middle', spec([{ column: A, dir: 'asc' }])) });
  store.receive({ type: 'view.deleted', seq: 5, view: 'b' });
  assert.deepEqual(views.list.map((v) => v.name), ['Alpha', 'Middle']);
  assert.equal(store.lastSeq, 5);
  assert.equal(seen[1].gone.name, 'Zed');
});

function tab({ canEdit = true, answer = null } = {}) {
  const views = new SharedViews();
  views.load([view(V1, 'By amount', spec([{ column: A, dir: 'desc' }], [{ column: B, op: 'not_empty' }]))]);
  const state = new ViewState({ storage: new FakeStorage(), key: 'k' });
  const sent = [];
  const applied = [];
  const send = async (op, body) => {
    sent.push([op, body]);
    return answer ? answer(op, body) : { status: 200, body: {} };
  };
  const choice = new ViewChoice({ state, views, canEdit: () => canEdit, send, applied: () => applied.push(state.spec()), clientId: 'me' });
  return { views, state, sent, applied, choice };
}

test('choosing a shared view gives the tab its spec; My view gives the tab its own back', () => {
  const t = tab();
  t.state.sortBy(C, 'asc');
  t.choice.choose(V1);
  assert.equal(t.state.shared, V1);
  assert.deepEqual(t.state.spec(), { sort: [{ column: A, dir: 'desc' }], filters: [{ column: B, op: 'not_empty' }] });
  assert.equal(t.applied.length, 1);
  assert.equal(t.choice.label().title, 'Shared view: By amount');
  t.choice.choose('');
  assert.equal(t.state.shared, null);
  assert.deepEqual(t.state.spec(), { sort: [{ column: C, dir: 'asc' }] });
  assert.equal(t.choice.label().title, 'Your view');
});

test('an editor on a shared view who changes the sort saves it to the view', async () => {
  const t = tab();
  t.choice.choose(V1);
  t.state.thenSortBy(C, 'asc');
  await t.choice.edited();
  assert.deepEqual(t.sent, [['update', { view: V1, spec: { sort: [{ column: A, dir: 'desc' }, { column: C, dir: 'asc' }], filters: [{ column: B, op: 'not_empty' }], hidden: [], order: [] } }]]);
  assert.equal(t.state.shared, V1);
});

test('a viewer on a shared view who changes the sort gets a copy of their own', () => {
  const t = tab({ canEdit: false });
  t.choice.choose(V1);
  assert.match(t.choice.label().aside, /your own copy/);
  t.state.sortBy(B, 'asc');
  t.choice.edited();
  assert.deepEqual(t.sent, []);
  assert.equal(t.state.shared, null);
  assert.equal(t.choice.label().title, 'Your copy of By amount');
  assert.match(t.choice.notice, /Only this tab changed/);
  // The shared view changing now moves nothing here.
  t.views.apply({ type: 'view.saved', view: view(V1, 'By amount', spec([{ column: C, dir: 'asc' }])) });
  assert.deepEqual(t.state.spec(), { sort: [{ column: B, dir: 'asc' }], filters: [{ column: B, op: 'not_empty' }] });
});

test('another tab changing the shared view re-sorts this one; its own echo does not', () => {
  const t = tab();
  t.choice.choose(V1);
  t.views.apply({ type: 'view.saved', broadcaster_id: 'other', view: view(V1, 'By amount', spec([{ column: C, dir: 'asc' }])) });
  assert.deepEqual(t.state.spec(), { sort: [{ column: C, dir: 'asc' }] });
  assert.equal(t.applied.length, 2);
  // A rename alone changes no rows.
  t.views.apply({ type: 'view.saved', view: view(V1, 'By due', spec([{ column: C, dir: 'asc' }])) });
  assert.equal(t.applied.length, 2);
  assert.equal(t.choice.label().title, 'Shared view: By due');
});

test('a shared view hiding another column changes no rows but the hidden list', () => {
  const t = tab();
  t.choice.choose(V1);
  const hidden = { ...spec([{ column: A, dir: 'desc' }], [{ column: B, op: 'not_empty' }]), hidden: [C] };
  t.views.apply({ type: 'view.saved', broadcaster_id: 'other', view: view(V1, 'By amount', hidden) });
  assert.deepEqual(t.state.hidden, [C]);
  assert.equal(t.applied.length, 1); // only the choice fetched rows
});

test('a change sent while the last one is on its way is not undone by its echo', async () => {
  let release;
  const t = tab({ answer: () => new Promise((resolve) => { release = resolve; }) });
  t.choice.choose(V1);
  t.state.sortBy(B, 'asc');
  const first = t.choice.edited();
  t.state.sortBy(C, 'desc');
  // The first change's event comes back before the second is sent: it is ignored.
  t.views.apply({ type: 'view.saved', broadcaster_id: 'me', view: view(V1, 'By amount', spec([{ column: B, dir: 'asc' }], [{ column: B, op: 'not_empty' }])) });
  assert.deepEqual(t.state.spec().sort, [{ column: C, dir: 'desc' }]);
  release({ status: 200, body: {} });
  await first;
});

test('the shared view deleted: the tab keeps its sort as a copy and says so', () => {
  const t = tab();
  t.choice.choose(V1);
  t.views.apply({ type: 'view.deleted', view: V1 });
  assert.equal(t.state.shared, null);
  assert.equal(t.state.copyOf, 'By amount');
  assert.deepEqual(t.state.spec().sort, [{ column: A, dir: 'desc' }]);
  assert.match(t.choice.notice, /was deleted/);
});

test('save as shared view puts the tab on it; a refusal is told', async () => {
  const t = tab({
    answer: (op, body) => (body.name === 'Taken'
      ? { status: 400, body: { error: 'duplicate_name', message: 'This sheet has a view named "Taken" already.' } }
      : { status: 200, body: { view: view('new', body.name, body.spec) } }),
  });
  t.state.sortBy(A, 'asc');
  assert.match((await t.choice.saveAs('Taken')).error, /already/);
  assert.equal(t.state.shared, null);
  assert.deepEqual(await t.choice.saveAs('Mine'), {});
  assert.equal(t.state.shared, 'new');
  assert.deepEqual(t.sent[1], ['save', { name: 'Mine', spec: { sort: [{ column: A, dir: 'asc' }], filters: [], hidden: [], order: [] } }]);
});

test('the column menu offers Then sort once sorted, off at five keys, on the active column', async () => {
  const { viewMenuItems } = await import('../src/gridmenu.js');
  const state = new ViewState();
  const calls = [];
  const on = {
    sortKeys: () => state.sorts.length,
    thenSortColumn: (id, dir) => { calls.push([id, dir]); state.thenSortBy(id, dir); },
    hideColumn: (id) => calls.push(['hide', id]),
  };
  const grid = { colIds: [A, B, C] };
  const hot = { getSelectedRangeActive: () => ({ highlight: { col: 1 } }) };
  const items = viewMenuItems(grid, on);
  assert.equal(items.gr_then_asc.name, 'Then sort A → Z');
  assert.equal(items.gr_then_asc.hidden.call(hot), true);
  state.sortBy(A, 'asc');
  assert.equal(items.gr_then_desc.hidden.call(hot), false);
  items.gr_then_desc.callback.call(hot);
  assert.deepEqual(calls, [[B, 'desc']]);
  assert.deepEqual(texts(state), ['Sorted by Amount ↑', 'then by Name ↓']);
  for (const id of ['x', 'y', 'z']) state.thenSortBy(id, 'asc');
  assert.equal(items.gr_then_asc.disabled.call(hot), true);
  items.gr_hide_col.callback.call(hot);
  assert.deepEqual(calls[1], ['hide', B]);
});
