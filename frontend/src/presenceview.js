// Who else is here, on the sheet page: how many ("1,000 here"), a few of them
// by name in the "People here" list (presence.js `shown`: me, the people
// whose selection is nearest mine, the latest arrivals; "+ N more" for the
// rest), other people's selections outlined in the grid (grid.js `setMarks`),
// and this tab's own selection sent to them (throttled). Names go in as text,
// colours only after presence.js checked them. The list is drawn at most once
// an animation frame, so a burst of arrivals costs one repaint.
import { Presence, Throttle } from './presence.js';

const HIDDEN_PAINT_MS = 100; // no animation frame this long (a hidden tab): a timer paints

const formatCount = (n) => n.toLocaleString('en-US');

function chip(doc, user) {
  const li = doc.createElement('li');
  li.className = user.me ? 'presence-user me' : 'presence-user';
  li.dataset.userId = String(user.id);
  li.dataset.colour = user.colour;
  li.style.setProperty('--user-colour', user.colour);
  li.title = user.me ? `${user.name} (you)` : user.name;
  const dot = doc.createElement('span');
  dot.className = 'presence-dot';
  dot.setAttribute('aria-hidden', 'true');
  const name = doc.createElement('span');
  name.className = 'presence-name';
  name.textContent = user.name;
  li.append(dot, name);
  if (user.me) {
    const you = doc.createElement('span');
    you.className = 'presence-you';
    you.textContent = ' (you)';
    li.append(you);
  }
  return li;
}

/** A span beside the list with this id (and class), made the first time. */
function spanBeside(list, id, place) {
  let span = list.ownerDocument.getElementById(id);
  if (!span) {
    span = list.ownerDocument.createElement('span');
    span.id = id;
    span.className = id;
    list[place](span);
  }
  return span;
}

/** The count before the list and "+ N more" after it: made once, next to the list. */
function countParts(list) {
  return { count: spanBeside(list, 'presence-count', 'before'), more: spanBeside(list, 'presence-more', 'after') };
}

/** Draw `shown` (presence.js `shown()`): the count, the chips, "+ N more". */
export function renderPresenceList(list, shown) {
  if (!list) return;
  const { count, more } = countParts(list);
  const doc = list.ownerDocument;
  list.replaceChildren(...shown.users.map((user) => chip(doc, user)));
  list.dataset.count = String(shown.count);
  count.textContent = shown.count ? `${formatCount(shown.count)} here` : '';
  count.hidden = !shown.count;
  more.textContent = shown.more ? `+ ${formatCount(shown.more)} more` : '';
  more.title = shown.more ? `${formatCount(shown.more)} more ${shown.more === 1 ? 'person' : 'people'} here, not named` : '';
  more.hidden = !shown.more;
}

export class PresenceView {
  /** `send(msg)` writes to the socket; `grid` (grid.js) draws the outlines; `list` is the "People here" list. */
  constructor({ userId, clientId, list, send }) {
    this.presence = new Presence({ userId, clientId });
    this.list = list;
    this.grid = null;
    this.mine = null; // this tab's selection (ids), for who is nearest
    this.frame = null;
    this.timer = null;
    this.selection = new Throttle({
      send: (ranges) => send({ type: 'presence.select', client_id: clientId, ranges }),
    });
  }

  /** The grid adapter whose outlines this view sets. */
  attachGrid(grid) { this.grid = grid; }

  /** This tab's selection changed (ids, or null). */
  selected(ranges) {
    this.selection.push(ranges);
    const changed = JSON.stringify(ranges) !== JSON.stringify(this.mine);
    this.mine = ranges;
    if (changed && this.presence.selections.size) this._paintSoon(); // who is nearest may change
  }

  /** The socket is (back) up: the server dropped this tab's selection if it was gone a while. */
  hello() { this.selection.repeat(); }

  /** A socket message: true if it was about presence. */
  receive(msg) {
    const changed = this.presence.receive(msg);
    if (!changed) return false;
    if (changed.users) this._paintSoon();
    if (changed.selections && this.grid) this.grid.setMarks(this.presence.marks());
    return true;
  }

  /** The page goes away: the others drop this tab's outline now rather than when it expires. */
  pageHidden() { this.selection.flushNow(null); }

  /** The socket closed for good: nobody is shown here any more. */
  leave() {
    this.selection.flushNow(null);
    this.presence.reset();
    this._cancel();
    this._paint();
    if (this.grid) this.grid.setMarks([]);
  }

  _shown() {
    return this.presence.shown({ mine: this.mine, rowPos: this.grid ? this.grid.rowPos : new Map() });
  }

  _paint() {
    this._cancel();
    renderPresenceList(this.list, this._shown());
  }

  _paintSoon() {
    if (this.frame || this.timer || !this.list) return;
    const doc = this.list.ownerDocument;
    if (!doc.hidden && typeof requestAnimationFrame === 'function') {
      this.frame = requestAnimationFrame(() => this._paint());
    }
    this.timer = setTimeout(() => this._paint(), doc.hidden ? 0 : HIDDEN_PAINT_MS);
  }

  _cancel() {
    if (this.frame) cancelAnimationFrame(this.frame);
    clearTimeout(this.timer);
    this.frame = null;
    this.timer = null;
  }
}
