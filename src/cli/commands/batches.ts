/** Groups a stream into arrays of at most `size` items. */
export async function* batches<T>(items: AsyncIterable<T>, size: number): AsyncGenerator<T[]> {
  let batch: T[] = [];
  for await (const item of items) {
    batch.push(item);
    if (batch.length >= size) {
      yield batch;
      batch = [];
    }
  }
  if (batch.length > 0) yield batch;
}

/** Reads the first item and returns a stream that still yields it. */
export async function peekFirst<T>(items: AsyncGenerator<T>): Promise<{ first: T | undefined; records: AsyncGenerator<T> }> {
  const head = await items.next();
  if (head.done) return { first: undefined, records: items };
  async function* replay(): AsyncGenerator<T> {
    yield head.value as T;
    yield* items;
  }
  return { first: head.value as T, records: replay() };
}
