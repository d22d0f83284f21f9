// The real server for convergence.test.js: Gridroom started the way `make run`
// starts it (scripts/run_embedded.bash: daphne, SQLite in a fresh data dir, the
// in-memory channel layer) on a free port, spoken to over HTTP.
//
// `Gridroom.start()` starts the process (with the test-only endpoints of
// proj/testing.py on) and logs in three users: ann (user 1), bob (user 2) and the
// owner of every sheet. `gridroom.sheet()` makes a fresh sheet through the real
// pages, shares it with ann and bob as editors and shapes it (through the API, as
// its owner) into what the scenarios start from: columns A (text) and B
// (number), three empty rows. The `Server` it answers is what the test drives:
//
//   snapshot(), changes(since)   GET /api/sheets/<id>/ and …/changes?since=
//   post(endpoint, body, clientId, user)
//                                one op by user 1 or 2: POST /api/sheets/<id>/<endpoint>
//   version, applied, reverts    what the harness has seen committed
//   sockets                      tabs whose socket is "up": after each op the
//                                events it committed are read from the change log
//                                and pushed to their `inbox` (Node has no
//                                WebSocket client; the harness then drops,
//                                duplicates and reorders them)
//   prune(rng)                   retention (sheets/services/retention.py) through
//                                POST /test/prune, as if time had passed
//   grid()                       the snapshot as the test compares it with tabs
//
// Every rule — order keys, undo conflicts, the items per op (`maxItems`, as
// GRIDROOM_MAX_CHANGES_PER_OP), replays, op records — is the real server's.
import { spawn } from 'node:child_process';
import { mkdtempSync, openSync, closeSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const clone = (x) => (x === undefined ? x : JSON.parse(JSON.stringify(x)));

const REPO = fileURLToPath(new URL('../..', import.meta.url));
const START_MS = 120_000;
// The embedded default, whatever the shell that runs the tests has set.
const UNSET = ['DATABASE_URL', 'REDIS_URL', 'GRIDROOM_PRODUCTION', 'DJANGO_DEBUG', 'DJANGO_SETTINGS_MODULE'];

// Requests in flight, so the harness can wait for what a tab's catch-up started.
const inflight = new Set();

/** Waits for every request in flight; true when there was one (its answer may start more). */
export async function settle() {
  if (!inflight.size) return false;
  await Promise.allSettled([...inflight]);
  return true;
}

function freePort() {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address();
      probe.close(() => resolve(port));
    });
  });
}

/** One logged-in browser profile: its cookies and CSRF token. */
class Session {
  constructor(url, { id, username, csrf_token: csrf }, cookie) {
    Object.assign(this, { url, id, username, csrf, cookie });
  }

  /** {status, body (parsed JSON or null), headers}. */
  request(method, path, { json, form, htmx = false } = {}) {
    const headers = { cookie: this.cookie, 'x-csrftoken': this.csrf, accept: 'application/json' };
    let body;
    if (json !== undefined) { headers['content-type'] = 'application/json'; body = JSON.stringify(json); }
    if (form !== undefined) { headers['content-type'] = 'application/x-www-form-urlencoded'; body = new URLSearchParams(form).toString(); }
    if (htmx) headers['hx-request'] = 'true';
    const done = (async () => {
      const res = await fetch(this.url + path, { method, headers, body, redirect: 'manual' });
      const text = await res.text();
      let parsed = null;
      try { parsed = JSON.parse(text); } catch { /* an HTML page or an empty answer */ }
      return { status: res.status, body: parsed, headers: res.headers };
    })();
    inflight.add(done);
    done.finally(() => inflight.delete(done)).catch(() => {});
    return done;
  }

  async json(method, path, options) {
    const res = await this.request(method, path, options);
    if (res.status !== 200) throw new Error(`${method} ${path} as ${this.username}: HTTP ${res.status} ${JSON.stringify(res.body)}`);
    return res.body;
  }
}

