// Find's state (findstate.js): asked once the typing pauses, the first page
// and the count asked apart ("1 of …" until the count comes), late answers to
// older text dropped, Next and Previous going round the matches and asking
// for the following pages. The server is a stand-in answering as GET …/find
// does (sheets/tests/test_find.py covers the real one).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FindState, FIND_DELAY_MS, FIND_LIMIT } from '../src/findstate.js';

/** Timers run by hand: `tick()` fires what is due. */
function manualTimers() {
  let now = 0;
  let next = 1;
  const due = new Map();
  return {
    setTimeout(fn, ms) { const id = next++; due.set(id, [now + ms, fn]); return id; },
    clearTimeout(id) { due.delete(id); },
    tick(ms) {
      now += ms;
      for (const [id, [at, fn]] of [...due]) if (at <= now) { due.delete(id); fn(); }
    },
    pending: () => due.size,
  };
}

const match = (n) => ({ row: `row-${n}`, col: 'col-a', row_number: n });

/**
 * A server that answers each request when told to: for `q`, pages of
 * `pageSize` of `results[q]` (`next` is the index to go on from) or, with
 * count=only, their count.
 */
function heldServer(results, { pageSize = FIND_LIMIT } = {}) {
  const asked = [];
  const getJson = (url) => new Promise((resolve) => {
    const params = new URL(url, 'http://x').searchParams;
    const q = params.get('q');
    const all = results[q] || [];
    const kind = params.get('count') === 'only' ? 'count' : 'page';
    const from = Number(params.get('after') || 0);
    const body = kind === 'count'
      ? { seq: 1, query: q, count: all.length, more: false }
      : { seq: 1, query: q, matches: all.slice(from, from + pageSize), next: from + pageSize < all.length ? String(from + pageSize) : null };
    asked.push({ q, kind, url, after: params.get('after'), answer: () => resolve({ status: 200, body }) });
  });
  const answer = async (kind, q) => {
    const found = asked.filter((a) => a.kind === kind && (q === undefined || a.q === q) && !a.done);
    assert.ok(found.length, `a ${kind} request for ${q} is waiting`);
    found[0].done = true;
    found[0].answer();
    await settle();
  };
  return { asked, getJson, answer };
}

function makeFind(results, options) {
  const timers = manualTimers();
  const server = heldServer(results, options);
  const jumps = [];
  const find = new FindState({ getJson: server.getJson, findUrl: '/api/sheets/1/find', jump: (m) => jumps.push(m.row_number), timers });
  return { find, timers, server, jumps };
}

const settle = () => new Promise((resolve) => setImmediate(resolve));

test('the server is asked once the typing pauses, not per key: a page and the count', async () => {
  const { find, timers, server } = makeFind({ rent: [match(3)] });
  find.setQuery('r');
  timers.tick(100);
  find.setQuery('re');
  timers.tick(100);
  find.setQuery('rent');
  assert.equal(server.asked.length, 0);
  assert.equal(find.status(), 'Searching…');
  timers.tick(FIND_DELAY_MS);
  assert.deepEqual(server.asked.map((a) => [a.q, a.kind]), [['rent', 'page'], ['rent', 'count']]);
  assert.equal(server.asked[0].url, `/api/sheets/1/find?q=rent&limit=${FIND_LIMIT}`);
  assert.equal(server.asked[1].url, '/api/sheets/1/find?q=rent&count=only');
  await server.answer('page');
  assert.equal(find.status(), '1 of …'); // the first match is in; the count is not
  await server.answer('count');
  assert.equal(find.status(), '1 of 1');
});

test('a count that comes first waits for the page; one that fails leaves "of …"', async () => {
  const { find, timers, server } = makeFind({ a: [match(1), match(2)] });
  find.setQuery('a');
  timers.tick(FIND_DELAY_MS);
  await server.answer('count');
  assert.equal(find.status(), 'Searching…');
  await server.answer('page');
  assert.equal(find.status(), '1 of 2');

  const failing = new FindState({
    getJson: async (url) => (url.includes('count=only') ? { status: 500, body: null } : { status: 200, body: { matches: [match(4)], next: null } }),
    findUrl: '/f', jump: () => {}, timers: manualTimers(),
  });
  failing.setQuery('b');
  await failing.search();
  await settle();
  assert.equal(failing.status(), '1 of …');
});

test('late answers to older text are dropped, the count too', async () => {
  const { find, timers, server } = makeFind({ ab: [match(1), match(2)], abc: [match(9)] });
  find.setQuery('ab');
  timers.tick(FIND_DELAY_MS);
  find.setQuery('abc');
  timers.tick(FIND_DELAY_MS);
  assert.deepEqual(server.asked.map((a) => a.q), ['ab', 'ab', 'abc', 'abc']);
  await server.answer('page', 'abc');
  assert.equal(find.status(), '1 of …');
  await server.answer('count', 'ab'); // the older count comes: not this text's
  assert.equal(find.status(), '1 of …');
  await server.answer('page', 'ab');
  assert.deepEqual(find.matches, [match(9)]);
  await server.answer('count', 'abc');
  assert.equal(find.status(), '1 of 1');
});

