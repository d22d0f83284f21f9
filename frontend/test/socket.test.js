import { test } from 'node:test';
import assert from 'node:assert/strict';
import { reconnectDelay, ServerSocket, FIRST_RETRY_WINDOW_MS, MAX_RETRY_WINDOW_MS } from '../src/socket.js';

test('reconnect delay: anywhere in a window that doubles per attempt', () => {
  assert.equal(reconnectDelay(1, () => 0), 0);
  assert.equal(reconnectDelay(1, () => 0.999999), FIRST_RETRY_WINDOW_MS - 1);
  assert.equal(reconnectDelay(2, () => 0.5), FIRST_RETRY_WINDOW_MS);
  assert.equal(reconnectDelay(3, () => 0.5), 2 * FIRST_RETRY_WINDOW_MS);
  assert.equal(reconnectDelay(4, () => 0.25), 2 * FIRST_RETRY_WINDOW_MS);
});

test('reconnect delay: capped, whatever the attempt (and a bad attempt counts as the first)', () => {
  for (const attempt of [6, 7, 20, 1000, Infinity]) {
    assert.ok(reconnectDelay(attempt, () => 0.999999) < MAX_RETRY_WINDOW_MS);
    assert.equal(reconnectDelay(attempt, () => 0.5), MAX_RETRY_WINDOW_MS / 2);
  }
  for (const attempt of [0, -3, NaN, undefined]) {
    assert.ok(reconnectDelay(attempt, () => 0.999999) < FIRST_RETRY_WINDOW_MS);
  }
});

test('reconnect delay: a thousand tabs refused together do not come back together', () => {
  const delays = Array.from({ length: 1000 }, () => reconnectDelay(5));
  const buckets = new Set(delays.map((d) => Math.floor(d / 100)));
  assert.ok(buckets.size > 50, `spread over ${buckets.size} 100 ms buckets`);
  assert.ok(delays.every((d) => d >= 0 && d < 16 * FIRST_RETRY_WINDOW_MS));
});

/** A window whose WebSockets the test opens, closes and speaks through; timers are recorded. */
function fakeWindow() {
  const sockets = [];
  class FakeSocket {
    constructor(url) { this.url = url; this.readyState = 0; sockets.push(this); }
    send() {}
    close() { this.readyState = 3; }
    open() { this.readyState = 1; this.onopen(); }
    message(msg) { this.onmessage({ data: JSON.stringify(msg) }); }
    drop(code = 1006) { this.readyState = 3; this.onclose({ code }); }
  }
  return {
    sockets,
    location: { protocol: 'http:', host: 'example.test' },
    navigator: { onLine: true },
    addEventListener() {},
    WebSocket: FakeSocket,
  };
}

test('a refused socket retries with a growing window; the server speaking resets it', (t) => {
  const delays = [];
  t.mock.method(globalThis, 'setTimeout', (fn, ms) => { delays.push(ms); return 0; });
  t.mock.method(globalThis, 'setInterval', () => 0);
  t.mock.method(Math, 'random', () => 0.999);
  const win = fakeWindow();
  const socket = new ServerSocket({ path: '/ws/sheet/1/', win });
  socket.start();
  for (let i = 0; i < 4; i += 1) { win.sockets.at(-1).drop(); socket._connect(); }
  assert.deepEqual(delays.map((d) => Math.ceil(d / FIRST_RETRY_WINDOW_MS)), [1, 2, 4, 8]);
  // Open, then closed before the server said anything: still backing off.
  win.sockets.at(-1).open();
  win.sockets.at(-1).drop();
  assert.equal(Math.ceil(delays.at(-1) / FIRST_RETRY_WINDOW_MS), 16);
  socket._connect();
  win.sockets.at(-1).open();
  win.sockets.at(-1).message({ type: 'hello' });
  win.sockets.at(-1).drop();
  assert.ok(delays.at(-1) < FIRST_RETRY_WINDOW_MS, 'back to the first window');
  socket.stop();
});
