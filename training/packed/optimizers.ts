import * as tf from "@tensorflow/tfjs";
import type { OptimizerConfig, OptimizerName } from "../../spec/types";

/** Per-trial settings as [K,1,1] float32 tensors: they broadcast over stacked [K,a,b] weights. */
type H = Record<string, tf.Tensor3D>;
type Slots = Record<string, tf.Variable>;
const col = (values: number[]) => tf.tensor3d(Float32Array.from(values), [values.length, 1, 1]);

interface PackedRule {
  slots(c: OptimizerConfig): Array<[name: string, init: number]>;
  /** Settings constant over training, computed in float64 first exactly as the solo rule does. */
  constants(cs: OptimizerConfig[]): H;
  /**
   * One Keras `update_step` for the rule's trials: updates the slots in place and returns the
   * new weights (the caller assigns them); `t` holds each trial's 1-based step.
   */
  step(cs: OptimizerConfig[], t: number[], h: H, w: tf.Tensor, g: tf.Tensor, s: Slots): tf.Tensor;
}

const b1 = (c: OptimizerConfig) => c.beta1 ?? 0.9;
const b2 = (c: OptimizerConfig) => c.beta2 ?? 0.999;
const eps = (c: OptimizerConfig) => c.epsilon ?? 1e-7;
const lr = (c: OptimizerConfig) => c.learningRate;

/** The same formulas, in the same op order, as `training/optimizers.ts` (so curves agree to rounding). */
const RULES: Record<OptimizerName, PackedRule> = {
  sgd: {
    slots: (c) => ((c.momentum ?? 0) !== 0 ? [["momentum", 0]] : []),
    constants: (cs) => ({ lr: col(cs.map(lr)), mu: col(cs.map((c) => c.momentum ?? 0)) }),
    step(cs, _t, h, w, g, s) {
      const lrG = g.mul(h.lr!);
      const m = s.momentum;
      if (!m) return w.sub(lrG);
      m.assign(m.mul(h.mu!).sub(lrG));
      return w.add(cs[0]!.nesterov ? m.mul(h.mu!).sub(lrG) : m);
    },
  },
  adam: {
    slots: () => [
      ["momentum", 0],
      ["velocity", 0],
    ],
    constants: (cs) => ({
      c1: col(cs.map((c) => 1 - b1(c))),
      c2: col(cs.map((c) => 1 - b2(c))),
      eps: col(cs.map(eps)),
    }),
    step(cs, t, h, w, g, s) {
      const alpha = col(
        cs.map((c, k) => (lr(c) * Math.sqrt(1 - b2(c) ** t[k]!)) / (1 - b1(c) ** t[k]!)),
      );
      const m = s.momentum!;
      const v = s.velocity!;
      m.assign(m.add(g.sub(m).mul(h.c1!)));
      v.assign(v.add(g.square().sub(v).mul(h.c2!)));
      return w.sub(m.mul(alpha).div(v.sqrt().add(h.eps!)));
    },
  },
  adamax: {
    slots: () => [
      ["momentum", 0],
      ["norm", 0],
    ],
    constants: (cs) => ({
      c1: col(cs.map((c) => 1 - b1(c))),
      b2: col(cs.map(b2)),
      eps: col(cs.map(eps)),
      lr: col(cs.map(lr)),
    }),
    step(cs, t, h, w, g, s) {
      const m = s.momentum!;
      const u = s.norm!;
      m.assign(m.add(g.sub(m).mul(h.c1!)));
      u.assign(tf.maximum(u.mul(h.b2!), g.abs()));
      const denom = u.add(h.eps!).mul(col(cs.map((c, k) => 1 - b1(c) ** t[k]!)));
      return w.sub(m.mul(h.lr!).div(denom));
    },
  },
  adagrad: {
    slots: (c) => [["accumulator", c.initialAccumulatorValue ?? 0.1]],
    constants: (cs) => ({ lr: col(cs.map(lr)), eps: col(cs.map(eps)) }),
    step(_cs, _t, h, w, g, s) {
      const acc = s.accumulator!;
      acc.assign(acc.add(g.square()));
      return w.sub(g.mul(h.lr!).div(acc.add(h.eps!).sqrt()));
    },
  },
  rmsprop: {
    slots: (c) => [
      ["velocity", 0],
      ...((c.momentum ?? 0) > 0 ? [["momentum", 0] as [string, number]] : []),
    ],
    constants: (cs) => ({
      rho: col(cs.map((c) => c.rho ?? 0.9)),
      c: col(cs.map((c) => 1 - (c.rho ?? 0.9))),
      lr: col(cs.map(lr)),
      eps: col(cs.map(eps)),
      mu: col(cs.map((c) => c.momentum ?? 0)),
    }),
    step(_cs, _t, h, w, g, s) {
      const v = s.velocity!;
      v.assign(v.mul(h.rho!).add(g.square().mul(h.c!)));
      const inc = g.mul(h.lr!).div(v.add(h.eps!).sqrt());
      const m = s.momentum;
      if (!m) return w.sub(inc);
      m.assign(m.mul(h.mu!).add(inc));
      return w.sub(m);
    },
  },
};

