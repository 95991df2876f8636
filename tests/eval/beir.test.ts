import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { judgedQueryIds, loadBeirSplit, readQrels, readQueries, resolveBeirDataset } from '../../src/eval/index.js';
import { InputError } from '../../src/shared/index.js';
import { SHARED_DATA } from './data-dir.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'lateindex-beir-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function file(name: string, text: string): Promise<string> {
  const p = path.join(dir, name);
  await mkdir(path.dirname(p), { recursive: true });
  await writeFile(p, text);
  return p;
}

async function errorOf(promise: Promise<unknown>): Promise<InputError> {
  const error = await promise.then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(InputError);
  return error as InputError;
}

describe('readQueries', () => {
  it('reads ids as strings in file order, skipping blank lines', async () => {
    const f = await file('q.jsonl', '{"_id": "b", "text": "second"}\n\n{"_id": 7, "text": "numeric id"}\r\n{"id": "a", "text": "", "metadata": {}}\n');
    expect([...(await readQueries(f))]).toEqual([['b', 'second'], ['7', 'numeric id'], ['a', '']]);
  });

  it('names file, line and field for malformed lines', async () => {
    const bad = await file('bad.jsonl', '{"_id": "1", "text": "ok"}\n{"_id": "2", "text": 5}\n');
    const e1 = await errorOf(readQueries(bad));
    expect(e1.message).toBe(`${bad}:2: field "text": must be a string, got number`);
    const json = await file('json.jsonl', '\n{"_id": "1", text}\n');
    expect((await errorOf(readQueries(json))).message.startsWith(`${json}:2: malformed JSON: `)).toBe(true);
    const dup = await file('dup.jsonl', '{"_id": "1", "text": "a"}\n{"_id": "1", "text": "b"}\n');
    const e3 = await errorOf(readQueries(dup));
    expect(e3.code).toBe('duplicate_id');
    expect(e3.message).toContain(':2: field "_id": query id "1" already appeared on line 1');
    const noId = await file('noid.jsonl', '{"text": "a"}\n');
    expect((await errorOf(readQueries(noId))).message).toBe(`${noId}:1: field "_id": missing query id`);
    const missing = await errorOf(readQueries(path.join(dir, 'nope.jsonl')));
    expect(missing.code).toBe('file_not_found');
  });
});

describe('readQrels', () => {
  it('reads the BEIR TSV (header, string ids, graded scores) and the 4-column TREC form', async () => {
    const f = await file('qrels.tsv', 'query-id\tcorpus-id\tscore\n1\t007\t2\n1\td2\t0\n\n2\td1\t1\n');
    const qrels = await readQrels(f);
    expect([...qrels.keys()]).toEqual(['1', '2']);
    expect([...qrels.get('1')!]).toEqual([['007', 2], ['d2', 0]]);
    const trec = await file('qrels.trec', '1 0 d1 1\n1 0 d2 3\n');
    expect([...(await readQrels(trec)).get('1')!]).toEqual([['d1', 1], ['d2', 3]]);
  });

  it('names file and line for malformed lines and duplicate judgments', async () => {
    const fields = await file('fields.tsv', 'query-id\tcorpus-id\tscore\n1\td1\n');
    const e1 = await errorOf(readQrels(fields));
    expect(e1.message).toBe(`${fields}:2: expected 3 tab-separated fields "query-id corpus-id score" (or 4 for TREC qrels), got 2`);
    const score = await file('score.tsv', 'query-id\tcorpus-id\tscore\n1\td1\t1\n1\td2\thigh\n');
    expect((await errorOf(readQrels(score))).message).toBe(`${score}:3: field "score": must be a number, got "high"`);
    const dup = await file('dupq.tsv', 'query-id\tcorpus-id\tscore\n1\td1\t1\n2\td1\t1\n1\td1\t2\n');
    const e3 = await errorOf(readQrels(dup));
    expect(e3.code).toBe('duplicate_judgment');
    expect(e3.message).toBe(`${dup}:4: judgment for query "1" and document "d1" already given on line 2`);
  });
});

describe('resolveBeirDataset', () => {
  it('lists the splits and explains a missing split or file', async () => {
    const ds = path.join(dir, 'ds');
    await file('ds/corpus.jsonl', '{"_id": "d1", "text": "x"}\n');
    await file('ds/queries.jsonl', '{"_id": "q1", "text": "x"}\n');
    await file('ds/qrels/test.tsv', 'query-id\tcorpus-id\tscore\nq1\td1\t1\n');
    await file('ds/qrels/dev.tsv', 'query-id\tcorpus-id\tscore\n');
    const dataset = await resolveBeirDataset(ds);
    expect(dataset.splits).toEqual(['dev', 'test']);
    expect(dataset.qrels('test')).toBe(path.join(ds, 'qrels', 'test.tsv'));
    let caught: unknown;
    try {
      dataset.qrels('train');
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(InputError);
    expect((caught as InputError).code).toBe('missing_split');
    expect((caught as InputError).message).toBe(`${path.join(ds, 'qrels', 'train.tsv')}: no qrels for split "train" (available splits: dev, test)`);
    const split = await loadBeirSplit(ds, 'test');
    expect([...split.queries.keys()]).toEqual(['q1']);
    expect(split.qrels.get('q1')?.get('d1')).toBe(1);

    const noQueries = path.join(dir, 'ds2');
    await file('ds2/corpus.jsonl', '');
    const e = await errorOf(resolveBeirDataset(noQueries));
    expect(e.message).toContain(`${path.join(noQueries, 'queries.jsonl')}: missing queries.jsonl`);
    expect((await errorOf(resolveBeirDataset(path.join(dir, 'absent')))).code).toBe('file_not_found');
  });
});

describe('shared BEIR collections', () => {
  it('loads SciFact test: 339 judgments over 300 judged queries, all present in queries.jsonl', async () => {
    const { dataset, queries, qrels } = await loadBeirSplit(path.join(SHARED_DATA, 'scifact'), 'test');
    expect(dataset.splits).toEqual(['test', 'train']);
    expect(queries.size).toBe(1109);
    expect([...qrels.values()].reduce((n, j) => n + j.size, 0)).toBe(339);
    const judged = judgedQueryIds(qrels);
    expect(judged).toHaveLength(300);
    expect(judged.every((q) => queries.has(q))).toBe(true);
    expect(qrels.get('1')?.get('31715818')).toBe(1);
  });

  it.each([
    ['cranfield', 225, 1612],
    ['med', 30, 696],
    ['cacm', 52, 796],
    ['lisa', 35, 379],
    ['vaswani', 93, 2083],
  ])('loads %s test qrels (%i judged queries, %i lines)', async (name, judgedCount, lines) => {
    const { queries, qrels } = await loadBeirSplit(path.join(SHARED_DATA, name), 'test');
    expect([...qrels.values()].reduce((n, j) => n + j.size, 0)).toBe(lines);
    expect(judgedQueryIds(qrels)).toHaveLength(judgedCount);
    expect(judgedQueryIds(qrels).every((q) => queries.has(q))).toBe(true);
  });
});
