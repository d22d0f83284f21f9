// The sheet page: its parts made and passed to each other (docs/client.md has the map).
// Initial state: the socket opens and the sync loop fetches the snapshot at
// once; the store holds events until it comes, and the server's hello (groups
// joined) brings a catch-up from its version, as after every reconnect.
// Handsontable's styles: esbuild puts them in dist/sheet.css (linked by sheets/detail.html).
import 'handsontable/styles/handsontable.min.css';
import 'handsontable/styles/ht-theme-main.min.css';
import { Header, connectSocket, readJsonScript } from './header.js';
import { makeSheetState } from './sheetstate.js';
import { SyncLoop } from './sync.js';
import { RowWindows } from './windows.js';
import { Saving } from './saving.js';
import { GridAdapter } from './grid.js';
import { ColumnDialog } from './dialog.js';
import { TitleEditor } from './titleedit.js';
import { PresenceView } from './presenceview.js';
import { AccessControls } from './access.js';
import { SheetGone } from './gone.js';
import { bindToolbar, userActions } from './actions.js';
import { followHistory } from './history.js';
import { csrfToken, getJson, postJson } from './http.js';
import { FormulaHint } from './formulahint.js';
import { inputPrefs } from './typedinput.js';
import { FindBox } from './findbox.js';
import { ViewState } from './viewstate.js';
import { ViewRows } from './viewrows.js';
import { ViewBar } from './viewbar.js';
import { ViewChoice, sharedViewsOf } from './sharedviews.js';
import { ViewSwitch } from './viewswitch.js';
import { viewCountText } from './status.js';

/** The title in the page and the tab; the status line together with the cells it speaks about. */
function showChanges({ store, grid, saving }) {
  const titleEl = document.getElementById('sheet-title');
  const statusEl = document.getElementById('sheet-status');
  let wanted = false;
  const showStatus = () => {
    // "Saved" waits for the cells it speaks of to be drawn; unsaved work is told at once.
    if (grid() && grid().rendering() && saving() && saving().status().kind === 'saved') { wanted = true; return; }
    wanted = false;
    if (saving()) saving().render(statusEl);
  };
  // Subscribed after the grid adapter, so a repaint it schedules holds the status line back.
  const follow = () => store.subscribe((change) => {
    if (change.title !== null && titleEl) {
      titleEl.textContent = change.title;
      document.title = `${change.title} · Gridroom`;
    }
    if (change.status) showStatus();
  });
  return { showStatus, follow, rendered: () => { if (wanted) showStatus(); } };
}

function makeParts(pageConfig, config, header) {
  const { store, pending, local } = makeSheetState();
  const p = { store, pending, local, header, socket: null };
  const status = showChanges({ store, grid: () => p.grid, saving: () => p.saving });
  p.leaveTo = config.sheet_list_url || pageConfig.sheet_list_url;
  // A 404 (or a 403 to a read): the sheet is gone for this user, whatever the socket said.
  const gone = () => {
    if (p.socket) p.socket.stop();
    p.windows.stop();
    header.handleFatal(4404);
    p.gone.leave('gone');
  };
  p.saving = new Saving({ store, pending, local, pageConfig, sheetConfig: config, header, csrfToken, onStatus: status.showStatus, onGone: gone });
  // The snapshot holds the first rows; a big sheet's others come in windows as the user scrolls.
  p.windows = new RowWindows({ store, pending, getJson, rowsUrl: config.rows_url, onGone: gone });
  p.sync = new SyncLoop({
    store,
    getJson,
    snapshotUrl: config.head_url, // the page preloads it (sheets/detail.html)
    changesUrl: config.changes_url,
    onGone: gone,
    onLoggedOut: () => { header.handleFatal(4401); p.saving.loggedOutNow(); },
    onLoaded: status.showStatus,
  });
  // The first snapshot at once, while the rest of the page is made and the socket connects
  // (the server's hello then catches up from its version).
  p.sync.resync();
  const send = (op) => p.saving.send(op);
  p.presence = new PresenceView({
    userId: pageConfig.user ? pageConfig.user.id : null,
    clientId: pending.clientId,
    list: document.getElementById('presence'),
    send: (msg) => { if (p.socket) p.socket.send(msg); },
  });
  const check = (body) => postJson(config.formula_check_url, body);
  p.dialog = new ColumnDialog({ store, local, send, check, onAdded: (colId) => p.grid.focusColumn(colId) });
  const hint = new FormulaHint({ element: document.getElementById('formula-hint') });
  const limits = { maxChanges: config.max_changes_per_op, maxBytes: config.max_body_bytes };
  const grid = () => p.grid;
  // Read when first needed: the browser's first Intl formats cost the open ~20 ms.
  let prefsRead = null;
  const prefs = () => prefsRead ?? (prefsRead = inputPrefs(config.input_locale, navigator.language));
  p.views = makeViews(p, config, prefs, grid, status);
  const on = userActions({ store, pending, local, send, limits, grid, dialog: p.dialog, presence: p.presence, windows: p.windows, views: p.views, onRendered: status.rendered, prefs, onFormulaTyped: () => hint.typed() });
  const footer = {
    wrap: document.getElementById('grid-footer'),
    label: document.getElementById('grid-footer-label'),
    list: document.getElementById('grid-footer-cells'),
    labels: config.summaries || [],
  };
  p.grid = new GridAdapter({ container: document.getElementById('grid'), store, pending, canEdit: !!config.can_edit, licenseKey: config.license_key, on, footer, view: p.views.rows });
  p.presence.attachGrid(p.grid);
  status.follow();
  const title = new TitleEditor({ store, local, send, canEdit: () => p.grid.canEdit() });
  p.access = new AccessControls({ grid: p.grid, dialog: p.dialog, title, buttons: bindToolbar({ store, on, grid }) });
  p.access.apply(config);
  p.gone = new SheetGone({ parts: p, listUrl: p.leaveTo || '/sheets/' });
  p.history = followHistory({ store, on });
  const findRoot = document.getElementById('find-box');
  if (findRoot) p.find = new FindBox({ root: findRoot, getJson, findUrl: config.find_url, grid });
  status.showStatus();
  // While a view is shown the row count says how many of the sheet's rows it shows.
  if (p.saving.statusLine) p.saving.statusLine.rowsText = () => (p.views.rows.shown ? viewCountText(p.views.rows.counted ? p.views.rows.count : null, store.rowCount) : null);
  return p;
}

