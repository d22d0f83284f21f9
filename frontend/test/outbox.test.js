// The persistent queue (outbox.js) over a fake localStorage and fake Web Locks.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Outbox, STALE_MS, clearUser, guardLogout, loggedOutAt, sheetPrefix, unsentChanges } from '../src/outbox.js';
import { FakeStorage } from './fakestorage.js';

class FakeLocks {
  constructor() { this.held = new Set(); }
  request(name, callback) { this.held.add(name); callback(); return Promise.resolve(); }
  async query() { return { held: [...this.held].map((name) => ({ name })), pending: [] }; }
}

const cellsOp = (id, createdAt, n = 1) => ({
  endpoint: 'cells', opId: id, createdAt,
  body: { op_id: id, base_version: 4, changes: Array.from({ length: n }, (_, i) => ({ row: 'r', col: `c${i}`, value: id })) },
});

test('an entry per user, sheet and tab, written on save and removed once empty', () => {
  const storage = new FakeStorage();
  const box = new Outbox({ storage, userId: 7, sheetId: 3, clientId: 'tab-a', now: () => 1000, locks: null });
  assert.equal(box.key, 'gridroom.outbox.v1.7.3.tab-a');
  assert.equal(box.save([cellsOp('o1', 1), cellsOp('o2', 2)], [cellsOp('o0', 0)]), true);
  const entry = JSON.parse(storage.getItem(box.key));
  assert.deepEqual(entry.ops.map((o) => o.opId), ['o1', 'o2']);
  assert.deepEqual(entry.aside.map((o) => o.opId), ['o0']);
  assert.equal(entry.user, 7);
  assert.equal(entry.sheet, 3);
  assert.equal(entry.savedAt, 1000);
  assert.equal(box.saved, 3);
  box.save([], []);
  assert.equal(storage.getItem(box.key), null);
});

test('a full storage is reported, not thrown', () => {
  const storage = new FakeStorage();
  const box = new Outbox({ storage, userId: 1, sheetId: 1, clientId: 't', locks: null });
  storage.full = true;
  assert.equal(box.save([cellsOp('o1', 1)]), false);
  assert.match(box.error, /no room/);
  storage.full = false;
  assert.equal(box.save([cellsOp('o1', 1)]), true);
  assert.equal(box.error, null);
  const none = new Outbox({ storage: null, userId: 1, sheetId: 1, clientId: 't', locks: null });
  assert.equal(none.save([cellsOp('o1', 1)]), false);
  assert.ok(none.error);
});

test('a new page adopts the entries of closed tabs, oldest op first, and removes them', async () => {
  const storage = new FakeStorage();
  const locks = new FakeLocks();
  const a = new Outbox({ storage, userId: 1, sheetId: 5, clientId: 'a', locks });
  const b = new Outbox({ storage, userId: 1, sheetId: 5, clientId: 'b', locks });
  await a.claim();
  await b.claim();
  a.save([cellsOp('a1', 10), cellsOp('a2', 30)], [cellsOp('a0', 5)]);
  b.save([cellsOp('b1', 20)]);
  a.close(); // pagehide
  const c = new Outbox({ storage, userId: 1, sheetId: 5, clientId: 'c', locks });
  await c.claim();
  let found = await c.adopt();
  assert.deepEqual(found.ops.map((o) => o.opId), ['a1', 'a2'], 'b is alive (holds its lock): not adopted');
  assert.deepEqual(found.aside.map((o) => o.opId), ['a0']);
  assert.equal(storage.getItem(a.key), null);
  assert.deepEqual(JSON.parse(storage.getItem(c.key)).ops.map((o) => o.opId), ['a1', 'a2'], 'written into the new entry first');
  // Tab b crashes: its lock is free, no pagehide ran.
  locks.held.delete('gridroom-tab-b');
  const d = new Outbox({ storage, userId: 1, sheetId: 5, clientId: 'd', locks });
  await d.claim();
  found = await d.adopt();
  assert.deepEqual(found.ops.map((o) => o.opId), ['b1']);
});

test('other users and other sheets are left alone; duplicates are adopted once', async () => {
  const storage = new FakeStorage();
  const locks = new FakeLocks();
  const mine = new Outbox({ storage, userId: 1, sheetId: 5, clientId: 'x', locks });
  mine.save([cellsOp('same', 1)]);
  new Outbox({ storage, userId: 1, sheetId: 5, clientId: 'y', locks }).save([cellsOp('same', 1), cellsOp('y1', 2)]);
  new Outbox({ storage, userId: 1, sheetId: 6, clientId: 'z', locks }).save([cellsOp('other-sheet', 1)]);
  new Outbox({ storage, userId: 2, sheetId: 5, clientId: 'w', locks }).save([cellsOp('other-user', 1)]);
  const page = new Outbox({ storage, userId: 1, sheetId: 5, clientId: 'new', locks });
  await page.claim();
  const found = await page.adopt();
  assert.deepEqual(found.ops.map((o) => o.opId), ['same', 'y1']);
  assert.ok(storage.getItem(sheetPrefix(1, 6) + 'z'));
  assert.ok(storage.getItem(sheetPrefix(2, 5) + 'w'));
});

