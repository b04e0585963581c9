/**
 * A seeded pseudo-random generator for sampling inside workflow code: no `Math.random`, no
 * clock. Streams are independent: `createRng(seed, i)` depends only on `(seed, i)`, so the i-th
 * proposal of a sweep is the same however many numbers earlier proposals drew (replay-safe).
 */
export interface Rng {
  /** Uniform in [0, 1), 32 bits of resolution. */
  next(): number;
  /** A standard normal draw (Box-Muller). */
  normal(): number;
  /** A whole number in [0, n). */
  below(n: number): number;
}

/** splitmix32's finaliser: a good 32-bit mix, used to seed and to step. */
function mix32(x: number): number {
  let z = x | 0;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) >>> 0;
}

/**
 * A mulberry32-style generator keyed by a seed (any safe integer, both halves mixed in) and a
 * stream number.
 *
 * @example const rng = createRng(42, 3); rng.next() // same value on every run and replay
 */
export function createRng(seed: number, stream = 0): Rng {
  const high = Math.floor(seed / 2 ** 32);
  let state = mix32(mix32(mix32(seed >>> 0) ^ high) + Math.imul(stream, 0x9e3779b9));
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = Math.imul(state ^ (state >>> 15), state | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
  return {
    next,
    normal: () => {
      const u = 1 - next();
      return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * next());
    },
    below: (n) => Math.min(n - 1, Math.floor(next() * n)),
  };
}
