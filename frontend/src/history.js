// The history panel (sheets/panels.html#history-panel) follows the sheet: when
// this tab has applied committed changes, `gridroom:changed` goes out on the
// page's body and the panel (hx-trigger) fetches itself again. A burst of
// events makes one fetch: the signal waits for a quiet moment, at most
// `maxWait` ms. Its Revert buttons send a revert op through the op queue, like
// Undo (actions.js). ChangeSignal has no DOM.
export const CHANGED_EVENT = 'gridroom:changed';

export class ChangeSignal {
  /** `notify()` is called once per burst of new versions. */
  constructor({ notify, wait = 300, maxWait = 1500, timers = globalThis, now = () => Date.now() }) {
    Object.assign(this, { notify, wait, maxWait, timers, now });
    this.lastSeen = null;
    this.timer = null;
    this.firstAt = null;
  }

  /** The version this tab now shows (the store's lastSeq): a newer one is a change. */
  seen(version) {
    if (!Number.isInteger(version)) return;
    const first = this.lastSeen === null;
    if (!first && version <= this.lastSeen) return;
    this.lastSeen = version;
    if (first) return; // the page's first snapshot: the panel was rendered from it or later
    const at = this.now();
    if (this.firstAt === null) this.firstAt = at;
    if (this.timer !== null) this.timers.clearTimeout(this.timer);
    const due = Math.max(0, Math.min(this.wait, this.firstAt + this.maxWait - at));
    this.timer = this.timers.setTimeout(() => this.flush(), due);
  }

  flush() {
    if (this.timer !== null) this.timers.clearTimeout(this.timer);
    this.timer = null;
    this.firstAt = null;
    this.notify();
  }
}

/** Clicks on the panel's Revert buttons (they come and go with the panel) call `revert(seq)`. */
export function bindRevertButtons({ panel, revert }) {
  if (!panel) return;
  panel.addEventListener('click', (event) => {
    const button = event.target.closest ? event.target.closest('[data-revert-seq]') : null;
    if (!button) return;
    event.preventDefault();
    button.disabled = true; // once; the panel comes back with the outcome
    revert(Number(button.dataset.revertSeq));
  });
}

/**
 * The sheet page's wiring: the store's versions signal the panel; its buttons revert.
 * A signal while the panel's own fetch is on its way waits for that answer to be
 * swapped in (htmx would queue it on the panel being replaced, and so lose it).
 */
export function followHistory({ store, on, doc = globalThis.document }) {
  let due = false;
  const notify = () => {
    due = !!doc.getElementById('history-panel')?.classList.contains('htmx-request');
    if (!due) doc.body.dispatchEvent(new CustomEvent(CHANGED_EVENT));
  };
  doc.body.addEventListener('htmx:afterSettle', () => { if (due) notify(); });
  const signal = new ChangeSignal({ notify });
  store.subscribe(() => signal.seen(store.lastSeq));
  // Refused or not, the panel comes back once the answer is in (a refusal commits nothing to signal).
  const revert = (seq) => Promise.resolve(on.revert(seq)).finally(() => signal.flush());
  bindRevertButtons({ panel: doc.getElementById('side-panel'), revert });
  return signal;
}
