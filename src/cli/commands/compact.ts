import path from 'node:path';
import { LateIndex } from '../../index/index.js';
import { printJson, say } from '../output.js';

export interface CompactCommandOptions {
  readonly index: string;
  readonly json?: boolean;
}

/** Rebuilds the HNSW graph without tombstones and reorders the sparse blocks; search results stay the same. */
export async function compactCommand(options: CompactCommandOptions): Promise<void> {
  const index = await LateIndex.open(path.resolve(options.index));
  try {
    const started = performance.now();
    const report = await index.compact();
    await index.flush();
    const seconds = (performance.now() - started) / 1000;
    if (options.json) printJson({ ...report, seconds });
    else {
      const sparse = report.sparse
        ? `; sparse: ${report.sparse.reorder.documents} documents reordered, ${report.sparse.compact.loweredMaxima} block maxima lowered`
        : '';
      say(`compacted in ${seconds.toFixed(1)}s: ${report.graphTombstonesDropped} graph tombstones dropped${sparse}`);
    }
  } finally {
    await index.close();
  }
}
