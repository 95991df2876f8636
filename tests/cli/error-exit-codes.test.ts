import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ERROR_CODES, type ErrorCode } from '../../src/shared/index.js';
import { SAMPLE, cli, tempDir } from './helpers.js';

/** The code the CLI printed on its one error line (`error: <message> [<code>]`). */
function printedCode(stderr: string): string | undefined {
  return /^error: .* \[([a-z_]+)\]\n$/s.exec(stderr)?.[1];
}

async function expectRegisteredExit(expected: ErrorCode, ...argv: string[]): Promise<void> {
  const result = await cli(...argv);
  expect(printedCode(result.stderr), result.stderr).toBe(expected);
  expect(result.code).toBe(ERROR_CODES[expected].exit);
}

describe('CLI exit codes come from the error registry', () => {
  let work: string;
  let index: string;
  beforeAll(async () => {
    work = tempDir();
    index = path.join(work, 'idx');
    expect((await cli('index', '--corpus', SAMPLE, '--index', index, '--quiet')).code).toBe(0);
  });

  it('UsageError: the default code and a specific one', async () => {
    await expectRegisteredExit('usage', 'index', '--corpus', 'a', '--dataset', 'b', '--index', path.join(work, 'c'));
    await expectRegisteredExit('invalid_reduction_spec', 'index', '--corpus', SAMPLE, '--index', path.join(work, 'd'), '--reduce', 'frobnicate:2');
    await expectRegisteredExit('index_exists', 'index', '--corpus', SAMPLE, '--index', index, '--quiet');
  });

  it('InputError', async () => {
    await expectRegisteredExit('file_not_found', 'index', '--corpus', path.join(work, 'missing.jsonl'), '--index', path.join(work, 'e'));
  });

  it('IndexFormatError', async () => {
    await expectRegisteredExit('not_an_index', 'search', '--index', path.join(work, 'none'), '--query', 'q');
  });

  it('EncoderError', async () => {
    await expectRegisteredExit('encoder_file_missing', 'index', '--corpus', SAMPLE, '--index', path.join(work, 'f'), '--model', path.join(work, 'no-model'));
  });

  it('LateIndexError', async () => {
    await expectRegisteredExit('file_unwritable', 'eval', '--dataset', SAMPLE, '--index', index, '--run', path.join(work, 'no-dir', 'run.trec'), '--quiet');
  });

  it('codes whose exit code the registry settled (runtime errors, even where a UsageError raises them)', async () => {
    const empty = path.join(work, 'empty.jsonl');
    writeFileSync(empty, '');
    await expectRegisteredExit('empty_corpus', 'index', '--corpus', empty, '--index', path.join(work, 'g'));
    expect(ERROR_CODES.empty_corpus.exit).toBe(1);

    const occupied = path.join(work, 'occupied');
    mkdirSync(occupied);
    writeFileSync(path.join(occupied, 'notes.txt'), 'not an index');
    await expectRegisteredExit('not_an_index', 'index', '--corpus', SAMPLE, '--index', occupied, '--quiet');
    expect(ERROR_CODES.not_an_index.exit).toBe(1);
  });
});
