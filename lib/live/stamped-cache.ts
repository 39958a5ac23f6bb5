/**
 * Serialised answers kept while the data they were made from has not changed. A dashboard's users
 * (and every open tab polling the same view) ask for the same page far more often than the cluster
 * changes it; filtering, sorting and serialising thousands of states again for each of them is what
 * a list endpoint under load spends its time on.
 *
 * The stamp says which data an entry was made from: a new stamp drops every entry at once, so an
 * answer never outlives a change. Size is bounded in entries and in characters.
 */
export class StampedCache {
  private stamp = '';
  private readonly entries = new Map<string, string>();
  private chars = 0;

  constructor(
    private readonly maxEntries = 64,
    private readonly maxChars = 16 * 1024 * 1024,
  ) {}

  /** The value for `key` made from data at `stamp`, made now by `make` when not kept. */
  get(stamp: string, key: string, make: () => string): string {
    if (stamp !== this.stamp) {
      this.stamp = stamp;
      this.entries.clear();
      this.chars = 0;
    }
    const kept = this.entries.get(key);
    if (kept !== undefined) return kept;
    const value = make();
    if (value.length > this.maxChars) return value;
    while (this.entries.size >= this.maxEntries || (this.chars + value.length > this.maxChars && this.entries.size > 0)) {
      // Oldest first: Map keeps insertion order.
      const [oldKey, oldValue] = this.entries.entries().next().value as [string, string];
      this.entries.delete(oldKey);
      this.chars -= oldValue.length;
    }
    this.entries.set(key, value);
    this.chars += value.length;
    return value;
  }

  get size(): number {
    return this.entries.size;
  }
}
