import path from 'node:path';
import { Option, type Command } from 'commander';
import { LateIndex, type StoreCompaction } from '../../index/index.js';
import { LateIndexError } from '../../shared/index.js';
import { addRequiredOption } from '../options.js';
import { formatBytes, print, printJson, warn } from '../output.js';

export function configure(command: Command): void {
  addRequiredOption(command, new Option('--index <dir>', 'index directory'))
    .option('--json', 'print the report as JSON on stdout')
    .action(compactCommand);
}

export interface CompactCommandOptions {
  readonly index: string;
  readonly json?: boolean;
}

/**
 * Rebuilds the HNSW graph without tombstones, reorders the sparse blocks, then rewrites the LMDB file compacted so
 * that it shrinks; search results stay the same. The rewrite needs the index alone: while another process has it
 * open, the rest is done and the rewrite is skipped with a warning.
 */
export async function compactCommand(options: CompactCommandOptions): Promise<void> {
  const dir = path.resolve(options.index);
  const started = performance.now();
  const index = await LateIndex.open(dir);
  let report;
  try {
    report = await index.compact();
    await index.flush();
  } finally {
    await index.close();
  }
  let store: StoreCompaction | { skipped: string };
  try {
    store = await LateIndex.compactStore(dir);
  } catch (err) {
    if (!(err instanceof LateIndexError && err.code === 'index_locked')) throw err;
    store = { skipped: err.message };
    warn(`the LMDB file was not rewritten: ${err.message}`);
  }
  const seconds = (performance.now() - started) / 1000;
  if (options.json) printJson({ ...report, store, seconds });
  else {
    const sparse = report.sparse
      ? `; sparse: ${report.sparse.reorder.documents} documents reordered, ${report.sparse.compact.loweredMaxima} block maxima lowered`
      : '';
    const file = 'bytesAfter' in store ? `; store.mdb ${formatBytes(store.bytesBefore)} -> ${formatBytes(store.bytesAfter)}` : '';
    print(`compacted in ${seconds.toFixed(1)}s: ${report.graphTombstonesDropped} graph tombstones dropped${sparse}${file}`);
  }
}
