// Shared views (docs/protocol.md, "Saved views"): the sheet's named views as
// the snapshot and the `view.saved` / `view.deleted` events tell them
// (SharedViews, kept beside the committed store), and which one this tab is
// on (ViewChoice): choosing one gives this tab its sort and filters; an
// editor's change of them while on it is saved to it, so every tab on it
// follows; a viewer's change makes a copy of this tab's own. No DOM.

const byName = (a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);

export class SharedViews {
  constructor() {
    this.list = [];
    this.listeners = new Set();
  }

  subscribe(fn) { this.listeners.add(fn); return () => this.listeners.delete(fn); }

  get(id) { return this.list.find((v) => v.id === id) || null; }

  /** The snapshot's `views`. */
  load(list) {
    this.list = (Array.isArray(list) ? list : []).filter((v) => v && typeof v.id === 'string').sort(byName);
    this._tell({ loaded: true });
  }

  /** A committed view.saved or view.deleted. */
  apply(e) {
    if (e.type === 'view.saved' && e.view) {
      this.list = [...this.list.filter((v) => v.id !== e.view.id), e.view].sort(byName);
      this._tell({ saved: e.view, event: e });
    } else if (e.type === 'view.deleted') {
      const gone = this.get(e.view);
      this.list = this.list.filter((v) => v.id !== e.view);
      this._tell({ deleted: e.view, gone, event: e });
    }
  }

  _tell(change) { for (const fn of this.listeners) fn(change); }
}

/** The shared views of a committed store (made on first use). */
export function sharedViewsOf(store) {
  if (!store.sharedViews) store.sharedViews = new SharedViews();
  return store.sharedViews;
}

/** How the committed store applies the view events (committed.js's APPLY). */
export const VIEW_EVENTS = {
  'view.saved': (store, e) => sharedViewsOf(store).apply(e),
  'view.deleted': (store, e) => sharedViewsOf(store).apply(e),
};

const sameSpec = (a, b) => JSON.stringify(a) === JSON.stringify(b);

/** A shared view's spec with every field, as ViewState.fullSpec() writes it. */
const fullOf = (spec) => ({
  sort: (spec?.sort || []).map((k) => ({ column: k.column, dir: k.dir === 'desc' ? 'desc' : 'asc' })),
  filters: spec?.filters || [],
  hidden: spec?.hidden || [],
  order: spec?.order || [],
});

export class ViewChoice {
  /**
   * `state`: ViewState; `views`: SharedViews; `canEdit()`: may this user write
   * the sheet; `send(op, body)`: POST views/<op>, answered {status, body};
   * `applied()`: the view asked for changed (fetch its rows); `clientId`: this tab's.
   */
  constructor({ state, views, canEdit, send, applied, clientId = null }) {
    Object.assign(this, { state, views, canEdit, send, applied, clientId });
    this.personal = null; // this tab's own view, kept while it is on a shared one
    this.inflight = 0; // updates of the shared view this tab sent, not answered yet
    this.notice = ''; // what the bar says happened (a copy made, the view deleted)
    this.listeners = new Set();
    views.subscribe((change) => this._viewsChanged(change));
  }

  subscribe(fn) { this.listeners.add(fn); return () => this.listeners.delete(fn); }

  /** The views were loaded before this choice listened (the snapshot came first). */
  viewsLoaded() { this._viewsChanged({ loaded: true }); }

  /** The shared view this tab is on, or null. */
  current() { return this.state.shared ? this.views.get(this.state.shared) : null; }

  /** The bar's heading: {title, aside}. */
  label() {
    const view = this.current();
    if (view) {
      const aside = this.canEdit() ? '(shared: your changes are saved for everyone on it)' : '(shared: a change makes your own copy)';
      return { title: `Shared view: ${view.name}`, aside };
    }
    if (this.state.copyOf) return { title: `Your copy of ${this.state.copyOf}`, aside: '(only this tab)' };
    return { title: 'Your view', aside: '(only this tab)' };
  }

