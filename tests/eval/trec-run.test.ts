import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatTrecRun, readTrecRun, writeTrecRun } from '../../src/eval/index.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'lateindex-run-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const run = new Map([
  ['q1', [{ id: 'd3', score: 2.5 }, { id: 'd1', score: 0.125 }]],
  ['q2', [{ id: 'd9', score: -1 }]],
]);

describe('TREC run', () => {
  it('writes qid Q0 docid rank score tag with 1-based ranks', async () => {
    expect(formatTrecRun(run, 'lateindex')).toBe(
      'q1 Q0 d3 1 2.5 lateindex\nq1 Q0 d1 2 0.125 lateindex\nq2 Q0 d9 1 -1 lateindex\n',
    );
    const file = path.join(dir, 'run.trec');
    await writeTrecRun(file, run, 'tag');
    expect(await readFile(file, 'utf8')).toBe('q1 Q0 d3 1 2.5 tag\nq1 Q0 d1 2 0.125 tag\nq2 Q0 d9 1 -1 tag\n');
    expect(await readTrecRun(file)).toEqual(run);
  });

  it('keeps full score precision and refuses whitespace in fields', () => {
    const precise = new Map([['q', [{ id: 'a', score: 0.1 + 0.2 }]]]);
    expect(formatTrecRun(precise, 't')).toBe('q Q0 a 1 0.30000000000000004 t\n');
    expect(() => formatTrecRun(new Map([['q', [{ id: 'a b', score: 1 }]]]), 't')).toThrow(/document id "a b"/);
    expect(() => formatTrecRun(run, 'my tag')).toThrow(expect.objectContaining({ code: 'invalid_run_field' }));
  });

  it('reads runs ordered as trec_eval does (score desc, then docid desc) and names bad lines', async () => {
    const file = path.join(dir, 'ties.trec');
    await writeFile(file, 'q Q0 a 1 1.0 t\nq Q0 c 2 1.0 t\nq Q0 b 3 3 t\n');
    expect((await readTrecRun(file)).get('q')!.map((d) => d.id)).toEqual(['b', 'c', 'a']);
    const bad = path.join(dir, 'bad.trec');
    await writeFile(bad, 'q Q0 a 1 1.0 t\nq Q0 a 1 t\n');
    await expect(readTrecRun(bad)).rejects.toThrow(`${bad}:2: expected 6 fields "qid Q0 docid rank score tag", got 5`);
  });
});
