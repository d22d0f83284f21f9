import { test } from 'node:test';
import assert from 'node:assert/strict';
import { OpQueue, splitChanges, splitRowValues, utf8Length } from '../src/opqueue.js';

test('utf8Length counts encoded bytes', () => {
  for (const text of ['', 'abc', 'é', '€', '😀', 'a“b”c']) {
    assert.equal(utf8Length(text), Buffer.byteLength(text, 'utf8'), text);
  }
});

test('a big paste is split by change count', () => {
  const changes = Array.from({ length: 12001 }, (_, i) => ({ row: `r${i}`, col: 'c', value: i }));
  const chunks = splitChanges(changes, { maxChanges: 5000, maxBytes: 10_000_000 });
  assert.deepEqual(chunks.map((c) => c.length), [5000, 5000, 2001]);
  assert.deepEqual(chunks.flat(), changes);
});

test('a big paste is split to stay under the body limit', () => {
  const big = 'x'.repeat(1000);
  const changes = Array.from({ length: 50 }, (_, i) => ({ row: `r${i}`, col: 'c', value: big }));
  const maxBytes = 10_000;
  const chunks = splitChanges(changes, { maxChanges: 5000, maxBytes });
  assert.ok(chunks.length > 5);
  for (const chunk of chunks) {
    const body = JSON.stringify({ client_id: 'x'.repeat(64), op_id: crypto.randomUUID(), changes: chunk });
    assert.ok(utf8Length(body) < maxBytes, `${utf8Length(body)} bytes`);
  }
  assert.equal(chunks.flat().length, 50);
});

test('new rows weigh one plus their values', () => {
  const rows = Array.from({ length: 10 }, () => ({ a: 1, b: 2, c: 3 }));
  const chunks = splitRowValues(rows, { maxChanges: 8, maxBytes: 1_000_000 });
  assert.deepEqual(chunks.map((c) => c.length), [2, 2, 2, 2, 2]);
});

function fakeFetch(script) {
  const calls = [];
  const impl = async (url, init) => {
    calls.push({ url, body: JSON.parse(init.body), headers: init.headers });
    const next = script.shift();
    if (next instanceof Error) throw next;
    return { status: next.status, json: async () => next.body };
  };
  return { impl, calls };
}

const op = (n) => ({ endpoint: 'cells', opId: `op-${n}`, body: { op_id: `op-${n}`, changes: [{ row: 'r', col: 'c', value: n }] } });

test('ops are sent in order with client_id, op_id and the CSRF header', async () => {
  const { impl, calls } = fakeFetch([
    { status: 200, body: { applied: true, version: 2 } },
    { status: 200, body: { applied: true, version: 3 } },
  ]);
  const answers = [];
  const q = new OpQueue({ baseUrl: '/api/sheets/7/', clientId: 'tab', csrfToken: () => 'tok', fetchImpl: impl, onAnswer: (o, status) => answers.push([o.opId, status]) });
  const results = await Promise.all([q.send(op(1)), q.send(op(2))]);
  assert.deepEqual(results.map((r) => r.status), [200, 200]);
  assert.deepEqual(answers, [['op-1', 200], ['op-2', 200]]);
  assert.equal(calls[0].url, '/api/sheets/7/cells');
  assert.deepEqual(calls[0].body, { client_id: 'tab', op_id: 'op-1', changes: [{ row: 'r', col: 'c', value: 1 }] });
  assert.equal(calls[0].headers['X-CSRFToken'], 'tok');
});

test('network errors and 5xx are retried with the same op_id and reported as failing', async () => {
  const { impl, calls } = fakeFetch([
    new TypeError('Failed to fetch'),
    { status: 502, body: null },
    { status: 200, body: { applied: true, version: 2, replayed: true } },
  ]);
  const failing = [];
  const q = new OpQueue({ baseUrl: '/x/', clientId: 'tab', fetchImpl: impl, backoff: () => 1, onFailing: (o, m) => failing.push(m) });
  const result = await q.send(op(1));
  assert.equal(result.status, 200);
  assert.deepEqual(calls.map((c) => c.body.op_id), ['op-1', 'op-1', 'op-1']);
  assert.equal(failing.length, 2);
});

