/** The bundle writer's unit of work: generate a chunk of documents and write it at its place in embeddings.npy. */
import { closeSync, openSync } from 'node:fs';
import { float16BitsOfFloat32Bits } from '../../src/shared/index.js';
import { ContextualCorpus, type ContextualCorpusParams } from './generator.js';
import { writeRowsAt, type NpyLayout } from './npy.js';
import type { WorkerJob } from './worker-pool.js';

export interface GenerationSetup {
  readonly params: ContextualCorpusParams;
  readonly dtype: 'float32' | 'float16';
  readonly embeddingsPath: string;
  readonly layout: NpyLayout;
  readonly documents: number;
  readonly chunkDocuments: number;
  /** offsets[i] = first row of document i. */
  readonly offsets: Float64Array;
}

/** Document ids as the bundle names them. */
export function documentId(index: number): string {
  return `d${index}`;
}

/** Generates and writes chunk `task` (documents [task * chunk, ...)) of the embeddings file. */
export function generationJob(setup: GenerationSetup): WorkerJob<{ documents: number }> {
  const corpus = new ContextualCorpus(setup.params);
  const { dim } = setup.params;
  const fd = openSync(setup.embeddingsPath, 'r+');
  let rows = new Float32Array(0);
  let halves = new Uint16Array(0);
  let documents = 0;
  return {
    runTask(task: number): void {
      const first = task * setup.chunkDocuments;
      const end = Math.min(setup.documents, first + setup.chunkDocuments);
      const firstRow = setup.offsets[first]!;
      const rowCount = setup.offsets[end]! - firstRow;
      if (rows.length < rowCount * dim) {
        rows = new Float32Array(rowCount * dim);
        if (setup.dtype === 'float16') halves = new Uint16Array(rowCount * dim);
      }
      for (let i = first; i < end; i++) corpus.writeDocument(i, rows, (setup.offsets[i]! - firstRow) * dim);
      const values = rows.subarray(0, rowCount * dim);
      let bytes: Uint8Array;
      if (setup.dtype === 'float32') {
        bytes = new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
      } else {
        const bits = new Uint32Array(values.buffer, values.byteOffset, values.length);
        for (let k = 0; k < bits.length; k++) halves[k] = float16BitsOfFloat32Bits(bits[k]!);
        bytes = new Uint8Array(halves.buffer, 0, bits.length * 2);
      }
      writeRowsAt(fd, setup.layout, firstRow, bytes);
      documents += end - first;
    },
    finish() {
      closeSync(fd);
      return { documents };
    },
  };
}
