import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { NpyWriter, npyHeader, parseNpyHeader, readNpy, readNpyLayout, writeNpy } from '../../bench/contextual/npy.js';
import { float16Bits, float16Value, InputError } from '../../src/shared/index.js';

const FIXTURES = path.resolve(import.meta.dirname, '../fixtures/npy');
const dir = mkdtempSync(path.join(tmpdir(), 'npy-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const ascii = (s: string): number[] => [...s].map((c) => c.charCodeAt(0));

describe('npy header', () => {
  it('is the hand-checked byte sequence for float32 (3, 128)', () => {
    // magic, version 1.0, header length 118 (LE uint16), the dict with 21 - 1 growth spaces, padding to 128, "\n".
    const dict = "{'descr': '<f4', 'fortran_order': False, 'shape': (3, 128), }";
    expect(dict.length).toBe(61);
    const expected = [0x93, ...ascii('NUMPY'), 1, 0, 118, 0, ...ascii(dict), ...ascii(' '.repeat(20)), ...ascii(' '.repeat(36)), 0x0a];
    expect(expected.length).toBe(128);
    expect(Array.from(npyHeader('float32', [3, 128]))).toEqual(expected);
  });

  it('writes a 1-d shape as a one-element tuple and a 0-d shape without growth spaces', () => {
    const text = new TextDecoder('latin1').decode(npyHeader('int32', [5]));
    expect(text).toContain("'shape': (5,), }" + ' '.repeat(20));
    expect(text.length % 64).toBe(0);
    const dict = "{'descr': '<f2', 'fortran_order': False, 'shape': (), }";
    const header = new TextDecoder('latin1').decode(npyHeader('float16', []));
    expect(header.length).toBe(64 + 64);
    expect(header.slice(10)).toBe(dict + ' '.repeat(128 - 10 - dict.length - 1) + '\n');
  });

  it('switches to version 2.0 (uint32 length) when the header exceeds 65535 bytes, and parses it back', () => {
    const shape = new Array<number>(30000).fill(1);
    const header = npyHeader('float32', shape);
    expect(header[6]).toBe(2);
    const length = new DataView(header.buffer).getUint32(8, true);
    expect(12 + length).toBe(header.length);
    expect(header.length % 64).toBe(0);
    expect(parseNpyHeader(header, 'x.npy')).toMatchObject({ dtype: 'float32', shape, dataOffset: header.length, rowBytes: 4 });
  });
});

describe('npy files against numpy (fixtures written by scripts/make-npy-fixtures.py)', () => {
  const cases = [
    { name: 'float32-3x128.npy', dtype: 'float32' as const, shape: [3, 128], data: Float32Array.from({ length: 384 }, (_, i) => i / 7) },
    {
      name: 'float16-2x4.npy',
      dtype: 'float16' as const,
      shape: [2, 4],
      // (i - 3) / 8 for i = 0..7 as IEEE half bits: -0.375, -0.25, -0.125, 0, 0.125, 0.25, 0.375, 0.5.
      data: Uint16Array.from([0xb600, 0xb400, 0xb000, 0x0000, 0x3000, 0x3400, 0x3600, 0x3800]),
    },
    { name: 'int32-5.npy', dtype: 'int32' as const, shape: [5], data: Int32Array.from([60, 140, 99, 0, -5]) },
    { name: 'float32-aligned.npy', dtype: 'float32' as const, shape: [2, ...new Array<number>(35).fill(1)], data: Float32Array.from([1.5, -2]) },
  ];

  for (const c of cases) {
    it(`writes ${c.name} byte for byte as numpy did`, () => {
      const ours = path.join(dir, c.name);
      writeNpy(ours, c.dtype, c.shape, c.data);
      expect(Buffer.compare(readFileSync(ours), readFileSync(path.join(FIXTURES, c.name)))).toBe(0);
    });

    it(`reads numpy's ${c.name}`, () => {
      const { layout, data } = readNpy(path.join(FIXTURES, c.name));
      expect(layout.dtype).toBe(c.dtype);
      expect(layout.shape).toEqual(c.shape);
      expect(Array.from(data)).toEqual(Array.from(c.data));
    });
  }
});

describe('npy writer and reader', () => {
  it('appends rows in order and round-trips them', () => {
    const file = path.join(dir, 'rows.npy');
    const writer = new NpyWriter(file, 'float32', [4, 3]);
    writer.append(Float32Array.from([1, 2, 3, 4, 5, 6]));
    writer.append(Float32Array.from([7, 8, 9]));
    writer.append(Float32Array.from([10, 11, 12]));
    writer.close();
    const { layout, data } = readNpy(file);
    expect(layout.shape).toEqual([4, 3]);
    expect(Array.from(data)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
  });

  it('refuses partial rows, overfilling and an incomplete close', () => {
    const writer = new NpyWriter(path.join(dir, 'short.npy'), 'float32', [2, 3]);
    expect(() => writer.append(Float32Array.from([1, 2]))).toThrow(/whole rows/);
    writer.append(Float32Array.from([1, 2, 3]));
    expect(() => writer.close()).toThrow(/got 12 of 24 data bytes/);
    const full = new NpyWriter(path.join(dir, 'full.npy'), 'int32', [1]);
    full.append(Int32Array.from([1]));
    expect(() => full.append(Int32Array.from([2]))).toThrow(/full/);
    full.close();
  });

  it('rejects bad files with an InputError naming the file', () => {
    const bad = (name: string, bytes: Uint8Array | string): string => {
      const file = path.join(dir, name);
      writeFileSync(file, bytes);
      return file;
    };
    const header = (dict: string): Uint8Array => {
      const text = dict.padEnd(117, ' ') + '\n';
      return Uint8Array.from([0x93, ...ascii('NUMPY'), 1, 0, 118, 0, ...ascii(text)]);
    };
    const magic = bad('magic.npy', 'PK\x03\x04 not numpy at all');
    expect(() => readNpyLayout(magic)).toThrow(InputError);
    expect(() => readNpyLayout(magic)).toThrow(new RegExp(`${magic}.*bad magic`));
    const fortran = bad('fortran.npy', header("{'descr': '<f4', 'fortran_order': True, 'shape': (0, 2), }"));
    expect(() => readNpyLayout(fortran)).toThrow(/Fortran-order/);
    const float64 = bad('f8.npy', header("{'descr': '<f8', 'fortran_order': False, 'shape': (0, 2), }"));
    expect(() => readNpyLayout(float64)).toThrow(/dtype '<f8'/);
    const truncated = path.join(dir, 'truncated.npy');
    writeNpy(truncated, 'float32', [2, 2], Float32Array.from([1, 2, 3, 4]));
    writeFileSync(truncated, readFileSync(truncated).subarray(0, 128 + 12));
    expect(() => readNpyLayout(truncated)).toThrow(/holds 140 bytes, the header's shape \(2, 2\) needs 144/);
  });
});

/**
 * numpy (python3) loads what we wrote, reporting dtype, shape and every value as float64, and saves the same
 * arrays again with its own writer; it also writes arrays of its own for us to read, with their values.
 */
const NUMPY_ROUND_TRIP = `
import json, os, sys
import numpy as np
folder, names = sys.argv[1], sys.argv[2:]
report = {}
def describe(a):
    return {"dtype": str(a.dtype), "shape": list(a.shape), "values": a.astype(np.float64).ravel().tolist()}
for name in names:
    a = np.load(os.path.join(folder, name))
    report[name] = describe(a)
    np.save(os.path.join(folder, "resaved-" + name), a)
rng = np.random.default_rng(5)
theirs = {
    "np-f16.npy": rng.standard_normal((6, 4)).astype(np.float16),
    "np-f32.npy": rng.standard_normal((2, 3, 4)).astype(np.float32),
    "np-i32.npy": rng.integers(-1000, 1000, 9).astype(np.int32),
}
for name, a in theirs.items():
    np.save(os.path.join(folder, name), a)
    report[name] = describe(a)
print(json.dumps(report))
`;

describe('npy files against numpy under python3', () => {
  it('numpy reads our float32, float16 and int32 files as written and re-saves them byte for byte; we read its own', () => {
    const folder = mkdtempSync(path.join(dir, 'numpy-'));
    const float32 = Float32Array.from({ length: 15 }, (_, i) => i * 0.37 - 2);
    const float16Values = Array.from({ length: 12 }, (_, i) => (i - 5.5) / 3);
    const float16 = Uint16Array.from(float16Values, float16Bits);
    const int32 = Int32Array.from([60, 140, -7, 0, 2 ** 31 - 1, -(2 ** 31), 99]);
    writeNpy(path.join(folder, 'f32.npy'), 'float32', [3, 5], float32);
    writeNpy(path.join(folder, 'f16.npy'), 'float16', [4, 3], float16);
    writeNpy(path.join(folder, 'i32.npy'), 'int32', [7], int32);
    const names = ['f32.npy', 'f16.npy', 'i32.npy'];
    const output = execFileSync('python3', ['-c', NUMPY_ROUND_TRIP, folder, ...names], { encoding: 'utf8' });
    const report = JSON.parse(output) as Record<string, { dtype: string; shape: number[]; values: number[] }>;
    expect(report['f32.npy']).toEqual({ dtype: 'float32', shape: [3, 5], values: Array.from(float32) });
    expect(report['f16.npy']).toEqual({ dtype: 'float16', shape: [4, 3], values: Array.from(float16, float16Value) });
    expect(report['i32.npy']).toEqual({ dtype: 'int32', shape: [7], values: Array.from(int32) });
    for (const name of names) expect(Buffer.compare(readFileSync(path.join(folder, name)), readFileSync(path.join(folder, `resaved-${name}`)))).toBe(0);

    const theirs = [
      { name: 'np-f16.npy', dtype: 'float16', shape: [6, 4] },
      { name: 'np-f32.npy', dtype: 'float32', shape: [2, 3, 4] },
      { name: 'np-i32.npy', dtype: 'int32', shape: [9] },
    ] as const;
    for (const t of theirs) {
      const { layout, data } = readNpy(path.join(folder, t.name));
      expect(layout.dtype).toBe(t.dtype);
      expect(layout.shape).toEqual(t.shape);
      const values = t.dtype === 'float16' ? Array.from(data, float16Value) : Array.from(data);
      expect(values).toEqual(report[t.name]!.values);
      // Not a degenerate array: numpy's random values vary.
      expect(new Set(values).size).toBeGreaterThan(values.length / 2);
    }
  });
});
