// Formula columns and totals in the tab: what the store keeps of them, how the
// grid words them, and the column dialog's formula field (its check).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { C1, C2, R1, R2, OTHER, snapshot, loaded, show } from './sheetfixtures.js';
import { makeSheet } from './parts.js';
import {
  applyComputed, cellError, columnFromSpec, formatTotal, headerTitle, looksLikeFormula, shownValue, summaryText,
} from '../src/columninfo.js';
import { FormulaChecker, bracketed, describeCheck, insertAt } from '../src/formulaedit.js';

const C3 = '00000000-0000-4000-8000-00000000c003';
const LABELS = [['sum', 'Sum'], ['average', 'Average'], ['max', 'Max']];
const TOTAL = { id: C3, name: 'Total', type: 'formula', formula: '=[Amount] * 2', result_type: 'number', summary: 'sum', total: 1800 };

function withFormula() {
  const s = makeSheet({ clientId: 'me' });
  const snap = snapshot(10);
  snap.columns.push(TOTAL);
  snap.rows[0].values[C3] = 1800;
  snap.rows[1].values[C3] = { error: '#VALUE!', message: '[Amount] is blank' };
  s.store.loadSnapshot(snap);
  return s;
}

function listen(s) {
  const seen = [];
  s.store.subscribe((change) => seen.push(change));
  return seen;
}

test('the snapshot gives each column its formula, result type, summary and total', () => {
  const s = withFormula();
  const col = s.store.column(C3);
  assert.deepEqual(
    { formula: col.formula, resultType: col.resultType, summary: col.summary, total: col.total },
    { formula: '=[Amount] * 2', resultType: 'number', summary: 'sum', total: 1800 },
  );
  assert.equal(s.store.column(C1).formula, null);
  assert.equal(show(s, R1, C3), 1800);
  assert.deepEqual(cellError(show(s, R2, C3)), { code: '#VALUE!', message: '[Amount] is blank' });
});

test('totals and formulas an event carries reach the columns, and say so once', () => {
  const s = withFormula();
  const seen = listen(s);
  s.store.receive({
    type: 'column.updated', seq: 11, broadcaster_id: OTHER, op_id: null,
    column: { id: C2, name: 'Qty', type: 'number', formula: null, result_type: null, summary: 'sum' },
    values: {}, totals: { [C2]: 900 }, formulas: { [C3]: { formula: '=[Qty] * 2', result_type: 'number' } },
  });
  assert.equal(s.store.column(C2).summary, 'sum');
  assert.equal(s.store.column(C2).total, 900);
  assert.equal(s.store.column(C3).formula, '=[Qty] * 2');
  assert.equal(seen.length, 1);
  assert.ok(seen[0].structure && seen[0].totals);
  // A cell edit that changes a total: totals, no structure.
  s.store.receive({
    type: 'cells.changed', seq: 12, broadcaster_id: OTHER, op_id: null,
    changes: [{ row: R2, col: C2, value: 5 }, { row: R2, col: C3, value: 10 }], totals: { [C2]: 905, [C3]: 1810 },
  });
  assert.equal(s.store.column(C3).total, 1810);
  assert.equal(show(s, R2, C3), 10);
  assert.equal(seen[1].structure, false);
  assert.equal(seen[1].totals, true);
  // A summary taken away: no total any more.
  s.store.receive({
    type: 'column.updated', seq: 13, broadcaster_id: OTHER, op_id: null,
    column: { id: C2, name: 'Qty', type: 'number', formula: null, result_type: null, summary: null }, values: {},
  });
  assert.equal(s.store.column(C2).total, null);
  assert.equal(summaryText(s.store.column(C2)), '');
});

test('a deleted column shows as #REF! in the formulas an event sends, and a whole recomputed column reloads', () => {
  const s = withFormula();
  s.store.receive({
    type: 'columns.deleted', seq: 11, broadcaster_id: OTHER, op_id: null, columns: [C2],
    formulas: { [C3]: { formula: '=#REF! * 2', result_type: 'number' } }, recomputed: [C3],
  });
  assert.equal(headerTitle(s.store.column(C3)), 'Formula column: =#REF! * 2');
  assert.equal(s.store.needsSnapshot, true);
});

test('this tab makes a formula column with its formula, and a summary as an update', () => {
  const s = loaded(10);
  const op = s.local.insertColumn({ after: C2, name: 'Total', type: 'formula', formula: '=[Amount] * 2' });
  const id = op.body.columns[0].id;
  assert.deepEqual(op.body.columns, [{ id, name: 'Total', type: 'formula', formula: '=[Amount] * 2', after: C2 }]);
  assert.equal(s.store.column(id).formula, '=[Amount] * 2');
  const plain = s.local.insertColumn({ after: C2, name: 'Note', type: 'text', formula: '=ignored' });
  assert.deepEqual(Object.keys(plain.body.columns[0]).sort(), ['after', 'id', 'name', 'type']);
  const upd = s.local.updateColumn(C2, { summary: null });
  assert.deepEqual(upd.body, { op_id: upd.opId, base_version: 10, column: C2, summary: null });
  const formula = s.local.updateColumn(C1, { type: 'formula', formula: '=1', summary: 'count' });
  assert.deepEqual(formula.body, { op_id: formula.opId, base_version: 10, column: C1, type: 'formula', formula: '=1', summary: 'count' });
});

