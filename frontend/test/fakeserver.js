// The in-test server of convergence.test.js: sheets/services in miniature.
// It assigns seqs, applies ops the way sheets/services do (a refusal changes
// nothing), keeps op records for replays and a change log for catch-up (both
// pruned by `prune`), broadcasts each event to the tabs whose socket is up, and
// keeps per-user undo and redo (docs/protocol.md, "Undo and redo";
// sheets/services/undo.py). Its conflict rule is a little simpler than the
// real one: a revert is refused when a cell it changed no longer holds the
// value it set (or its row or column is gone), a row it inserted has other
// values, a column it inserted holds values, or a column it renamed or retyped
// has another name or type (or a value it converted changed since).

export const clone = (x) => (x === undefined ? x : JSON.parse(JSON.stringify(x)));
let idCounter = 0;
const newId = () => `00000000-0000-4000-8000-${(idCounter += 1).toString(16).padStart(12, '0')}`;

export const USERS = {
  1: { id: 1, username: 'ann', display_name: 'Ann' },
  2: { id: 2, username: 'bob', display_name: 'Bob' },
};

class OpError extends Error {
  constructor(status, error, message, extra = {}) { super(message); Object.assign(this, { status, error, extra }); }
}

/** A revert would overwrite someone's later change (`what` ends "… was"). */
class Conflict extends Error {}

const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
const EMPTY = Symbol('empty');

function clean(type, value) {
  if (value === null || value === undefined) return EMPTY;
  if (type === 'number') {
    if (typeof value === 'boolean') throw new OpError(0, 'not_a_number', 'not a number');
    if (typeof value === 'number') return value;
    const text = String(value).trim();
    if (text === '') return EMPTY;
    if (!NUMBER.test(text)) throw new OpError(0, 'not_a_number', `“${value}” is not a number.`);
    return Number(text);
  }
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (typeof value === 'number') return String(value);
  return value === '' ? EMPTY : String(value);
}

function convert(value, from, to) {
  if (from === to) return value;
  return clean(to, value); // number -> text: "12"; text -> number: parse or refuse
}

const same = (a, b) => (a ?? null) === (b ?? null);
const sameValues = (a, b) => Object.keys(a).length === Object.keys(b).length && Object.keys(a).every((k) => same(a[k], b[k]));

/** `value` is what a column of that type stores as it is. */
function fits(type, value) {
  try { return clean(type, value) === value; } catch (err) { return false; }
}

const HISTORY = new Set(['undo', 'redo']);

export class Server {
  constructor({ maxItems }) {
    this.maxItems = maxItems;
    this.version = 0;
    this.title = 'Sheet';
    this.columns = [{ id: newId(), name: 'A', type: 'text' }, { id: newId(), name: 'B', type: 'number' }];
    this.rows = [{ id: newId(), values: {} }, { id: newId(), values: {} }, { id: newId(), values: {} }];
    this.log = new Map(); // seq -> event (payload; pruned below logFloor)
    this.records = new Map(); // op_id -> {seq, response}
    this.history = new Map(); // seq -> {user, kind: do|undo|redo, undo: how to revert it or null, reverted, refusedOp}
    this.applied = new Set(); // every op_id ever applied (the records above get pruned)
    this.reverts = { undo: 0, redo: 0, refused: 0 }; // what undo and redo did, for whoever counts
    this.logFloor = 0;
    this.opFloor = 0;
    this.sockets = new Set(); // tabs whose socket is connected
    this.everId = new Set([...this.columns, ...this.rows].map((x) => x.id));
  }

  snapshot() {
    return clone({ id: 1, title: this.title, version: this.version, columns: this.columns, rows: this.rows });
  }

  changes(since) {
    if (since < this.logFloor) return { version: this.version, reload: true, changes: [] };
    const changes = [];
    for (let seq = since + 1; seq <= this.version; seq += 1) changes.push(clone(this.log.get(seq)));
    return { version: this.version, reload: false, changes };
  }

  grid() {
    const cols = this.columns.map((c) => c.id);
    return {
      title: this.title,
      columns: this.columns.map((c) => [c.id, c.name, c.type]),
      rows: this.rows.map((r) => [r.id, cols.map((c) => r.values[c] ?? null)]),
    };
  }

