import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  Presence, SelectionIndex, Throttle, selectionToRanges, safeColour, withAlpha, rowDistance, MAX_RANGES, MAX_CHIPS,
} from '../src/presence.js';

const R1 = '00000000-0000-4000-8000-00000000a001';
const R2 = '00000000-0000-4000-8000-00000000a002';
const R3 = '00000000-0000-4000-8000-00000000a003';
const C1 = '00000000-0000-4000-8000-00000000c001';
const C2 = '00000000-0000-4000-8000-00000000c002';

const ann = { id: 1, display_name: 'Ann', colour: '#3b82f6' };
const bob = { id: 2, display_name: 'Bob', colour: '#ef4444' };
const cat = { id: 3, display_name: 'Cat', colour: '#10b981' };
const dan = { id: 4, display_name: 'Dan', colour: '#111111' };

// The server lists the latest arrival first (docs/protocol.md, "Presence").
const snapshot = (users, count = users.length) => ({ type: 'presence.snapshot', sheet_id: 7, count, users });
const joined = (user, count) => ({ type: 'presence.joined', sheet_id: 7, user, count });
const left = (user, count) => ({ type: 'presence.left', sheet_id: 7, user_id: user.id, count });
const updated = (user) => ({ type: 'presence.updated', sheet_id: 7, user });
const cell = (row, col) => ({ from: { row, col }, to: { row, col } });
const selected = (user, ranges, clientId = `tab-${user.id}`) => ({
  type: 'selection.changed', sheet_id: 7, user, client_id: clientId, ranges,
});
const names = (p, opts) => p.shown(opts).users.map((u) => u.name);

function here() {
  const p = new Presence({ userId: 1, clientId: 'my-tab' });
  p.receive(snapshot([cat, bob, ann]));
  return p;
}

test('a snapshot: one entry per user, me first and marked, then the latest arrival; the count from the server', () => {
  const p = new Presence({ userId: 1, clientId: 'my-tab' });
  const result = p.receive(snapshot([bob, ann, bob, { id: 'x' }, null], 40));
  assert.deepEqual(result, { users: true, selections: false });
  assert.deepEqual(p.users.map(({ id, name, colour, me }) => ({ id, name, colour, me })), [
    { id: 1, name: 'Ann', colour: '#3b82f6', me: true },
    { id: 2, name: 'Bob', colour: '#ef4444', me: false },
  ]);
  assert.deepEqual(p.shown(), { count: 40, users: p.users, more: 38 });
});

test('joined and left change the list and the count; a second join of someone known moves them up', () => {
  const p = here();
  assert.deepEqual(names(p), ['Ann', 'Cat', 'Bob']);
  assert.deepEqual(p.receive(joined(dan, 4)), { users: true, selections: false });
  assert.deepEqual(names(p), ['Ann', 'Dan', 'Cat', 'Bob']);
  assert.equal(p.shown().count, 4);
  assert.deepEqual(p.receive(left(cat, 3)), { users: true, selections: false });
  assert.deepEqual(names(p), ['Ann', 'Dan', 'Bob']);
  // Someone who leaves and comes back arrives again, latest.
  p.receive(joined(cat, 4));
  assert.deepEqual(names(p), ['Ann', 'Cat', 'Dan', 'Bob']);
  // Someone this tab never knew leaving: only the count changes.
  assert.deepEqual(p.receive(left({ id: 99 }, 3)), { users: true, selections: false });
  assert.deepEqual(p.receive(left({ id: 99 }, 3)), { users: false, selections: false });
  assert.equal(p.shown().count, 4, 'never fewer than the people known');
});

test('a thousand people: a count, eight chips, the rest "+ N more"; each message is one change', () => {
  const p = new Presence({ userId: 1, clientId: 'my-tab' });
  const people = Array.from({ length: 1000 }, (_, i) => ({ id: i + 1, display_name: `P${i + 1}`, colour: '#123456' }));
  // The snapshot names the 50 latest (latest first), me among them; the others join afterwards.
  p.receive(snapshot([...people.slice(0, 50)].reverse(), 50));
  for (const person of people.slice(50)) p.receive(joined(person, person.id));
  let shown = p.shown();
  assert.equal(shown.count, 1000);
  assert.equal(shown.users.length, MAX_CHIPS);
  assert.equal(shown.more, 1000 - MAX_CHIPS);
  assert.deepEqual(shown.users.map((u) => u.name), ['P1', 'P1000', 'P999', 'P998', 'P997', 'P996', 'P995', 'P994']);
  for (const person of people.slice(500)) p.receive(left(person, 1000 - (person.id - 500)));
  shown = p.shown();
  assert.equal(shown.count, 500);
  assert.equal(shown.more, 492);
  assert.deepEqual(shown.users.map((u) => u.name).slice(0, 3), ['P1', 'P500', 'P499']);
});

