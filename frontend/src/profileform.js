// The profile form, made easier where JavaScript runs (without it the form
// works as it is): the time-zone box (accounts/forms.py `TimeZoneInput`: a
// text box with a <datalist> of every zone, checked by the server) offers the
// browser's own zone first in its list and by a button under it; the choices
// of how dates and numbers are typed say what "auto" means in this browser.
import { describeBrowserInput } from './typedinput.js';

/** The browser's time zone (null: unknown). */
export function browserTimeZone(intl = globalThis.Intl) {
  try {
    return intl.DateTimeFormat().resolvedOptions().timeZone || null;
  } catch (err) {
    return null;
  }
}

/** Offer `zone` first in the list of every time-zone box under `root`, once per box. */
export function offerBrowserZone(root, zone = browserTimeZone(), doc = globalThis.document) {
  if (!root || !zone) return;
  for (const input of root.querySelectorAll('input[data-time-zone]')) {
    if (input.dataset.offered) continue;
    input.dataset.offered = 'yes';
    const list = input.list;
    if (list && ![...list.options].some((o) => o.value === zone && o.dataset.browser)) {
      const first = doc.createElement('option');
      first.value = zone;
      first.dataset.browser = 'yes';
      first.label = `${zone} (this browser)`;
      list.prepend(first);
    }
    const use = doc.createElement('button');
    use.type = 'button';
    use.className = 'button secondary time-zone-use';
    use.textContent = `Use this browser's zone (${zone.replace(/_/g, ' ')})`;
    use.hidden = input.value === zone;
    use.addEventListener('click', () => {
      input.value = zone;
      use.hidden = true;
      input.focus();
    });
    input.addEventListener('input', () => { use.hidden = input.value === zone; });
    input.after(use);
  }
}

/** Under the "Decimal mark in cells" choice: what this browser's language writes ("auto"). */
function explainAuto(root, doc) {
  const select = root.querySelector('select[name="decimal_mark"]');
  if (!select || select.dataset.explained) return;
  select.dataset.explained = 'yes';
  const hint = doc.createElement('p');
  hint.className = 'helptext';
  hint.id = 'input-auto-hint';
  hint.textContent = describeBrowserInput(globalThis.navigator && globalThis.navigator.language);
  select.after(hint);
  for (const name of ['date_order', 'decimal_mark']) {
    const choice = root.querySelector(`select[name="${name}"]`);
    if (choice) choice.setAttribute('aria-describedby', hint.id);
  }
}

function enhance(root, doc) {
  if (!root || !root.querySelectorAll) return;
  offerBrowserZone(root, browserTimeZone(), doc);
  explainAuto(root, doc);
}

/** On this page and on every fragment htmx swaps in (the profile form comes back after a save). */
export function followProfileForm(doc = globalThis.document) {
  enhance(doc, doc);
  doc.body.addEventListener('htmx:load', (event) => enhance(event.detail && event.detail.elt, doc));
}