  /** The switcher's choice: a shared view's id, or '' for this tab's own view. */
  choose(id) {
    const { state } = this;
    this.notice = '';
    if (!id) {
      if (state.shared) state.setSpec(this.personal);
      else state.setSpec(state.fullSpec()); // a copy: it stays, as this tab's own
      this.personal = null;
    } else {
      const view = this.views.get(id);
      if (!view) return;
      if (!state.shared) this.personal = state.fullSpec();
      state.setSpec(view.spec, { shared: view.id });
    }
    this._tell();
    this.applied();
  }

  /** The user changed the sort or filters (already in `state`). */
  edited() {
    const view = this.current();
    if (!view) return null;
    if (!this.canEdit()) {
      this.state.setSpec(this.state.fullSpec(), { copyOf: view.name });
      this.notice = `Only this tab changed: this is your copy of ${view.name}.`;
      this._tell();
      return null;
    }
    return this._update({ view: view.id, spec: this.state.fullSpec() });
  }

  /** Save this tab's view as a new shared view named `name`: {error} or {}. */
  async saveAs(name) {
    const answer = await this.send('save', { name, spec: this.state.fullSpec() });
    if (answer.status !== 200) return { error: answer.body?.message || 'The view could not be saved.' };
    const view = answer.body.view;
    if (!this.state.shared) this.personal = null;
    this.state.setSpec(view.spec, { shared: view.id });
    this.notice = '';
    this._tell();
    return {};
  }

  /** A new name for the shared view this tab is on: {error} or {}. */
  async rename(name) {
    const view = this.current();
    if (!view) return { error: 'This tab is not on a shared view.' };
    if (name.trim() === view.name) return {};
    const answer = await this.send('update', { view: view.id, name });
    return answer.status === 200 ? {} : { error: answer.body?.message || 'The view could not be renamed.' };
  }

  /** Delete the shared view this tab is on: {error} or {}. */
  async remove() {
    const view = this.current();
    if (!view) return { error: 'This tab is not on a shared view.' };
    const answer = await this.send('delete', { view: view.id });
    return answer.status === 200 ? {} : { error: answer.body?.message || 'The view could not be deleted.' };
  }

  async _update(body) {
    this.inflight += 1;
    try {
      const answer = await this.send('update', body);
      if (answer.status === 200 || answer.status === 422) return answer; // 422: it already was so
      this.notice = `Not saved to the shared view: ${answer.body?.message || 'it was refused'}.`;
      const view = this.current();
      this.state.setSpec(this.state.fullSpec(), { copyOf: view ? view.name : null });
      this._tell();
      return answer;
    } finally {
      this.inflight -= 1;
      if (!this.inflight) this._follow(this.current());
    }
  }

  _viewsChanged(change) {
    const { state } = this;
    if (change.saved && change.saved.id === state.shared) {
      // This tab's own update coming back while another is on its way would undo the later one.
      if (this.inflight && change.event?.broadcaster_id === this.clientId) return;
      this._follow(change.saved);
    } else if (change.deleted && change.deleted === state.shared) {
      const name = change.gone ? change.gone.name : 'the shared view';
      state.setSpec(state.fullSpec(), { copyOf: name });
      this.notice = `The shared view ${name} was deleted; this tab keeps its sort and filters.`;
    } else if (change.loaded && state.shared) {
      const view = this.current();
      if (view) this._follow(view);
      else state.setSpec(state.fullSpec(), { copyOf: null }); // gone while this tab was away
    }
    this._tell();
  }

  /** The shared view as the server has it now: this tab shows it. */
  _follow(view) {
    if (!view || view.id !== this.state.shared) return;
    const before = this.state.spec();
    if (sameSpec(fullOf(view.spec), this.state.fullSpec())) return;
    this.state.setSpec(view.spec, { shared: view.id });
    if (!sameSpec(before, this.state.spec())) this.applied();
  }

  _tell() { for (const fn of this.listeners) fn(); }
}
