// The sheet page: one socket (header + sheet events), the state, the op queue and the grid.
// Initial state: the socket opens first and events are held; the snapshot is
// fetched once the server said hello (groups joined); every reconnect catches up.
// Handsontable's styles: esbuild puts them in dist/grid.css (linked by sheets/detail.html).
import 'handsontable/styles/handsontable.min.css';
import 'handsontable/styles/ht-theme-main.min.css';
import { createHeader, connectLive, readJsonScript } from './header.js';
import { SheetState } from './state.js';
import { splitChanges, splitRowValues, splitItems } from './ops.js';
import { createSaving } from './saving.js';
import { Syncer } from './sync.js';
import { createGridView } from './gridview.js';
import { createColumnDialog } from './dialog.js';
import { Presence, Throttle, roleLabel } from './presence.js';
import { renderPresenceList } from './presenceview.js';
import { bindUndoButtons } from './undokeys.js';

const LOAD_WITHOUT_SOCKET_MS = 3000;

function csrfToken() {
  const match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
  if (match) return decodeURIComponent(match[1]);
  try {
    return JSON.parse(document.body.getAttribute('hx-headers') || '{}')['X-CSRFToken'] || '';
  } catch (err) {
    return '';
  }
}

async function getJson(url) {
  const response = await fetch(url, { credentials: 'same-origin', headers: { Accept: 'application/json' } });
  const body = await response.json().catch(() => null);
  return { status: response.status, body };
}

