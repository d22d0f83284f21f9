// Property: whatever the network does, every tab ends showing what the server
// holds, and nothing a user typed is lost on the way. The browser-side twin of
// sheets/tests/test_convergence.py.
//
// The real server (realserver.js: Gridroom started the way `make run` starts it,
// once for the file, at most 4 items per op; a fresh sheet per scenario; the
// events each op commits are read from its change log and pushed to the tabs
// whose socket is up) and several tabs, each of one of two users, made of the
// shipped modules, made and passed to each other as the sheet page makes them:
// CommittedStore (committed.js), PendingEdits (pending.js), LocalOps
// (localops.js), OpQueue (opqueue.js), Outbox (outbox.js, over a fake
// localStorage and fake Web Locks) and SyncLoop (sync.js). A seeded PRNG makes
// random edits and structural ops, undos and redos (some refused by the server:
// someone changed the same thing since), drops, duplicates and reorders
// deliveries, loses requests and answers, answers 503, disconnects tabs,
// reloads and crashes them (their saved queue is adopted by the next tab), and
// prunes the server's change log and op records (through its retention
// service). After quiescence (plus a heartbeat → catch-up) every tab's grid
// equals the server's snapshot, and every op a tab made was answered, replaced
// by its halves (the server's 413) or re-anchored copy, or discarded by its
// user after review.
//
// A failing seed is in the test name; rerun one with
//   GRIDROOM_SEED=<seed> node --test test/convergence.test.js
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { OpQueue } from '../src/opqueue.js';
import { Outbox } from '../src/outbox.js';
import { SyncLoop } from '../src/sync.js';
import { makeSheet } from './parts.js';
import { Gridroom, clone, settle } from './realserver.js';

// --- Seeded randomness (mulberry32).
function prng(seed) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    random: next,
    int: (lo, hi) => lo + Math.floor(next() * (hi - lo + 1)),
    pick: (list) => list[Math.floor(next() * list.length)],
    shuffle(list) {
      for (let i = list.length - 1; i > 0; i -= 1) {
        const j = Math.floor(next() * (i + 1));
        [list[i], list[j]] = [list[j], list[i]];
      }
      return list;
    },
  };
}

const partition = (list, test) => [list.filter(test), list.filter((x) => !test(x))];

// --- The browser: localStorage and Web Locks shared by the tabs of one profile.
class FakeStorage {
  constructor() { this.map = new Map(); }
  get length() { return this.map.size; }
  key(i) { return [...this.map.keys()][i] ?? null; }
  getItem(k) { return this.map.has(k) ? this.map.get(k) : null; }
  setItem(k, v) { this.map.set(k, String(v)); }
  removeItem(k) { this.map.delete(k); }
}

class FakeLocks {
  constructor() { this.held = new Set(); }
  request(name, callback) { this.held.add(name); callback(); return Promise.resolve(); }
  async query() { return { held: [...this.held].map((name) => ({ name })), pending: [] }; }
  release(name) { this.held.delete(name); }
}

// Until the tabs are idle, their requests to the real server answered included.
const flush = async () => { do { for (let i = 0; i < 8; i += 1) await new Promise((r) => setImmediate(r)); } while (await settle()); };

let tabCounter = 0;

class Tab {
  constructor(world, user) {
    this.world = world;
    this.user = user;
    this.name = `tab${(tabCounter += 1)}`;
    this.clientId = `client-${this.name}`;
    this.inbox = [];
    this.inflight = null;
    this.alive = true;
    const { now } = world;
    Object.assign(this, makeSheet({ clientId: this.clientId, now })); // store, pending, local
    this.outbox = new Outbox({ storage: world.storage, userId: user, sheetId: 1, clientId: this.clientId, now, locks: world.locks });
    this.sync = new SyncLoop({
      store: this.store,
      getJson: async (url) => (url.startsWith('/changes?since=')
        ? { status: 200, body: await world.server.changes(Number(url.split('=')[1])) }
        : { status: 200, body: await world.server.snapshot() }),
      snapshotUrl: '/snapshot',
      changesUrl: '/changes',
    });
    this.queue = new OpQueue({
      baseUrl: '',
      clientId: this.clientId,
      fetchImpl: (url, init) => new Promise((resolve, reject) => {
        this.inflight = { endpoint: url, body: JSON.parse(init.body), resolve, reject };
      }),
      backoff: () => 2 ** 30, // retried when the harness says (retryNow)
      timeoutMs: 2 ** 30,
      giveUpMs: Infinity,
      now,
      onAnswer: (op, status, answer) => {
        world.answered.add(op.opId);
        this.pending.applyAnswer(op.opId, answer, status);
      },
      onReplace: (op, status, answer) => {
        const parts = status === 413 ? this.local.splitOp(op) : this.local.reanchorOp(op, answer);
        if (parts) { world.replaced.add(op.opId); for (const p of parts) world.created.add(p.opId); }
        return parts;
      },
      onAside: (op, answer) => this.pending.setAside(op.opId, answer && answer.message),
      onFailing: (op, message) => this.pending.opFailed(op.opId, message),
      onPersist: () => this.outbox.save(this.queue.ops(), this.queue.aside.filter((op) => this.pending.records.has(op.opId))),
    });
    this.queue.hold();
    world.server.sockets.add(this);
  }

