import { promises as fs } from 'node:fs';
import path from 'node:path';
import { InputError, readLines } from '../shared/index.js';
import type { Qrels, Queries } from './types.js';

function typeName(value: unknown): string {
  if (value === null) return 'null';
  return Array.isArray(value) ? 'array' : typeof value;
}

/**
 * Reads a BEIR `queries.jsonl` (`{"_id", "text"}` a line; `id` is accepted for `_id`, numbers become strings).
 * Blank lines are skipped; a malformed line or a repeated id throws an InputError naming file and line.
 */
export async function readQueries(file: string): Promise<Map<string, string>> {
  const queries = new Map<string, string>();
  const firstLine = new Map<string, number>();
  for await (const { line, lineNo } of readLines(file)) {
    if (line.trim() === '') continue;
    const at = { file, line: lineNo };
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (error) {
      throw new InputError(`malformed JSON: ${(error as Error).message}`, at, undefined, 'malformed_json');
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      throw new InputError(`a query must be a JSON object, got ${typeName(value)}`, at);
    }
    const record = value as Record<string, unknown>;
    const rawId = record._id ?? record.id;
    if (rawId === undefined || rawId === null) throw new InputError('missing query id', at, '_id');
    if (typeof rawId !== 'string' && typeof rawId !== 'number') {
      throw new InputError(`must be a string, got ${typeName(rawId)}`, at, '_id');
    }
    const id = String(rawId);
    if (id === '') throw new InputError('must not be empty', at, '_id');
    if (typeof record.text !== 'string') {
      throw new InputError(`must be a string, got ${typeName(record.text)}`, at, 'text');
    }
    const earlier = firstLine.get(id);
    if (earlier !== undefined) {
      throw new InputError(`query id "${id}" already appeared on line ${earlier}`, at, '_id', 'duplicate_id');
    }
    firstLine.set(id, lineNo);
    queries.set(id, record.text);
  }
  return queries;
}

/**
 * Reads BEIR qrels: a TSV with header `query-id corpus-id score`, then `qid<TAB>docid<TAB>grade` a line.
 * The 4-column TREC form (`qid iter docid grade`, whitespace-separated) is accepted too. Grades must be
 * finite numbers; a repeated (query, document) pair throws, naming both lines.
 */
export async function readQrels(file: string): Promise<Map<string, Map<string, number>>> {
  const qrels = new Map<string, Map<string, number>>();
  const pairLine = new Map<string, number>();
  let firstContentLine = true;
  for await (const { line, lineNo } of readLines(file)) {
    if (line.trim() === '') continue;
    const isFirst = firstContentLine;
    firstContentLine = false;
    const at = { file, line: lineNo };
    const fields = line.includes('\t') ? line.split('\t').map((f) => f.trim()) : line.trim().split(/\s+/);
    if (fields.length !== 3 && fields.length !== 4) {
      throw new InputError(
        `expected 3 tab-separated fields "query-id corpus-id score" (or 4 for TREC qrels), got ${fields.length}`,
        at, undefined, 'malformed_qrels',
      );
    }
    const [qid, docid, gradeText] = fields.length === 3 ? fields : [fields[0], fields[2], fields[3]];
    const grade = Number(gradeText);
    if (gradeText === '' || gradeText === undefined || !Number.isFinite(grade)) {
      if (isFirst) continue; // the header line
      throw new InputError(`must be a number, got "${gradeText ?? ''}"`, at, 'score', 'malformed_qrels');
    }
    if (!qid) throw new InputError('must not be empty', at, 'query-id', 'malformed_qrels');
    if (!docid) throw new InputError('must not be empty', at, 'corpus-id', 'malformed_qrels');
    const key = `${qid}\t${docid}`;
    const earlier = pairLine.get(key);
    if (earlier !== undefined) {
      throw new InputError(
        `judgment for query "${qid}" and document "${docid}" already given on line ${earlier}`,
        at, undefined, 'duplicate_judgment',
      );
    }
    pairLine.set(key, lineNo);
    let judgments = qrels.get(qid);
    if (judgments === undefined) qrels.set(qid, (judgments = new Map()));
    judgments.set(docid, grade);
  }
  return qrels;
}

/** File locations of a BEIR dataset folder. */
export interface BeirDataset {
  readonly dir: string;
  readonly corpus: string;
  readonly queries: string;
  /** Splits with a `qrels/<split>.tsv`, sorted. */
  readonly splits: readonly string[];
  /** Path of `qrels/<split>.tsv`; throws an InputError listing the available splits when it is missing. */
  qrels(split: string): string;
}

async function isFile(file: string): Promise<boolean> {
  try {
    return (await fs.stat(file)).isFile();
  } catch {
    return false;
  }
}

/** Checks that `dir` is a BEIR dataset folder (corpus.jsonl, queries.jsonl, qrels/*.tsv) and returns its paths. */
export async function resolveBeirDataset(dir: string): Promise<BeirDataset> {
  let stat;
  try {
    stat = await fs.stat(dir);
  } catch {
    throw new InputError('no such dataset directory', { file: dir }, undefined, 'file_not_found');
  }
  if (!stat.isDirectory()) {
    throw new InputError('expected a BEIR dataset directory (corpus.jsonl, queries.jsonl, qrels/)', { file: dir }, undefined, 'not_a_dataset');
  }
  const corpus = path.join(dir, 'corpus.jsonl');
  const queries = path.join(dir, 'queries.jsonl');
  for (const file of [corpus, queries]) {
    if (!(await isFile(file))) {
      throw new InputError(`missing ${path.basename(file)}; a BEIR dataset has corpus.jsonl, queries.jsonl and qrels/<split>.tsv`, { file }, undefined, 'not_a_dataset');
    }
  }
  const qrelsDir = path.join(dir, 'qrels');
  let splits: string[] = [];
  try {
    splits = (await fs.readdir(qrelsDir, { withFileTypes: true }))
      .filter((e) => e.isFile() && e.name.endsWith('.tsv'))
      .map((e) => e.name.slice(0, -'.tsv'.length))
      .sort();
  } catch {
    splits = [];
  }
  return {
    dir,
    corpus,
    queries,
    splits,
    qrels(split: string): string {
      if (!splits.includes(split)) {
        const available = splits.length ? `available splits: ${splits.join(', ')}` : 'the dataset has no qrels/*.tsv files';
        throw new InputError(`no qrels for split "${split}" (${available})`, { file: path.join(qrelsDir, `${split}.tsv`) }, undefined, 'missing_split');
      }
      return path.join(qrelsDir, `${split}.tsv`);
    },
  };
}

/** Queries and qrels of one split of a BEIR dataset folder. */
export async function loadBeirSplit(dir: string, split: string): Promise<{ dataset: BeirDataset; queries: Queries; qrels: Qrels }> {
  const dataset = await resolveBeirDataset(dir);
  const qrelsFile = dataset.qrels(split);
  const [queries, qrels] = await Promise.all([readQueries(dataset.queries), readQrels(qrelsFile)]);
  return { dataset, queries, qrels };
}
