import { describe, expect, it } from "vitest";
import { parseSpec, SpecError } from "../../../spec";
import { type RawSpec, rawSpec } from "./fixtures";

/** The problems of a spec broken by `breakIt`, as [path, message] pairs. */
function problems(breakIt: (s: RawSpec) => void): Array<[string, string]> {
  const raw = rawSpec();
  breakIt(raw);
  try {
    parseSpec(raw);
  } catch (error) {
    expect(error).toBeInstanceOf(SpecError);
    return (error as SpecError).problems.map((p) => [p.path, p.message]);
  }
  throw new Error("expected the spec to be rejected");
}

const accepted = (change: (s: RawSpec) => void) => {
  const raw = rawSpec();
  change(raw);
  return parseSpec(raw);
};

describe("upper bounds on sizes (a typo must not become a days-long sweep)", () => {
  it("refuses a hidden layer wider than 8192, naming the layer", () => {
    expect(problems((s) => (s.model.hidden = [16, 100_000]))).toEqual([
      ["model.hidden[1]", "must be at most 8192"],
    ]);
  });

  it("refuses more than 32 hidden layers", () => {
    expect(problems((s) => (s.model.hidden = Array(33).fill(4)))).toEqual([
      ["model.hidden", "must list at most 32 hidden layers"],
    ]);
  });

  it("refuses epochs above 100000 and a batch size above 65536", () => {
    expect(problems((s) => (s.training = { epochs: 1e7, batchSize: 1e6 }))).toEqual([
      ["training.epochs", "must be at most 100000"],
      ["training.batchSize", "must be at most 65536"],
    ]);
  });

  it("accepts values at the bounds", () => {
    const spec = accepted((s) => {
      s.model.hidden = [...Array(31).fill(2), 8192];
      s.training = { epochs: 100_000, batchSize: 65_536 };
    });
    expect(spec.training).toMatchObject({ epochs: 100_000, batchSize: 65_536 });
    expect(spec.model).toMatchObject({ hidden: expect.arrayContaining([8192]) });
  });
});

describe("dataset.s3 keys", () => {
  const s3 = (key: string) => (s: RawSpec) => {
    delete s.dataset.path;
    s.dataset.s3 = key;
  };

  it.each(["s3://datasets/../secrets.csv", "s3://../x.csv", "s3://a/./b.csv", "s3://a/.."])(
    "refuses %s naming the field",
    (key) => {
      expect(problems(s3(key))).toEqual([
        ["dataset.s3", 'must not contain "." or ".." path segments'],
      ]);
    },
  );

  it("accepts dots inside names", () => {
    expect(accepted(s3("s3://datasets/v1..2/bmi.v2.csv")).dataset.s3).toBe(
      "s3://datasets/v1..2/bmi.v2.csv",
    );
  });
});