export class Gridroom {
  /** Starts the app and waits until it answers; `maxItems` caps the items of one op. */
  static async start({ maxItems }) {
    const dataDir = mkdtempSync(join(tmpdir(), 'gridroom-conv-'));
    const port = await freePort();
    const env = { ...process.env };
    for (const key of UNSET) delete env[key];
    Object.assign(env, {
      PORT: String(port),
      GRIDROOM_DATA_DIR: dataDir,
      GRIDROOM_TEST_ENDPOINTS: '1',
      GRIDROOM_MAX_CHANGES_PER_OP: String(maxItems),
      // Pruning by age only (POST /test/prune picks the age), not the newest 1000 kept.
      GRIDROOM_CHANGE_LOG_KEEP_COUNT: '0',
      GRIDROOM_LOG_LEVEL: 'WARNING',
      PYTHONUNBUFFERED: '1',
    });
    const logPath = join(dataDir, 'server.log');
    const log = openSync(logPath, 'w');
    const child = spawn(join(REPO, 'scripts/run_embedded.bash'), [], {
      cwd: REPO, env, detached: true, stdio: ['ignore', log, log],
    });
    closeSync(log);
    const gridroom = new Gridroom({ url: `http://127.0.0.1:${port}`, child, dataDir, logPath });
    try {
      await gridroom._ready();
      gridroom.users = {};
      for (const [key, name] of [[1, 'ann'], [2, 'bob'], ['owner', 'own']]) gridroom.users[key] = await gridroom._login(name);
    } catch (err) {
      await gridroom.stop();
      throw err;
    }
    return gridroom;
  }

  constructor({ url, child, dataDir, logPath }) {
    Object.assign(this, { url, child, dataDir, logPath });
    this.exited = new Promise((resolve) => child.once('exit', resolve));
    this.killOnExit = () => this._signal('SIGKILL');
    process.once('exit', this.killOnExit);
  }

  log() {
    try { return readFileSync(this.logPath, 'utf8'); } catch { return ''; }
  }