test('without Web Locks: closed entries at once, others only once stale', async () => {
  const storage = new FakeStorage();
  let now = 1_000_000;
  const clock = () => now;
  const live = new Outbox({ storage, userId: 1, sheetId: 1, clientId: 'live', now: clock, locks: null });
  live.save([cellsOp('l1', 1)]);
  const closed = new Outbox({ storage, userId: 1, sheetId: 1, clientId: 'closed', now: clock, locks: null });
  closed.save([cellsOp('c1', 2)]);
  closed.close();
  const page = new Outbox({ storage, userId: 1, sheetId: 1, clientId: 'p', now: clock, locks: null });
  assert.deepEqual((await page.adopt()).ops.map((o) => o.opId), ['c1']);
  now += STALE_MS - 1;
  assert.deepEqual((await page.adopt()).ops, []);
  live.touch(); // a live tab keeps its entry fresh
  now += STALE_MS - 1;
  assert.deepEqual((await page.adopt()).ops, []);
  now += STALE_MS + 1; // the tab crashed long ago
  assert.deepEqual((await page.adopt()).ops.map((o) => o.opId), ['l1']);
});

test('log out clears every saved queue of the user and says so to pages that outlive it', () => {
  const storage = new FakeStorage();
  let now = 100;
  const box = new Outbox({ storage, userId: 1, sheetId: 1, clientId: 'a', now: () => now, locks: null });
  box.save([cellsOp('a1', 1, 3)]);
  new Outbox({ storage, userId: 1, sheetId: 2, clientId: 'b', locks: null }).save([cellsOp('b1', 1)]);
  new Outbox({ storage, userId: 2, sheetId: 1, clientId: 'c', locks: null }).save([cellsOp('c1', 1)]);
  assert.equal(unsentChanges(storage, 1), 4);
  assert.equal(unsentChanges(storage, 1, { except: box.key }), 1);
  now = 200;
  clearUser(storage, 1, now);
  assert.equal(unsentChanges(storage, 1), 0);
  assert.equal(unsentChanges(storage, 2), 1);
  assert.equal(loggedOutAt(storage, 1), 200);
  assert.equal(box.discardedByLogout(), true);
  assert.equal(box.save([cellsOp('a2', 2)]), false, 'nothing of that session is written again');
  assert.equal(storage.getItem(box.key), null);
  const later = new Outbox({ storage, userId: 1, sheetId: 1, clientId: 'd', now: () => 300, locks: null });
  assert.equal(later.discardedByLogout(), false, 'a page opened after logging in again saves as usual');
  assert.equal(later.save([cellsOp('d1', 1)]), true);
});

test('the Log out button asks first when changes have not reached the server', () => {
  const storage = new FakeStorage();
  new Outbox({ storage, userId: 1, sheetId: 1, clientId: 'a', locks: null }).save([cellsOp('a1', 1, 2)]);
  let submit = null;
  const form = { addEventListener: (type, fn) => { if (type === 'submit') submit = fn; } };
  const asked = [];
  let answer = false;
  guardLogout({ form, storage, userId: 1, confirm: (text) => { asked.push(text); return answer; }, now: () => 500 });
  let prevented = false;
  submit({ preventDefault: () => { prevented = true; } });
  assert.equal(prevented, true);
  assert.match(asked[0], /^2 changes you made have not reached the server yet/);
  assert.ok(storage.getItem('gridroom.outbox.v1.1.1.a'), 'kept when the user stays');
  answer = true;
  prevented = false;
  submit({ preventDefault: () => { prevented = true; } });
  assert.equal(prevented, false);
  assert.equal(unsentChanges(storage, 1), 0);
  assert.equal(loggedOutAt(storage, 1), 500);
  // Nothing waiting: no question.
  asked.length = 0;
  submit({ preventDefault: () => { prevented = true; } });
  assert.deepEqual(asked, []);
});

test('back from the back/forward cache: the entry is reopened, or the page learns it was adopted', () => {
  const storage = new FakeStorage();
  const box = new Outbox({ storage, userId: 1, sheetId: 1, clientId: 'a', locks: null });
  box.save([cellsOp('a1', 1)]);
  box.close();
  assert.ok(JSON.parse(storage.getItem(box.key)).closedAt);
  assert.equal(box.reopen(true), true);
  assert.equal(JSON.parse(storage.getItem(box.key)).closedAt, undefined);
  storage.removeItem(box.key); // another page adopted it
  assert.equal(box.reopen(true), false);
  assert.equal(box.reopen(false), true);
});