  /** One POST by `user` (1 or 2) from tab `clientId`: {status, answer}. */
  post(endpoint, body, clientId, user) {
    try {
      return this._post(endpoint, body, clientId, user);
    } catch (err) {
      if (!(err instanceof OpError)) throw err;
      return { status: err.status, answer: { error: err.error, message: err.message, ...err.extra } };
    }
  }

  _post(endpoint, body, clientId, user) {
    const listField = { cells: 'changes', 'rows/insert': 'rows', 'rows/delete': 'rows', 'columns/delete': 'columns' }[endpoint];
    if (listField && (!Array.isArray(body[listField]) || !body[listField].length)) throw new OpError(400, 'invalid', 'empty');
    if (listField && body[listField].length > this.maxItems) throw new OpError(413, 'too_many', 'Too many items in one op; split it.');
    if (Number.isInteger(body.base_version) && body.base_version < this.opFloor) {
      throw new OpError(409, 'op_too_old', 'Too old to apply safely.', { op_floor: this.opFloor });
    }
    const done = this.records.get(body.op_id);
    if (done) return { status: 200, answer: { ...clone(done.response), event: clone(this.log.get(done.seq) ?? null), replayed: true } };
    // Work on copies: a refusal changes nothing.
    const rows = clone(this.rows);
    const columns = clone(this.columns);
    const result = HISTORY.has(endpoint)
      ? this._revertLatest(endpoint, body.op_id, user, rows, columns)
      : this._apply(endpoint, body, rows, columns);
    if (!result.event) {
      return { status: 422, answer: { version: this.version, applied: false, event: null, errors: result.errors || [] } };
    }
    this.rows = rows;
    this.columns = columns;
    if (result.title !== undefined) this.title = result.title;
    this.version += 1;
    const [type, fields] = result.event;
    const kind = result.kind || 'do';
    const event = {
      type, sheet_id: 1, seq: this.version, op_id: body.op_id, broadcaster_id: clientId,
      user: { ...USERS[user] }, ...fields, ...(kind === 'do' ? {} : { kind }),
    };
    const response = { version: this.version, applied: true };
    if (result.errors) response.errors = result.errors;
    this.log.set(this.version, event);
    this.records.set(body.op_id, { seq: this.version, response });
    this.history.set(this.version, { user, kind, undo: result.undo || null, reverted: false, refusedOp: null });
    this.applied.add(body.op_id);
    for (const tab of this.sockets) tab.inbox.push(clone(event));
    return { status: 200, answer: { ...clone(response), event: clone(event) } };
  }

  _cleanCells(columns, rowId, raw, errors) {
    const out = {};
    for (const [colId, value] of Object.entries(raw)) {
      const col = columns.find((c) => c.id === colId);
      if (!col) { errors.push({ row: rowId, col: colId, error: 'column_not_found', message: 'That column no longer exists.' }); continue; }
      try { out[colId] = clean(col.type, value); } catch (err) { errors.push({ row: rowId, col: colId, error: err.error, message: err.message }); }
    }
    return out;
  }