  async start(rng) {
    const snapshotFirst = rng.random() < 0.5;
    if (snapshotFirst) await this.sync.resync();
    await this.outbox.claim();
    const { ops, aside } = await this.outbox.adopt();
    for (const op of ops) this.local.restoreOp(op);
    for (const op of aside) this.local.restoreOp(op, { aside: true });
    this.queue.restore(ops, aside);
    if (!snapshotFirst) await this.sync.resync();
    await flush();
  }

  send(op) {
    if (!op) return;
    this.world.created.add(op.opId);
    this.queue.send(op);
  }

  /** A random edit made from what the tab shows (which may be stale). */
  edit(rng) {
    if (!this.store.loaded) return;
    // Undo or redo, sent like any op (the server picks what to revert).
    if (rng.random() < 0.15) {
      const verb = rng.pick(['undo', 'undo', 'redo']);
      this.send(verb === 'undo' ? this.local.undo() : this.local.redo());
      if (verb === 'undo' && rng.random() < 0.4) this.send(this.local.redo()); // the user changes their mind
      return;
    }
    const rows = this.store.rows.map((r) => r.id);
    const cols = this.store.columns.map((c) => c.id);
    const choice = rng.random();
    const value = () => rng.pick(['x', '12', 'abc', '', '7.5', null, 7, '=1+1', 'true']);
    if (choice < 0.5 && rows.length && cols.length) {
      const changes = Array.from({ length: rng.int(1, 7) }, () => ({ row: rng.pick(rows), col: rng.pick(cols), value: value() }));
      this.send(this.local.editCells(changes));
    } else if (choice < 0.66) {
      const after = rows.length && rng.random() < 0.85 ? rng.pick(rows) : null;
      const values = Array.from({ length: rng.int(1, 6) }, () => (cols.length && rng.random() < 0.5 ? { [rng.pick(cols)]: value() } : {}));
      this.send(this.local.insertRows(after, values));
    } else if (choice < 0.76 && rows.length > 1) {
      this.send(this.local.deleteRows(rng.shuffle([...rows]).slice(0, rng.int(1, Math.min(5, rows.length - 1)))));
    } else if (choice < 0.83) {
      const after = cols.length && rng.random() < 0.8 ? rng.pick(cols) : null;
      this.send(this.local.insertColumn({ after, name: `N${rng.int(1, 9)}`, type: rng.pick(['text', 'number']) }));
    } else if (choice < 0.88 && cols.length > 1) {
      this.send(this.local.deleteColumns([rng.pick(cols)]));
    } else if (choice < 0.95 && cols.length) {
      this.send(this.local.updateColumn(rng.pick(cols), rng.pick([{ name: `C${rng.int(1, 9)}` }, { type: 'text' }, { type: 'number' }])));
    } else {
      this.send(this.local.renameSheet(`T${rng.int(1, 9)}`));
    }
  }

  /** The request in flight meets the network. */
  async deliver(rng, { faulty }) {
    const req = this.inflight;
    if (!req) return false;
    this.inflight = null;
    const fate = faulty ? rng.random() : 1;
    const post = () => this.world.server.post(req.endpoint, req.body, req.body.client_id, this.user);
    if (fate < 0.12) {
      req.reject(new TypeError('Failed to fetch')); // lost on the way
    } else if (fate < 0.24) {
      await post();
      req.reject(new TypeError('Failed to fetch')); // applied, answer lost
    } else if (fate < 0.3) {
      req.resolve({ status: 503, json: async () => null, headers: { get: () => null } });
    } else {
      let answer = await post();
      if (fate < 0.4) answer = await post(); // sent twice: the second is a replay
      req.resolve({ status: answer.status, json: async () => clone(answer.answer), headers: { get: () => null } });
    }
    await flush();
    return true;
  }