/**
 * What must agree for trials to share one packed optimizer: the rule and which slots exist.
 * Everything else (rates, betas, epsilon, rho, momentum values) is a per-trial tensor.
 */
export function optimizerShape(c: OptimizerConfig): string {
  const slots = RULES[c.name].slots(c).map(([n]) => n);
  return [c.name, ...slots, c.name === "sgd" && c.nesterov ? "nesterov" : ""].join("/");
}

/** Trials of one rule and slot layout, consecutive in the pack, with their slot variables. */
export interface OptimizerRun {
  configs: OptimizerConfig[];
  /** Each trial's steps taken so far (Keras `iterations`). */
  iterations: number[];
  /** Per packed variable: the run's slot variables, stacked [run length, …]. */
  slots: Slots[];
}

interface Run extends OptimizerRun {
  rule: PackedRule;
  h: H;
  start: number;
}

/** Rows `index` of `v` as a new variable; `v` is disposed. */
export function regathered(v: tf.Variable, index: tf.Tensor1D): tf.Variable {
  const next = tf.tidy(() => tf.variable(tf.gather(v, index)));
  v.dispose();
  return next;
}

const along0 = (x: tf.Tensor, start: number, size: number) =>
  tf.slice(x, [start, ...x.shape.slice(1).map(() => 0)], [size, ...x.shape.slice(1)]);

/**
 * K Keras-semantics optimizers over stacked [K,…] variables, of any rules: each run of
 * consecutive trials with one rule and slot layout (`optimizerShape`) updates its slice of the
 * weights with its own formulas, and the slices are joined into one assignment. One run: no
 * slicing at all. Slot names and layout per trial match `KerasOptimizer`'s, so a trial's slice
 * is a solo checkpoint's slot.
 */
export class PackedOptimizer {
  private runs: Run[];

  constructor(
    runs: OptimizerRun[],
    /** Replaced by the owner when trials leave the pack. */
    public vars: tf.Variable[],
  ) {
    this.runs = [];
    let start = 0;
    for (const r of runs) {
      const rule = RULES[r.configs[0]!.name];
      this.runs.push({ ...r, rule, h: rule.constants(r.configs), start });
      start += r.configs.length;
    }
  }

  /** Slot names and initial values for one trial's config (same as the solo optimizer's). */
  static slotSpec(c: OptimizerConfig): Array<[string, number]> {
    return RULES[c.name].slots(c);
  }

  /** Each trial's steps taken so far, in pack order. */
  get iterations(): number[] {
    return this.runs.flatMap((r) => r.iterations);
  }

  /** Trial k's slot variables (per packed variable) and its row in them. */
  slotsOf(k: number): { row: number; slots: Slots[] } {
    const run = this.runs.find((r) => k >= r.start && k < r.start + r.configs.length);
    if (!run) throw new RangeError(`no trial ${k} in this pack`);
    return { row: k - run.start, slots: run.slots };
  }

  apply(grads: tf.Tensor[]): void {
    const steps = this.runs.map((r) => r.iterations.map((i) => i + 1));
    // One run updates the whole variable: nothing to slice or join.
    const whole = this.runs.length === 1;
    tf.tidy(() => {
      for (const [i, w] of this.vars.entries()) {
        const g = grads[i]!;
        const parts = this.runs.map((r, j) => {
          const n = r.configs.length;
          const [wr, gr] = whole ? [w, g] : [along0(w, r.start, n), along0(g, r.start, n)];
          return r.rule.step(r.configs, steps[j]!, r.h, wr, gr, r.slots[i]!);
        });
        w.assign(whole ? parts[0]! : tf.concat(parts, 0));
      }
    });
    this.runs.forEach((r, j) => {
      r.iterations = steps[j]!;
    });
  }

  /** Keeps trials `keep` (ascending indices into the current pack), in that order. */
  keep(keep: number[]): void {
    const runs: Run[] = [];
    let start = 0;
    for (const r of this.runs) {
      const n = r.configs.length;
      const rows = keep.filter((k) => k >= r.start && k < r.start + n).map((k) => k - r.start);
      if (rows.length === 0) {
        disposeRun(r);
        continue;
      }
      if (rows.length < n) {
        const index = tf.tensor1d(Int32Array.from(rows), "int32");
        const h = tf.tidy(() =>
          Object.fromEntries(Object.entries(r.h).map(([name, t]) => [name, tf.gather(t, index)])),
        ) as H;
        tf.dispose(Object.values(r.h));
        for (const s of r.slots)
          for (const [name, v] of Object.entries(s)) s[name] = regathered(v, index);
        index.dispose();
        Object.assign(r, {
          h,
          configs: rows.map((k) => r.configs[k]!),
          iterations: rows.map((k) => r.iterations[k]!),
        });
      }
      r.start = start;
      start += r.configs.length;
      runs.push(r);
    }
    this.runs = runs;
  }

  dispose(): void {
    for (const r of this.runs) disposeRun(r);
    this.runs = [];
  }
}

function disposeRun(r: Run): void {
  tf.dispose(Object.values(r.h));
  for (const s of r.slots) tf.dispose(Object.values(s));
}
