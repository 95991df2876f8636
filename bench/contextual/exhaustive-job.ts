/**
 * The exhaustive reference's unit of work: exact MaxSim of every query against a chunk of documents, read from the
 * bundle as stored (float16 rows are widened exactly, in SIMD, by the scorer), keeping each query's top k.
 */
import { Bundle } from './bundle.js';
import { ExactTopK, type PartialTopK } from './exact-top-k.js';
import type { WorkerJob } from './worker-pool.js';

export interface ExhaustiveSetup {
  readonly bundleDir: string;
  readonly k: number;
  readonly chunkDocuments: number;
}

export function exhaustiveJob(setup: ExhaustiveSetup): WorkerJob<PartialTopK> {
  const bundle = Bundle.open(setup.bundleDir);
  const reader = bundle.openReader();
  const { dim } = bundle;
  const best = new ExactTopK(bundle.queries(), dim, setup.k);
  const float16 = bundle.embeddings.dtype === 'float16';
  const rowBytes = bundle.embeddings.rowBytes;
  return {
    runTask(task: number): void {
      const first = task * setup.chunkDocuments;
      const count = Math.min(bundle.documents, first + setup.chunkDocuments) - first;
      const chunk = reader.read(first, count);
      for (let k = 0; k < count; k++) {
        const rows = chunk.rowStart[k + 1]! - chunk.rowStart[k]!;
        const at = chunk.bytes.byteOffset + chunk.rowStart[k]! * rowBytes;
        if (float16) best.addFloat16(first + k, new Uint8Array(chunk.bytes.buffer, at, rows * rowBytes), rows);
        else best.add(first + k, new Float32Array(chunk.bytes.buffer, at, rows * dim), rows);
      }
    },
    finish(): PartialTopK {
      reader.close();
      return best.drain();
    },
  };
}
