// Refused values: what the user typed into a cell that the server refused
// (not a number, not a date, no right to edit, …), kept in the cell with the
// reason until the user corrects it (a new edit of the cell) or discards it
// (Escape, the context menu, the status line's Discard). Another user's later
// change of the cell does not take it away: the user still sees what they
// typed and decides. No DOM beyond `storage`, passed in.
//
// Kept in localStorage per user and sheet, so a reload shows them again:
//   gridroom.refused.v1.<user id>.<sheet id> =
//     {"v": 1, "cells": {"<cell key>": {"value", "message", "at"}}}
// Every change rewrites only the cells it touches (read, change, write), so
// two tabs of the same sheet do not erase each other's refused values.
import { splitKey } from './committed.js';

const PREFIX = 'gridroom.refused.v1.';
// More than this many refused values in one sheet: the oldest are no longer kept on the device.
export const MAX_KEPT = 1000;

export const refusedPrefix = (userId) => `${PREFIX}${userId}.`;
export const refusedKey = (userId, sheetId) => `${PREFIX}${userId}.${sheetId}`;

/** The value an op's body sent for cell `key` (undefined: none), should its pending value be gone. */
export function sentValue(body, key) {
  if (!body || !Array.isArray(body.changes)) return undefined;
  const [rowId, colId] = splitKey(key);
  const change = body.changes.find((c) => c.row === rowId && c.col === colId);
  return change ? change.value : undefined;
}

const validEntry = (e) => !!e && typeof e === 'object' && typeof e.message === 'string'
  && ['undefined', 'string', 'number', 'boolean'].includes(typeof e.value);

export class RefusedValues {
  /** `feed` is the store's ChangeFeed (committed.js): cells touched and the status line told. */
  constructor({ feed }) {
    this.feed = feed;
    this.cells = new Map(); // cellKey -> {value, message, at}; insertion order: the latest last
    this.storage = null;
    this.key = null;
  }

  get size() { return this.cells.size; }

  has(key) { return this.cells.has(key); }

  /** What the cell shows instead of its committed value (undefined: nothing typed to show). */
  value(key) { return this.cells.get(key)?.value; }

  message(key) { return this.cells.get(key)?.message ?? null; }

  /** The cells with a refused value, as [rowId, colId]. */
  list() { return [...this.cells.keys()].map(splitKey); }

  /** The reason of the latest refusal still shown (null: none). */
  latestMessage() {
    let last = null;
    for (const entry of this.cells.values()) last = entry;
    return last ? last.message : null;
  }

  /**
   * The server refused `value` typed into the cell `key`, saying `message`.
   * A value that was not typed (undefined: the refusal of a change whose text
   * is unknown) marks the cell with the reason only.
   */
  refuse(key, value, message, at = Date.now()) {
    const entry = { value: value === null ? undefined : value, message: String(message), at };
    this.cells.delete(key);
    this.cells.set(key, entry);
    this._write([key]);
    this.feed.batch(() => this.feed.touch(...splitKey(key)));
  }

  /** The refusal of these cells goes (a new edit, a discard); returns how many went. */
  drop(keys) {
    const gone = [];
    this.feed.batch(() => {
      for (const key of keys) {
        if (this.cells.delete(key)) { gone.push(key); this.feed.touch(...splitKey(key)); }
      }
    });
    if (gone.length) this._write(gone);
    return gone.length;
  }

  /** Every refused value goes; returns how many. */
  dropAll() { return this.drop([...this.cells.keys()]); }

  /** Cells that no longer exist (rows or columns gone): their refusals go, here and on the device. */
  forget(match) {
    const gone = [];
    for (const key of this.cells.keys()) if (match(...splitKey(key))) gone.push(key);
    this.drop(gone);
  }

  /** Keep only the refusals of cells `exists(rowId, colId)` says are there (after a snapshot). */
  prune(exists) { this.forget((rowId, colId) => !exists(rowId, colId)); }

  // --- On the device.
  /**
   * Keep refused values in `storage` under `key` and show the ones kept there
   * (by an earlier page of this sheet, or another tab). Returns how many came back.
   */
  keepIn(storage, key) {
    this.storage = storage;
    this.key = key;
    const stored = this._read();
    let n = 0;
    this.feed.batch(() => {
      for (const [cell, entry] of Object.entries(stored)) {
        if (this.cells.has(cell)) continue;
        this.cells.set(cell, entry);
        this.feed.touch(...splitKey(cell));
        n += 1;
      }
      // Oldest first, so the latest refusal is the one the status line names.
      if (n) this.cells = new Map([...this.cells].sort((a, b) => (a[1].at || 0) - (b[1].at || 0)));
    });
    return n;
  }

  /** Nothing of this sheet is written any more, and what was written goes (the sheet is gone). */
  discardStored() {
    if (this.storage && this.key) {
      try { this.storage.removeItem(this.key); } catch (err) { /* nothing to free */ }
    }
    this.storage = null;
  }

  _read() {
    if (!this.storage) return {};
    try {
      const data = JSON.parse(this.storage.getItem(this.key));
      if (!data || data.v !== 1 || !data.cells || typeof data.cells !== 'object') return {};
      const out = {};
      for (const [cell, entry] of Object.entries(data.cells)) {
        if (splitKey(cell).length === 2 && validEntry(entry)) out[cell] = { value: entry.value, message: entry.message, at: Number(entry.at) || 0 };
      }
      return out;
    } catch (err) {
      return {};
    }
  }

  /** The cells `keys` as this tab has them now, written over what storage has. */
  _write(keys) {
    if (!this.storage) return;
    const cells = this._read();
    for (const key of keys) {
      const entry = this.cells.get(key);
      if (entry) cells[key] = entry;
      else delete cells[key];
    }
    let entries = Object.entries(cells);
    try {
      if (!entries.length) { this.storage.removeItem(this.key); return; }
      if (entries.length > MAX_KEPT) entries = entries.sort((a, b) => a[1].at - b[1].at).slice(-MAX_KEPT);
      this.storage.setItem(this.key, JSON.stringify({ v: 1, cells: Object.fromEntries(entries) }));
    } catch (err) {
      // Storage full or blocked: the values stay shown on this page, only a reload loses them.
    }
  }
}
