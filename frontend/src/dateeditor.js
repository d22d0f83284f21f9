// A date column's cell editor: typing works as in any cell (the date is read
// the way the user writes dates, typedinput.js), and a calendar is there on
// demand: the button beside the text, or Alt+ArrowDown, opens the browser's
// own date picker. A date picked there is the cell's new value (YYYY-MM-DD).
import { TextEditor } from 'handsontable/editors';

const GROUP = 'gridroom-date-picker';
const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;

export class DatePickEditor extends TextEditor {
  createElements() {
    super.createElements();
    const doc = this.hot.rootDocument;
    this.PICKER = doc.createElement('input');
    this.PICKER.type = 'date';
    this.PICKER.className = 'date-picker-input';
    this.PICKER.tabIndex = -1;
    this.PICKER.setAttribute('aria-hidden', 'true');
    this.BUTTON = doc.createElement('button');
    this.BUTTON.type = 'button';
    this.BUTTON.className = 'date-picker-button';
    this.BUTTON.tabIndex = -1;
    this.BUTTON.setAttribute('aria-label', 'Pick a date (Alt+Down)');
    this.BUTTON.title = 'Pick a date (Alt+Down)';
    this.TEXTAREA.setAttribute('aria-keyshortcuts', 'Alt+ArrowDown');
    this.TEXTAREA_PARENT.append(this.PICKER, this.BUTTON);
    // The text keeps the focus (and what was typed) while the button is pressed.
    this.BUTTON.addEventListener('mousedown', (event) => event.preventDefault());
    this.BUTTON.addEventListener('click', () => this.pick());
    this.PICKER.addEventListener('change', () => {
      if (!ISO_DATE.test(this.PICKER.value)) return;
      this.setValue(this.PICKER.value);
      this.finishEditing();
    });
  }

  /** Open the browser's date picker at the date in the cell (or today). */
  pick() {
    const typed = this.getValue().trim();
    this.PICKER.value = ISO_DATE.test(typed) ? typed : '';
    try {
      this.PICKER.showPicker();
    } catch {
      this.PICKER.focus(); // no picker to show (an old browser): the date field takes the keys
    }
  }

  registerShortcuts() {
    super.registerShortcuts();
    this.hot.getShortcutManager().getContext('editor').addShortcut({
      keys: [['Alt', 'ArrowDown']],
      group: GROUP,
      callback: () => { this.pick(); return false; },
    });
  }

  unregisterShortcuts() {
    super.unregisterShortcuts();
    this.hot.getShortcutManager().getContext('editor').removeShortcutsByGroup(GROUP);
  }
}