test('a refusal is final and the queue goes on', async () => {
  const { impl } = fakeFetch([
    { status: 409, body: { error: 'row_not_found', message: 'gone' } },
    { status: 200, body: { applied: true } },
  ]);
  const answers = [];
  const q = new OpQueue({ baseUrl: '/x/', clientId: 'tab', fetchImpl: impl, onAnswer: (o, s, a) => answers.push([s, a && a.error]) });
  await Promise.all([q.send(op(1)), q.send(op(2))]);
  assert.deepEqual(answers, [[409, 'row_not_found'], [200, undefined]]);
});

test('401 stops the queue and reports the user logged out', async () => {
  const { impl, calls } = fakeFetch([{ status: 401, body: { error: 'unauthenticated' } }]);
  let loggedOut = false;
  const failing = [];
  const q = new OpQueue({ baseUrl: '/x/', clientId: 'tab', fetchImpl: impl, onLoggedOut: () => { loggedOut = true; }, onFailing: (o) => failing.push(o.opId) });
  q.send(op(1));
  q.send(op(2));
  await new Promise((r) => setTimeout(r, 20));
  assert.equal(loggedOut, true);
  assert.equal(calls.length, 1);
  assert.deepEqual(failing, ['op-1', 'op-2']);
  assert.equal(q.size, 2);
});

// --- What each answer means (docs/protocol.md, "Keeping a tab in step", the client queue rules).
import { classify, halveBody, opWeight } from '../src/opqueue.js';

test('classify: which answers are final, retried, need a login, a split or a review', () => {
  const cases = [
    [0, null, 'retry'],
    [200, { applied: true }, 'final'],
    [200, null, 'retry'], // a proxy's page, not our answer
    [422, { applied: false, errors: [] }, 'final'],
    [400, { error: 'invalid_changes' }, 'final'],
    [401, { error: 'unauthenticated' }, 'login'],
    [403, { error: 'csrf_failed' }, 'login'],
    [403, { error: 'forbidden' }, 'final'],
    [404, { error: 'not_found' }, 'gone'],
    [409, { error: 'row_not_found' }, 'final'],
    [409, { error: 'op_too_old', op_floor: 40 }, 'aside'],
    [413, null, 'split'],
    [413, { error: 'too_many_changes' }, 'split'],
    [408, null, 'retry'],
    [429, { error: 'throttled' }, 'retry'],
    [500, null, 'retry'],
    [502, null, 'retry'],
    [503, { error: 'x' }, 'retry'],
    [504, null, 'retry'],
  ];
  for (const [status, answer, kind] of cases) assert.equal(classify(status, answer), kind, `${status} ${JSON.stringify(answer)}`);
});

test('halveBody cuts the list of an op in two, without the op_id', () => {
  const body = { op_id: 'x', base_version: 3, changes: [1, 2, 3, 4, 5] };
  assert.deepEqual(halveBody('cells', body), [{ base_version: 3, changes: [1, 2, 3] }, { base_version: 3, changes: [4, 5] }]);
  assert.equal(halveBody('cells', { op_id: 'x', changes: [1] }), null);
  assert.equal(halveBody('rename', { op_id: 'x', title: 't' }), null);
  assert.equal(halveBody('rows/delete', { op_id: 'x', rows: ['a', 'b'] }).length, 2);
});

test('opWeight counts cells, new rows with their values, and one per other op', () => {
  assert.equal(opWeight({ endpoint: 'cells', body: { changes: [1, 2, 3] } }), 3);
  assert.equal(opWeight({ endpoint: 'rows/insert', body: { rows: [{ id: 'a', values: { c: 1 } }, { id: 'b' }] } }), 3);
  assert.equal(opWeight({ endpoint: 'rename', body: { title: 't' } }), 1);
});

const answerOf = (status, body, headers = {}) => ({ status, json: async () => body, headers: { get: (k) => headers[k] ?? null } });

