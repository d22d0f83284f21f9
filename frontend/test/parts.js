// A tab's DOM-free parts, made by the same function the sheet page uses.
import { makeSheetState } from '../src/sheetstate.js';
import { Saving } from '../src/saving.js';

// The tests' name for it.
export const makeSheet = makeSheetState;

/** The Saving of a sheet page for user `user` on sheet `sheet`, over `storage`; nothing is sent unless `fetchImpl` answers. */
export function savingFor(parts, { user, sheet, storage, fetchImpl = () => new Promise(() => {}), win = null, onGone }) {
  return new Saving({
    ...parts,
    pageConfig: { user: { id: user } },
    sheetConfig: { sheet_id: sheet, ops_url: `/api/sheets/${sheet}/` },
    header: { showBanner() {} },
    csrfToken: () => 'token',
    onGone,
    storage,
    fetchImpl,
    win,
  });
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
