// The socket to the server: one WebSocket per tab, reconnected with exponential
// backoff and full jitter. Close codes 4401/4403/4404 end it for good
// (docs/protocol.md, "Close codes").

export const FATAL_CODES = new Set([4401, 4403, 4404]);
export const FIRST_RETRY_WINDOW_MS = 500;
export const MAX_RETRY_WINDOW_MS = 15000;
const OFFLINE_AFTER_ATTEMPTS = 3;
const PING_AFTER_MS = 5000; // quiet this long: ping
const DEAD_AFTER_MS = 15000; // quiet this long: the socket is dead, reconnect

/**
 * How long to wait before reconnect attempt `attempt` (1, 2, …): anywhere in a
 * window that doubles with each failed attempt up to a cap ("full jitter").
 * A thousand tabs dropped at once (a deploy, a restart) then come back spread
 * over the window instead of all together, again and again. `random` is
 * injectable for tests (a number in [0, 1)).
 */
export function reconnectDelay(attempt, random = Math.random) {
  const n = Math.max(1, Math.floor(attempt) || 1);
  const window = Math.min(MAX_RETRY_WINDOW_MS, FIRST_RETRY_WINDOW_MS * 2 ** Math.min(n - 1, 30));
  return Math.floor(random() * window);
}

/**
 * new ServerSocket({path, onMessage(msg), onOpen({reconnect}), onState(state), onFatal(code)})
 * state: 'connecting' | 'live' | 'reconnecting' | 'offline' | 'closed'
 */
export class ServerSocket {
  constructor({ path, onMessage = () => {}, onOpen = () => {}, onState = () => {}, onFatal = () => {}, win = globalThis.window }) {
    Object.assign(this, { path, onMessage, onOpen, onState, onFatal, win });
    this.ws = null;
    this.state = 'connecting';
    this.attempts = 0;
    this.opened = false;
    this.stopped = false;
    this.retryTimer = null;
    this.watchdog = null;
    this.lastHeard = 0;
    this.pingId = 0;
  }

  url() {
    const { location } = this.win;
    const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
    return `${scheme}//${location.host}${this.path}`;
  }

  start() {
    this.win.addEventListener('online', () => this.reconnectNow());
    this.win.addEventListener('offline', () => this._setState('offline'));
    this._connect();
    this.watchdog = setInterval(() => this._watch(), 1000);
  }

  stop() {
    this.stopped = true;
    clearTimeout(this.retryTimer);
    clearInterval(this.watchdog);
    this._drop();
  }

  send(msg) {
    if (this.ws && this.ws.readyState === 1) this.ws.send(JSON.stringify(msg));
  }

  /** Reconnect at once (the browser came back online). */
  reconnectNow() {
    if (this.stopped || (this.ws && this.ws.readyState <= 1 && this.state === 'live')) return;
    clearTimeout(this.retryTimer);
    this.attempts = 0;
    this._drop();
    this._connect();
  }

  _setState(state) {
    if (this.state === state) return;
    this.state = state;
    this.onState(state);
  }

  _connect() {
    if (this.stopped) return;
    let ws;
    try {
      ws = new this.win.WebSocket(this.url());
    } catch (err) {
      this._scheduleReconnect();
      return;
    }
    this.ws = ws;
    this.lastHeard = Date.now();
    ws.onopen = () => {
      this.lastHeard = Date.now();
      const reconnect = this.opened;
      this.opened = true;
      this._setState('live');
      this.onOpen({ reconnect });
    };
    ws.onmessage = (event) => {
      this.lastHeard = Date.now();
      // The server took the socket (it speaks first, `hello`): the backoff starts
      // again from the shortest window. An open closed at once keeps backing off.
      this.attempts = 0;
      let msg;
      try { msg = JSON.parse(event.data); } catch (err) { return; }
      if (!msg || typeof msg !== 'object' || typeof msg.type !== 'string') return;
      // Answer heartbeats, so the server can tell a live tab from a vanished one.
      if (msg.type === 'sheet.heartbeat') this.send({ type: 'alive' });
      this.onMessage(msg);
    };
    ws.onclose = (event) => {
      if (this.ws !== ws) return;
      this.ws = null;
      if (FATAL_CODES.has(event.code)) {
        this.stopped = true;
        clearInterval(this.watchdog);
        this._setState('closed');
        this.onFatal(event.code);
        return;
      }
      this._scheduleReconnect();
    };
    ws.onerror = () => {}; // a close event follows
  }

  _drop() {
    const { ws } = this;
    this.ws = null;
    if (!ws) return;
    ws.onopen = ws.onmessage = ws.onclose = ws.onerror = null;
    try { ws.close(); } catch (err) { /* already closed */ }
  }

  _scheduleReconnect() {
    if (this.stopped) return;
    this.attempts += 1;
    const offline = this.win.navigator && this.win.navigator.onLine === false;
    this._setState(offline || this.attempts >= OFFLINE_AFTER_ATTEMPTS ? 'offline' : 'reconnecting');
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => this._connect(), reconnectDelay(this.attempts));
  }

  _watch() {
    const { ws } = this;
    if (!ws || ws.readyState > 1) return;
    const quiet = Date.now() - this.lastHeard;
    if (quiet > DEAD_AFTER_MS) {
      this._drop();
      this._scheduleReconnect();
    } else if (ws.readyState === 1 && quiet > PING_AFTER_MS && quiet % PING_AFTER_MS < 1000) {
      this.pingId += 1;
      this.send({ type: 'ping', id: this.pingId });
    }
  }
}
