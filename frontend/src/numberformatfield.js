// The column dialog's number format fields (decimal places, thousands
// separator, percent or currency, and an example of the result), for number
// columns and number formulas. The format itself is numberformat.js's.
import { formatFields, formatFromFields, formatNumber } from './numberformat.js';

const EXAMPLE = 1234.5;

export class NumberFormatField {
  constructor({ doc = globalThis.document, locale = globalThis.navigator?.language } = {}) {
    this.locale = locale;
    this.wrap = doc.getElementById('column-format-field');
    this.decimals = doc.getElementById('column-decimals');
    this.thousands = doc.getElementById('column-thousands');
    this.style = doc.getElementById('column-style');
    this.currency = doc.getElementById('column-currency');
    this.currencyField = doc.getElementById('column-currency-field');
    this.example = doc.getElementById('column-format-example');
    for (const input of [this.decimals, this.thousands, this.style, this.currency]) {
      input.addEventListener('change', () => this._changed());
    }
  }

  /** Fill the fields from a column's format (null: numbers as stored). */
  reset(fmt) {
    const fields = formatFields(fmt);
    this.decimals.value = fields.decimals;
    this.thousands.checked = fields.thousands;
    this.style.value = fields.style;
    this.currency.value = fields.currency;
    this._changed();
  }

  setVisible(flag) { this.wrap.hidden = !flag; }

  get visible() { return !this.wrap.hidden; }

  focus() { this.decimals.focus(); }

  /** The format asked for (null: as stored), or {error}. */
  value() {
    return formatFromFields({
      decimals: this.decimals.value,
      thousands: this.thousands.checked,
      style: this.style.value,
      currency: this.currency.value,
    });
  }

  _changed() {
    this.currencyField.hidden = this.style.value !== 'currency';
    const fmt = this.value();
    if (fmt && fmt.error) this.example.textContent = fmt.error;
    else this.example.textContent = `${EXAMPLE} is shown as ${fmt ? formatNumber(EXAMPLE, fmt, this.locale) : EXAMPLE}`;
  }
}
