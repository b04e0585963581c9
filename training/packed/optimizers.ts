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
  /** One Keras `update_step` for all K trials; `t` holds each trial's 1-based step. */
  step(cs: OptimizerConfig[], t: number[], h: H, w: tf.Variable, g: tf.Tensor, s: Slots): void;
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
      if (!m) return w.assign(w.sub(lrG));
      m.assign(m.mul(h.mu!).sub(lrG));
      w.assign(w.add(cs[0]!.nesterov ? m.mul(h.mu!).sub(lrG) : m));
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
      w.assign(w.sub(m.mul(alpha).div(v.sqrt().add(h.eps!))));
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
      w.assign(w.sub(m.mul(h.lr!).div(denom)));
    },
  },
  adagrad: {
    slots: (c) => [["accumulator", c.initialAccumulatorValue ?? 0.1]],
    constants: (cs) => ({ lr: col(cs.map(lr)), eps: col(cs.map(eps)) }),
    step(_cs, _t, h, w, g, s) {
      const acc = s.accumulator!;
      acc.assign(acc.add(g.square()));
      w.assign(w.sub(g.mul(h.lr!).div(acc.add(h.eps!).sqrt())));
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
      if (!m) return w.assign(w.sub(inc));
      m.assign(m.mul(h.mu!).add(inc));
      w.assign(w.sub(m));
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

/**
 * K Keras-semantics optimizers over stacked [K,…] variables. Slot names and layout per trial
 * match `KerasOptimizer`'s, so a trial's slice is a solo checkpoint's slot.
 */
export class PackedOptimizer {
  private h: H;
  private readonly rule: PackedRule;

  constructor(
    private configs: OptimizerConfig[],
    /** Each trial's steps taken so far (Keras `iterations`). */
    public iterations: number[],
    /** Replaced by the owner when trials leave the pack. */
    public vars: tf.Variable[],
    /** Slot variables per var, already holding each trial's initial or restored values. */
    readonly slots: Slots[],
  ) {
    this.rule = RULES[configs[0]!.name];
    this.h = this.rule.constants(configs);
  }

  /** Slot names and initial values for one trial's config (same as the solo optimizer's). */
  static slotSpec(c: OptimizerConfig): Array<[string, number]> {
    return RULES[c.name].slots(c);
  }

  apply(grads: tf.Tensor[]): void {
    const t = this.iterations.map((i) => i + 1);
    tf.tidy(() => {
      this.vars.forEach((w, i) => {
        this.rule.step(this.configs, t, this.h, w, grads[i]!, this.slots[i]!);
      });
    });
    this.iterations = t;
  }

  /** Keeps trials `keep` (indices into the current pack), in that order. */
  keep(keep: number[], index: tf.Tensor1D): void {
    this.configs = keep.map((k) => this.configs[k]!);
    this.iterations = keep.map((k) => this.iterations[k]!);
    const h = tf.tidy(() =>
      Object.fromEntries(
        Object.entries(this.h).map(([n, t]) => [n, tf.gather(t, index) as tf.Tensor3D]),
      ),
    );
    tf.dispose(Object.values(this.h));
    this.h = h;
  }

  dispose(): void {
    tf.dispose(Object.values(this.h));
  }
}
