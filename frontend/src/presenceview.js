// Who else is here, on the sheet page: the "People here" list, other people's
// selections outlined in the grid (grid.js `setMarks`), and this tab's own
// selection sent to them (throttled). The rules are presence.js; names go in
// as text, colours only after presence.js checked them.
import { Presence, Throttle } from './presence.js';

export function renderPresenceList(list, users) {
  if (!list) return;
  const items = users.map((user) => {
    const li = document.createElement('li');
    li.className = user.me ? 'presence-user me' : 'presence-user';
    li.dataset.userId = String(user.id);
    li.dataset.colour = user.colour;
    li.style.setProperty('--user-colour', user.colour);
    li.title = user.me ? `${user.name} (you)` : user.name;
    const dot = document.createElement('span');
    dot.className = 'presence-dot';
    dot.setAttribute('aria-hidden', 'true');
    const name = document.createElement('span');
    name.className = 'presence-name';
    name.textContent = user.name;
    li.append(dot, name);
    if (user.me) {
      const you = document.createElement('span');
      you.className = 'presence-you';
      you.textContent = ' (you)';
      li.append(you);
    }
    return li;
  });
  list.replaceChildren(...items);
  list.dataset.count = String(users.length);
}

export class PresenceView {
  /** `send(msg)` writes to the socket; `grid` (grid.js) draws the outlines; `list` is the "People here" list. */
  constructor({ userId, clientId, list, send }) {
    this.presence = new Presence({ userId, clientId });
    this.list = list;
    this.grid = null;
    this.selection = new Throttle({
      send: (ranges) => send({ type: 'presence.select', client_id: clientId, ranges }),
    });
  }

  /** The grid adapter whose outlines this view sets. */
  attachGrid(grid) { this.grid = grid; }

  /** This tab's selection changed (ids, or null). */
  selected(ranges) { this.selection.push(ranges); }

  /** The socket is (back) up: the others dropped this tab's selection if it was gone a while. */
  hello() { this.selection.repeat(); }

  /** A socket message: true if it was about presence. */
  receive(msg) {
    const changed = this.presence.receive(msg);
    if (!changed) return false;
    if (changed.users) renderPresenceList(this.list, this.presence.users);
    if (changed.selections && this.grid) this.grid.setMarks(this.presence.marks());
    // Someone came (or went): a newcomer has no copy of this tab's selection yet.
    if (msg.type === 'presence.changed') this.selection.repeat();
    return true;
  }

  /** The page goes away: the others drop this tab's outline now rather than when it expires. */
  pageHidden() { this.selection.flushNow(null); }

  /** The socket closed for good: nobody is shown here any more. */
  leave() {
    this.selection.flushNow(null);
    this.presence.reset();
    renderPresenceList(this.list, []);
    if (this.grid) this.grid.setMarks([]);
  }
}