test('the chips after me: those whose selection is nearest mine by rows, then the latest arrivals', () => {
  const p = here();
  p.receive(joined(dan, 4));
  const rows = Array.from({ length: 100 }, (_, i) => `row-${i}`);
  const rowPos = new Map(rows.map((id, i) => [id, i]));
  const at = (r) => [cell(rows[r], C1)];
  p.receive(selected(bob, at(40)));
  p.receive(selected(cat, [{ from: { row: rows[2], col: C1 }, to: { row: rows[8], col: C2 } }]));
  assert.equal(rowDistance(at(10), at(40), rowPos), 30);
  assert.equal(rowDistance(at(5), p.selections.get(3).ranges, rowPos), 0);
  assert.equal(rowDistance(at(5), [cell('gone', C1)], rowPos), null);
  assert.deepEqual(names(p, { mine: at(10), rowPos }), ['Ann', 'Cat', 'Bob', 'Dan']);
  assert.deepEqual(names(p, { mine: at(45), rowPos }), ['Ann', 'Bob', 'Cat', 'Dan']);
  // Two chips: me and the nearest. No selection of mine: latest arrivals.
  assert.deepEqual(names(p, { mine: at(45), rowPos, limit: 2 }), ['Ann', 'Bob']);
  assert.deepEqual(names(p, { rowPos, limit: 2 }), ['Ann', 'Dan']);
  assert.equal(p.shown({ rowPos, limit: 2 }).more, 2);
});

test('a user who leaves takes their selection marks along', () => {
  const p = here();
  p.receive(selected(bob, [cell(R1, C1)]));
  p.receive(selected(cat, [cell(R2, C2)]));
  assert.deepEqual(p.receive(left(bob, 2)), { users: true, selections: true });
  assert.deepEqual(p.marks().map((m) => m.userId), [3]);
  assert.deepEqual(names(p), ['Ann', 'Cat']);
});

test('a snapshot after a reconnect replaces everything known', () => {
  const p = here();
  p.receive(joined(dan, 4));
  p.receive(selected(bob, [cell(R1, C1)]));
  p.receive(selected(cat, [cell(R2, C2)]));
  // Bob and Dan left while this tab was away; Eve came.
  const eve = { id: 5, display_name: 'Eve', colour: '#222222' };
  assert.deepEqual(p.receive(snapshot([ann, eve, { ...cat, display_name: 'Cathy' }], 3)), { users: true, selections: true });
  assert.deepEqual(names(p), ['Ann', 'Eve', 'Cathy']);
  assert.equal(p.shown().count, 3);
  assert.deepEqual(p.marks().map((m) => m.name), ['Cathy'], "the outline of someone still here stays, relabelled");
});

test("a snapshot brings the selections the server kept: a newcomer outlines them at once", () => {
  const p = new Presence({ userId: 1, clientId: 'my-tab' });
  const result = p.receive({
    ...snapshot([cat, bob, ann], 40),
    selections: [
      { user_id: 2, client_id: 'tab-2', ranges: [cell(R1, C1)] },
      { user_id: 1, client_id: 'my-tab', ranges: [cell(R2, C2)] }, // this tab's own: never shown
      { user_id: 9, client_id: 'tab-9', ranges: [cell(R2, C2)] }, // not named in the snapshot
      { user_id: 3, client_id: 'tab-3', ranges: 'A1' }, // malformed
      null,
    ],
  });
  assert.deepEqual(result, { users: true, selections: true });
  assert.deepEqual(p.marks().map((m) => [m.userId, m.name]), [[2, 'Bob']]);
});