function scripted(script) {
  const calls = [];
  const impl = async (url, init) => {
    calls.push({ url, body: JSON.parse(init.body) });
    const next = script.shift();
    if (next instanceof Error) throw next;
    return answerOf(next.status, next.body, next.headers);
  };
  return { impl, calls };
}

const tick = (ms = 5) => new Promise((r) => setTimeout(r, ms));

test('a 401 keeps every op; after resume() they go with the same op_ids', async () => {
  const { impl, calls } = scripted([
    { status: 401, body: { error: 'unauthenticated' } },
    { status: 200, body: { applied: true, version: 2 } },
    { status: 200, body: { applied: true, version: 3 } },
  ]);
  let loggedOut = 0;
  let persisted = 0;
  const q = new OpQueue({ baseUrl: '/x/', clientId: 'tab', fetchImpl: impl, onLoggedOut: () => { loggedOut += 1; }, onPersist: () => { persisted += 1; } });
  q.send(op(1));
  q.send(op(2));
  await tick();
  assert.equal(loggedOut, 1);
  assert.equal(q.loggedOut, true);
  assert.deepEqual(q.ops().map((o) => o.opId), ['op-1', 'op-2']);
  q.resume();
  await tick();
  assert.deepEqual(calls.map((c) => c.body.op_id), ['op-1', 'op-1', 'op-2']);
  assert.equal(q.size, 0);
  assert.ok(persisted >= 4, 'written on enqueue and on ack');
});

test('a CSRF failure (403 csrf_failed) is a login problem: nothing is dropped', async () => {
  const { impl } = scripted([{ status: 403, body: { error: 'csrf_failed', message: 'CSRF check failed; reload the page.' } }]);
  const answers = [];
  let loggedOut = false;
  const q = new OpQueue({ baseUrl: '/x/', clientId: 'tab', fetchImpl: impl, onAnswer: (o) => answers.push(o.opId), onLoggedOut: () => { loggedOut = true; } });
  q.send(op(1));
  await tick();
  assert.equal(loggedOut, true);
  assert.deepEqual(answers, []);
  assert.equal(q.size, 1);
});

test('403 forbidden and 409 are final: handed over (and dropped by the state), the queue goes on', async () => {
  const { impl } = scripted([
    { status: 403, body: { error: 'forbidden', message: 'You may only view this sheet.' } },
    { status: 409, body: { error: 'row_not_found', message: 'Those rows no longer exist.' } },
    { status: 200, body: { applied: true, version: 9 } },
  ]);
  const answers = [];
  const replaced = [];
  const q = new OpQueue({
    baseUrl: '/x/', clientId: 'tab', fetchImpl: impl,
    onAnswer: (o, status) => answers.push([o.opId, status]),
    onReplace: (o, status) => { replaced.push([o.opId, status]); return null; },
  });
  await Promise.all([q.send(op(1)), q.send(op(2)), q.send(op(3))]);
  assert.deepEqual(answers, [['op-1', 403], ['op-2', 409], ['op-3', 200]]);
  assert.deepEqual(replaced, [['op-2', 409]], 'a 409 is offered for fixing (a re-anchored insert) first');
});

test('413: the op is replaced by its halves, sent in order; an op that cannot be cut is refused', async () => {
  const { impl, calls } = scripted([
    { status: 413, body: { error: 'too_many_changes' } },
    { status: 200, body: { applied: true, version: 2 } },
    { status: 200, body: { applied: true, version: 3 } },
    { status: 413, body: null },
  ]);
  const answers = [];
  const halves = (o) => {
    const parts = halveBody(o.endpoint, o.body);
    return parts && parts.map((body, i) => ({ endpoint: o.endpoint, opId: `${o.opId}.${i}`, body: { op_id: `${o.opId}.${i}`, ...body } }));
  };
  const q = new OpQueue({ baseUrl: '/x/', clientId: 'tab', fetchImpl: impl, onReplace: halves, onAnswer: (o, s) => answers.push([o.opId, s]) });
  const big = { endpoint: 'cells', opId: 'big', body: { op_id: 'big', changes: [{ v: 1 }, { v: 2 }, { v: 3 }] } };
  await q.send(big);
  assert.deepEqual(calls.map((c) => [c.body.op_id, c.body.changes.length]), [['big', 3], ['big.0', 2], ['big.1', 1]]);
  assert.deepEqual(answers, [['big.0', 200], ['big.1', 200]]);
  const small = { endpoint: 'rename', opId: 'r', body: { op_id: 'r', title: 'x' } };
  const result = await q.send(small);
  assert.equal(result.status, 413);
  assert.deepEqual(answers.at(-1), ['r', 413]);
});