  /** Socket deliveries: some dropped, duplicated, reordered. */
  async pump(rng, { faulty }) {
    const inbox = this.inbox.splice(0);
    if (faulty) rng.shuffle(inbox);
    for (const event of inbox) {
      const fate = faulty ? rng.random() : 1;
      if (fate < 0.15) continue;
      await this.sync.receive(event);
      if (fate < 0.25) await this.sync.receive(clone(event));
    }
    await flush();
  }

  disconnect() { this.world.server.sockets.delete(this); this.inbox = []; }

  async reconnect() {
    this.world.server.sockets.add(this);
    await this.sync.receive({ type: 'sheet.heartbeat', sheet_id: 1, version: this.world.server.version });
    await this.sync.resync();
    this.queue.retryNow();
    await flush();
  }

  /** The page goes away: closed (pagehide) or crashed. What was in flight may or may not have arrived. */
  async die(rng, { crash }) {
    this.alive = false;
    if (!crash) this.outbox.close();
    this.queue.stop();
    const req = this.inflight;
    this.inflight = null;
    if (req) {
      if (rng.random() < 0.5) await this.world.server.post(req.endpoint, req.body, req.body.client_id, this.user);
      req.reject(new TypeError('Failed to fetch'));
    }
    this.world.locks.release(`gridroom-tab-${this.clientId}`);
    this.disconnect();
    await flush();
  }

  /** The user reviews changes set aside as too old: sends them again or discards them. */
  review(rng) {
    // One whose own event came meanwhile (it had been applied after all) is done.
    const [aside, done] = partition(this.queue.takeAside(), (op) => this.pending.records.has(op.opId));
    for (const op of done) this.world.answered.add(op.opId);
    if (!aside.length) return;
    if (rng.random() < 0.5) {
      for (const op of aside) this.world.discarded.add(op.opId);
      this.local.discardOps(aside.map((op) => op.opId));
    } else {
      for (const op of aside) {
        this.world.replaced.add(op.opId);
        this.send(this.local.reissueOp(op));
      }
    }
  }

  grid() {
    const cols = this.store.columns.map((c) => c.id);
    return {
      title: this.store.title,
      columns: this.store.columns.map((c) => [c.id, c.name, c.type]),
      rows: this.store.rows.map((r) => [r.id, cols.map((c) => this.pending.valueOf(r, c))]),
    };
  }
}