test('a user learned from selection.changed: named, outlined, counted as known', () => {
  const p = new Presence({ userId: 1, clientId: 'my-tab' });
  p.receive(snapshot([ann], 300)); // 299 others the snapshot does not name
  assert.deepEqual(p.receive(selected(dan, [cell(R1, C1)])), { users: true, selections: true });
  assert.deepEqual(p.marks(), [{ userId: 4, name: 'Dan', colour: '#111111', ranges: [cell(R1, C1)] }]);
  const rowPos = new Map([[R1, 0], [R2, 1]]);
  assert.deepEqual(names(p, { mine: [cell(R2, C1)], rowPos }), ['Ann', 'Dan']);
  assert.equal(p.shown().more, 298);
  // Known now: a later join counts as their arrival, a leave drops them.
  p.receive(left(dan, 299));
  assert.deepEqual(p.marks(), []);
  assert.deepEqual(names(p), ['Ann']);
});

test('presence.updated relabels the chip and the outline; a selection with an old name does not undo it', () => {
  const p = here();
  p.receive(selected(bob, [cell(R1, C1)]));
  const renamed = { ...bob, display_name: 'Robert', colour: '#000000' };
  assert.deepEqual(p.receive(updated(renamed)), { users: true, selections: true });
  assert.deepEqual(p.marks(), [{ userId: 2, name: 'Robert', colour: '#000000', ranges: [cell(R1, C1)] }]);
  assert.ok(names(p).includes('Robert'));
  p.receive(selected(bob, [cell(R2, C1)]));
  assert.equal(p.marks()[0].name, 'Robert');
  // Someone else renaming does not repaint outlines that are not theirs; the same name twice changes nothing.
  assert.deepEqual(p.receive(updated({ ...cat, display_name: 'Cathy' })), { users: true, selections: false });
  assert.deepEqual(p.receive(updated({ ...cat, display_name: 'Cathy' })), { users: false, selections: false });
});

test('other messages are not about presence; malformed presence messages change nothing', () => {
  const p = here();
  assert.equal(p.receive({ type: 'cells.changed', seq: 3 }), null);
  assert.equal(p.receive({ type: 'presence.changed', users: [bob] }), null, 'the old message is gone');
  assert.equal(p.receive(null), null);
  assert.equal(p.receive({ type: 'presence.snapshot', users: 'nope' }), null);
  assert.equal(p.receive({ type: 'presence.joined', user: { id: 'x' }, count: 9 }), null);
  assert.equal(p.receive({ type: 'presence.left', user_id: '2', count: 9 }), null);
  assert.equal(p.receive({ type: 'presence.updated', user: null }), null);
  assert.deepEqual(p.receive(joined(dan, -1)), { users: true, selections: false });
  assert.equal(p.shown().count, 4, 'a bad count is ignored');
  assert.deepEqual(names(p), ['Ann', 'Dan', 'Cat', 'Bob']);
});

test('a bad colour or an empty name never reaches the page as such', () => {
  const p = new Presence({ userId: 1 });
  p.receive(snapshot([{ id: 4, display_name: '  ', colour: 'red;background:url(x)' }]));
  assert.deepEqual(p.shown().users.map(({ name, colour }) => ({ name, colour })), [{ name: 'User 4', colour: '#6b7280' }]);
  assert.equal(safeColour('#abc'), '#abc');
  assert.equal(safeColour('#abcd1'), '#6b7280');
  assert.equal(withAlpha('#abc', 0x1f), '#aabbcc1f');
  assert.equal(withAlpha('#3b82f6ff', 0), '#3b82f600');
});

test("a user's selection is kept by user and replaced by their next one", () => {
  const p = here();
  assert.deepEqual(p.receive(selected(bob, [cell(R1, C1)])), { users: true, selections: true });
  p.receive(selected(bob, [cell(R2, C2)], 'bobs-other-tab'));
  assert.equal(p.selections.size, 1);
  assert.deepEqual(p.marks(), [{ userId: 2, name: 'Bob', colour: '#ef4444', ranges: [cell(R2, C2)] }]);
});

test('ranges null (or none valid) clear the selection', () => {
  const p = here();
  p.receive(selected(bob, [cell(R1, C1)]));
  assert.deepEqual(p.receive(selected(bob, null)), { users: false, selections: true });
  assert.equal(p.selections.size, 0);
  // Clearing what is not there changes nothing.
  assert.deepEqual(p.receive(selected(bob, null)), { users: false, selections: false });
  p.receive(selected(bob, [cell(R1, C1)]));
  p.receive(selected(bob, [{ from: { row: R1 }, to: 5 }]));
  assert.equal(p.selections.size, 0);
});

