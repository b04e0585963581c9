import * as tf from "@tensorflow/tfjs";
import {
  OPTIMIZER_DEFAULTS,
  resolveOptimizer as resolveSpecOptimizer,
} from "../spec/optimizer-defaults";
import type { OptimizerConfig, OptimizerName } from "../spec/types";
import { TrainingConfigError } from "./errors";

/**
 * The spec's resolution (the one Keras-defaults table, in `spec/optimizer-defaults.ts`: tfjs's
 * own optimizers differ in epsilon values and placement) plus the trainer's range checks.
 * @example resolveOptimizer({ name: "adam" }) // { name: "adam", learningRate: 0.001, beta1: 0.9, beta2: 0.999, epsilon: 1e-7 }
 */
export function resolveOptimizer(
  partial: { name: OptimizerName; learningRate?: number } & Partial<OptimizerConfig>,
): OptimizerConfig {
  if (!Object.hasOwn(OPTIMIZER_DEFAULTS, partial.name)) {
    throw new TrainingConfigError(`unknown optimizer "${partial.name}"`);
  }
  const { name, ...given } = partial;
  const out = resolveSpecOptimizer(name, given);
  if (!(out.learningRate > 0) || !Number.isFinite(out.learningRate)) {
    throw new TrainingConfigError(`optimizer.learningRate must be > 0, got ${out.learningRate}`);
  }
  const m = out.momentum ?? 0;
  if (!(m >= 0 && m <= 1))
    throw new TrainingConfigError(`optimizer.momentum must be in [0, 1], got ${m}`);
  return out;
}

type Slots = Record<string, tf.Variable>;
interface Rule {
  slots(c: OptimizerConfig): Array<[name: string, init: number]>;
  /** One Keras `update_step`; `t` is the 1-based step. Runs inside the caller's tidy. */
  step(c: OptimizerConfig, t: number, w: tf.Variable, g: tf.Tensor, s: Slots): void;
}

const RULES: Record<OptimizerName, Rule> = {
  sgd: {
    slots: (c) => ((c.momentum ?? 0) !== 0 ? [["momentum", 0]] : []),
    step(c, _t, w, g, s) {
      const lrG = g.mul(c.learningRate);
      const m = s.momentum;
      if (!m) return w.assign(w.sub(lrG));
      const mu = c.momentum ?? 0;
      m.assign(m.mul(mu).sub(lrG));
      w.assign(w.add(c.nesterov ? m.mul(mu).sub(lrG) : m));
    },
  },
  adam: {
    slots: () => [
      ["momentum", 0],
      ["velocity", 0],
    ],
    step(c, t, w, g, s) {
      const [b1, b2] = [c.beta1 ?? 0.9, c.beta2 ?? 0.999];
      const alpha = (c.learningRate * Math.sqrt(1 - b2 ** t)) / (1 - b1 ** t);
      const m = s.momentum!;
      const v = s.velocity!;
      m.assign(m.add(g.sub(m).mul(1 - b1)));
      v.assign(
        v.add(
          g
            .square()
            .sub(v)
            .mul(1 - b2),
        ),
      );
      w.assign(w.sub(m.mul(alpha).div(v.sqrt().add(c.epsilon ?? 1e-7))));
    },
  },
  adamax: {
    slots: () => [
      ["momentum", 0],
      ["norm", 0],
    ],
    step(c, t, w, g, s) {
      const [b1, b2] = [c.beta1 ?? 0.9, c.beta2 ?? 0.999];
      const m = s.momentum!;
      const u = s.norm!;
      m.assign(m.add(g.sub(m).mul(1 - b1)));
      u.assign(tf.maximum(u.mul(b2), g.abs()));
      const denom = u.add(c.epsilon ?? 1e-7).mul(1 - b1 ** t);
      w.assign(w.sub(m.mul(c.learningRate).div(denom)));
    },
  },
  adagrad: {
    slots: (c) => [["accumulator", c.initialAccumulatorValue ?? 0.1]],
    step(c, _t, w, g, s) {
      const acc = s.accumulator!;
      acc.assign(acc.add(g.square()));
      w.assign(w.sub(g.mul(c.learningRate).div(acc.add(c.epsilon ?? 1e-7).sqrt())));
    },
  },
  rmsprop: {
    slots: (c) => [
      ["velocity", 0],
      ...((c.momentum ?? 0) > 0 ? [["momentum", 0] as [string, number]] : []),
    ],
    step(c, _t, w, g, s) {
      const rho = c.rho ?? 0.9;
      const v = s.velocity!;
      v.assign(v.mul(rho).add(g.square().mul(1 - rho)));
      const inc = g.mul(c.learningRate).div(v.add(c.epsilon ?? 1e-7).sqrt());
      const m = s.momentum;
      if (!m) return w.assign(w.sub(inc));
      m.assign(m.mul(c.momentum ?? 0).add(inc));
      w.assign(w.sub(m));
    },
  },
};

/** Keras-semantics optimizer over tfjs variables, with state that checkpoints can read and restore. */
export class KerasOptimizer {
  /** Steps taken so far (Keras `iterations`). */
  iterations = 0;
  readonly slots: Slots[];

  constructor(
    readonly config: OptimizerConfig,
    readonly vars: tf.Variable[],
  ) {
    const spec = RULES[config.name].slots(config);
    this.slots = vars.map((v) =>
      Object.fromEntries(
        spec.map(([name, init]) => [
          name,
          tf.tidy(() => tf.variable(tf.fill(v.shape, init), false)),
        ]),
      ),
    );
  }

  /** Applies one update step with `grads` (same order as `vars`). */
  apply(grads: tf.Tensor[]): void {
    const t = this.iterations + 1;
    const rule = RULES[this.config.name];
    tf.tidy(() => {
      this.vars.forEach((w, i) => {
        rule.step(this.config, t, w, grads[i]!, this.slots[i]!);
      });
    });
    this.iterations = t;
  }

  /** Slot variables with stable names (`<slot>/<varIndex>`), for checkpoints. */
  namedSlots(): Array<[string, tf.Variable]> {
    return this.slots.flatMap((s, i) =>
      Object.entries(s).map(([name, v]) => [`${name}/${i}`, v] as [string, tf.Variable]),
    );
  }

  dispose(): void {
    for (const s of this.slots) for (const v of Object.values(s)) v.dispose();
  }
}
