import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { EmbeddingBundle, isEmbeddingBundle } from '../../src/encode/precomputed/embedding-bundle.js';

const FIXTURES = path.resolve(import.meta.dirname, '../fixtures/bundles');
const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A writable copy of a fixture bundle. */
function copy(name: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'bundle-'));
  dirs.push(dir);
  cpSync(path.join(FIXTURES, name), dir, { recursive: true });
  return dir;
}

/** A .npy file with the given header dict and raw data (format 1.0, header padded to 64 bytes as numpy does). */
function npy(header: string, data: Buffer): Buffer {
  const padded = header.padEnd(Math.ceil((header.length + 11) / 64) * 64 - 11, ' ') + '\n';
  const length = Buffer.alloc(2);
  length.writeUInt16LE(padded.length);
  return Buffer.concat([Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]), length, Buffer.from(padded, 'latin1'), data]);
}

function expectedRows(name: string): number[][] {
  return (JSON.parse(readFileSync(path.join(FIXTURES, name, 'expected.json'), 'utf8')) as { rows: number[][] }).rows;
}

describe('embedding bundles written by numpy', () => {
  for (const name of ['f16-int64', 'f32-int32', 'safetensors']) {
    it(`reads ${name} exactly as numpy decodes it`, () => {
      const dir = path.join(FIXTURES, name);
      expect(isEmbeddingBundle(dir)).toBe(true);
      const bundle = EmbeddingBundle.open(dir);
      const rows = expectedRows(name);
      expect(bundle.tokens).toBe(rows.length);
      expect(bundle.dim).toBe(rows[0]!.length);
      const all = bundle.read(0, bundle.documents);
      expect(Array.from(all.rows)).toEqual(rows.flat().map(Math.fround));
      expect(all.ids).toEqual(name === 'f16-int64' ? ['doc-a', 'dóc-b'] : ['x', 'y']);
      const second = bundle.read(1, 5);
      expect(second.ids.length).toBe(1);
      expect(Array.from(second.rows)).toEqual(rows.slice(bundle.lengths[0]).flat().map(Math.fround));
      expect(Array.from(bundle.sample([1, 0]))).toEqual([...rows.slice(bundle.lengths[0]), ...rows.slice(0, bundle.lengths[0])].flat().map(Math.fround));
    });
  }

  it('parses a hand-built header byte for byte (format 1.0, float32, shape (2, 2))', () => {
    const dir = copy('f32-int32');
    const data = Buffer.from(new Float32Array([1, 2, 3, 4]).buffer);
    writeFileSync(path.join(dir, 'embeddings.npy'), npy("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 2), }", data));
    writeFileSync(path.join(dir, 'doclens.npy'), npy("{'descr': '<i4', 'fortran_order': False, 'shape': (2,), }", Buffer.from(new Int32Array([1, 1]).buffer)));
    const bundle = EmbeddingBundle.open(dir);
    expect(Array.from(bundle.read(0, 2).rows)).toEqual([1, 2, 3, 4]);
  });
});

