import { promises as fs } from 'node:fs';
import path from 'node:path';
import { Option, type Command } from 'commander';
import { LateIndex } from '../../index/index.js';
import { InputError, UsageError } from '../../shared/index.js';
import { addRequiredOption } from '../options.js';
import { print, printJson } from '../output.js';

export function configure(command: Command): void {
  addRequiredOption(command, new Option('--index <dir>', 'index directory'));
  addRequiredOption(command, new Option('--ids <file | a,b,c>', 'a file with one id per line, or a comma-separated list'))
    .option('--json', 'print the result as JSON on stdout')
    .action(deleteCommand);
}

export interface DeleteCommandOptions {
  readonly index: string;
  readonly ids: string;
  readonly json?: boolean;
}

export async function deleteCommand(options: DeleteCommandOptions): Promise<void> {
  const ids = await parseIds(options.ids);
  if (ids.length === 0) throw new UsageError('--ids names no ids');
  const index = await LateIndex.open(path.resolve(options.index));
  try {
    const { deleted, missing } = await index.delete(ids);
    if (options.json) printJson({ deleted, missing, documents: index.counts().documents });
    else {
      print(`deleted ${deleted.length} documents${missing.length ? `; ${missing.length} ids were not in the index: ${missing.slice(0, 10).join(', ')}${missing.length > 10 ? ', ...' : ''}` : ''}`);
    }
  } finally {
    await index.close();
  }
}

/** `--ids` is a file (one id per line) when such a file exists, else a comma-separated list. */
async function parseIds(value: string): Promise<string[]> {
  let content: string | undefined;
  try {
    const stat = await fs.stat(value);
    if (!stat.isFile()) throw new InputError('is not a file', { file: value }, '--ids');
    content = await fs.readFile(value, 'utf8');
  } catch (err) {
    if (err instanceof InputError) throw err;
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') {
      throw new InputError(`cannot read (${(err as NodeJS.ErrnoException).code})`, { file: value }, '--ids');
    }
  }
  const parts = content !== undefined ? content.split(/\r?\n/) : value.split(',');
  return [...new Set(parts.map((s) => s.trim()).filter((s) => s.length > 0))];
}
