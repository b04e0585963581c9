import { describe, expect, it } from "vitest";
import { nativeBackendHint } from "../../../cli/demo/backend-hint";

describe("the demo's native-backend hint", () => {
  it("says how much faster and the command, only when no native backend trains the pool", () => {
    const hint = nativeBackendHint(["wasm"]);
    expect(hint).toMatch(/about \d+x less CPU per trial/);
    expect(hint).toContain("npx hypersweep backend install tensorflow");
    expect(nativeBackendHint(["wasm", "tensorflow"])).toBeUndefined();
    expect(nativeBackendHint(["tensorflow-gpu"])).toBeUndefined();
    expect(nativeBackendHint([])).toBeUndefined();
  });
});
