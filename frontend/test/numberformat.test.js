// A column's number format: how a number is written (decimals, thousands,
// percent, currency, the browser's language), what the store keeps from the
// snapshot and column.updated, what the column update sends, and the
// dialog's fields as a format and back.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { makeSheet } from './parts.js';
import { C1, C2, OTHER, loaded, snapshot } from './sheetfixtures.js';
import { summaryText } from '../src/columninfo.js';
import {
  formatFields, formatFromFields, formatNumber, intlOptions, readNumberFormat, sameNumberFormat, takesNumberFormat,
} from '../src/numberformat.js';

const fmt = (more) => ({ decimals: null, thousands: false, style: 'plain', currency: null, ...more });
// Intl writes a narrow or plain no-break space in some formats: compared as plain spaces.
const spaces = (text) => text.replace(/[\u00a0\u202f]/g, ' ');

test('two decimals with a thousands separator: 1299.5 is 1,299.50', () => {
  assert.equal(formatNumber(1299.5, fmt({ decimals: 2, thousands: true }), 'en-US'), '1,299.50');
  assert.equal(formatNumber(-1299.5, fmt({ decimals: 2, thousands: true }), 'en-US'), '-1,299.50');
  assert.equal(formatNumber(1299.5, fmt({ decimals: 2 }), 'en-US'), '1299.50');
});

test('the browser language writes its own marks', () => {
  assert.equal(formatNumber(1299.5, fmt({ decimals: 2, thousands: true }), 'de-DE'), '1.299,50');
  assert.equal(spaces(formatNumber(1299.5, fmt({ decimals: 2, thousands: true }), 'fr-FR')), '1 299,50');
  assert.equal(formatNumber(1299.5, fmt({ decimals: 2 }), 'no-such-language-at-all'), formatNumber(1299.5, fmt({ decimals: 2 })));
});

test('decimals round and pad; without them a number keeps the decimals it has', () => {
  assert.equal(formatNumber(2.675, fmt({ decimals: 0 }), 'en-US'), '3');
  assert.equal(formatNumber(7, fmt({ decimals: 3 }), 'en-US'), '7.000');
  assert.equal(formatNumber(1299.125, fmt({ thousands: true }), 'en-US'), '1,299.125');
  assert.equal(formatNumber(1299, fmt({ thousands: true }), 'en-US'), '1,299');
  assert.equal(formatNumber(0.1 + 0.2, fmt({ thousands: true }), 'en-US'), '0.3'); // at most 10 decimals
});

test('percent multiplies by 100; currency writes its symbol and its own decimals', () => {
  assert.equal(formatNumber(0.125, fmt({ style: 'percent' }), 'en-US'), '12.5%');
  assert.equal(formatNumber(0.125, fmt({ style: 'percent', decimals: 0 }), 'en-US'), '13%');
  assert.equal(formatNumber(1299.5, fmt({ style: 'currency', currency: 'USD', thousands: true }), 'en-US'), '$1,299.50');
  assert.equal(formatNumber(1299.5, fmt({ style: 'currency', currency: 'JPY', thousands: true }), 'en-US'), '¥1,300');
  assert.equal(spaces(formatNumber(1299.5, fmt({ style: 'currency', currency: 'EUR', thousands: true }), 'de-DE')), '1.299,50 €');
  assert.equal(spaces(formatNumber(5, fmt({ style: 'currency', currency: 'CHF', decimals: 1 }), 'en-US')), 'CHF 5.0');
  assert.deepEqual(intlOptions(fmt({ style: 'currency', currency: 'EUR' })), { useGrouping: false, style: 'currency', currency: 'EUR' });
});

test('only numbers are formatted: empty cells, text, errors and unformatted columns stay as they are', () => {
  const two = fmt({ decimals: 2, thousands: true });
  for (const value of [null, undefined, '', '1299.5', '#DIV/0!', true, Number.NaN, Infinity]) {
    assert.equal(Object.is(formatNumber(value, two, 'en-US'), value), true, String(value));
  }
  assert.equal(formatNumber(1299.5, null, 'en-US'), 1299.5);
});

test('a format from the server is kept; anything malformed or asking nothing is null', () => {
  assert.deepEqual(readNumberFormat({ decimals: 2, thousands: true, style: 'plain', currency: null }), fmt({ decimals: 2, thousands: true }));
  assert.deepEqual(readNumberFormat({ style: 'currency', currency: 'EUR' }), fmt({ style: 'currency', currency: 'EUR' }));
  for (const spec of [null, undefined, 2, 'x', [], {}, { style: 'currency' }, { style: 'currency', currency: 'eur' }, { decimals: null, thousands: false, style: 'plain' }]) {
    assert.equal(readNumberFormat(spec), null, JSON.stringify(spec));
  }
  assert.equal(readNumberFormat({ decimals: 11, thousands: true }).decimals, null);
});

