import { mkdirSync, mkdtempSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { resolveCode } from "../../../client/prepare";
import { UsageError } from "../../../errors";
import { parseSpec } from "../../../spec";
import { packFolder, unpackFolder } from "../../../storage/folder-bundle";
import { rawSpec } from "../spec/fixtures";

const LIMITS = { maxBytes: 2 ** 20, maxFiles: 100 };

function codeFolder(): string {
  const dir = mkdtempSync(join(tmpdir(), "hypersweep-code-"));
  writeFileSync(join(dir, "train.py"), "print('hi')\n");
  mkdirSync(join(dir, "lib"));
  writeFileSync(join(dir, "lib", "run.sh"), "#!/bin/sh\n", { mode: 0o755 });
  mkdirSync(join(dir, "__pycache__"));
  writeFileSync(join(dir, "__pycache__", "train.cpython-311.pyc"), "junk");
  return dir;
}

function commandSpec(command: string[], code: string) {
  const { model: _m, ...rest } = rawSpec();
  return parseSpec({ ...rest, trainable: { command, code } });
}

describe("code folders, content-addressed", () => {
  it("pack to the same bytes and hash every time, leave caches out, and unpack with modes", async () => {
    const dir = codeFolder();
    const a = await packFolder(dir, LIMITS);
    const b = await packFolder(dir, LIMITS);
    expect(a.sha256).toBe(b.sha256);
    expect(a.files).toBe(2);
    const out = mkdtempSync(join(tmpdir(), "hypersweep-unpacked-"));
    await unpackFolder(a.bytes, out);
    expect(readFileSync(join(out, "train.py"), "utf8")).toBe("print('hi')\n");
    expect(statSync(join(out, "lib", "run.sh")).mode & 0o111).not.toBe(0);
    writeFileSync(join(dir, "train.py"), "print('changed')\n");
    expect((await packFolder(dir, LIMITS)).sha256).not.toBe(a.sha256);
  });

  it("refuse a folder over the limits and a bundle path that leaves the folder", async () => {
    await expect(packFolder(codeFolder(), { maxBytes: 5, maxFiles: 100 })).rejects.toThrow(
      /holds more than/,
    );
    const evil = Buffer.from(
      JSON.stringify({
        format: "hypersweep/folder/v1",
        files: [{ path: "../x", executable: false, data: "" }],
      }),
    );
    await expect(unpackFolder(evil, mkdtempSync(join(tmpdir(), "hs-")))).rejects.toThrow(/leaves/);
  });

  it("resolve a spec's code to s3://code/<sha256>/bundle.json, so the trial ids name the code", async () => {
    const dir = codeFolder();
    const prepared = await resolveCode({ spec: commandSpec(["python3", "train.py"], ".") }, dir);
    expect(prepared.spec.model).toMatchObject({
      code: expect.stringMatching(/^s3:\/\/code\/[0-9a-f]{64}\/bundle\.json$/),
    });
    expect(prepared.code?.folder).toBe(dir);
  });

  it("name a script the command runs that the code folder lacks", async () => {
    const dir = codeFolder();
    const missing = resolveCode({ spec: commandSpec(["python3", "trian.py"], ".") }, dir);
    await expect(missing).rejects.toThrow(UsageError);
    await expect(missing).rejects.toThrow(
      /trainable.command\[1\]: trian.py is not in the code folder/,
    );
    await expect(
      resolveCode({ spec: commandSpec(["python3", "train.py"], "nowhere") }, dir),
    ).rejects.toThrow(/trainable.code: .*nowhere does not exist/);
  });
});