describe('bad bundles are refused naming the file and field', () => {
  const cases: [string, (dir: string) => void, RegExp][] = [
    ['lengths that do not add up', (dir) => writeFileSync(path.join(dir, 'doclens.npy'), npy("{'descr': '<i4', 'fortran_order': False, 'shape': (2,), }", Buffer.from(new Int32Array([2, 2]).buffer))), /doclens\.npy: field "doclens": lengths add up to 4 rows, but .*embeddings\.npy holds 5 rows/],
    ['a zero length', (dir) => writeFileSync(path.join(dir, 'doclens.npy'), npy("{'descr': '<i4', 'fortran_order': False, 'shape': (2,), }", Buffer.from(new Int32Array([5, 0]).buffer))), /doclens\.npy: field "doclens": document 1 has length 0/],
    ['too few ids', (dir) => writeFileSync(path.join(dir, 'ids.txt'), 'x\n'), /ids\.txt: field "ids": holds 1 ids, but doclens describes 2 documents/],
    ['duplicate ids', (dir) => writeFileSync(path.join(dir, 'ids.txt'), 'x\nx\n'), /ids\.txt:2: field "ids": duplicate document id "x" \(also on line 1\)/],
    ['an empty id', (dir) => writeFileSync(path.join(dir, 'ids.txt'), 'x\n\n'), /ids\.txt:2: field "ids": empty document id/],
    ['ids that are not UTF-8', (dir) => writeFileSync(path.join(dir, 'ids.txt'), Buffer.from([0x78, 0x0a, 0xff, 0x0a])), /ids\.txt: field "ids": is not valid UTF-8/],
    ['a float64 dtype', (dir) => writeFileSync(path.join(dir, 'embeddings.npy'), npy("{'descr': '<f8', 'fortran_order': False, 'shape': (5, 3), }", Buffer.alloc(120))), /embeddings\.npy: dtype "<f8" is not supported/],
    ['a 1-D embeddings array', (dir) => writeFileSync(path.join(dir, 'embeddings.npy'), npy("{'descr': '<f4', 'fortran_order': False, 'shape': (15,), }", Buffer.alloc(60))), /embeddings\.npy: field "embeddings": embeddings must be a 2-D array/],
    ['Fortran order', (dir) => writeFileSync(path.join(dir, 'embeddings.npy'), npy("{'descr': '<f4', 'fortran_order': True, 'shape': (5, 3), }", Buffer.alloc(60))), /Fortran order/],
    ['a truncated data section', (dir) => writeFileSync(path.join(dir, 'embeddings.npy'), npy("{'descr': '<f4', 'fortran_order': False, 'shape': (5, 3), }", Buffer.alloc(56))), /embeddings\.npy: holds 56 data bytes, but its header declares shape \(5, 3\) of <f4 \(60 bytes\)/],
    ['not an npy file', (dir) => writeFileSync(path.join(dir, 'embeddings.npy'), 'hello world'), /embeddings\.npy: not a NumPy \.npy file/],
    ['a missing lengths file', (dir) => rmSync(path.join(dir, 'doclens.npy')), /doclens\.npy: no such file or directory/],
  ];
  for (const [what, damage, message] of cases) {
    it(what, () => {
      const dir = copy('f32-int32');
      damage(dir);
      expect(() => EmbeddingBundle.open(dir)).toThrow(message);
    });
  }

  it('a non-finite value names the document and row', () => {
    const dir = copy('f32-int32');
    const values = new Float32Array(15).fill(0.5);
    values[3 * 3 + 1] = Number.NaN;
    writeFileSync(path.join(dir, 'embeddings.npy'), npy("{'descr': '<f4', 'fortran_order': False, 'shape': (5, 3), }", Buffer.from(values.buffer)));
    const bundle = EmbeddingBundle.open(dir);
    expect(() => bundle.checkValues()).toThrow(/embeddings\.npy: field "embeddings": document "y" \(row 1 of its 3, file row 3\) holds a non-finite value/);
    expect(Array.from(bundle.read(0, 1).rows)).toEqual([0.5, 0.5, 0.5, 0.5, 0.5, 0.5]);
  });

  it('a safetensors file without the doclens tensor', () => {
    const dir = copy('safetensors');
    const bytes = readFileSync(path.join(dir, 'embeddings.safetensors'));
    const length = Number(bytes.readBigUInt64LE(0));
    const header = JSON.parse(bytes.subarray(8, 8 + length).toString('utf8')) as Record<string, unknown>;
    delete header.doclens;
    const text = Buffer.from(JSON.stringify(header).padEnd(length, ' '));
    writeFileSync(path.join(dir, 'embeddings.safetensors'), Buffer.concat([bytes.subarray(0, 8), text, bytes.subarray(8 + length)]));
    expect(() => EmbeddingBundle.open(dir)).toThrow(/embeddings\.safetensors: field "doclens": has no tensor "doclens" \(found: embeddings\)/);
  });
});
