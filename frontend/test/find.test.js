// Find's state (findstate.js): asked once the typing pauses, late answers to
// older text dropped, Next and Previous going round the matches. The server
// is a stand-in answering as GET …/find does (sheets/tests/test_find.py
// covers the real one).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FindState, FIND_DELAY_MS } from '../src/findstate.js';

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

/** A server that answers each request when told to, with `matches` for its query. */
function heldServer(results) {
  const asked = [];
  const getJson = (url) => new Promise((resolve) => {
    const q = new URL(url, 'http://x').searchParams.get('q');
    asked.push({ q, url, answer: () => resolve({ status: 200, body: { seq: 1, query: q, count: (results[q] || []).length, more: false, matches: results[q] || [] } }) });
  });
  return { asked, getJson };
}

function makeFind(results) {
  const timers = manualTimers();
  const server = heldServer(results);
  const jumps = [];
  let changes = 0;
  const find = new FindState({ getJson: server.getJson, findUrl: '/api/sheets/1/find', jump: (m) => jumps.push(m.row_number), onChange: () => { changes += 1; }, timers });
  return { find, timers, server, jumps, changes: () => changes };
}

const settle = () => new Promise((resolve) => setImmediate(resolve));

test('the server is asked once the typing pauses, not per key', async () => {
  const { find, timers, server } = makeFind({ rent: [match(3)] });
  find.setQuery('r');
  timers.tick(100);
  find.setQuery('re');
  timers.tick(100);
  find.setQuery('rent');
  assert.equal(server.asked.length, 0);
  assert.equal(find.status(), 'Searching…');
  timers.tick(FIND_DELAY_MS);
  assert.deepEqual(server.asked.map((a) => a.q), ['rent']);
  assert.match(server.asked[0].url, /^\/api\/sheets\/1\/find\?q=rent&limit=\d+$/);
  server.asked[0].answer();
  await settle();
  assert.equal(find.status(), '1 of 1');
});

test('a late answer to older text is dropped', async () => {
  const { find, timers, server } = makeFind({ ab: [match(1), match(2)], abc: [match(9)] });
  find.setQuery('ab');
  timers.tick(FIND_DELAY_MS);
  find.setQuery('abc');
  timers.tick(FIND_DELAY_MS);
  assert.deepEqual(server.asked.map((a) => a.q), ['ab', 'abc']);
  server.asked[1].answer();
  await settle();
  server.asked[0].answer(); // the older one comes last
  await settle();
  assert.equal(find.status(), '1 of 1');
  assert.deepEqual(find.answer.matches, [match(9)]);
});

test('Enter jumps to the first match, then goes round; Shift+Enter goes back', async () => {
  const { find, timers, server, jumps } = makeFind({ x: [match(10), match(500), match(900)] });
  find.setQuery('x');
  timers.tick(FIND_DELAY_MS);
  server.asked[0].answer();
  await settle();
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

test('Enter before the pause is over asks at once and then jumps', async () => {
  const { find, server, jumps, timers } = makeFind({ far: [match(700)] });
  find.setQuery('far');
  const going = find.next();
  assert.equal(server.asked.length, 1);
  assert.equal(timers.pending(), 0); // the timer's question is this one
  server.asked[0].answer();
  await going;
  assert.deepEqual(jumps, [700]);
});

test('Shift+Enter first goes to the last match', async () => {
  const { find, server, jumps } = makeFind({ q: [match(1), match(2), match(3)] });
  find.setQuery('q');
  const going = find.previous();
  server.asked[0].answer();
  await going;
  assert.deepEqual(jumps, [3]);
  assert.equal(find.status(), '3 of 3');
});

test('no matches, a capped count and a failed request say so', async () => {
  const timers = manualTimers();
  const answers = [
    { status: 200, body: { count: 0, more: false, matches: [] } },
    { status: 200, body: { count: 10000, more: true, matches: [match(1)] } },
    { status: 500, body: null },
  ];
  const find = new FindState({ getJson: async () => answers.shift(), findUrl: '/f', jump: () => {}, timers });
  find.setQuery('a');
  await find.search();
  assert.equal(find.status(), 'No matches');
  find.setQuery('b');
  await find.search();
  assert.equal(find.status(), '1 of 10,000+');
  find.setQuery('c');
  await find.search();
  assert.match(find.status(), /failed/);
});

test('closing clears the text and forgets an answer on its way', async () => {
  const { find, timers, server } = makeFind({ x: [match(1)] });
  find.setQuery('x');
  timers.tick(FIND_DELAY_MS);
  find.close();
  server.asked[0].answer();
  await settle();
  assert.equal(find.status(), '');
  assert.equal(find.answer, null);
  assert.equal(timers.pending(), 0);
});
