// A tab's DOM-free parts, made by the same function the sheet page uses.
import { makeSheetState } from '../src/sheetstate.js';

// The tests' name for it.
export const makeSheet = makeSheetState;

/**
 * What the store lacks, as the sync loop reads it: {reload: true} (only the
 * snapshot helps), {needCatchUp: lastSeq} (a catch-up from there) or null.
 */
export function wants({ store }) {
  if (store.needsSnapshot) return { reload: true };
  if (store.behind) return { needCatchUp: store.lastSeq };
  return null;
}
