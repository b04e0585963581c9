import type { PreparedData } from "../training";

/**
 * Prepared datasets by config, so the trials of a sweep parse their CSV once per worker (and
 * loaded model modules by key, so a bundle is fetched and verified once).
 * Small and LRU-bounded: a worker serving many sweeps keeps flat memory.
 */
export class DataCache<T = PreparedData> {
  readonly #entries = new Map<string, Promise<T>>();
  constructor(private readonly capacity = 4) {}

  get(key: string, load: () => Promise<T>): Promise<T> {
    const hit = this.#entries.get(key);
    if (hit) {
      this.#entries.delete(key);
      this.#entries.set(key, hit);
      return hit;
    }
    const loading = load();
    // A failed load must not poison the cache: the next attempt loads again.
    loading.catch(() => this.#entries.delete(key));
    this.#entries.set(key, loading);
    while (this.#entries.size > this.capacity) {
      const oldest = this.#entries.keys().next().value;
      if (oldest === undefined) break;
      this.#entries.delete(oldest);
    }
    return loading;
  }
}
