import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { StaticEncoder } from '../../src/encode/index.js';
import { IndexBuilder, LateIndex, exactMatchRecoveryFor, readCorpus, type SparseIndexMode } from '../../src/index/index.js';
import { parseReductionSpec } from '../../src/pool/index.js';
import type { DocumentRecord } from '../../src/shared/index.js';

/** Index fixtures shared by the REST tests and programs that run outside vitest (the console's screenshots). */

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const SAMPLE = path.join(ROOT, 'data/sample');

export function tempRoot(): string {
  return mkdtempSync(path.join(os.tmpdir(), 'lateindex-api-'));
}

export async function sampleRecords(): Promise<DocumentRecord[]> {
  const records: DocumentRecord[] = [];
  for await (const record of readCorpus(SAMPLE)) records.push(record);
  return records;
}

/** Builds an index of the sample corpus (or `records`) with the embedded static encoder (`reduce`: default none). */
export async function buildIndex(
  dir: string,
  options: { sparse?: SparseIndexMode; records?: readonly DocumentRecord[]; reduce?: string } = {},
): Promise<void> {
  const encoder = await StaticEncoder.load();
  const pipeline = parseReductionSpec(options.reduce ?? 'none');
  const index = await LateIndex.create(dir, {
    encoder: encoder.identity,
    reduction: pipeline.spec,
    sparse: { mode: options.sparse ?? 'bm25' },
    exactMatchRecovery: exactMatchRecoveryFor(encoder, pipeline),
  });
  try {
    await new IndexBuilder(index, encoder, pipeline).addBatch(options.records ?? (await sampleRecords()));
  } finally {
    await index.close();
    await encoder.close();
  }
}

