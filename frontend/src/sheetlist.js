// The sheet list follows changes live. The server tells the user's sockets
// `sheets.changed` when their list changed (a sheet shared with them or taken
// away, renamed, created, deleted, given a new owner); the list
// (sheets/list.html, `hx-trigger="sheetsChanged from:body"`) then fetches its
// server-rendered partial again. Every hello fetches it too, the first one
// included: a change may have come between the page's render (or the last
// socket) and the socket joining the user's group. A rename or delete form
// open in the list is not swept away under the user's hands: the refresh waits
// until the list swapped it out, and a refresh already on its way when the
// user opened one (or is opening one) is not swapped in.

export class SheetListFollower {
  constructor({ doc = globalThis.document } = {}) {
    this.doc = doc;
    this.due = false;
    doc.body.addEventListener('htmx:afterSettle', () => { if (this.due) this.refresh(); });
    doc.body.addEventListener('htmx:beforeSwap', (event) => this.beforeSwap(event));
  }

  /**
   * The list's own fetch answered: kept out while a form in it is open or on
   * its way, and fetched again after. (A form's answer swaps the list as usual.)
   */
  beforeSwap(event) {
    const list = this.doc.getElementById('sheet-list');
    if (!list || event.detail.requestConfig?.elt !== list) return;
    if (list.querySelector('form, .htmx-request')) {
      event.detail.shouldSwap = false;
      this.due = true;
    }
  }

  /** A socket message. */
  receive(msg) {
    if (msg.type === 'sheets.changed') this.refresh();
    else if (msg.type === 'hello') this.refresh();
  }

  refresh() {
    const list = this.doc.getElementById('sheet-list');
    if (!list) return;
    // A form open in it, or its own fetch on its way (htmx would queue this one on the list
    // being replaced, and so lose it): again once that is swapped out.
    if (list.querySelector('form') || list.classList.contains('htmx-request')) { this.due = true; return; }
    this.due = false;
    this.doc.body.dispatchEvent(new CustomEvent('sheetsChanged'));
  }
}

/**
 * The "Create sheet" form: once the server made the sheet (and sends the page
 * to it), the title box is emptied and the form gets a new token, so coming
 * back to this page (the browser's Back) starts a new sheet rather than
 * reopening that one.
 */
export function bindCreateForm({ doc = globalThis.document, newToken = () => globalThis.crypto.randomUUID() } = {}) {
  const form = doc.getElementById('create-sheet');
  if (!form) return;
  const reset = () => {
    form.reset();
    const token = form.querySelector('input[name="create_token"]');
    if (token) token.value = newToken();
  };
  form.addEventListener('htmx:afterRequest', (event) => {
    const xhr = event.detail && event.detail.xhr;
    if (event.detail.successful && xhr && xhr.getResponseHeader('HX-Redirect')) reset();
  });
}
