// Numbers and dates typed as the user writes them become what the server reads;
// what cannot be read is sent as typed (the server refuses it and says why).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { browserPrefs, describeBrowserInput, inputPrefs, readDate, readNumber, readTyped } from '../src/typedinput.js';
import { browserTimeZone } from '../src/profileform.js';
import { userActions } from '../src/actions.js';
import { makeSheet } from './parts.js';

test('the browser\'s language gives the decimal mark and the date order', () => {
  assert.deepEqual(browserPrefs('de-DE'), { decimal: ',', dateOrder: 'DMY' });
  assert.deepEqual(browserPrefs('en-GB'), { decimal: '.', dateOrder: 'DMY' });
  assert.deepEqual(browserPrefs('en-US'), { decimal: '.', dateOrder: 'MDY' });
  assert.deepEqual(browserPrefs('fr-FR'), { decimal: ',', dateOrder: 'DMY' });
  assert.deepEqual(browserPrefs('ja-JP'), { decimal: '.', dateOrder: 'YMD' });
  assert.deepEqual(browserPrefs('sv-SE'), { decimal: ',', dateOrder: 'YMD' });
  // Not a language: what the server reads as it is.
  assert.deepEqual(browserPrefs('not a language!'), { decimal: '.', dateOrder: 'YMD' });
});

test('the profile says what "auto" means in this browser', () => {
  assert.equal(describeBrowserInput('de-DE'), 'This browser (de-DE) writes dates day first (15/03/2027) and numbers with a decimal comma (3,50).');
  assert.equal(describeBrowserInput('en-US'), 'This browser (en-US) writes dates month first (03/15/2027) and numbers with a decimal point (3.50).');
});

test('the profile\'s choice wins over the browser; "auto" or nothing follows the browser', () => {
  assert.deepEqual(inputPrefs({ date_order: 'MDY', decimal_mark: 'comma' }, 'en-GB'), { decimal: ',', dateOrder: 'MDY' });
  assert.deepEqual(inputPrefs({ date_order: 'auto', decimal_mark: 'auto' }, 'de-DE'), { decimal: ',', dateOrder: 'DMY' });
  assert.deepEqual(inputPrefs({ date_order: 'YMD', decimal_mark: 'point' }, 'de-DE'), { decimal: '.', dateOrder: 'YMD' });
  assert.deepEqual(inputPrefs(undefined, 'en-US'), { decimal: '.', dateOrder: 'MDY' });
  assert.deepEqual(inputPrefs({ date_order: 'bogus', decimal_mark: 'bogus' }, 'en-US'), { decimal: '.', dateOrder: 'MDY' });
});

test('numbers with a decimal comma', () => {
  const cases = [
    ['3,50', '3.50'], ['-3,5', '-3.5'], ['+0,25', '+0.25'], ['1.234,50', '1234.50'], ['12.345.678', '12345678'],
    ['1.234', '1234'], // a point groups thousands where a comma is the decimal mark
    ['1 234,5', '1234.5'], ['1\u00a0234,5', '1234.5'], ['1\u202f234', '1234'],
    ['12', '12'], ['1.5', '1.5'], ['1e3', '1e3'], [' 7 ', '7'], // the server's own syntax is read as it is
    ['3,5,0', null], ['1,234.50', null], ['1.23,4', null], ['1.234 567,5', null], ['abc', null], ['', null], [',5', null],
  ];
  for (const [typed, read] of cases) assert.equal(readNumber(typed, ','), read, typed);
});

test('numbers with a decimal point', () => {
  const cases = [
    ['3.50', '3.50'], ['1,234.50', '1234.50'], ['-1,234,567', '-1234567'], ['1 234.5', '1234.5'], ["1'234.5", '1234.5'],
    ['.5', '.5'], ['2E-3', '2E-3'], ['3,500', '3500'],
    ['3,50', null], ['1.234,50', null], ['3,5,0', null], ['1,23', null], ['1,234 567', null], ['12abc', null],
  ];
  for (const [typed, read] of cases) assert.equal(readNumber(typed, '.'), read, typed);
});