test('number columns and number formulas take a format; other columns do not', () => {
  assert.equal(takesNumberFormat({ type: 'number' }), true);
  assert.equal(takesNumberFormat({ type: 'formula', resultType: 'number' }), true);
  for (const col of [null, { type: 'text' }, { type: 'date' }, { type: 'checkbox' }, { type: 'formula', resultType: 'text' }, { type: 'formula', resultType: 'mixed' }]) {
    assert.equal(takesNumberFormat(col), false, JSON.stringify(col));
  }
});

test("the dialog's fields give the format and back", () => {
  const two = fmt({ decimals: 2, thousands: true });
  assert.deepEqual(formatFields(two), { decimals: '2', thousands: true, style: 'plain', currency: '' });
  assert.deepEqual(formatFromFields(formatFields(two)), two);
  assert.deepEqual(formatFields(null), { decimals: '', thousands: false, style: 'plain', currency: '' });
  assert.equal(formatFromFields(formatFields(null)), null);
  assert.deepEqual(formatFromFields({ decimals: '0', style: 'percent' }), fmt({ decimals: 0, style: 'percent' }));
  assert.deepEqual(formatFromFields({ style: 'currency', currency: 'GBP' }), fmt({ style: 'currency', currency: 'GBP' }));
  assert.deepEqual(formatFromFields({ style: 'currency', currency: '' }), { error: 'Choose a currency.' });
  // A currency chosen and then left for another style is not sent.
  assert.equal(formatFromFields({ style: 'plain', currency: 'GBP' }), null);
});

test('formats compare by what they show', () => {
  assert.equal(sameNumberFormat(null, null), true);
  assert.equal(sameNumberFormat(fmt({ decimals: 2 }), fmt({ decimals: 2 })), true);
  assert.equal(sameNumberFormat(fmt({ decimals: 2 }), null), false);
  assert.equal(sameNumberFormat(fmt({ decimals: 2 }), fmt({ decimals: 3 })), false);
});

const updated = (seq, column) => ({
  type: 'column.updated', sheet_id: 7, seq, op_id: null, broadcaster_id: OTHER, user: null, column, values: {},
});
const numberColumn = (more) => ({ id: C2, name: 'Amount', type: 'number', formula: null, result_type: null, summary: null, width: null, ...more });

test('the snapshot and column.updated carry the format into the store', () => {
  const s = makeSheet({ clientId: 'me' });
  const two = { decimals: 2, thousands: true, style: 'plain', currency: null };
  s.store.loadSnapshot(snapshot(10, { columns: [{ id: C1, name: 'Item', type: 'text' }, numberColumn({ number_format: two })] }));
  assert.deepEqual(s.store.column(C2).numberFormat, two);
  assert.equal(s.store.column(C1).numberFormat, null);
  s.store.receive(updated(11, numberColumn({ number_format: { ...two, style: 'percent' } })));
  assert.equal(s.store.column(C2).numberFormat.style, 'percent');
  s.store.receive(updated(12, numberColumn({ number_format: null })));
  assert.equal(s.store.column(C2).numberFormat, null);
});

test('a column update with a number format sends it as number_format, and only what was given', () => {
  const s = loaded();
  const two = fmt({ decimals: 2, thousands: true });
  const op = s.local.updateColumn(C1, { numberFormat: two });
  assert.equal(op.endpoint, 'columns/update');
  assert.deepEqual(op.body.number_format, two);
  assert.equal('name' in op.body, false);
  assert.equal(s.local.updateColumn(C1, { numberFormat: null }).body.number_format, null);
});

test('a footer sum, average, min or max is written in the column format; counts are not', () => {
  const two = fmt({ style: 'currency', currency: 'USD', thousands: true });
  const col = (summary, total, numberFormat = two) => ({ type: 'number', summary, total, numberFormat });
  assert.equal(summaryText(col('sum', 3898.5), [['sum', 'Sum']], 'en-US'), 'Sum $3,898.50');
  assert.equal(summaryText(col('average', 2.5), [], 'en-US'), 'average $2.50');
  assert.equal(summaryText(col('count', 1234), [['count', 'Count']], 'en-US'), 'Count 1,234');
  assert.equal(summaryText(col('sum', 1234.5, null), [['sum', 'Sum']], 'en-US'), 'Sum 1,234.5');
  assert.equal(summaryText(col('sum', null), [['sum', 'Sum']], 'en-US'), 'Sum —');
});
