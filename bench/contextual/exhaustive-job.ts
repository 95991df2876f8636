/**
 * The exhaustive reference's unit of work: exact MaxSim of every query against a chunk of documents, read from the
 * bundle as stored (float16 rows are widened exactly, in SIMD, by the scorer), keeping each query's top k.
 */
import { Float16Codec } from '../../src/index/codecs/float16-codec.js';
import { createMaxSimScorer, TopK, type MaxSimScorer } from '../../src/search/index.js';
import { Bundle } from './bundle.js';
import type { WorkerJob } from './worker-pool.js';

export interface ExhaustiveSetup {
  readonly bundleDir: string;
  readonly k: number;
  readonly chunkDocuments: number;
}

/** Per query, the worker's best (document index, score) pairs, best first. */
export type PartialTopK = Array<Array<{ internalId: number; score: number }>>;

export function exhaustiveJob(setup: ExhaustiveSetup): WorkerJob<PartialTopK> {
  const bundle = Bundle.open(setup.bundleDir);
  const reader = bundle.openReader();
  const { dim } = bundle;
  const queries = bundle.queries();
  const queryTokens = bundle.manifest.queryTokens;
  // One scorer per query keeps every query resident, so a chunk is read once for all of them.
  const scorers: MaxSimScorer[] = queries.map((data) => {
    const scorer = createMaxSimScorer();
    scorer.setQuery({ dim, count: queryTokens, data });
    return scorer;
  });
  const best = queries.map(() => new TopK(setup.k, (a, b) => a - b));
  const float16 = bundle.embeddings.dtype === 'float16';
  const rowBytes = bundle.embeddings.rowBytes;
  const codec = new Float16Codec();
  let widened = new Float32Array(0);
  return {
    runTask(task: number): void {
      const first = task * setup.chunkDocuments;
      const count = Math.min(bundle.documents, first + setup.chunkDocuments) - first;
      const chunk = reader.read(first, count);
      for (let k = 0; k < count; k++) {
        const rows = chunk.rowStart[k + 1]! - chunk.rowStart[k]!;
        const at = chunk.bytes.byteOffset + chunk.rowStart[k]! * rowBytes;
        const halves = new Uint8Array(chunk.bytes.buffer, at, rows * rowBytes);
        let floats = float16 ? undefined : new Float32Array(chunk.bytes.buffer, at, rows * dim);
        if (floats === undefined && scorers[0]?.scoreFloat16 === undefined) {
          // The scalar backend has no float16 path: widen once for all queries.
          if (widened.length < rows * dim) widened = new Float32Array(rows * dim);
          floats = codec.decode(halves, rows, dim, widened);
        }
        for (let q = 0; q < scorers.length; q++) {
          const scorer = scorers[q]!;
          const score = floats !== undefined ? scorer.score(floats, rows) : scorer.scoreFloat16!(halves, rows);
          best[q]!.push(score, first + k);
        }
      }
    },
    finish(): PartialTopK {
      reader.close();
      return best.map((top) => top.drain());
    },
  };
}
