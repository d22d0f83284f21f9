// A fake localStorage for the outbox's tests; `full` makes writes fail as a full storage does.
export class FakeStorage {
  constructor() { this.map = new Map(); this.full = false; }
  get length() { return this.map.size; }
  key(i) { return [...this.map.keys()][i] ?? null; }
  getItem(k) { return this.map.has(k) ? this.map.get(k) : null; }
  setItem(k, v) {
    if (this.full) { const err = new Error('quota'); err.name = 'QuotaExceededError'; throw err; }
    this.map.set(k, String(v));
  }
  removeItem(k) { this.map.delete(k); }
}
