// The history panel's signal (history.js): one refresh per burst of committed
// versions, none for the first snapshot or an old version; the revert op
// (localops.js) goes like an undo and its refusal is shown as the server says it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ChangeSignal, bindRevertButtons } from '../src/history.js';
import { makeSheet } from './parts.js';
import { describeStatus } from '../src/status.js';

function fakeTimers() {
  let now = 0;
  let next = 1;
  const due = new Map();
  return {
    now: () => now,
    setTimeout(fn, ms) { const id = next++; due.set(id, { fn, at: now + ms }); return id; },
    clearTimeout(id) { due.delete(id); },
    advance(ms) {
      now += ms;
      for (const [id, t] of [...due]) if (t.at <= now) { due.delete(id); t.fn(); }
    },
    pending: () => due.size,
  };
}

test('a burst of versions makes one refresh, after a quiet moment', () => {
  const timers = fakeTimers();
  let calls = 0;
  const signal = new ChangeSignal({ notify: () => { calls += 1; }, wait: 300, maxWait: 1500, timers, now: timers.now });
  signal.seen(10); // the first snapshot
  assert.equal(timers.pending(), 0);
  for (let v = 11; v <= 110; v += 1) { signal.seen(v); timers.advance(5); }
  assert.equal(calls, 0, 'still busy');
  timers.advance(300);
  assert.equal(calls, 1);
  signal.seen(110); // nothing new
  signal.seen(null);
  timers.advance(1000);
  assert.equal(calls, 1);
});

test('a steady stream still refreshes every maxWait', () => {
  const timers = fakeTimers();
  let calls = 0;
  const signal = new ChangeSignal({ notify: () => { calls += 1; }, wait: 300, maxWait: 1000, timers, now: timers.now });
  signal.seen(1);
  for (let v = 2; v < 62; v += 1) { signal.seen(v); timers.advance(100); }
  assert.ok(calls >= 5 && calls <= 7, `${calls} refreshes in 6 s`);
});

test('a revert is an op that names the change; bad numbers make none', () => {
  const s = makeSheet({ clientId: 'me' });
  s.store.loadSnapshot({ id: 7, title: 'T', version: 5, columns: [], rows: [] });
  const op = s.local.revert(3);
  assert.equal(op.endpoint, 'revert');
  assert.deepEqual(op.body, { op_id: op.opId, base_version: 5, change: 3 });
  for (const bad of [0, -1, 1.5, NaN, '3', null]) assert.equal(s.local.revert(bad), null);
  const message = "Can't revert: a cell it changed was changed since by bob at 14:05.";
  s.pending.applyAnswer(op.opId, { error: 'revert_conflict', message }, 409);
  const status = describeStatus({ pending: s.pending, loaded: true, queue: {} });
  assert.deepEqual(status, { kind: 'rejected', text: message, notice: null });
  assert.equal(s.pending.pendingCount(), 0);
});

test('a click on a Revert button reverts its change once', () => {
  let listener = null;
  const panel = { addEventListener: (type, fn) => { assert.equal(type, 'click'); listener = fn; } };
  const asked = [];
  bindRevertButtons({ panel, revert: (seq) => asked.push(seq) });
  const button = { dataset: { revertSeq: '12' }, disabled: false };
  listener({ target: { closest: () => button }, preventDefault() {} });
  listener({ target: { closest: () => null }, preventDefault() {} });
  assert.deepEqual(asked, [12]);
  assert.equal(button.disabled, true);
});
