import { execFile } from 'node:child_process';
import { readFileSync, readdirSync, mkdtempSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { EmbeddingTable, InvalidTableFile } from '../../src/encode/static/embedding-table.js';
import { cachedTablePath, defaultCacheDir, loadCachedTable, type TableSource } from '../../src/encode/static/table-cache.js';
import { EncoderError } from '../../src/shared/index.js';

const dir = mkdtempSync(join(tmpdir(), 'lx-table-cache-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// A small table in the wink JSON layout, with an escaped key, a non-ASCII key and a duplicate word.
const dim = 4;
const entries: [string, number[]][] = [
  ['the', [1, 2, 3, 4]],
  ['"', [0, 0, -2, 0]],
  ['café', [0.1, -0.2, 0.3, -0.4]],
  ['protein', [3e-2, 4e-2, 0, 0]],
  ['the', [9, 9, 9, 9]],
];
const json = `{"precision":8,"l2NormIndex":${dim},"wordIndex":${dim + 1},"size":5,"dimensions":${dim},
  "words":["the","\\"","café","protein","the"],
  "vectors":{${entries.map(([w, v], i) => `${JSON.stringify(w)}:[${v.join(',')},1.0,${i}]`).join(',\n')}},
  "unkVector":[0,0,0,0,0,-1]}`;
const jsonPath = join(dir, 'tiny.json');
writeFileSync(jsonPath, json);
const source: TableSource = { jsonPath, fingerprint: 'ab'.repeat(32), name: 'tiny' };

function unit(v: readonly number[]): number[] {
  const n = Math.hypot(...v);
  return v.map((x) => x / n);
}

function expectTableMatchesSource(table: EmbeddingTable): void {
  expect(table.size).toBe(4);
  expect(table.dim).toBe(dim);
  const row = new Float32Array(dim);
  for (const [word, vector] of entries.slice(0, 4)) {
    const r = table.rowOf(word);
    expect(r, word).toBeGreaterThanOrEqual(0);
    expect(table.wordAt(r)).toBe(word);
    table.copyRow(r, row, 0);
    unit(vector).forEach((x, j) => expect(row[j]).toBeCloseTo(x, 3));
  }
  expect(table.rowOf('absent')).toBe(-1);
  expect(table.rowOf('th')).toBe(-1);
  expect(table.rowOf('')).toBe(-1);
}

describe('cached embedding table', () => {
  it('converts once, then loads from the cache without converting', () => {
    const cacheDir = join(dir, 'once');
    const first = loadCachedTable({ cacheDir, source });
    expect(first.conversion?.rows).toBe(4);
    expectTableMatchesSource(first.table);
    const second = loadCachedTable({ cacheDir, source, onConvert: () => expect.unreachable('converted twice') });
    expect(second.conversion).toBeUndefined();
    expectTableMatchesSource(second.table);
    expect(second.table.contentHash).toBe(first.table.contentHash);
    // Only the final file remains: the temporary file was renamed into place.
    expect(readdirSync(cacheDir)).toEqual(['tiny.v1.f16']);
  });

  const damages: [string, (path: string) => void][] = [
    ['a flipped bit in the matrix', (path) => flipByte(path, 128 + 5)],
    ['a flipped bit in the vocabulary', (path) => flipByte(path, readFileSync(path).length - 2)],
    ['a changed header field', (path) => flipByte(path, 30)],
    ['truncation', (path) => truncateSync(path, readFileSync(path).length - 3)],
    ['truncation inside the header', (path) => truncateSync(path, 40)],
    ['garbage', (path) => writeFileSync(path, 'not a table')],
    ['an empty file', (path) => writeFileSync(path, '')],
  ];
  for (const [what, damage] of damages) {
    it(`detects ${what}, does not trust the file and rebuilds it`, () => {
      const cacheDir = join(dir, what.replaceAll(' ', '-'));
      loadCachedTable({ cacheDir, source });
      const path = cachedTablePath(cacheDir, source);
      damage(path);
      expect(() => EmbeddingTable.loadFile(path)).toThrow(InvalidTableFile);
      const reasons: string[] = [];
      const rebuilt = loadCachedTable({ cacheDir, source, onConvert: (reason) => reasons.push(reason) });
      expect(reasons).toHaveLength(1);
      expect(rebuilt.conversion).toBeDefined();
      expectTableMatchesSource(rebuilt.table);
      expect(() => EmbeddingTable.loadFile(path)).not.toThrow();
    });
  }

  it('lets several processes race to convert: all succeed and the cache ends complete and valid', async () => {
    // A larger source so that conversions overlap in time.
    const words = Array.from({ length: 20000 }, (_, i) => `w${i}`);
    const big = join(dir, 'big.json');
    writeFileSync(
      big,
      `{"dimensions":${dim},"size":${words.length},"vectors":{${words.map((w, i) => `"${w}":[${i + 1},1,2,3,1,${i}]`).join(',')}}}`,
    );
    const cacheDir = join(dir, 'race');
    const child = join(import.meta.dirname, 'fixtures', 'convert-child.ts');
    const run = () =>
      new Promise<{ contentHash: string; converted: boolean; rows: number }>((resolve, reject) => {
        execFile(process.execPath, ['--import', 'tsx', child, cacheDir, big, '12'.repeat(32), 'big'], (error, stdout) =>
          error ? reject(error) : resolve(JSON.parse(stdout) as { contentHash: string; converted: boolean; rows: number }),
        );
      });
    const results = await Promise.all([run(), run(), run()]);
    expect(results.map((r) => r.rows)).toEqual([words.length, words.length, words.length]);
    expect(new Set(results.map((r) => r.contentHash)).size).toBe(1);
    expect(readdirSync(cacheDir)).toEqual(['big.v1.f16']);
    const table = EmbeddingTable.loadFile(join(cacheDir, 'big.v1.f16'));
    expect(table.contentHash).toBe(results[0]!.contentHash);
    expect(table.rowOf('w19999')).toBe(19999);
  });

  it('rebuilds a cache converted from another version of the source', () => {
    const cacheDir = join(dir, 'stale');
    loadCachedTable({ cacheDir, source });
    const reasons: string[] = [];
    const other = { ...source, fingerprint: 'cd'.repeat(32) };
    const rebuilt = loadCachedTable({ cacheDir, source: other, onConvert: (reason) => reasons.push(reason) });
    expect(reasons[0]).toMatch(/another version/);
    expect(rebuilt.table.header.sourceFingerprint).toBe(other.fingerprint);
  });

  it('reports a malformed source as an EncoderError naming the file and byte', () => {
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, '{"dimensions":2,"size":1,"vectors":{"a":[1,2,1,0}}');
    const badSource = { jsonPath: bad, fingerprint: 'ef'.repeat(32), name: 'bad' };
    let error: unknown;
    try {
      loadCachedTable({ cacheDir: join(dir, 'bad'), source: badSource });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(EncoderError);
    expect((error as EncoderError).code).toBe('embedding_table_source');
    expect((error as Error).message).toContain(`${bad}: byte 48: expected ',' or ']', found '}'`);
  });

  it('resolves the cache directory from the environment', () => {
    expect(defaultCacheDir({ LATEINDEX_CACHE_DIR: '/x/y', XDG_CACHE_HOME: '/z' })).toBe('/x/y');
    expect(defaultCacheDir({ XDG_CACHE_HOME: '/z' })).toBe(join('/z', 'lateindex'));
    expect(defaultCacheDir({})).toMatch(/\.cache[/\\]lateindex$/);
  });
});

function flipByte(path: string, offset: number): void {
  const bytes = readFileSync(path);
  bytes[offset] = bytes[offset]! ^ 0x01;
  writeFileSync(path, bytes);
}