/** This tab's own sort and filter: the spec (kept per sheet for the tab), its rows, the bar. */
function makeViews(p, config, prefs, grid, status) {
  let storage = null;
  try { storage = window.sessionStorage; } catch { /* storage off: the view lasts as long as the page */ }
  const state = new ViewState({ storage, key: `gridroom.view.v1.${config.sheet_id}` });
  const rows = new ViewRows({ store: p.store, pending: p.pending, state, getJson, rowsUrl: config.rows_url, onGone: () => p.gone.leave('gone') });
  p.pending.rows.showing(rows); // its rows take edits like the store's (knownrows.js)
  rows.subscribe(() => status.showStatus());
  const bar = new ViewBar({ state, rows, store: p.store, prefs, grid });
  // The sheet's shared views: ops of their own, whose answer's event the store takes at once.
  const send = async (op, body) => {
    const url = `/api/sheets/${config.sheet_id}/views/${op}`;
    const answer = await postJson(url, { client_id: p.pending.clientId, op_id: crypto.randomUUID(), ...body })
      .catch(() => ({ status: 0, body: { message: 'the server could not be reached; try again' } }));
    if (answer.body && answer.body.event) p.store.ingest(answer.body.event);
    return answer;
  };
  const canEdit = () => !!grid() && grid().canEdit();
  const choice = new ViewChoice({ state, views: sharedViewsOf(p.store), canEdit, send, applied: () => bar._applied(), clientId: p.pending.clientId });
  p.viewSwitch = new ViewSwitch({ choice, bar, canEdit });
  if (p.store.loaded) choice.viewsLoaded();
  return bar;
}

/** Every socket message goes to the part it is for (the header sees them all first). */
function route(p, msg) {
  if (p.gone.reason) return; // nothing of the sheet is shown any more
  switch (msg.type) {
    case 'hello':
      p.sync.receive(msg);
      p.saving.queue.retryNow();
      p.presence.hello();
      // A role that changed while the socket was down (if the server says it here).
      if (typeof msg.can_edit === 'boolean') p.access.apply(msg);
      return;
    case 'presence.snapshot':
    case 'presence.joined':
    case 'presence.left':
    case 'presence.updated':
    case 'selection.changed': p.presence.receive(msg); return;
    case 'access.changed': p.access.apply(msg); return;
    case 'access.revoked': p.gone.leave('revoked'); return;
    case 'sheet.deleted': p.gone.leave('deleted'); return;
    case 'sheets.changed': return; // the sheet list's (page.js)
    default: p.sync.receive(msg);
  }
}

function start() {
  const pageConfig = readJsonScript('live-config');
  const config = readJsonScript('sheet-config');
  if (!pageConfig || !config) return;
  const header = new Header(pageConfig);
  header.start();
  const p = makeParts(pageConfig, config, header);
  p.saving.start(); // ops earlier pages of this sheet left unsent are shown and sent first
  p.socket = connectSocket({
    header,
    path: config.ws_path,
    leaveTo: p.leaveTo,
    onState: (socketState) => p.saving.setSocketState(socketState),
    onMessage: (msg) => route(p, msg),
    onFatal(code) {
      if (code === 4401) p.saving.loggedOutNow();
      p.presence.leave();
      if (code === 4403) p.gone.leave('revoked');
      else if (code === 4404) p.gone.leave('gone');
    },
  });
  window.addEventListener('pagehide', () => p.presence.pageHidden());
  window.gridroom = { ...p, get hot() { return p.grid.hot; } };
}

start();
