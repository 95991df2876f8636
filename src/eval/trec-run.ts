import { writeFile } from 'node:fs/promises';
import { InputError, LateIndexError, readLines } from '../shared/index.js';
import { trecEvalOrder } from './trec-eval-order.js';
import type { RankedDoc, Run } from './types.js';

function checkToken(value: string, what: string): void {
  if (value === '' || /\s/.test(value)) {
    throw new LateIndexError('invalid_run_field', `TREC run ${what} "${value}" must be non-empty and contain no whitespace`);
  }
}

/**
 * Lines of a TREC run, `qid Q0 docid rank score tag`, queries in run order, documents in list order with
 * 1-based ranks. Scores are written in full precision so that re-sorting by score keeps the order.
 */
export function* trecRunLines(run: Run, tag: string): Generator<string> {
  checkToken(tag, 'tag');
  for (const [qid, list] of run) {
    checkToken(qid, 'query id');
    let rank = 0;
    for (const doc of list) {
      checkToken(doc.id, 'document id');
      yield `${qid} Q0 ${doc.id} ${++rank} ${doc.score} ${tag}`;
    }
  }
}

export function formatTrecRun(run: Run, tag: string): string {
  let text = '';
  for (const line of trecRunLines(run, tag)) text += `${line}\n`;
  return text;
}

/** Writes a run to `file` (overwritten); every field is validated before the file is touched. */
export async function writeTrecRun(file: string, run: Run, tag: string): Promise<void> {
  const text = formatTrecRun(run, tag);
  try {
    await writeFile(file, text, 'utf8');
  } catch (error) {
    throw new LateIndexError('file_unwritable', `${file}: cannot write run (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
  }
}

/** Reads a TREC run. Each query's documents are ordered as trec_eval orders them (`trecEvalOrder`; ranks ignored). */
export async function readTrecRun(file: string): Promise<Map<string, RankedDoc[]>> {
  const run = new Map<string, RankedDoc[]>();
  for await (const { line, lineNo } of readLines(file)) {
    if (line.trim() === '') continue;
    const fields = line.trim().split(/\s+/);
    const at = { file, line: lineNo };
    if (fields.length !== 6) {
      throw new InputError(`expected 6 fields "qid Q0 docid rank score tag", got ${fields.length}`, at, undefined, 'malformed_run');
    }
    const score = Number(fields[4]);
    if (!Number.isFinite(score)) throw new InputError(`must be a number, got "${fields[4]}"`, at, 'score', 'malformed_run');
    let list = run.get(fields[0]!);
    if (list === undefined) run.set(fields[0]!, (list = []));
    list.push({ id: fields[2]!, score });
  }
  for (const [qid, list] of run) run.set(qid, trecEvalOrder(list));
  return run;
}
