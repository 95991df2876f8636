import type { Encoder } from '../../encode/index.js';
import { encodeRecords, readCorpus } from '../../index/index.js';
import type { DocumentRecord } from '../../shared/index.js';
import { EncodedStore, type EncodedStoreStamp } from './encoded-store.js';

/** A progress bar (the CLI draws them on stderr). */
export interface ProgressBar {
  update(done: number): void;
  stop(): void;
}
/** Creates a progress bar; sweeps open one for encoding and one per configuration. */
export type ProgressFactory = (label: string, total: number, unit: string) => ProgressBar;

/** The ids of a corpus (reading validates every record). */
export async function readCorpusIds(corpus: string): Promise<Set<string>> {
  const ids = new Set<string>();
  for await (const record of readCorpus(corpus)) ids.add(record.id);
  return ids;
}

/**
 * Encodes a corpus once, batch by batch, into an on-disk store in `dir` (memory stays bounded by the batch),
 * through the ingest pipeline's `encodeRecords`, and seals it with `stamp` so a resumed sweep can reuse it.
 */
export async function encodeCorpus(
  corpus: string,
  total: number,
  dir: string,
  stamp: Omit<EncodedStoreStamp, 'documents' | 'vectors'>,
  encoder: Encoder,
  batchSize: number,
  bar: ProgressFactory,
): Promise<EncodedStore> {
  const store = await EncodedStore.create(dir);
  const progress = bar('encoding', total, 'docs');
  try {
    let batch: DocumentRecord[] = [];
    const flush = async (): Promise<void> => {
      const docs = batch.map((r) => ({
        id: r.id,
        ...(r.title !== undefined && { title: r.title }),
        ...(r.text !== undefined && { text: r.text }),
      }));
      await store.append(docs, await encodeRecords(batch, encoder, encoder.identity.dim));
      progress.update(store.documents);
      batch = [];
    };
    for await (const record of readCorpus(corpus)) {
      batch.push(record);
      if (batch.length >= batchSize) await flush();
    }
    if (batch.length > 0) await flush();
    await store.seal(stamp);
  } catch (err) {
    await store.close();
    throw err;
  } finally {
    progress.stop();
  }
  return store;
}
