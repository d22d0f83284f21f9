// The page header: server clock, user name and colour, connection status, banner.
import { ServerSocket } from './socket.js';
import { defaultStorage, guardLogout } from './outbox.js';
import { textColourOn } from './colour.js';

const STALE_AFTER_MS = 3000;
const COLOUR = /^#[0-9a-fA-F]{3,8}$/;

export function readJsonScript(id) {
  const el = document.getElementById(id);
  if (!el) return null;
  try { return JSON.parse(el.textContent); } catch (err) { return null; }
}

function validTimeZone(tz) {
  if (typeof tz !== 'string' || !tz) return 'UTC';
  try { new Intl.DateTimeFormat('en-GB', { timeZone: tz }); return tz; } catch (err) { return 'UTC'; }
}

const CLOSE_MESSAGES = {
  4401: 'You are logged out. Log in again to keep working.',
  4403: 'You no longer have access to this sheet.',
  4404: 'This sheet no longer exists, or you may not see it.',
};

// Messages that come before the socket closes: the banner says them (and the close keeps them).
const FAREWELLS = { 'session.ended': 4401, 'sheet.deleted': 4404, 'access.revoked': 4403 };

export class Header {
  /** `config`: the page's `live-config` (user, URLs, socket path). */
  constructor(config) {
    this.config = config;
    this.clock = document.getElementById('server-clock');
    this.userName = document.getElementById('user-name');
    this.status = document.getElementById('live-status');
    this.banner = document.getElementById('live-banner');
    this.myId = config.user && config.user.id;
    this.timeZone = validTimeZone(config.user && config.user.time_zone);
    this.format = null;
    this.lastMs = null;
    this.lastTickAt = 0;
    this.stale = false;
    this.lastMessage = null; // a message that came before a close (session.ended, sheet.deleted)
    this._watchHtmx();
  }

  _render() {
    if (!this.clock || this.lastMs === null) return;
    if (!this.format) {
      this.format = new Intl.DateTimeFormat('en-GB', {
        hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23', timeZone: this.timeZone,
      });
    }
    const when = new Date(this.lastMs);
    this.clock.textContent = `${this.format.format(when)} ${this.timeZone}${this.stale ? ' (stale)' : ''}`;
    this.clock.dateTime = when.toISOString();
    this.clock.dataset.stale = String(this.stale);
    this.clock.dataset.timeZone = this.timeZone;
  }

  _setTime(ms) {
    if (typeof ms !== 'number') return;
    this.lastMs = ms;
    this.lastTickAt = Date.now();
    this.stale = false;
    this._render();
  }

  applyUser(user) {
    if (!user || user.id !== this.myId) return;
    if (this.userName) {
      this.userName.textContent = user.display_name || user.username || '';
      if (COLOUR.test(user.colour || '')) {
        // A chip in the user's colour, the name in black or white on it: readable whatever the colour.
        this.userName.style.setProperty('--user-colour', user.colour);
        this.userName.style.setProperty('--user-text', textColourOn(user.colour));
        this.userName.dataset.colour = user.colour;
      }
    }
    const tz = validTimeZone(user.time_zone);
    if (tz !== this.timeZone) { this.timeZone = tz; this.format = null; this._render(); }
  }

  /** A message for the user; `link` {href, label} adds a link after it. */
  showBanner(text, link = null) {
    const { banner } = this;
    if (!banner) return;
    banner.textContent = text;
    if (link && link.href) {
      const a = document.createElement('a');
      a.href = link.href;
      a.textContent = link.label || link.href;
      a.className = 'banner-link';
      banner.append(' ', a);
    }
    banner.hidden = false;
  }

  /** The login page, coming back here afterwards. */
  loginLink() {
    if (!this.config.login_url) return null;
    const here = window.location.pathname + window.location.search;
    return { href: `${this.config.login_url}?next=${encodeURIComponent(here)}`, label: 'Log in again' };
  }

  setConnection(state) {
    if (!this.status) return;
    this.status.textContent = state;
    this.status.dataset.state = state;
  }

  handleMessage(msg) {
    if (msg.type === 'clock.tick') this._setTime(msg.now_ms);
    else if (msg.type === 'hello' || msg.type === 'profile.updated') this.applyUser(msg.user);
    else if (FAREWELLS[msg.type]) {
      this.lastMessage = msg.message;
      this.showBanner(msg.message || CLOSE_MESSAGES[FAREWELLS[msg.type]]);
    }
  }

  /** The socket closed for good. On a sheet page a 4404 goes back to the list. */
  handleFatal(code, { leaveTo = null } = {}) {
    this.setConnection('closed');
    this.showBanner(this.lastMessage || CLOSE_MESSAGES[code] || 'The live connection was closed.', code === 4401 ? this.loginLink() : null);
    if (code === 4404 && leaveTo) setTimeout(() => window.location.assign(leaveTo), 2500);
  }

  async _loadInitial() {
    if (!this.config.initial_state_url) return;
    try {
      const response = await fetch(this.config.initial_state_url, {
        credentials: 'same-origin', headers: { Accept: 'application/json' },
      });
      if (response.status === 401) { this.showBanner(CLOSE_MESSAGES[4401], this.loginLink()); return; }
      if (!response.ok) return;
      const body = await response.json();
      if (this.lastMs === null) this._setTime(body.now_ms);
      this.applyUser(body.user);
    } catch (err) {
      // The first tick fills the clock instead.
    }
  }

  start() {
    // Log out clears the user's saved changes (after saying so if some never reached the server).
    guardLogout({ form: document.querySelector('.logout-form'), storage: defaultStorage(), userId: this.myId });
    setInterval(() => {
      if (this.lastMs !== null && !this.stale && Date.now() - this.lastTickAt > STALE_AFTER_MS) {
        this.stale = true;
        this._render();
      }
    }, 500);
    return this._loadInitial();
  }

  // htmx swaps only 2xx answers: anything else (a 413 from nginx for a file
  // over the upload limit, a 500, a lost connection) would otherwise say nothing.
  _watchHtmx() {
    document.body.addEventListener('htmx:responseError', (event) => {
      const status = event.detail.xhr ? event.detail.xhr.status : 0;
      this.showBanner(status === 413
        ? 'That file or request is larger than the server accepts.'
        : `The server could not do that (error ${status}). Nothing was changed; try again.`);
    });
    document.body.addEventListener('htmx:sendError', () => {
      this.showBanner('The server could not be reached. Nothing was changed; try again.');
    });
  }
}

/** The socket to the server, wired to the header; `onMessage`/`onOpen`/`onFatal`/`onState` add page-specific handling. */
export function connectSocket({ header, path, onMessage = () => {}, onOpen = () => {}, onFatal = () => {}, onState = () => {}, leaveTo = null }) {
  const socket = new ServerSocket({
    path,
    onMessage: (msg) => { header.handleMessage(msg); onMessage(msg); },
    onOpen,
    onState: (state) => { header.setConnection(state); onState(state); },
    onFatal: (code) => { header.handleFatal(code, { leaveTo }); onFatal(code); },
  });
  socket.start();
  return socket;
}
