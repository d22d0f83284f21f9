// A tab's DOM-free parts, made and passed to each other as the sheet page
// (src/sheet.js) makes them: the committed store, the pending edits over it
// and the local ops that change both.
import { CommittedStore } from '../src/committed.js';
import { PendingEdits } from '../src/pending.js';
import { LocalOps } from '../src/localops.js';

export function makeSheet({ clientId, now } = {}) {
  const store = new CommittedStore();
  const pending = new PendingEdits({ store, clientId, ...(now ? { now } : {}) });
  const local = new LocalOps({ store, pending });
  return { store, pending, local };
}

/**
 * What the store lacks, as the sync loop reads it: {reload: true} (only the
 * snapshot helps), {needCatchUp: lastSeq} (a catch-up from there) or null.
 */
export function wants({ store }) {
  if (store.needsSnapshot) return { reload: true };
  if (store.behind) return { needCatchUp: store.lastSeq };
  return null;
}