test('Enter jumps to the first match, then goes round; Shift+Enter goes back', async () => {
  const { find, timers, server, jumps } = makeFind({ x: [match(10), match(500), match(900)] });
  find.setQuery('x');
  timers.tick(FIND_DELAY_MS);
  await server.answer('page');
  await server.answer('count');
  assert.equal(find.status(), '1 of 3');
  assert.deepEqual(jumps, []); // typing moves nothing
  assert.equal(find.current(), null);
  await find.next();
  await find.next();
  await find.next();
  await find.next();
  assert.deepEqual(jumps, [10, 500, 900, 10]);
  assert.equal(find.status(), '1 of 3');
  await find.previous();
  assert.deepEqual(jumps.at(-1), 900);
  assert.equal(find.status(), '3 of 3');
  assert.deepEqual(find.current(), match(900));
});

test('Next past the last match held asks for the following page and goes on', async () => {
  const all = [1, 2, 3, 4, 5].map(match);
  const { find, timers, server, jumps } = makeFind({ p: all }, { pageSize: 2 });
  find.setQuery('p');
  timers.tick(FIND_DELAY_MS);
  await server.answer('page');
  await find.next();
  await find.next();
  assert.deepEqual(jumps, [1, 2]);
  const going = find.next();
  await settle();
  const more = server.asked.filter((a) => a.kind === 'page');
  assert.equal(more.length, 2);
  assert.equal(more[1].after, '2');
  assert.match(more[1].url, /&after=2$/);
  await server.answer('page');
  await going;
  assert.deepEqual(jumps, [1, 2, 3]);
  assert.equal(find.status(), '3 of …');
  await server.answer('count');
  assert.equal(find.status(), '3 of 5');
  const last = [find.next(), find.next()];
  await settle();
  await server.answer('page'); // the third page, asked once for both
  await Promise.all(last);
  assert.deepEqual(jumps, [1, 2, 3, 4, 5]);
  await find.next(); // every page is in: round to the first
  assert.deepEqual(jumps.at(-1), 1);
  assert.equal(server.asked.filter((a) => a.kind === 'page').length, 3);
});

test('Shift+Enter first reads the pages to the end and goes to the last match', async () => {
  const { find, server, jumps } = makeFind({ q: [1, 2, 3, 4, 5].map(match) }, { pageSize: 2 });
  find.setQuery('q');
  const going = find.previous();
  for (let page = 0; page < 3; page += 1) {
    await settle();
    await server.answer('page');
  }
  await going;
  assert.deepEqual(jumps, [5]);
  assert.deepEqual(server.asked.filter((a) => a.kind === 'page').map((a) => a.after), [null, '2', '4']);
  await server.answer('count');
  assert.equal(find.status(), '5 of 5');
});

test('a page for older text, asked by Next, is dropped', async () => {
  const { find, timers, server, jumps } = makeFind({ p: [1, 2, 3].map(match), z: [match(7)] }, { pageSize: 1 });
  find.setQuery('p');
  timers.tick(FIND_DELAY_MS);
  await server.answer('page', 'p');
  await find.next();
  const going = find.next(); // asks for p's second page
  await settle();
  find.setQuery('z');
  await server.answer('page', 'p');
  await going;
  assert.deepEqual(jumps, [1]);
  assert.deepEqual(find.matches, []);
  assert.equal(find.status(), 'Searching…');
});

test('Enter before the pause is over asks at once and then jumps', async () => {
  const { find, server, jumps, timers } = makeFind({ far: [match(700)] });
  find.setQuery('far');
  const going = find.next();
  assert.equal(server.asked.length, 2);
  assert.equal(timers.pending(), 0); // the timer's question is this one
  await server.answer('page');
  await going;
  assert.deepEqual(jumps, [700]);
});

test('no matches, a capped count and a failed request say so', async () => {
  const timers = manualTimers();
  const answers = {
    a: [{ status: 200, body: { matches: [], next: null } }, { status: 200, body: { count: 0, more: false } }],
    b: [{ status: 200, body: { matches: [match(1)], next: '1' } }, { status: 200, body: { count: 10000, more: true } }],
    c: [{ status: 500, body: null }, { status: 500, body: null }],
  };
  const find = new FindState({ getJson: async (url) => answers[new URL(url, 'http://x').searchParams.get('q')].shift(), findUrl: '/f', jump: () => {}, timers });
  find.setQuery('a');
  await find.search();
  assert.equal(find.status(), 'No matches');
  find.setQuery('b');
  await find.search();
  await settle();
  assert.equal(find.status(), '1 of 10,000+');
  find.setQuery('c');
  await find.search();
  assert.match(find.status(), /failed/);
});

test('closing clears the text and forgets answers on their way', async () => {
  const { find, timers, server } = makeFind({ x: [match(1)] });
  find.setQuery('x');
  timers.tick(FIND_DELAY_MS);
  find.close();
  await server.answer('page');
  await server.answer('count');
  assert.equal(find.status(), '');
  assert.deepEqual(find.matches, []);
  assert.equal(find.count, null);
  assert.equal(timers.pending(), 0);
});