test('at most MAX_RANGES ranges are kept, malformed ones are skipped', () => {
  const p = here();
  const many = Array.from({ length: MAX_RANGES + 5 }, () => cell(R1, C1));
  p.receive(selected(bob, [{ from: { row: 1, col: C1 }, to: { row: R1, col: C1 } }, ...many]));
  assert.equal(p.marks()[0].ranges.length, MAX_RANGES - 1);
});

test("this tab's own selection, if ever echoed, is ignored; the same user's other tab is shown", () => {
  const p = here();
  assert.equal(p.receive(selected(ann, [cell(R1, C1)], 'my-tab')), null);
  assert.equal(p.selections.size, 0);
  p.receive(selected(ann, [cell(R1, C1)], 'my-other-tab'));
  assert.deepEqual(p.marks().map((m) => m.name), ['Ann']);
});

test('marks: the earliest arrival first', () => {
  const p = here();
  p.receive(selected(ann, [cell(R1, C1)], 'my-other-tab'));
  p.receive(selected(bob, [cell(R2, C1)]));
  p.receive(selected(cat, [cell(R3, C1)]));
  assert.deepEqual(p.marks().map((m) => m.name), ['Ann', 'Bob', 'Cat']);
});

test('reset forgets everyone (the socket closed for good)', () => {
  const p = here();
  p.receive(selected(bob, [cell(R1, C1)]));
  assert.deepEqual(p.reset(), { users: true, selections: true });
  assert.deepEqual(p.users, []);
  assert.deepEqual(p.marks(), []);
  assert.deepEqual(p.shown(), { count: 0, users: [], more: 0 });
  assert.equal(p.started, false);
});

test('the local selection becomes id ranges, clamped, headers meaning the whole line', () => {
  const rows = [R1, R2, R3];
  const cols = [C1, C2];
  assert.deepEqual(selectionToRanges([{ r1: 2, c1: 1, r2: 0, c2: 0 }], rows, cols), [
    { from: { row: R1, col: C1 }, to: { row: R3, col: C2 } },
  ]);
  // A column header click: row -1 to the last row.
  assert.deepEqual(selectionToRanges([{ r1: -1, c1: 1, r2: 2, c2: 1 }], rows, cols), [
    { from: { row: R1, col: C2 }, to: { row: R3, col: C2 } },
  ]);
  assert.equal(selectionToRanges([], rows, cols), null);
  assert.equal(selectionToRanges(null, rows, cols), null);
  assert.equal(selectionToRanges([{ r1: 0, c1: 0, r2: 0, c2: 0 }], [], cols), null);
  const many = Array.from({ length: 30 }, (_, i) => ({ r1: i % 3, c1: 0, r2: i % 3, c2: 0 }));
  assert.equal(selectionToRanges(many, rows, cols).length, MAX_RANGES);
});

test('outlines resolve ids at paint time, so an inserted row keeps them on the same cell', () => {
  const p = here();
  p.receive(selected(bob, [cell(R2, C2)]));
  const pos = (ids) => new Map(ids.map((id, i) => [id, i]));
  let index = new SelectionIndex(p.marks(), pos([R1, R2]), pos([C1, C2]));
  assert.deepEqual(index.at(1, 1).names, ['Bob']);
  assert.equal(index.at(1, 1).colour, '#ef4444');
  assert.equal(index.at(0, 1), null);
  // A row arrived at the top: Bob's cell is now row 2.
  index = new SelectionIndex(p.marks(), pos(['new-row', R1, R2]), pos([C1, C2]));
  assert.equal(index.at(1, 1), null);
  assert.deepEqual(index.at(2, 1).userIds, [2]);
  // Its row was deleted: nothing to draw.
  index = new SelectionIndex(p.marks(), pos([R1]), pos([C1, C2]));
  assert.equal(index.empty, true);
  assert.equal(index.at(0, 1), null);
});

