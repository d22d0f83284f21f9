// The page header: server clock, user name and colour, connection status, banner.
import { LiveSocket } from './socket.js';
import { defaultStorage, guardLogout } from './outbox.js';

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

export function createHeader(config) {
  const clock = document.getElementById('server-clock');
  const userName = document.getElementById('user-name');
  const status = document.getElementById('live-status');
  const banner = document.getElementById('live-banner');
  const myId = config.user && config.user.id;
  let timeZone = validTimeZone(config.user && config.user.time_zone);
  let format = null;
  let lastMs = null;
  let lastTickAt = 0;
  let stale = false;
  let lastMessage = null; // a message that came before a close (session.ended, sheet.deleted)

  function render() {
    if (!clock || lastMs === null) return;
    if (!format) {
      format = new Intl.DateTimeFormat('en-GB', {
        hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23', timeZone,
      });
    }
    const when = new Date(lastMs);
    clock.textContent = `${format.format(when)} ${timeZone}${stale ? ' (stale)' : ''}`;
    clock.dateTime = when.toISOString();
    clock.dataset.stale = String(stale);
    clock.dataset.timeZone = timeZone;
  }

  function setTime(ms) {
    if (typeof ms !== 'number') return;
    lastMs = ms;
    lastTickAt = Date.now();
    stale = false;
    render();
  }

  function applyUser(user) {
    if (!user || user.id !== myId) return;
    if (userName) {
      userName.textContent = user.display_name || user.username || '';
      if (COLOUR.test(user.colour || '')) {
        userName.style.color = user.colour;
        userName.style.setProperty('--user-colour', user.colour);
        userName.dataset.colour = user.colour;
      }
    }
    const tz = validTimeZone(user.time_zone);
    if (tz !== timeZone) { timeZone = tz; format = null; render(); }
  }

  /** A message for the user; `link` {href, label} adds a link after it. */
  function showBanner(text, link = null) {
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
  function loginLink() {
    if (!config.login_url) return null;
    const here = window.location.pathname + window.location.search;
    return { href: `${config.login_url}?next=${encodeURIComponent(here)}`, label: 'Log in again' };
  }

  function setConnection(state) {
    if (!status) return;
    status.textContent = state;
    status.dataset.state = state;
  }

  function handleMessage(msg) {
    switch (msg.type) {
      case 'clock.tick': setTime(msg.now_ms); break;
      case 'hello': applyUser(msg.user); break;
      case 'profile.updated': applyUser(msg.user); break;
      case 'session.ended': lastMessage = msg.message; showBanner(msg.message || CLOSE_MESSAGES[4401]); break;
      case 'sheet.deleted': lastMessage = msg.message; showBanner(msg.message || CLOSE_MESSAGES[4404]); break;
      case 'access.revoked': lastMessage = msg.message; showBanner(msg.message || CLOSE_MESSAGES[4403]); break;
      default: break;
    }
  }

  /** The socket closed for good. On a sheet page a 4404 goes back to the list. */
  function handleFatal(code, { leaveTo = null } = {}) {
    setConnection('closed');
    showBanner(lastMessage || CLOSE_MESSAGES[code] || 'The live connection was closed.', code === 4401 ? loginLink() : null);
    if (code === 4404 && leaveTo) setTimeout(() => window.location.assign(leaveTo), 2500);
  }

  async function loadInitial() {
    if (!config.initial_state_url) return;
    try {
      const response = await fetch(config.initial_state_url, {
        credentials: 'same-origin', headers: { Accept: 'application/json' },
      });
      if (response.status === 401) { showBanner(CLOSE_MESSAGES[4401], loginLink()); return; }
      if (!response.ok) return;
      const body = await response.json();
      if (lastMs === null) setTime(body.now_ms);
      applyUser(body.user);
    } catch (err) {
      // The first tick fills the clock instead.
    }
  }

  function start() {
    // Log out clears the user's saved changes (after saying so if some never reached the server).
    guardLogout({ form: document.querySelector('.logout-form'), storage: defaultStorage(), userId: myId });
    setInterval(() => {
      if (lastMs !== null && !stale && Date.now() - lastTickAt > STALE_AFTER_MS) {
        stale = true;
        render();
      }
    }, 500);
    return loadInitial();
  }

  // htmx swaps only 2xx answers: anything else (a 413 from nginx for a file
  // over the upload limit, a 500, a lost connection) would otherwise say nothing.
  document.body.addEventListener('htmx:responseError', (event) => {
    const status = event.detail.xhr ? event.detail.xhr.status : 0;
    showBanner(status === 413
      ? 'That file or request is larger than the server accepts.'
      : `The server could not do that (error ${status}). Nothing was changed; try again.`);
  });
  document.body.addEventListener('htmx:sendError', () => {
    showBanner('The server could not be reached. Nothing was changed; try again.');
  });

  return { start, handleMessage, setConnection, showBanner, handleFatal, applyUser, loginLink };
}

/** Socket and header wired together; `onMessage`/`onOpen`/`onFatal` add page-specific handling. */
export function connectLive({ header, path, onMessage = () => {}, onOpen = () => {}, onFatal = () => {}, onState = () => {}, leaveTo = null }) {
  const socket = new LiveSocket({
    path,
    onMessage: (msg) => { header.handleMessage(msg); onMessage(msg); },
    onOpen,
    onState: (state) => { header.setConnection(state); onState(state); },
    onFatal: (code) => { header.handleFatal(code, { leaveTo }); onFatal(code); },
  });
  socket.start();
  return socket;
}