  _apply(endpoint, body, rows, columns) {
    const rowById = new Map(rows.map((r) => [r.id, r]));
    switch (endpoint) {
      case 'cells': {
        const byRow = new Map();
        for (const c of body.changes) {
          if (!byRow.has(c.row)) byRow.set(c.row, {});
          byRow.get(c.row)[c.col] = c.value;
        }
        const errors = [];
        const applied = [];
        const reverts = [];
        for (const [rowId, raw] of byRow) {
          const row = rowById.get(rowId);
          if (!row) {
            for (const col of Object.keys(raw)) errors.push({ row: rowId, col, error: 'row_not_found', message: 'That row no longer exists.' });
            continue;
          }
          for (const [col, v] of Object.entries(this._cleanCells(columns, rowId, raw, errors))) {
            const before = row.values[col] ?? null;
            const value = v === EMPTY ? null : v;
            if (value === null) delete row.values[col]; else row.values[col] = value;
            applied.push({ row: rowId, col, value });
            if (!same(before, value)) reverts.push({ row: rowId, col, before, after: value });
          }
        }
        if (!applied.length) return { event: null, errors };
        return { event: ['cells.changed', { changes: applied }], errors, undo: reverts.length ? { kind: 'cells', cells: reverts } : null };
      }
      case 'rows/insert': {
        const ids = body.rows.map((r) => r.id);
        if (new Set(ids).size !== ids.length) throw new OpError(409, 'duplicate_id', 'dup');
        if (ids.some((id) => this.everId.has(id))) throw new OpError(409, 'id_taken', 'A row with that id exists already.');
        const errors = [];
        const inserted = [];
        for (const spec of body.rows) {
          let index = 0;
          if (spec.after !== null && spec.after !== undefined) {
            const i = rows.findIndex((r) => r.id === spec.after);
            if (i < 0) throw new OpError(409, 'row_not_found', 'The row to insert after no longer exists.', { row: spec.after });
            index = i + 1;
          }
          const values = {};
          for (const [col, v] of Object.entries(this._cleanCells(columns, spec.id, spec.values || {}, errors))) if (v !== EMPTY) values[col] = v;
          rows.splice(index, 0, { id: spec.id, values });
          inserted.push({ id: spec.id, after: spec.after ?? null, values: { ...values } });
        }
        for (const id of ids) this.everId.add(id);
        const undo = { kind: 'rows_insert', rows: inserted.map((r) => ({ id: r.id, values: { ...r.values } })) };
        return { event: ['rows.inserted', { rows: inserted }], errors, undo };
      }
      case 'rows/delete':
        return deleteRows(rows, body.rows);
      case 'columns/insert': {
        const specs = body.columns;
        if (specs.some((c) => this.everId.has(c.id))) throw new OpError(409, 'id_taken', 'A column with that id exists already.');
        for (const spec of specs) {
          let index = 0;
          if (spec.after !== null && spec.after !== undefined) {
            const i = columns.findIndex((c) => c.id === spec.after);
            if (i < 0) throw new OpError(409, 'column_not_found', 'The column to insert after no longer exists.', { column: spec.after });
            index = i + 1;
          }
          columns.splice(index, 0, { id: spec.id, name: spec.name, type: spec.type });
        }
        for (const spec of specs) this.everId.add(spec.id);
        return {
          event: ['columns.inserted', { columns: specs.map((s) => ({ id: s.id, name: s.name, type: s.type, after: s.after ?? null })) }],
          undo: { kind: 'columns_insert', columns: specs.map((s) => s.id) },
        };
      }
      case 'columns/delete':
        return deleteColumns(columns, rows, body.columns);
      case 'columns/update': {
        const col = columns.find((c) => c.id === body.column);
        if (!col) throw new OpError(409, 'column_not_found', 'That column no longer exists.');
        const before = { name: col.name, type: col.type, values: {} };
        const converted = {};
        if (body.type !== undefined && body.type !== col.type) {
          const failures = [];
          for (const row of rows) {
            if (!(col.id in row.values)) continue;
            const old = row.values[col.id];
            let value;
            try { value = convert(old, col.type, body.type); } catch (err) { failures.push({ row: row.id, value: old, message: err.message }); continue; }
            if (value === EMPTY) value = null;
            if (value !== old) {
              if (value === null) delete row.values[col.id]; else row.values[col.id] = value;
              converted[row.id] = value;
              before.values[row.id] = old;
            }
          }
          if (failures.length) throw new OpError(422, 'not_convertible', `${failures.length} value(s) cannot be converted.`, { values: failures, count: failures.length });
          col.type = body.type;
        }
        if (body.name !== undefined) col.name = body.name;
        const after = { name: col.name, type: col.type, values: { ...converted } };
        return {
          event: ['column.updated', { column: { id: col.id, name: col.name, type: col.type }, values: converted }],
          undo: { kind: 'column_update', column: col.id, before, after },
        };
      }
      case 'rename':
        return { event: ['sheet.renamed', { title: body.title }], title: body.title }; // not undoable
      default:
        throw new OpError(404, 'not_found', 'no such op');
    }
  }

  // --- Undo and redo.
  /** The user's latest change not reverted yet (undo) or latest undo since their last new change (redo). */
  _latest(user, verb) {
    const mine = [...this.history].filter(([, c]) => c.user === user);
    const lastNew = Math.max(0, ...mine.filter(([, c]) => c.kind === 'do').map(([seq]) => seq));
    const wanted = verb === 'undo' ? ([, c]) => c.kind !== 'undo' : ([seq, c]) => c.kind === 'undo' && seq > lastNew;
    const found = mine.filter(([seq, c]) => !c.reverted && c.undo && wanted([seq, c])).pop();
    return found ? found[1] : null;
  }