test('a range is outlined on its edges only and tinted inside; a single cell on all four sides', () => {
  const p = here();
  p.receive(selected(bob, [{ from: { row: R1, col: C1 }, to: { row: R3, col: C2 } }]));
  p.receive(selected(cat, [cell(R2, C1)]));
  const pos = (ids) => new Map(ids.map((id, i) => [id, i]));
  const index = new SelectionIndex(p.marks(), pos([R1, R2, R3]), pos([C1, C2]));
  const corner = index.at(0, 0).shadow;
  assert.match(corner, /inset 0 2px 0 0 #ef4444/);
  assert.match(corner, /inset 2px 0 0 0 #ef4444/);
  assert.doesNotMatch(corner, /inset 0 -2px/);
  assert.match(corner, /999px #ef44441f/);
  // Row 1, column 0: inside Bob's range (left edge) and Cat's single cell (all sides, a layer in).
  const both = index.at(1, 0);
  assert.deepEqual(both.names, ['Bob', 'Cat']);
  assert.match(both.shadow, /inset 2px 0 0 0 #ef4444/);
  for (const side of ['0 4px 0 0', '0 -4px 0 0', '4px 0 0 0', '-4px 0 0 0']) {
    assert.ok(both.shadow.includes(`inset ${side} #10b981`), side);
  }
  assert.ok(!both.shadow.includes('999px #10b981'));
});

function fakeClock() {
  const clock = { t: 1000, timers: [] };
  clock.now = () => clock.t;
  clock.setTimer = (fn, ms) => { const timer = { fn, at: clock.t + ms }; clock.timers.push(timer); return timer; };
  clock.clearTimer = (timer) => { clock.timers = clock.timers.filter((x) => x !== timer); };
  clock.advance = (ms) => {
    clock.t += ms;
    for (const timer of clock.timers.filter((x) => x.at <= clock.t)) {
      clock.timers = clock.timers.filter((x) => x !== timer);
      timer.fn();
    }
  };
  return clock;
}

function throttled() {
  const clock = fakeClock();
  const sent = [];
  const t = new Throttle({ send: (v) => sent.push(v), intervalMs: 250, ...clock });
  return { clock, sent, t };
}

test('throttle: the first selection goes at once, a burst sends at most one per interval and the last one at the end', () => {
  const { clock, sent, t } = throttled();
  t.push('a');
  assert.deepEqual(sent, ['a']);
  for (const v of ['b', 'c', 'd']) { clock.advance(50); t.push(v); }
  assert.deepEqual(sent, ['a']);
  assert.equal(clock.timers.length, 1);
  clock.advance(100); // 250 ms after 'a'
  assert.deepEqual(sent, ['a', 'd']);
  clock.advance(1000);
  assert.deepEqual(sent, ['a', 'd']);
  t.push('e'); // long after: at once again
  assert.deepEqual(sent, ['a', 'd', 'e']);
});

test('throttle: never more than 4 a second however fast the selection moves', () => {
  const { clock, sent, t } = throttled();
  for (let i = 0; i < 100; i += 1) { t.push(i); clock.advance(10); }
  clock.advance(1000);
  assert.ok(sent.length <= 5, `${sent.length} sends in ~1 s`);
  assert.equal(sent[sent.length - 1], 99);
});

test('throttle: the same value is not sent twice; moving away and back within the interval sends nothing', () => {
  const { clock, sent, t } = throttled();
  t.push('a');
  t.push('a');
  clock.advance(50);
  t.push('b');
  t.push('a');
  clock.advance(500);
  assert.deepEqual(sent, ['a']);
});

test('throttle: repeat sends the current selection again (throttled), but never a lone null', () => {
  const { clock, sent, t } = throttled();
  t.repeat();
  t.push(null); // nothing selected is what the others assume already
  assert.deepEqual(sent, []);
  t.push('a');
  t.push(null);
  clock.advance(300);
  assert.deepEqual(sent, ['a', null]);
  t.repeat(); // the selection is null: nothing to repeat
  clock.advance(300);
  t.push('a');
  assert.deepEqual(sent, ['a', null, 'a']);
  t.repeat(); // within the interval: later
  t.push('b');
  t.push('a'); // back to what was sent, but the forced repeat still goes out
  assert.deepEqual(sent, ['a', null, 'a']);
  clock.advance(300);
  assert.deepEqual(sent, ['a', null, 'a', 'a']);
});

test('throttle: flushNow sends at once and drops what was pending', () => {
  const { clock, sent, t } = throttled();
  t.push('a');
  t.push('b');
  t.flushNow(null);
  clock.advance(1000);
  assert.deepEqual(sent, ['a', null]);
});
