// Tabs of the shipped client for the Python convergence test
// (sheets/tests/test_convergence.py): each tab is the committed store, the
// pending edits and the local ops (parts.js, as the sheet page makes them)
// with its SyncLoop (sync.js). Run as `node tabhost.js --serve`; Python
// (sheets/tests/client_tabs.py) drives it over JSON lines:
//
//   stdin  {"cmd": "open", "tab": id, "snapshotUrl": url, "changesUrl": url,
//           "rowsUrl"?: url, "blockRows"?: n}   (rowsUrl: a tab holding only some rows)
//          {"cmd": "show", "tab": id, "first": n, "last": n}   (the grid shows those rows)
//          {"cmd": "receive", "tab": id, "messages": [...]}   (socket messages, in order)
//          {"cmd": "grid", "tab": id}
//          {"cmd": "close", "tab": id}
//   stdout {"ready": true} once, at start
//          {"ok": true, ...} or {"error": "..."} per command
//
// While a command runs, the tab's SyncLoop may fetch: the host writes
// {"request": url} and reads the server's answer {"status": n, "body": {...}}
// as the next stdin line (Python answers with the real API views). A tab asks
// for nothing outside a command: no timers run (start() is not called, and a
// failed fetch stops the tab instead of leaving its retry timer).
import readline from 'node:readline';
import { SyncLoop } from '../src/sync.js';
import { RowWindows } from '../src/windows.js';
import { makeSheet } from './parts.js';

const lines = readline.createInterface({ input: process.stdin })[Symbol.asyncIterator]();
const say = (obj) => process.stdout.write(`${JSON.stringify(obj)}\n`);

async function nextLine() {
  const { value, done } = await lines.next();
  if (done) process.exit(0);
  return JSON.parse(value);
}

const tabs = new Map();
let inCommand = false;

function openTab({ tab: id, snapshotUrl, changesUrl, rowsUrl, blockRows }) {
  const parts = makeSheet({ clientId: `tab-${id}` });
  const tab = { ...parts, failure: null };
  const getJson = async (url) => {
    if (!inCommand) {
      tab.failure = `fetched ${url} outside a command`;
      throw new Error(tab.failure);
    }
    say({ request: url });
    const answer = await nextLine();
    if (answer.status !== 200) tab.failure = `GET ${url} answered ${answer.status}: ${JSON.stringify(answer.body)}`;
    return answer;
  };
  const fail = (what) => () => { tab.failure = what; };
  tab.sync = new SyncLoop({
    store: parts.store,
    getJson,
    snapshotUrl,
    changesUrl,
    onGone: fail('the sheet is gone (404)'),
    onLoggedOut: fail('logged out (401)'),
  });
  if (rowsUrl) tab.windows = new RowWindows({ store: parts.store, getJson, rowsUrl, blockRows, marginRows: 0, onGone: fail('the sheet is gone (404)') });
  tabs.set(id, tab);
  return tab;
}

/**
 * The tab's committed grid: the shape database_grid() builds in Python, with
 * the row number each held row shows at and the rows the grid shows in all.
 */
function grid({ store }) {
  const columns = store.columns.map((c) => ({ id: c.id, name: c.name, type: c.type }));
  const rows = store.rows.map((r) => [r.id, columns.map((c) => r.values[c.id] ?? null)]);
  const layout = store.layout();
  const shownAt = store.rows.map((r) => layout.rowPos.get(r.id));
  return { seq: store.lastSeq, columns, rows, shownAt, rowCount: layout.count, behind: store.behind, needsSnapshot: store.needsSnapshot };
}

/** Wait until neither the sync loop nor the row windows have a request running. */
async function settle(tab) {
  while (tab.sync.running || (tab.windows && tab.windows.fetch.running)) {
    await tab.sync.idle();
    if (tab.windows) await tab.windows.idle();
  }
}

/** A socket message, as sheet.js routes it to the sync loop; resolves when the loop is idle. */
async function deliver(tab, message) {
  await tab.sync.receive(message);
  if (tab.windows) tab.windows.check(); // a block held until now may be merged: the view asks again
  await settle(tab);
}

async function run(cmd) {
  const tab = cmd.cmd === 'open' ? openTab(cmd) : tabs.get(cmd.tab);
  if (!tab) return { error: `no tab ${cmd.tab}` };
  switch (cmd.cmd) {
    case 'open': return { ok: true };
    case 'receive':
      for (const message of cmd.messages) {
        await deliver(tab, message);
        if (tab.failure) break;
      }
      break;
    case 'grid': return { ok: true, ...grid(tab) };
    case 'show':
      if (tab.windows) tab.windows.show(cmd.first, cmd.last);
      await settle(tab);
      break;
    case 'close': tab.sync.stop(); tabs.delete(cmd.tab); return { ok: true };
    default: return { error: `unknown command ${cmd.cmd}` };
  }
  if (tab.failure) {
    tab.sync.stop();
    return { error: tab.failure };
  }
  return { ok: true };
}

// `node --test test/` (npm test) runs every file here as a test: without
// `--serve` there is nothing to do.
if (process.argv[2] !== '--serve') process.exit(0);
say({ ready: true });
for (;;) {
  const cmd = await nextLine();
  inCommand = true;
  let result;
  try {
    result = await run(cmd);
  } catch (err) {
    result = { error: err.stack || String(err) };
  }
  inCommand = false;
  say(result);
}
