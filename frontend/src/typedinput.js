// What a user types into a number or date cell, read the way they write it:
// a decimal comma where their locale writes one (3,50), dates in their own
// order (15/03/2027 day first, 03/15/2027 month first), turned into the
// canonical value the server accepts (a number written with a point, an ISO
// date YYYY-MM-DD). The preference comes from the browser's language unless
// the user's profile sets it (sheet-config `input_locale`). Text that cannot
// be read is sent as typed: the server refuses it and says why, and the value
// stays in sight (refused.js). No DOM.

export const DECIMAL_MARKS = { point: '.', comma: ',' };
export const DATE_ORDERS = ['DMY', 'MDY', 'YMD'];

/** What the browser's language writes: {decimal: '.' | ',', dateOrder: 'DMY' | 'MDY' | 'YMD'}. */
export function browserPrefs(lang) {
  let decimal = '.';
  let dateOrder = 'YMD';
  try {
    const mark = new Intl.NumberFormat(lang).formatToParts(1.5).find((p) => p.type === 'decimal');
    if (mark && mark.value === ',') decimal = ',';
    const parts = new Intl.DateTimeFormat(lang, { year: 'numeric', month: '2-digit', day: '2-digit' })
      .formatToParts(new Date(2027, 2, 15))
      .map((p) => p.type)
      .filter((t) => t === 'day' || t === 'month' || t === 'year');
    const order = parts.map((t) => t[0].toUpperCase()).join('');
    if (DATE_ORDERS.includes(order)) dateOrder = order;
  } catch (err) {
    // An unknown language: ISO order and a decimal point, which the server reads as they are.
  }
  return { decimal, dateOrder };
}

const DATE_WORDS = { DMY: 'day first (15/03/2027)', MDY: 'month first (03/15/2027)', YMD: 'year first (2027-03-15)' };

/** What "auto" means in a browser of language `lang`, in words for the profile page. */
export function describeBrowserInput(lang) {
  const { decimal, dateOrder } = browserPrefs(lang);
  const mark = decimal === ',' ? 'a decimal comma (3,50)' : 'a decimal point (3.50)';
  return `This browser${lang ? ` (${lang})` : ''} writes dates ${DATE_WORDS[dateOrder]} and numbers with ${mark}.`;
}

/**
 * The preference in effect: the profile's choice (`decimal_mark`: auto, point,
 * comma; `date_order`: auto, DMY, MDY, YMD) over the browser's language `lang`.
 */
export function inputPrefs(profile, lang) {
  const browser = browserPrefs(lang);
  const { decimal_mark: mark = 'auto', date_order: order = 'auto' } = profile || {};
  return {
    decimal: DECIMAL_MARKS[mark] || browser.decimal,
    dateOrder: DATE_ORDERS.includes(order) ? order : browser.dateOrder,
  };
}

// The server's own number syntax (sheets/values.py): always read as it is...
const CANONICAL = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
// ...except where a point groups thousands: 1.234 is 1234 to a decimal-comma writer.
const POINT_GROUPS = /^[+-]?\d{1,3}(\.\d{3})+$/;
const SPACES = '\\s\\u00a0\\u202f';
const GROUPED = {
  '.': new RegExp(`^([+-]?)(\\d{1,3}(?:[,${SPACES}']\\d{3})+|\\d+)(?:\\.(\\d+))?$`),
  ',': new RegExp(`^([+-]?)(\\d{1,3}(?:[.${SPACES}]\\d{3})+|\\d+)(?:,(\\d+))?$`),
};

/**
 * A number typed with `decimal` ('.' or ',') as the server's syntax
 * ("1234.5"), or null when it cannot be read (3,5,0; 1,234.50 to a comma writer).
 */
export function readNumber(text, decimal = '.') {
  const t = String(text).trim();
  if (CANONICAL.test(t) && !(decimal === ',' && POINT_GROUPS.test(t))) return t;
  const m = GROUPED[decimal === ',' ? ',' : '.'].exec(t);
  if (!m) return null;
  const separators = new Set(m[2].replace(/\d/g, ''));
  if (separators.size > 1) return null; // 1.234 567: two ways of grouping in one number
  return `${m[1]}${m[2].replace(/\D/g, '')}${m[3] !== undefined ? `.${m[3]}` : ''}`;
}

const pad = (n, width = 2) => String(n).padStart(width, '0');

function isoDate(year, month, day) {
  if (year < 1 || month < 1 || month > 12 || day < 1) return null;
  const days = new Date(Date.UTC(2000, month, 0)).getUTCDate(); // 29 for February: leap years below
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  if (day > (month === 2 ? (leap ? 29 : 28) : days)) return null;
  return `${pad(year, 4)}-${pad(month)}-${pad(day)}`;
}

/**
 * A date typed in `order` ('DMY', 'MDY' or 'YMD'; parts split by / . - or
 * spaces, the year written in full) as ISO "YYYY-MM-DD", or null when it is no
 * date (31/02/2027, 15/03/27). A year first (2027-03-15, 2027/3/15) is read as
 * year, month, day whatever the order.
 */
export function readDate(text, order = 'YMD') {
  const t = String(text).trim();
  const parts = t.split(/\s*[/.\-\s]\s*/);
  if (parts.length !== 3 || parts.some((p) => !/^\d{1,4}$/.test(p))) return null;
  const yearFirst = parts[0].length === 4;
  const use = yearFirst ? 'YMD' : order;
  if (!yearFirst && use === 'YMD') return null; // a year is written in full
  const at = (letter) => parts[use.indexOf(letter)];
  const year = at('Y');
  if (year.length !== 4 || at('M').length > 2 || at('D').length > 2) return null;
  return isoDate(Number(year), Number(at('M')), Number(at('D')));
}

/**
 * The value to send for `value` typed or pasted into a column of `type`:
 * canonical where it can be read, else as typed (the server says why not).
 */
export function readTyped(type, value, prefs) {
  if (typeof value !== 'string' || !prefs) return value;
  if (type === 'number') return readNumber(value, prefs.decimal) ?? value;
  if (type === 'date') return readDate(value, prefs.dateOrder) ?? value;
  return value;
}
