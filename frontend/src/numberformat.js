// How a column shows its numbers (docs/protocol.md, "Number formats"):
// decimals, a thousands separator, percent or a currency, written by
// Intl.NumberFormat in the browser's language. Only the text drawn in a cell
// changes: the store, the cell editor and copies keep the value as stored.
// The form's fields as a format and back, for the column dialog. No DOM.

export const MAX_DECIMALS = 10;
export const NUMBER_STYLES = ['plain', 'percent', 'currency'];

/**
 * A format of the snapshot or of an event as the store keeps it
 * ({decimals, thousands, style, currency}), or null: numbers as stored.
 * Anything malformed (the server never sends it) is null too.
 */
export function readNumberFormat(spec) {
  if (!spec || typeof spec !== 'object' || Array.isArray(spec)) return null;
  const decimals = Number.isInteger(spec.decimals) && spec.decimals >= 0 && spec.decimals <= MAX_DECIMALS ? spec.decimals : null;
  const style = NUMBER_STYLES.includes(spec.style) ? spec.style : 'plain';
  const currency = style === 'currency' && typeof spec.currency === 'string' && /^[A-Z]{3}$/.test(spec.currency) ? spec.currency : null;
  if (style === 'currency' && !currency) return null;
  const fmt = { decimals, thousands: spec.thousands === true, style, currency };
  return isPlain(fmt) ? null : fmt;
}

const isPlain = (fmt) => fmt.decimals === null && !fmt.thousands && fmt.style === 'plain';

/** Whether a column's values are numbers a format shows: number columns and number formulas. */
export function takesNumberFormat(col) {
  return !!col && (col.type === 'number' || (col.type === 'formula' && col.resultType === 'number'));
}

/** Intl.NumberFormat's options for a format. Without chosen decimals: as many as the value has (up to 10). */
export function intlOptions(fmt) {
  const options = { useGrouping: fmt.thousands };
  if (fmt.style === 'currency') Object.assign(options, { style: 'currency', currency: fmt.currency });
  else if (fmt.style === 'percent') options.style = 'percent';
  if (fmt.decimals !== null) {
    options.minimumFractionDigits = fmt.decimals;
    options.maximumFractionDigits = fmt.decimals;
  } else if (fmt.style !== 'currency') {
    // A currency without chosen decimals has its own (2 for USD, 0 for JPY).
    options.minimumFractionDigits = 0;
    options.maximumFractionDigits = MAX_DECIMALS;
  }
  return options;
}

// One formatter per language and format: a grid draws thousands of cells a second.
const formatters = new Map();

function formatterFor(fmt, locale) {
  const key = `${locale || ''}|${fmt.decimals}|${fmt.thousands}|${fmt.style}|${fmt.currency}`;
  let formatter = formatters.get(key);
  if (!formatter) {
    try {
      formatter = new Intl.NumberFormat(locale || undefined, intlOptions(fmt));
    } catch (err) {
      formatter = new Intl.NumberFormat(undefined, intlOptions(fmt)); // a language the browser does not know
    }
    formatters.set(key, formatter);
  }
  return formatter;
}

/**
 * The text a cell shows for `value` in a column of format `fmt`, in the
 * language `locale` (the browser's). Anything but a finite number (empty,
 * an error code, text) is given back unchanged, and so is every value without a format.
 */
export function formatNumber(value, fmt, locale) {
  if (!fmt || typeof value !== 'number' || !Number.isFinite(value)) return value;
  return formatterFor(fmt, locale).format(value);
}

/** The column dialog's fields of a format: {decimals: '' or '0'…'10', thousands, style, currency}. */
export function formatFields(fmt) {
  return {
    decimals: fmt && fmt.decimals !== null ? String(fmt.decimals) : '',
    thousands: !!(fmt && fmt.thousands),
    style: (fmt && fmt.style) || 'plain',
    currency: (fmt && fmt.currency) || '',
  };
}

/**
 * The format the dialog's fields ask for, as the op sends it (null: numbers
 * as stored), or {error} when a currency is wanted but none is chosen.
 */
export function formatFromFields({ decimals = '', thousands = false, style = 'plain', currency = '' }) {
  const fmt = {
    decimals: decimals === '' ? null : Number(decimals),
    thousands: !!thousands,
    style: NUMBER_STYLES.includes(style) ? style : 'plain',
    currency: null,
  };
  if (fmt.style === 'currency') {
    if (!currency) return { error: 'Choose a currency.' };
    fmt.currency = currency;
  }
  return isPlain(fmt) ? null : fmt;
}

/** Whether two formats (as `readNumberFormat` or `formatFromFields` give them) show numbers alike. */
export function sameNumberFormat(a, b) {
  if (!a || !b) return !a && !b;
  return a.decimals === b.decimals && a.thousands === b.thousands && a.style === b.style && a.currency === b.currency;
}
