// Writing a formula in the column dialog: column names put in at the cursor,
// and the server's check of what is typed (POST …/formula/check), asked a
// moment after the typing stops, its answers taken only for the text still
// typed. The server's compile is the one rule (docs/formulas.md); nothing here
// parses a formula. No DOM.

export const CHECK_DELAY_MS = 300;

const RESULTS = { number: 'a number', text: 'text', date: 'a date', checkbox: 'TRUE or FALSE', mixed: 'mixed values' };

/** A column name as a formula writes it: `[Size [cm]]]` for "Size [cm]". */
export const bracketed = (name) => `[${String(name).replaceAll(']', ']]')}]`;

/**
 * `piece` put in `text` in place of the selection start..end: {text, caret}.
 * An empty formula gets its `=` first.
 */
export function insertAt(text, start, end, piece) {
  let before = text.slice(0, start);
  const after = text.slice(end);
  if (!before.trim() && !after.trim().startsWith('=')) before = `${before}=`;
  return { text: before + piece + after, caret: before.length + piece.length };
}

/**
 * What the check's answer ({status, body}) means for the dialog:
 * {state: 'ok' | 'error' | 'failed', message, position?}.
 */
export function describeCheck({ status, body }) {
  if (status === 200 && body && body.ok === true) {
    return { state: 'ok', message: `The formula is valid; it gives ${RESULTS[body.result_type] || 'a value'}.` };
  }
  if (body && typeof body.message === 'string' && status >= 200 && status < 500) {
    const out = { state: 'error', message: body.message };
    if (Number.isInteger(body.position)) out.position = body.position;
    return out;
  }
  return { state: 'failed', message: 'The formula could not be checked now; saving checks it again.' };
}

/**
 * Checks what the user types, at most once per pause: `check(body)` resolves
 * {status, body}; `onResult(result)` hears {state: 'checking'} first, then
 * describeCheck's answer (or {state: 'empty'} for no formula). A late answer
 * for text no longer typed is dropped.
 */
export class FormulaChecker {
  constructor({ check, onResult, delayMs = CHECK_DELAY_MS, timers = globalThis }) {
    Object.assign(this, { check, onResult, delayMs, timers });
    this.timer = null;
    this.asked = 0; // how many checks were asked for: an answer to an older one is stale
    this.latest = null; // {formula, result} of the latest answered check
  }

  /** The formula (and the column it is for) changed: check it after a pause. */
  input({ formula, column = null, name = null }) {
    this.cancel();
    const asked = ++this.asked;
    if (!formula.trim()) { this._result(formula, { state: 'empty', message: '' }); return; }
    this.onResult({ state: 'checking', message: 'Checking…' });
    this.timer = this.timers.setTimeout(async () => {
      this.timer = null;
      let result;
      try {
        result = describeCheck(await this.check({ formula, column, name }));
      } catch (err) {
        result = describeCheck({ status: 0, body: null });
      }
      if (asked === this.asked) this._result(formula, result);
    }, this.delayMs);
  }

  _result(formula, result) {
    this.latest = { formula, result };
    this.onResult(result);
  }

  /** The refusal the server gave for exactly this formula, or null (not checked yet, valid, or unknown). */
  errorFor(formula) {
    const { latest } = this;
    return latest && latest.formula === formula && latest.result.state === 'error' ? latest.result.message : null;
  }

  /** No check is pending any more (the dialog closed). */
  cancel() {
    if (this.timer) this.timers.clearTimeout(this.timer);
    this.timer = null;
    this.asked += 1;
  }
}