  /** Polls until the API answers (401 without a session), or fails with the server's log. */
  async _ready() {
    const deadline = Date.now() + START_MS;
    let exited = false;
    this.exited.then(() => { exited = true; });
    while (Date.now() < deadline) {
      if (exited) throw new Error(`Gridroom exited while starting:\n${this.log()}`);
      try {
        const res = await fetch(`${this.url}/api/initial_state`);
        const text = await res.text();
        if (res.status === 401) return;
        throw new Error(`GET /api/initial_state answered HTTP ${res.status}, not 401: ${text.slice(0, 200)}\n${this.log()}`);
      } catch (err) {
        if (!(err instanceof TypeError)) throw err; // a TypeError: not listening yet
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error(`Gridroom did not answer within ${START_MS / 1000} s:\n${this.log()}`);
  }

  async _login(username) {
    const res = await fetch(`${this.url}/test/users`, { method: 'POST', body: JSON.stringify({ username }) });
    if (res.status !== 200) throw new Error(`POST /test/users: HTTP ${res.status} ${await res.text()}`);
    const cookie = res.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
    return new Session(this.url, await res.json(), cookie);
  }

  _signal(signal) {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    try { process.kill(-this.child.pid, signal); } catch { /* gone already */ }
  }

  async stop() {
    this._signal('SIGTERM');
    const timer = setTimeout(() => this._signal('SIGKILL'), 15_000);
    await this.exited;
    clearTimeout(timer);
    process.removeListener('exit', this.killOnExit);
    rmSync(this.dataDir, { recursive: true, force: true });
  }

  /** A fresh sheet, shared with users 1 and 2, as the scenarios start it. */
  async sheet() {
    const owner = this.users.owner;
    const made = await owner.request('POST', '/sheets/new/', { form: { title: 'Sheet' } });
    const id = Number((made.headers.get('location') || '').match(/^\/sheets\/(\d+)\/$/)?.[1]);
    if (made.status !== 302 || !id) throw new Error(`POST /sheets/new/: HTTP ${made.status} to ${made.headers.get('location')}`);
    for (const user of [this.users[1], this.users[2]]) {
      const shared = await owner.request('POST', `/sheets/${id}/share/`, { form: { who: user.username, role: 'editor' }, htmx: true });
      if (shared.status !== 200) throw new Error(`POST /sheets/${id}/share/: HTTP ${shared.status}`);
      await user.json('GET', `/api/sheets/${id}/`); // 404 unless shared
    }
    const server = new Server(this, id);
    await server.shape();
    return server;
  }
}

export class Server {
  constructor(gridroom, id) {
    this.gridroom = gridroom;
    this.users = gridroom.users;
    this.id = id;
    this.version = 0;
    this.sockets = new Set(); // tabs whose socket is connected
    this.applied = new Set(); // op_id of every committed event
    this.reverts = { undo: 0, redo: 0, refused: 0 };
  }

  /** As the owner: columns A (text) and B (number) and three rows are left. */
  async shape() {
    const snap = await this.snapshot();
    const owner = this.users.owner;
    const op = async (endpoint, body) => {
      const { status, answer } = await this.post(endpoint, { client_id: 'setup', op_id: crypto.randomUUID(), ...body }, 'setup', owner);
      if (status !== 200) throw new Error(`setup ${endpoint}: HTTP ${status} ${JSON.stringify(answer)}`);
    };
    await op('columns/delete', { columns: snap.columns.slice(2).map((c) => c.id) });
    await op('columns/update', { column: snap.columns[1].id, type: 'number' });
    const extra = snap.rows.slice(3).map((r) => r.id);
    for (let i = 0; i < extra.length; i += 4) await op('rows/delete', { rows: extra.slice(i, i + 4) });
  }

  get _reader() { return this.users.owner; }

  snapshot() { return this._reader.json('GET', `/api/sheets/${this.id}/`); }

  changes(since) { return this._reader.json('GET', `/api/sheets/${this.id}/changes?since=${since}`); }

  async grid() {
    const snap = await this.snapshot();
    const cols = snap.columns.map((c) => c.id);
    return {
      title: snap.title,
      columns: snap.columns.map((c) => [c.id, c.name, c.type]),
      rows: snap.rows.map((r) => [r.id, cols.map((c) => r.values[c] ?? null)]),
    };
  }

  /** One POST by `user` (1, 2 or a Session) from tab `clientId`: {status, answer}. */
  async post(endpoint, body, clientId, user) {
    const session = typeof user === 'object' ? user : this.users[user];
    const { status, body: answer } = await session.request('POST', `/api/sheets/${this.id}/${endpoint}`, { json: { ...body, client_id: clientId } });
    if (status >= 500) throw new Error(`POST ${endpoint}: HTTP ${status}; the server's log ends:\n${this.gridroom.log().slice(-4000)}`);
    if (answer && answer.error === 'undo_conflict') this.reverts.refused += 1;
    // Refusals and replays commit nothing: only an answer with a newer version sends events.
    if (answer && answer.version > this.version) await this._broadcast();
    return { status, answer };
  }

  /** What was committed since the last look, as the socket would have pushed it. */
  async _broadcast() {
    const { version, reload, changes } = await this.changes(this.version);
    if (reload) throw new Error(`sheet ${this.id}: the change log lost seq ${this.version + 1}… before it was read`);
    for (const event of changes) {
      if (event.op_id) this.applied.add(event.op_id);
      if (event.kind in this.reverts) this.reverts[event.kind] += 1;
      for (const tab of this.sockets) tab.inbox.push(clone(event));
    }
    this.version = version;
  }

  /** Payloads up to a recent seq go (catch-up from before it answers reload; too old
   * to undo too), or the op records up to one (ops based on older versions are refused). */
  async prune(rng) {
    const records = rng.random() >= 0.7;
    const seq = this.version - (records ? rng.int(0, 2) : rng.int(0, 3));
    if (seq < 1) return;
    await this._reader.json('POST', '/test/prune', { json: { sheet_id: this.id, seq, records } });
  }
}
