// Typing "=" at the start of a plain cell stores text (formulas belong to
// formula columns, docs/formulas.md): the first time in a tab, the page says
// how to make a formula column instead.

export const FORMULA_HINT = 'Text starting with “=” is kept as text here. To compute, add a column of type Formula (Add column, or Column settings…) and write the formula once for every row, e.g. =[Price] * [Qty].';

export class FormulaHint {
  /** `element`: the page's status paragraph for it (sheets/detail.html), if any. */
  constructor({ element }) {
    this.element = element;
    this.shown = false;
  }

  /** A user typed a would-be formula into a plain cell: say it once per tab. */
  typed() {
    if (this.shown || !this.element) return;
    this.shown = true;
    this.element.textContent = FORMULA_HINT;
    this.element.hidden = false;
  }
}
