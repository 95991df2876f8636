import path from 'node:path';
import { Option, type Command } from 'commander';
import { LateIndex } from '../../index/index.js';
import { addRequiredOption } from '../options.js';
import { print, printJson } from '../output.js';

export function configure(command: Command): void {
  addRequiredOption(command, new Option('--index <dir>', 'index directory'))
    .option('--json', 'print the report as JSON on stdout')
    .action(compactCommand);
}

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
      print(`compacted in ${seconds.toFixed(1)}s: ${report.graphTombstonesDropped} graph tombstones dropped${sparse}`);
    }
  } finally {
    await index.close();
  }
}