async function runScenario(seed) {
  const rng = prng(seed);
  let clock = 1_700_000_000_000;
  const world = {
    server: await gridroom.sheet(),
    storage: new FakeStorage(),
    locks: new FakeLocks(),
    now: () => clock,
    created: new Set(),
    answered: new Set(),
    replaced: new Set(),
    discarded: new Set(),
  };
  const tabs = [];
  const open = async (user) => { const tab = new Tab(world, user); await tab.start(rng); tabs.push(tab); return tab; };
  const live = () => tabs.filter((t) => t.alive);
  try {
    // Two users, so that undos meet each other's later changes.
    for (let i = rng.int(2, 4); i > 0; i -= 1) await open(tabs.length < 2 ? tabs.length + 1 : rng.int(1, 2));
    const steps = rng.int(20, 80);
    for (let step = 0; step < steps; step += 1) {
      clock += rng.int(1, 2000);
      const tab = rng.pick(live());
      const action = rng.random();
      if (action < 0.4) tab.edit(rng);
      else if (action < 0.6) await tab.deliver(rng, { faulty: true });
      else if (action < 0.72) await tab.pump(rng, { faulty: true });
      else if (action < 0.77) { tab.queue.retryNow(); await flush(); }
      else if (action < 0.82) tab.disconnect();
      else if (action < 0.88) await tab.reconnect();
      else if (action < 0.93 && live().length > 1) {
        await tab.die(rng, { crash: rng.random() < 0.4 });
        if (rng.random() < 0.7) await open(tab.user); // reopened (or not: a later tab of the user adopts its ops)
      } else if (action < 0.95) await world.server.prune(rng);
      else if (action < 0.97) tab.review(rng);
      else await tab.sync.receive({ type: 'sheet.heartbeat', sheet_id: 1, version: world.server.version });
    }

    // Quiescence: the network heals, each user opens the sheet once more (adopting
    // what their closed tabs left), everything in flight arrives, then a heartbeat per tab.
    for (const tab of live()) if (!world.server.sockets.has(tab)) await tab.reconnect();
    await open(1);
    await open(2);
    for (let round = 0; round < 200; round += 1) {
      let busy = false;
      for (const tab of live()) {
        tab.queue.retryNow();
        await flush();
        while (await tab.deliver(rng, { faulty: false })) busy = true;
        if (tab.inbox.length) { busy = true; await tab.pump(rng, { faulty: false }); }
        if (tab.queue.aside.length) { busy = true; tab.review(rng); }
        await tab.sync.receive({ type: 'sheet.heartbeat', sheet_id: 1, version: world.server.version });
        await flush();
        if (tab.queue.size || tab.pending.records.size || tab.store.lastSeq !== world.server.version) busy = true;
      }
      if (!busy) break;
    }

    const truth = await world.server.grid();
    for (const tab of live()) {
      const where = `seed ${seed}, ${tab.name}`;
      // Values the server refused stay shown until their user discards them (refused.js): here they do.
      tab.pending.discardRefused();
      assert.equal(tab.pending.errorCount(), 0, `${where}: refused values left`);
      assert.equal(tab.store.lastSeq, world.server.version, `${where}: seq`);
      assert.equal(tab.queue.size, 0, `${where}: ops still queued`);
      assert.deepEqual([...tab.pending.records.keys()], [], `${where}: ops still pending`);
      assert.equal(tab.pending.cells.size, 0, `${where}: pending cells`);
      assert.ok(!tab.store.rows.some((r) => r.local) && !tab.store.columns.some((c) => c.local), `${where}: local rows or columns left`);
      assert.deepEqual(tab.grid(), truth, `${where}: grid differs from the server`);
    }
    // Nothing lost: every op made was applied, answered (a refusal the user was told about),
    // replaced (halves, re-anchored, sent again) or discarded by its user after review.
    const done = (id) => world.server.applied.has(id) || world.answered.has(id) || world.replaced.has(id) || world.discarded.has(id);
    const unaccounted = [...world.created].filter((id) => !done(id));
    assert.deepEqual(unaccounted, [], `seed ${seed}: ops never answered`);
    // And nothing is left on the device.
    const left = [...world.storage.map.keys()].filter((k) => /^gridroom\.outbox\.v1\.[12]\.1\./.test(k));
    assert.deepEqual(left, [], `seed ${seed}: saved queues left`);
    return { tabs: tabs.length, version: world.server.version, ops: world.created.size, reverts: world.server.reverts };
  } finally {
    for (const tab of tabs) {
      tab.queue.stop();
      if (tab.inflight) tab.inflight.reject(new TypeError('done'));
      tab.sync.stop();
    }
  }
}

// One server for the file; each scenario has a sheet of its own. At most 4 items per op, so big ops are split.
let gridroom;
before(async () => { gridroom = await Gridroom.start({ maxItems: 4 }); });
after(async () => { if (gridroom) await gridroom.stop(); });

// GRIDROOM_SEED=<n>: that seed only; GRIDROOM_SEEDS=<count>: more seeds than the default 60
// (each takes about 1.5 s of CPU against the real server, 2-3 s on a busy two-core machine).
const fixed = process.env.GRIDROOM_SEED;
const count = Number(process.env.GRIDROOM_SEEDS) || 60;
// Seeds that once failed, kept: a tab's own lost-answer delete hid a row or
// column that another tab's undo brought back, and nothing asked for a snapshot.
const REGRESSIONS = [1450631277, 2162819094, 1870109662, 2484586376, 570972405];
const seeds = fixed
  ? [Number(fixed)]
  : [...Array.from({ length: count }, (_, i) => (0x9e3779b1 * (i + 1)) >>> 0), ...REGRESSIONS];
for (const seed of seeds) {
  test(`every tab converges on the server and no edit is lost (seed ${seed})`, async () => {
    await runScenario(seed);
  });
}