test('how the grid words formulas, errors and totals', () => {
  assert.equal(headerTitle(columnFromSpec(TOTAL)), 'Formula column: =[Amount] * 2');
  assert.equal(headerTitle(columnFromSpec({ id: C1, name: 'Item', type: 'text', formula: '=x' })), '');
  assert.equal(shownValue({ error: '#DIV/0!', message: 'Division by zero' }), '#DIV/0!');
  assert.equal(shownValue(12), 12);
  assert.equal(cellError('#DIV/0!'), null);
  assert.equal(cellError(null), null);
  assert.equal(summaryText(columnFromSpec(TOTAL), LABELS), 'Sum 1,800');
  assert.equal(summaryText(columnFromSpec({ ...TOTAL, summary: 'average', total: 2.5 }), LABELS), 'Average 2.5');
  assert.equal(summaryText(columnFromSpec({ ...TOTAL, summary: 'max', total: null }), LABELS), 'Max —');
  assert.equal(formatTotal('percent_checked', 33.33), '33.33%');
  assert.equal(formatTotal('min', '2027-01-31'), '2027-01-31');
  assert.equal(formatTotal('sum', 1234567.5), '1,234,567.5');
});

test('typing = into a plain cell is text, and is noticed as a formula meant', () => {
  const plain = columnFromSpec({ id: C1, name: 'Item', type: 'text' });
  assert.equal(looksLikeFormula(plain, '=SUM(B1:B5)'), true);
  assert.equal(looksLikeFormula(plain, ' =1'), true);
  assert.equal(looksLikeFormula(plain, 'a=1'), false);
  assert.equal(looksLikeFormula(plain, 3), false);
  assert.equal(looksLikeFormula(columnFromSpec(TOTAL), '=1'), false);
});

test('applyComputed ignores columns it does not know', () => {
  const changed = applyComputed(() => null, { totals: { x: 1 }, formulas: { x: { formula: '=1' } } });
  assert.deepEqual(changed, { structure: false, totals: false });
});

test('column names go in at the cursor, bracketed, with the = an empty formula needs', () => {
  assert.equal(bracketed('Size [cm]'), '[Size [cm]]]');
  assert.deepEqual(insertAt('', 0, 0, '[Price]'), { text: '=[Price]', caret: 8 });
  assert.deepEqual(insertAt('=[Price] * ', 11, 11, '[Qty]'), { text: '=[Price] * [Qty]', caret: 16 });
  assert.deepEqual(insertAt('=[Price] * [Qty]', 11, 16, '[Amount]'), { text: '=[Price] * [Amount]', caret: 19 });
  assert.deepEqual(insertAt('=1', 0, 0, '[A]'), { text: '[A]=1', caret: 3 });
});

test('the check answer: valid with its result type, refused with the position, or not reachable', () => {
  assert.deepEqual(describeCheck({ status: 200, body: { ok: true, result_type: 'number' } }), { state: 'ok', message: 'The formula is valid; it gives a number.' });
  assert.deepEqual(
    describeCheck({ status: 200, body: { ok: false, error: 'formula_syntax', message: "Expected a value after '*' at position 9", position: 9 } }),
    { state: 'error', message: "Expected a value after '*' at position 9", position: 9 },
  );
  assert.equal(describeCheck({ status: 400, body: { error: 'formula_too_long', message: 'A formula is at most 4,000 characters.' } }).state, 'error');
  assert.equal(describeCheck({ status: 502, body: null }).state, 'failed');
  assert.equal(describeCheck({ status: 0, body: null }).state, 'failed');
});

/** Timers the test runs by hand. */
function manualTimers() {
  const pending = new Map();
  let next = 1;
  return {
    setTimeout(fn) { pending.set(next, fn); return next++; },
    clearTimeout(id) { pending.delete(id); },
    async runAll() {
      const fns = [...pending.values()];
      pending.clear();
      for (const fn of fns) await fn();
    },
    get count() { return pending.size; },
  };
}

test('the checker asks once per pause, and drops an answer to text no longer typed', async () => {
  const timers = manualTimers();
  const asked = [];
  const answers = [];
  let answer = { status: 200, body: { ok: true, result_type: 'number' } };
  const checker = new FormulaChecker({
    timers,
    check: async (body) => { asked.push(body); return answer; },
    onResult: (result) => answers.push(result.state),
  });
  checker.input({ formula: '=[Price', column: C3 });
  checker.input({ formula: '=[Price]', column: C3 });
  assert.equal(timers.count, 1);
  await timers.runAll();
  assert.deepEqual(asked, [{ formula: '=[Price]', column: C3, name: null }]);
  assert.deepEqual(answers, ['checking', 'checking', 'ok']);
  assert.equal(checker.errorFor('=[Price]'), null);

  // An answer that comes after the user typed on is not shown.
  answer = { status: 200, body: { ok: false, error: 'formula_syntax', message: 'The formula ends too soon', position: 3 } };
  let release;
  const slow = new FormulaChecker({
    timers,
    check: () => new Promise((resolve) => { release = resolve; }),
    onResult: (result) => answers.push(result.state),
  });
  slow.input({ formula: '=1+' });
  const running = timers.runAll();
  slow.input({ formula: '=1+2' });
  release(answer);
  await running;
  assert.equal(slow.latest, null);
  assert.equal(answers.at(-1), 'checking');
  slow.cancel(); // the dialog closes
  assert.equal(timers.count, 0);

  checker.input({ formula: '=1+' });
  await timers.runAll();
  assert.equal(checker.errorFor('=1+'), 'The formula ends too soon');
  assert.equal(checker.errorFor('=1+2'), null);
  // Nothing typed: nothing asked.
  checker.input({ formula: '  ' });
  assert.equal(timers.count, 0);
  assert.equal(answers.at(-1), 'empty');
  // A check that throws (offline) is "failed", never an error that blocks saving.
  const offline = new FormulaChecker({ timers, check: async () => { throw new Error('offline'); }, onResult: (r) => answers.push(r.state) });
  offline.input({ formula: '=1' });
  await timers.runAll();
  assert.equal(answers.at(-1), 'failed');
  assert.equal(offline.errorFor('=1'), null);
});