function start() {
  const live = readJsonScript('live-config');
  const config = readJsonScript('sheet-config');
  if (!live || !config) return;
  const header = createHeader(live);
  header.start();
  const titleEl = document.getElementById('sheet-title');
  const statusEl = document.getElementById('sheet-status');
  const limits = { maxChanges: config.max_changes_per_op, maxBytes: config.max_body_bytes };
  const state = new SheetState();
  const presence = new Presence({ userId: live.user ? live.user.id : null, clientId: state.clientId });
  const presenceList = document.getElementById('presence');
  let socket = null;
  const selection = new Throttle({
    send: (ranges) => { if (socket) socket.send({ type: 'presence.select', client_id: state.clientId, ranges }); },
  });
  let saving = null; // the op queue, its outbox and the status line (saving.js)

  let view = null;
  let statusWanted = false;

  function showStatus() {
    // The status line changes together with the cells it speaks about.
    if (view && view.rendering()) { statusWanted = true; return; }
    statusWanted = false;
    if (saving) saving.render(statusEl);
  }

  const leaveTo = config.sheet_list_url || live.sheet_list_url;
  const syncer = new Syncer({
    state,
    getJson,
    snapshotUrl: `${config.snapshot_url}?rows=arrays`,
    changesUrl: config.changes_url,
    onGone: () => header.handleFatal(4404, { leaveTo }),
    onLoggedOut: () => { header.handleFatal(4401); saving.loggedOutNow(); },
    onLoaded: showStatus,
  });

  saving = createSaving({ state, live, config, header, syncer, csrfToken, onStatus: showStatus });
  const { queue } = saving;
  saving.start(); // ops earlier pages of this sheet left unsent are shown and sent first

  const send = (op) => (op ? queue.send(op) : Promise.resolve(null));

  const dialog = createColumnDialog({ state, send });
  const on = {
    editCells(changes) {
      for (const chunk of splitChanges(changes, limits)) send(state.editCells(chunk));
    },
    appendRows(valuesList) {
      for (const chunk of splitRowValues(valuesList, limits)) {
        const last = state.rows.length ? state.rows[state.rows.length - 1].id : null;
        send(state.insertRows(last, chunk));
      }
    },
    insertRow(after) {
      const op = state.insertRows(after, [{}]);
      if (op) { view.focusRow(op.body.rows[0].id); send(op); }
    },
    deleteRows(ids) {
      for (const chunk of splitItems(ids.filter(Boolean), limits)) send(state.deleteRows(chunk));
    },
    insertColumn(after) {
      send(state.insertColumn({ after, name: `Column ${state.columns.length + 1}`, type: 'text' }));
    },
    deleteColumns(ids) { send(state.deleteColumns(ids.filter(Boolean))); },
    editColumn(id, focus) { if (id) dialog.open(id, focus); },
    // After every change already queued (the queue keeps the order), like any op.
    undo() { if (view.canEdit()) send(state.undo()); },
    redo() { if (view.canEdit()) send(state.redo()); },
    rendered() { if (statusWanted) showStatus(); },
    selected(ranges) { selection.push(ranges); },
  };

  view = createGridView({
    container: document.getElementById('grid'),
    state,
    canEdit: !!config.can_edit,
    licenseKey: config.license_key,
    on,
  });

  state.subscribe((change) => {
    if (change.title !== null && titleEl) {
      titleEl.textContent = change.title;
      document.title = `${change.title} · Gridroom`;
    }
    if (change.status) showStatus();
  });

  const addRow = document.getElementById('add-row');
  const addColumn = document.getElementById('add-column');
  const undoButton = document.getElementById('undo');
  const redoButton = document.getElementById('redo');
  bindUndoButtons({ undoButton, redoButton, undo: on.undo, redo: on.redo });
  addRow.addEventListener('click', () => {
    if (view.canEdit()) on.insertRow(state.rows.length ? state.rows[state.rows.length - 1].id : null);
  });
  addColumn.addEventListener('click', () => {
    if (view.canEdit()) on.insertColumn(state.columns.length ? state.columns[state.columns.length - 1].id : null);
  });

  // --- Roles: read-only or editable, switched live by access.changed.
  const badge = document.getElementById('role-badge');
  const shareLink = document.getElementById('share-link');
  const historyLink = document.getElementById('history-link');
  const sidePanel = document.getElementById('side-panel');

  /** role: owner/editor/viewer (from sheet_config or access.changed); revoked: no access at all. */
  function setAccess({ role, canEdit, canManage = role === 'owner', revoked = false }) {
    view.setCanEdit(canEdit && !revoked);
    for (const button of [addRow, addColumn, undoButton, redoButton]) if (button) button.disabled = !canEdit || revoked;
    if (!canEdit || revoked) dialog.close();
    if (badge) {
      badge.textContent = revoked ? 'No access' : roleLabel(role, canEdit);
      badge.dataset.role = revoked ? 'none' : (role || (canEdit ? 'editor' : 'viewer'));
    }
    if (shareLink) shareLink.hidden = !canManage || revoked;
    const importLink = document.getElementById('import-link'); // rendered for editors only
    if (importLink) importLink.hidden = !canEdit || revoked;
    if (historyLink) historyLink.hidden = revoked;
    // A panel the user may no longer use goes away (the server refuses it anyway).
    if (revoked || (!canManage && sidePanel && sidePanel.dataset.panel === 'share')) closePanel();
  }

  function closePanel() {
    if (!sidePanel) return;
    sidePanel.replaceChildren();
    delete sidePanel.dataset.panel;
  }

  if (sidePanel) {
    // Which panel is showing: the toolbar link that filled it says so.
    document.body.addEventListener('htmx:afterSwap', (event) => {
      if (event.detail.target !== sidePanel) return;
      const from = event.detail.requestConfig && event.detail.requestConfig.elt;
      if (from === shareLink) sidePanel.dataset.panel = 'share';
      else if (from === historyLink) sidePanel.dataset.panel = 'history';
    });
    sidePanel.addEventListener('click', (event) => {
      if (event.target.closest && event.target.closest('[data-panel-close]')) { event.preventDefault(); closePanel(); }
    });
  }

  function leave() {
    // The socket closed for good: nobody is shown here any more.
    selection.flushNow(null);
    presence.reset();
    renderPresenceList(presenceList, []);
    view.setMarks([]);
  }

  function handlePresence(msg) {
    const changed = presence.receive(msg);
    if (!changed) return false;
    if (changed.users) renderPresenceList(presenceList, presence.users);
    if (changed.selections) view.setMarks(presence.marks());
    // Someone came (or went): a newcomer has no copy of this tab's selection yet.
    if (msg.type === 'presence.changed') selection.repeat();
    return true;
  }

  setAccess({ role: config.role, canEdit: !!config.can_edit, canManage: !!config.can_manage });

  socket = connectLive({
    header,
    path: config.ws_path,
    leaveTo,
    onState: (socketState) => saving.setSocketState(socketState),
    onMessage(msg) {
      switch (msg.type) {
        case 'hello':
          syncer.resync();
          queue.retryNow();
          selection.repeat(); // the others dropped it if this tab was gone a while
          // A role that changed while the socket was down (if the server says it here).
          if (typeof msg.can_edit === 'boolean') setAccess({ role: msg.role, canEdit: msg.can_edit });
          return;
        case 'presence.changed':
        case 'selection.changed':
          handlePresence(msg);
          return;
        case 'access.changed':
          setAccess({ role: msg.role, canEdit: !!msg.can_edit });
          return;
        case 'access.revoked':
          setAccess({ role: null, canEdit: false, revoked: true });
          leave();
          return;
        default:
          syncer.handle(state.receive(msg));
      }
    },
    onFatal(code) {
      if (code === 4401) saving.loggedOutNow();
      leave();
      if (code === 4403) setAccess({ role: null, canEdit: false, revoked: true });
    },
  });
  // Leaving the page: the others drop this tab's outline now rather than when it expires.
  window.addEventListener('pagehide', () => selection.flushNow(null));
  window.addEventListener('online', () => queue.retryNow());
  // No socket yet (slow network, proxy trouble): show the sheet anyway; hello catches up later.
  setTimeout(() => { if (!state.loaded) syncer.resync(); }, LOAD_WITHOUT_SOCKET_MS);
  showStatus();

  window.gridroom = { hot: view.hot, state, queue, syncer, socket, presence, view, saving };
}

start();
