// Run by `probeBackend` in a child process: load one native backend, run one op, print JSON.
import * as tf from "@tensorflow/tfjs";
import type { NativeBackend } from "./layout";
import { loadNative } from "./load";

const name = process.argv[2] as NativeBackend;
try {
  const binding = await loadNative(name);
  if (!(await tf.setBackend("tensorflow"))) throw new Error("tf.setBackend('tensorflow') failed");
  const sum = tf.tidy(
    () =>
      tf
        .matMul(tf.ones([2, 3]), tf.ones([3, 2]))
        .sum()
        .dataSync()[0],
  );
  if (sum !== 12) throw new Error(`a 2x3·3x2 matmul of ones summed to ${sum}, not 12`);
  const version = binding?.TF_Version ?? tf.version_core;
  const usingGpu = binding?.isUsingGpuDevice() ?? false;
  process.stdout.write(`${JSON.stringify({ ok: true, version, usingGpu })}\n`);
} catch (e) {
  process.stdout.write(`${JSON.stringify({ ok: false, error: (e as Error).message })}\n`);
}
