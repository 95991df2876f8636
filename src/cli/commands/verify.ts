import path from 'node:path';
import { Option, type Command } from 'commander';
import { LateIndex } from '../../index/index.js';
import { LateIndexError } from '../../shared/index.js';
import { addRequiredOption } from '../options.js';
import { print, printJson, warn } from '../output.js';

export function configure(command: Command): void {
  addRequiredOption(command, new Option('--index <dir>', 'index directory'))
    .option('--json', 'print the report as JSON on stdout')
    .action(verifyCommand);
}

export interface VerifyCommandOptions {
  readonly index: string;
  readonly json?: boolean;
}

/**
 * Cross-checks every LMDB database of an index against the others and the HNSW graph (read-only). Problems are
 * listed, then reported as an `index_inconsistent` error, so the exit code says whether the index is sound.
 */
export async function verifyCommand(options: VerifyCommandOptions): Promise<void> {
  const dir = path.resolve(options.index);
  const index = await LateIndex.open(dir, { readOnly: true, checkTrees: true, saveRebuiltGraph: false });
  let report;
  try {
    report = index.verify();
  } finally {
    await index.close();
  }
  if (options.json) printJson({ index: dir, ...report });
  else {
    for (const problem of report.problems) print(`problem: ${problem}`);
    for (const warning of report.warnings) warn(warning);
    if (report.ok) print(`${dir}: consistent (${report.documents} documents, ${report.vectors} vectors, ${report.terms} terms checked)`);
  }
  if (!report.ok) {
    throw new LateIndexError('index_inconsistent', `${dir}: ${report.problems.length}${report.problems.length >= 100 ? '+' : ''} consistency problems found`);
  }
}
