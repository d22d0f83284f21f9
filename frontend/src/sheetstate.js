// A sheet's DOM-free state, made and passed to each other in one place: the
// committed store, the values the server refused (kept in sight), the pending
// edits over both and the local ops that change them. The sheet page
// (sheet.js) and the unit tests make a tab's state here.
import { CommittedStore } from './committed.js';
import { PendingEdits } from './pending.js';
import { LocalOps } from './localops.js';
import { RefusedValues } from './refused.js';

export function makeSheetState({ clientId, now } = {}) {
  const store = new CommittedStore();
  const refused = new RefusedValues({ feed: store.feed });
  const pending = new PendingEdits({ store, clientId, now, refused });
  const local = new LocalOps({ store, pending });
  return { store, refused, pending, local };
}
