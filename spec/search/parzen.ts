import type { Rng } from "../space/rng";

/**
 * Parzen estimators for TPE: a mixture of Gaussians truncated to `[low, high]`, one per
 * observation plus a wide prior, with bandwidths from the distance to the neighbours (the
 * estimator of Bergstra et al. 2011, as Optuna builds it with its default "magic clip").
 */
export interface Parzen {
  mus: number[];
  sigmas: number[];
  weights: number[];
  low: number;
  high: number;
}

/** Abramowitz and Stegun 7.1.26 (error below 1.5e-7): plenty for ranking candidates. */
function erf(x: number): number {
  const t = 1 / (1 + 0.3275911 * Math.abs(x));
  const poly =
    t *
    (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))));
  const y = 1 - poly * Math.exp(-x * x);
  return x >= 0 ? y : -y;
}

const normalCdf = (z: number) => 0.5 * (1 + erf(z / Math.SQRT2));

/**
 * The estimator of `observations` (already in the sampling space, e.g. log) on `[low, high]`.
 * Each bandwidth is the larger gap to a neighbour (the outermost use their inner gap), clipped to
 * [range / min(100, n + 1), range]; the prior sits mid-range with the whole range as bandwidth.
 */
export function buildParzen(observations: number[], low: number, high: number): Parzen {
  const range = high - low;
  const sorted = [...observations].sort((a, b) => a - b);
  const edges = [low, ...sorted, high];
  const minSigma = range / Math.min(100, 1 + sorted.length);
  const sigmas = sorted.map((mu, i) => {
    const left = mu - (edges[i] as number);
    const right = (edges[i + 2] as number) - mu;
    const gap =
      sorted.length < 2
        ? Math.max(left, right)
        : i === 0
          ? right
          : i === sorted.length - 1
            ? left
            : Math.max(left, right);
    return Math.min(range, Math.max(minSigma, gap));
  });
  const mus = [...sorted, (low + high) / 2];
  const weights = mus.map(() => 1 / mus.length);
  return { mus, sigmas: [...sigmas, range], weights, low, high };
}

/** A draw from the mixture: a component by weight, then a normal draw inside the bounds. */
export function sampleParzen(p: Parzen, rng: Rng): number {
  let u = rng.next();
  let k = 0;
  while (k < p.weights.length - 1 && u >= (p.weights[k] ?? 0)) u -= p.weights[k++] ?? 0;
  const mu = p.mus[k] ?? 0;
  const sigma = p.sigmas[k] ?? 1;
  for (let tries = 0; tries < 100; tries++) {
    const x = mu + sigma * rng.normal();
    if (x >= p.low && x <= p.high) return x;
  }
  return Math.min(p.high, Math.max(p.low, mu));
}

/** log of the mixture's density at x. */
export function logDensity(p: Parzen, x: number): number {
  let density = 0;
  p.mus.forEach((mu, i) => {
    const sigma = p.sigmas[i] ?? 1;
    const mass = normalCdf((p.high - mu) / sigma) - normalCdf((p.low - mu) / sigma);
    const z = (x - mu) / sigma;
    density +=
      ((p.weights[i] ?? 0) * Math.exp(-0.5 * z * z)) /
      (sigma * Math.sqrt(2 * Math.PI) * Math.max(mass, 1e-12));
  });
  return Math.log(Math.max(density, 1e-300));
}

/** Category probabilities from observed category indices, with one pseudo-count per category. */
export function categoricalProbabilities(observed: number[], categories: number): number[] {
  const counts = Array.from({ length: categories }, () => 1);
  for (const i of observed) counts[i] = (counts[i] ?? 1) + 1;
  const total = counts.reduce((a, b) => a + b, 0);
  return counts.map((c) => c / total);
}