  _revertLatest(verb, opId, user, rows, columns) {
    if ([...this.history.values()].some((c) => c.refusedOp === opId)) {
      throw new OpError(409, 'undo_conflict', `Can't ${verb}: what it would change was changed since.`);
    }
    const target = this._latest(user, verb);
    if (!target) throw new OpError(409, `nothing_to_${verb}`, `Nothing of yours to ${verb} here.`);
    let result;
    try {
      result = REVERTERS[target.undo.kind](target.undo, rows, columns);
    } catch (err) {
      if (!(err instanceof Conflict)) throw err;
      // Off the stack, so the next undo reaches the change before it; a retry is refused again.
      target.reverted = true;
      target.refusedOp = opId;
      this.reverts.refused += 1;
      throw new OpError(409, 'undo_conflict', `Can't ${verb}: ${err.message} changed since.`);
    }
    target.reverted = true;
    this.reverts[verb] += 1;
    return { ...result, kind: verb };
  }

  /** Retention: payloads before `logFloor` go (catch-up answers reload; too old to undo too), records before `opFloor` too. */
  prune(rng) {
    if (rng.random() < 0.7) {
      this.logFloor = Math.max(this.logFloor, this.version - rng.int(0, 3));
    } else {
      this.opFloor = Math.max(this.opFloor, this.version - rng.int(0, 2));
      this.logFloor = Math.max(this.logFloor, this.opFloor);
      for (const [opId, rec] of this.records) if (rec.seq <= this.opFloor) this.records.delete(opId);
      for (const seq of this.history.keys()) if (seq <= this.opFloor) this.history.delete(seq);
    }
    for (const seq of this.log.keys()) {
      if (seq > this.logFloor) continue;
      this.log.set(seq, null);
      if (this.history.has(seq)) this.history.get(seq).undo = null;
    }
  }
}

// --- Deletes (ops and reverts alike) and how to undo them.
function deleteRows(rows, ids) {
  const wanted = new Set(ids);
  const gone = rows.map((r, i) => [r, i]).filter(([r]) => wanted.has(r.id));
  if (!gone.length) throw new OpError(409, 'row_not_found', 'Those rows no longer exist.');
  // Each comes back after the nearest row above it that is still there then.
  const restore = gone.map(([r, i]) => ({ id: r.id, values: clone(r.values), above: rows.slice(0, i).map((x) => x.id).reverse() }));
  rows.splice(0, rows.length, ...rows.filter((r) => !wanted.has(r.id)));
  return { event: ['rows.deleted', { rows: gone.map(([r]) => r.id) }], undo: { kind: 'rows_delete', rows: restore } };
}

function deleteColumns(columns, rows, ids) {
  const gone = columns.map((c, i) => [c, i]).filter(([c]) => ids.includes(c.id));
  if (!gone.length) throw new OpError(409, 'column_not_found', 'Those columns no longer exist.');
  const deleted = gone.map(([c]) => c.id);
  // Restored in this order, each after the column that preceded it.
  const restore = gone.map(([c, i]) => ({ id: c.id, name: c.name, type: c.type, after: i ? columns[i - 1].id : null }));
  const values = [];
  for (const row of rows) {
    for (const id of deleted) {
      if (id in row.values) { values.push({ row: row.id, col: id, value: row.values[id] }); delete row.values[id]; }
    }
  }
  columns.splice(0, columns.length, ...columns.filter((c) => !deleted.includes(c.id)));
  return { event: ['columns.deleted', { columns: deleted }], undo: { kind: 'columns_delete', columns: restore, values } };
}

