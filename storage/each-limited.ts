/** S3 requests in flight at once for per-trial work over many trials (a pack, a retrain). */
export const STORE_CONCURRENCY = 16;

/** `fn` over `items`, at most `limit` at a time; results in order. */
export async function eachLimited<T, R>(
  items: readonly T[],
  fn: (item: T, i: number) => Promise<R>,
  limit = STORE_CONCURRENCY,
): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const run = async () => {
    for (let i = next++; i < items.length; i = next++) out[i] = await fn(items[i]!, i);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, run));
  return out;
}
