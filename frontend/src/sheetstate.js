// A sheet's DOM-free state, made and passed to each other in one place: the
// committed store, the pending edits over it and the local ops that change
// both. The sheet page (sheet.js) and the unit tests make a tab's state here.
import { CommittedStore } from './committed.js';
import { PendingEdits } from './pending.js';
import { LocalOps } from './localops.js';

export function makeSheetState({ clientId, now } = {}) {
  const store = new CommittedStore();
  const pending = new PendingEdits({ store, clientId, now });
  const local = new LocalOps({ store, pending });
  return { store, pending, local };
}