// Reverters: (undo spec, rows, columns) -> {event, undo: how to revert the revert}, or Conflict.
const REVERTERS = {
  cells(spec, rows, columns) {
    const rowById = new Map(rows.map((r) => [r.id, r]));
    for (const cell of spec.cells) {
      const row = rowById.get(cell.row);
      const col = columns.find((c) => c.id === cell.col);
      if (!row || !col || !same(row.values[cell.col], cell.after) || (cell.before !== null && !fits(col.type, cell.before))) {
        throw new Conflict('a cell it changed was');
      }
    }
    for (const cell of spec.cells) {
      const { values } = rowById.get(cell.row);
      if (cell.before === null) delete values[cell.col]; else values[cell.col] = cell.before;
    }
    return {
      event: ['cells.changed', { changes: spec.cells.map((c) => ({ row: c.row, col: c.col, value: c.before })) }],
      undo: { kind: 'cells', cells: spec.cells.map((c) => ({ ...c, before: c.after, after: c.before })) },
    };
  },

  rows_insert(spec, rows) {
    const rowById = new Map(rows.map((r) => [r.id, r]));
    const present = spec.rows.filter((r) => rowById.has(r.id));
    if (!present.length) throw new Conflict('the rows it inserted were');
    if (present.some((r) => !sameValues(rowById.get(r.id).values, r.values))) throw new Conflict('a row it inserted was');
    return deleteRows(rows, present.map((r) => r.id));
  },

  rows_delete(spec, rows, columns) {
    if (spec.rows.some((r) => rows.some((x) => x.id === r.id))) throw new Conflict('a row it deleted was');
    const inserted = [];
    for (const r of spec.rows) {
      const after = r.above.find((id) => rows.some((x) => x.id === id)) ?? null;
      // Values of columns deleted or retyped since stay out.
      const values = {};
      for (const [colId, v] of Object.entries(r.values)) {
        const col = columns.find((c) => c.id === colId);
        if (col && fits(col.type, v)) values[colId] = v;
      }
      rows.splice(after === null ? 0 : rows.findIndex((x) => x.id === after) + 1, 0, { id: r.id, values });
      inserted.push({ id: r.id, after, values: { ...values } });
    }
    return {
      event: ['rows.inserted', { rows: inserted }],
      undo: { kind: 'rows_insert', rows: inserted.map((r) => ({ id: r.id, values: { ...r.values } })) },
    };
  },

  columns_insert(spec, rows, columns) {
    const present = spec.columns.filter((id) => columns.some((c) => c.id === id));
    if (!present.length) throw new Conflict('the columns it inserted were');
    if (rows.some((r) => present.some((id) => id in r.values))) throw new Conflict('a column it inserted was');
    return deleteColumns(columns, rows, present);
  },

  columns_delete(spec, rows, columns) {
    const placed = [];
    for (const c of spec.columns) {
      // A column to go after that is gone: the column goes last.
      const i = c.after === null ? -1 : columns.findIndex((x) => x.id === c.after);
      const index = c.after === null ? 0 : (i < 0 ? columns.length : i + 1);
      columns.splice(index, 0, { id: c.id, name: c.name, type: c.type });
      placed.push({ ...c, after: index ? columns[index - 1].id : null });
    }
    const rowById = new Map(rows.map((r) => [r.id, r]));
    const restored = spec.values.filter((cell) => rowById.has(cell.row));
    for (const cell of restored) rowById.get(cell.row).values[cell.col] = cell.value;
    return {
      event: ['columns.inserted', { columns: placed, values: clone(restored) }],
      undo: { kind: 'columns_insert', columns: spec.columns.map((c) => c.id) },
    };
  },

  column_update(spec, rows, columns) {
    const { before, after } = spec;
    const col = columns.find((c) => c.id === spec.column);
    if (!col || col.name !== after.name || col.type !== after.type) throw new Conflict('the column was');
    for (const row of rows) {
      if (!(col.id in row.values)) continue;
      const now = row.values[col.id];
      if (row.id in after.values ? !same(now, after.values[row.id]) : !fits(before.type, now)) throw new Conflict('a cell in the column was');
    }
    const values = {};
    for (const row of rows) {
      if (!(row.id in before.values)) continue;
      const old = before.values[row.id];
      if (old === null) delete row.values[col.id]; else row.values[col.id] = old;
      values[row.id] = old;
    }
    col.name = before.name;
    col.type = before.type;
    return {
      event: ['column.updated', { column: { id: col.id, name: col.name, type: col.type }, values }],
      undo: { kind: 'column_update', column: col.id, before: after, after: before },
    };
  },
};
