// The profile's time-zone box (accounts/forms.py `TimeZoneInput`: a text box
// with a <datalist> of every zone, checked by the server): the browser's own
// zone is offered first in the list and by a button next to the box. Without
// JavaScript the box and its list work as they are.

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

/** On this page and on every fragment htmx swaps in (the profile form comes back after a save). */
export function followTimeZoneBoxes(doc = globalThis.document) {
  offerBrowserZone(doc);
  doc.body.addEventListener('htmx:load', (event) => offerBrowserZone(event.detail && event.detail.elt));
}
