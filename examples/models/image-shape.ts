/** The side of a square image flattened into `features` pixels (a helper the module imports). */
export function squareSide(features: number): number {
  const side = Math.round(Math.sqrt(features));
  if (side * side !== features) throw new Error(`${features} features are not a square image`);
  return side;
}