test('dates in the user\'s order become ISO dates', () => {
  const cases = [
    ['15/03/2027', 'DMY', '2027-03-15'], ['15.03.2027', 'DMY', '2027-03-15'], ['5-3-2027', 'DMY', '2027-03-05'],
    ['03/15/2027', 'MDY', '2027-03-15'], ['3/5/2027', 'MDY', '2027-03-05'],
    ['2027/03/15', 'YMD', '2027-03-15'], ['2027.3.5', 'YMD', '2027-03-05'],
    ['29/02/2028', 'DMY', '2028-02-29'], ['29/02/2000', 'DMY', '2000-02-29'], ['31/12/2027', 'DMY', '2027-12-31'],
    // A year first is year, month, day whatever the order: ISO is always accepted.
    ['2027-03-15', 'DMY', '2027-03-15'], ['2027-03-15', 'MDY', '2027-03-15'], [' 2027-3-15 ', 'MDY', '2027-03-15'],
  ];
  for (const [typed, order, iso] of cases) assert.equal(readDate(typed, order), iso, `${typed} ${order}`);
});

test('what is no date is not read as one', () => {
  const cases = [
    ['31/02/2027', 'DMY'], ['29/02/2027', 'DMY'], ['29/02/1900', 'DMY'], ['15/03/2027', 'MDY'], ['03/15/2027', 'DMY'],
    ['15/03/27', 'DMY'], ['15/03', 'DMY'], ['15/03/2027/1', 'DMY'], ['2027-13-01', 'DMY'], ['2027-00-10', 'YMD'],
    ['00/03/2027', 'DMY'], ['15/003/2027', 'DMY'], ['next friday', 'DMY'], ['', 'DMY'], ['15/03/2027', 'YMD'],
  ];
  for (const [typed, order] of cases) assert.equal(readDate(typed, order), null, `${typed} ${order}`);
});

test('what goes to the server: canonical where it can be read, else as typed', () => {
  const de = { decimal: ',', dateOrder: 'DMY' };
  const us = { decimal: '.', dateOrder: 'MDY' };
  assert.equal(readTyped('number', '3,50', de), '3.50');
  assert.equal(readTyped('number', '3,50', us), '3,50');
  assert.equal(readTyped('number', '1,234.50', us), '1234.50');
  assert.equal(readTyped('number', '1,234.50', de), '1,234.50');
  assert.equal(readTyped('date', '15/03/2027', de), '2027-03-15');
  assert.equal(readTyped('date', '15/03/2027', us), '15/03/2027');
  assert.equal(readTyped('date', '03/15/2027', us), '2027-03-15');
  assert.equal(readTyped('date', '31/02/2027', de), '31/02/2027');
  // Other columns and values that are not text are left alone.
  assert.equal(readTyped('text', '3,50', de), '3,50');
  assert.equal(readTyped('checkbox', 'yes', de), 'yes');
  assert.equal(readTyped('number', 5, de), 5);
  assert.equal(readTyped('number', null, de), null);
  assert.equal(readTyped(undefined, '3,50', de), '3,50');
});

test('the browser\'s time zone, or null when Intl cannot say', () => {
  assert.equal(browserTimeZone({ DateTimeFormat: () => ({ resolvedOptions: () => ({ timeZone: 'Europe/Berlin' }) }) }), 'Europe/Berlin');
  assert.equal(browserTimeZone({ DateTimeFormat: () => { throw new Error('no'); } }), null);
  assert.equal(typeof browserTimeZone(), 'string');
});

test('typed, pasted and filled values of number and date columns go to the server as it reads them', () => {
  const s = makeSheet({ clientId: 'me' });
  const [T, N, D] = ['c-text', 'c-num', 'c-date'];
  s.store.loadSnapshot({
    id: 1, title: 'T', version: 1,
    columns: [{ id: T, name: 'T', type: 'text' }, { id: N, name: 'N', type: 'number' }, { id: D, name: 'D', type: 'date' }],
    rows: [{ id: 'r1', values: {} }],
  });
  const sent = [];
  const on = userActions({
    store: s.store, pending: s.pending, local: s.local, send: (op) => sent.push(op),
    limits: { maxChanges: 1000, maxBytes: 1e6 }, prefs: () => ({ decimal: ',', dateOrder: 'DMY' }),
  });
  // A grid edit or a paste into existing rows (Handsontable's afterChange either way).
  on.editCells([{ row: 'r1', col: T, value: '3,50' }, { row: 'r1', col: N, value: '3,50' }, { row: 'r1', col: D, value: '15/03/2027' }]);
  assert.deepEqual(sent[0].body.changes.map((c) => c.value), ['3,50', '3.50', '2027-03-15']);
  // Pasted rows past the last one become an insert with the same reading.
  on.appendRows([{ [N]: '1.234,5', [D]: '31/02/2027' }]);
  assert.deepEqual(sent[1].body.rows[0].values, { [N]: '1234.5', [D]: '31/02/2027' });
});