test('409 op_too_old sets the op aside for review, and the queue goes on', async () => {
  const { impl } = scripted([
    { status: 409, body: { error: 'op_too_old', op_floor: 50, message: 'too old' } },
    { status: 200, body: { applied: true, version: 60 } },
  ]);
  const asideSeen = [];
  const answers = [];
  const q = new OpQueue({ baseUrl: '/x/', clientId: 'tab', fetchImpl: impl, onAside: (o) => asideSeen.push(o.opId), onAnswer: (o) => answers.push(o.opId) });
  const [first, second] = await Promise.all([q.send(op(1)), q.send(op(2))]);
  assert.equal(first.aside, true);
  assert.equal(second.status, 200);
  assert.deepEqual(asideSeen, ['op-1']);
  assert.deepEqual(answers, ['op-2']);
  assert.deepEqual(q.aside.map((o) => o.opId), ['op-1']);
  assert.deepEqual(q.takeAside().map((o) => o.opId), ['op-1']);
  assert.equal(q.aside.length, 0);
});

test('failures for longer than giveUpMs pause the retries (the op stays); retryNow() resumes', async () => {
  let now = 0;
  let down = true;
  const calls = [];
  const impl = async (url, init) => {
    calls.push(JSON.parse(init.body).op_id);
    if (down) throw new TypeError('Failed to fetch');
    return answerOf(200, { applied: true, version: 2 });
  };
  let gaveUp = 0;
  const q = new OpQueue({
    baseUrl: '/x/', clientId: 'tab', fetchImpl: impl, backoff: () => 2, giveUpMs: 600_000, now: () => now,
    onGaveUp: () => { gaveUp += 1; },
  });
  const done = q.send(op(1));
  await tick();
  assert.equal(q.failing, true);
  now = 599_000;
  await tick();
  assert.equal(gaveUp, 0);
  now = 600_001;
  await tick(20);
  assert.equal(gaveUp, 1);
  assert.equal(q.paused, true);
  const attempts = calls.length;
  await tick(20);
  assert.equal(calls.length, attempts, 'nothing is retried while paused');
  assert.equal(q.size, 1, 'the op is kept');
  down = false;
  q.retryNow();
  assert.equal((await done).status, 200);
  assert.equal(q.paused, false);
  assert.equal(q.failing, false);
  assert.deepEqual([...new Set(calls)], ['op-1']);
});

test('a 429 waits at least its Retry-After before the same op goes again', async () => {
  const { impl, calls } = scripted([
    { status: 429, body: { error: 'throttled' }, headers: { 'Retry-After': '0.05' } },
    { status: 200, body: { applied: true, version: 2 } },
  ]);
  const q = new OpQueue({ baseUrl: '/x/', clientId: 'tab', fetchImpl: impl, backoff: () => 0 });
  const started = Date.now();
  await q.send(op(1));
  assert.ok(Date.now() - started >= 45, `${Date.now() - started} ms`);
  assert.deepEqual(calls.map((c) => c.body.op_id), ['op-1', 'op-1']);
});

test('hold(): nothing is sent until restore(), and restored ops go first', async () => {
  const { impl, calls } = scripted([
    { status: 200, body: { applied: true, version: 2 } },
    { status: 200, body: { applied: true, version: 3 } },
  ]);
  const q = new OpQueue({ baseUrl: '/x/', clientId: 'tab', fetchImpl: impl });
  q.hold();
  const fresh = q.send(op(2));
  await tick();
  assert.equal(calls.length, 0);
  q.restore([op(1)]);
  await fresh;
  assert.deepEqual(calls.map((c) => c.body.op_id), ['op-1', 'op-2']);
});
