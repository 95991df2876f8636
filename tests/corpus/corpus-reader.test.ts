import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { countCorpusRecords, readCorpus } from '../../src/index/corpus-reader.js';
import { InputError, type DocumentRecord } from '../../src/shared/index.js';

const created: string[] = [];
afterAll(() => {
  for (const dir of created.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function tmp(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'lateindex-corpus-'));
  created.push(dir);
  return dir;
}

async function collect(source: string): Promise<DocumentRecord[]> {
  const out: DocumentRecord[] = [];
  for await (const r of readCorpus(source)) out.push(r);
  return out;
}

async function errorOf(source: string): Promise<InputError> {
  try {
    await collect(source);
  } catch (err) {
    expect(err).toBeInstanceOf(InputError);
    return err as InputError;
  }
  throw new Error('expected an InputError');
}

function jsonl(dir: string, lines: string[]): string {
  const file = path.join(dir, 'corpus.jsonl');
  writeFileSync(file, lines.join('\n') + '\n');
  return file;
}

describe('readCorpus', () => {
  it('reads BEIR JSONL records with string ids, skipping blank lines', async () => {
    const dir = tmp();
    const file = jsonl(dir, [
      '{"_id": "a", "title": "T", "text": "body", "metadata": {"year": 2020}}',
      '',
      '{"_id": 7, "text": "numeric id becomes a string"}',
    ]);
    const records = await collect(file);
    expect(records.map((r) => r.id)).toEqual(['a', '7']);
    expect(records[0]).toMatchObject({ title: 'T', text: 'body', metadata: { year: 2020 }, source: { file, line: 1 } });
    expect(records[1]!.source).toEqual({ file, line: 3 });
    expect(await countCorpusRecords(file)).toBe(2);
    // A BEIR folder resolves to its corpus.jsonl.
    expect((await collect(dir)).map((r) => r.id)).toEqual(['a', '7']);
  });

  it('names file, line and field for malformed or incomplete records', async () => {
    const dir = tmp();
    let e = await errorOf(jsonl(dir, ['{"_id": "a", "text": "ok"}', '{"_id": "b", "text": ']));
    expect(e.message).toMatch(/corpus\.jsonl:2: malformed JSON/);
    expect(e.code).toBe('malformed_json');

    e = await errorOf(jsonl(dir, ['{"title": "no id", "text": "x"}']));
    expect(e.message).toMatch(/corpus\.jsonl:1: field "_id": missing document id/);

    e = await errorOf(jsonl(dir, ['{"_id": "x", "text": 5}']));
    expect(e.message).toMatch(/:1: field "text": document "x": must be a string, got number/);

    e = await errorOf(jsonl(dir, ['{"_id": "x", "metadata": {"lang": "en"}}']));
    expect(e.message).toMatch(/document "x": record has no "text", "title" or "embeddings" field/);
    expect(e.field).toBe('text');
    expect(e.location).toEqual({ file: path.join(dir, 'corpus.jsonl'), line: 1 });

    // An empty document, as BEIR collections contain, is a valid record.
    const empty = await collect(jsonl(dir, ['{"_id": "471", "title": "", "text": ""}']));
    expect(empty).toMatchObject([{ id: '471', title: '', text: '' }]);

    e = await errorOf(jsonl(dir, ['[1, 2]']));
    expect(e.message).toMatch(/must be a JSON object/);
  });

  it('accepts precomputed embeddings and rejects wrong shapes, empty lists and NaN', async () => {
    const dir = tmp();
    const ok = await collect(jsonl(dir, ['{"_id": "p", "embeddings": [[1, 0], [0, 1], [0.5, 0.5], [1, 1]], "grid": [2, 2]}']));
    expect(ok[0]!.embeddingCount).toBe(4);
    expect(Array.from(ok[0]!.embeddings!)).toEqual([1, 0, 0, 1, 0.5, 0.5, 1, 1]);
    expect(ok[0]!.grid).toEqual([2, 2]);

    let e = await errorOf(jsonl(dir, ['{"_id": "p", "embeddings": [[1, 0], [0, 1, 2]]}']));
    expect(e.message).toMatch(/:1: field "embeddings": document "p": embeddings\[1\] has 3 values, embeddings\[0\] has 2/);

    e = await errorOf(jsonl(dir, ['{"_id": "p", "embeddings": []}']));
    expect(e.message).toMatch(/document "p": must hold at least one vector/);

    e = await errorOf(jsonl(dir, ['{"_id": "ok", "text": "fine"}', '{"_id": "p", "embeddings": [[1, NaN]]}']));
    expect(e.message).toMatch(/corpus\.jsonl:2: malformed JSON \(NaN\/Infinity are not allowed/);

    e = await errorOf(jsonl(dir, ['{"_id": "p", "embeddings": [[1, null]]}']));
    expect(e.message).toMatch(/embeddings\[0\]\[1\] is null, not a finite number/);

    e = await errorOf(jsonl(dir, ['{"_id": "p", "embeddings": [[1, 0]], "grid": [2, 2]}']));
    expect(e.message).toMatch(/field "grid".*covers 4 patches but there are 1 vectors/);
  });

  it('reads a folder of .txt/.md files with relative-path ids and Markdown titles', async () => {
    const dir = tmp();
    mkdirSync(path.join(dir, 'notes'));
    writeFileSync(path.join(dir, 'a.txt'), 'plain text body\n');
    writeFileSync(path.join(dir, 'notes', 'b.md'), '# Heading here\n\nMarkdown body.\n');
    writeFileSync(path.join(dir, 'ignored.bin'), 'x');
    const records = await collect(dir);
    expect(records.map((r) => [r.id, r.title, r.text])).toEqual([
      ['a', undefined, 'plain text body'],
      ['notes/b', 'Heading here', 'Markdown body.'],
    ]);
    expect(await countCorpusRecords(dir)).toBe(2);
  });

  it('reports missing and unreadable inputs as input errors, not stack traces', async () => {
    const dir = tmp();
    let e = await errorOf(path.join(dir, 'nope.jsonl'));
    expect(e.code).toBe('file_not_found');
    expect(e.message).toContain('nope.jsonl');

    e = await errorOf(dir);
    expect(e.message).toMatch(/no corpus\.jsonl and no \.txt\/\.md files/);

  });
});
