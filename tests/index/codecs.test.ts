import { describe, expect, it } from 'vitest';
import { Float16Array } from '@petamoriken/float16';
import {
  BinaryCodec,
  CODEC_NAMES,
  createCodec,
  Float16Codec,
  Float32Codec,
  Int8Codec,
  ResidualCodec,
  isTrainableCodec,
} from '../../src/index/codecs/index.js';
import { float16BitsOfFloat32Bits } from '../../src/shared/float16.js';
import { cosine, randomUnitRows, rng } from './helpers.js';

const DIM = 128;
const COUNT = 300;

/** Copies `bytes` to offset 1 of a fresh buffer, so decoders must handle unaligned views (as from LMDB). */
function unaligned(bytes: Uint8Array): Uint8Array {
  const buf = new Uint8Array(bytes.length + 1);
  buf.set(bytes, 1);
  return buf.subarray(1);
}

describe('vector codecs', () => {
  const rows = randomUnitRows(rng(7), COUNT, DIM);

  it('float32 round-trips exactly, aligned and unaligned', () => {
    const codec = new Float32Codec();
    const bytes = codec.encode(rows, DIM);
    expect(bytes.length).toBe(COUNT * codec.bytesPerVector(DIM));
    for (const input of [bytes, unaligned(bytes)]) {
      const out = codec.decode(input, COUNT, DIM, new Float32Array(COUNT * DIM));
      let mismatches = 0;
      for (let i = 0; i < rows.length; i++) if (out[i] !== rows[i]) mismatches++;
      expect(mismatches).toBe(0);
    }
  });

  it('float16 max abs error on unit vectors is within half an ulp (2^-12 for |x| < 1)', () => {
    const codec = new Float16Codec();
    const bytes = codec.encode(rows, DIM);
    expect(bytes.length).toBe(COUNT * DIM * 2);
    for (const input of [bytes, unaligned(bytes)]) {
      const out = codec.decode(input, COUNT, DIM, new Float32Array(COUNT * DIM));
      let maxErr = 0;
      for (let i = 0; i < rows.length; i++) maxErr = Math.max(maxErr, Math.abs(out[i]! - rows[i]!));
      expect(maxErr).toBeGreaterThan(0);
      expect(maxErr).toBeLessThanOrEqual(2 ** -12);
    }
  });

  it('float16 decodes hand-worked bit patterns', () => {
    // 0x3c00 = 1, 0xc000 = -2, 0x3555 = 0.333251953125, 0x0001 = 2^-24 (subnormal), 0x7bff = 65504.
    const halves = new Uint16Array([0x3c00, 0xc000, 0x3555, 0x0001, 0x7bff]);
    const out = new Float16Codec().decode(new Uint8Array(halves.buffer), 1, 5, new Float32Array(5));
    expect(Array.from(out)).toEqual([1, -2, 0.333251953125, 2 ** -24, 65504]);
    const encoded = new Uint16Array(new Float16Codec().encode(new Float32Array([1, -2, 1 / 3, 2 ** -24, 65504]), 5).slice().buffer);
    expect(Array.from(encoded)).toEqual(Array.from(halves));
  });

  it('float16 encoding is bit-identical to the @petamoriken/float16 reference (round to nearest even)', () => {
    const random = rng(99);
    const values = new Float32Array(200_000);
    for (let i = 0; i < values.length; i++) {
      // Magnitudes from 2^-30 (below half subnormals) to 2^17 (above the half maximum), both signs.
      values[i] = (random() < 0.5 ? -1 : 1) * 2 ** (random() * 47 - 30) * (1 + random());
    }
    values.set([0, -0, Infinity, -Infinity, NaN, 65504, 65520, 65519.99, 2 ** -25, 2 ** -24 * 1.5, 2 ** -14 * (1 - 2 ** -11)]);
    const reference = new Uint16Array(new Float16Array(values).buffer);
    const bits = new Uint32Array(values.buffer);
    let mismatches = 0;
    for (let i = 0; i < values.length; i++) if (float16BitsOfFloat32Bits(bits[i]!) !== reference[i]) mismatches++;
    expect(mismatches).toBe(0);
  });

  it('int8 keeps cosine >= 0.999 and the per-vector scale is max|x|/127', () => {
    const codec = new Int8Codec();
    const bytes = codec.encode(rows, DIM);
    expect(bytes.length).toBe(COUNT * (DIM + 4));
    for (const input of [bytes, unaligned(bytes)]) {
      const out = codec.decode(input, COUNT, DIM, new Float32Array(COUNT * DIM));
      let minCos = 1;
      for (let v = 0; v < COUNT; v++) minCos = Math.min(minCos, cosine(rows, out, v * DIM, DIM));
      expect(minCos).toBeGreaterThanOrEqual(0.999);
      expect(minCos).toBeLessThan(1);
    }
    const hand = codec.encode(new Float32Array([0.5, -0.25, 0, 0.127]), 4);
    const scale = new Float32Array(hand.buffer, 0, 1)[0]!;
    expect(scale).toBeCloseTo(0.5 / 127, 9);
    expect(Array.from(new Int8Array(hand.buffer, 4, 4))).toEqual([127, -64, 0, 32]);
  });

  it('int8 stores an all-zero vector as zeros', () => {
    const codec = new Int8Codec();
    const out = codec.decode(codec.encode(new Float32Array(8), 8), 1, 8, new Float32Array(8).fill(9));
    expect(Array.from(out)).toEqual(new Array(8).fill(0));
  });

  it('rejects short payloads and output buffers', () => {
    const codec = createCodec('float16');
    expect(() => codec.decode(new Uint8Array(10), 1, 8, new Float32Array(8))).toThrow(RangeError);
    expect(() => codec.decode(new Uint8Array(16), 1, 8, new Float32Array(4))).toThrow(RangeError);
    expect(() => createCodec('pq9')).toThrow(/unknown quantization "pq9"/);
    expect(() => createCodec('residual:3')).toThrow(/expected one of float32, float16, int8, binary, residual:1, residual:2, residual:4/);
  });

  it('binary packs sign bits LSB-first (hand-worked) and decodes to +-1/sqrt(dim)', () => {
    const codec = new BinaryCodec();
    // Signs + - (0 counts as +) - + + - - | +  ->  byte 0 = 1 + 4 + 16 + 32 = 53, byte 1 = 1.
    const bytes = codec.encode(new Float32Array([0.5, -0.1, 0, -3, 1, 1, -1, -1, 2]), 9);
    expect(codec.bytesPerVector(9)).toBe(2);
    expect(Array.from(bytes)).toEqual([53, 1]);
    const out = codec.decode(bytes, 1, 9, new Float32Array(9));
    const m = Math.fround(1 / 3);
    expect(Array.from(out)).toEqual([m, -m, m, -m, m, m, -m, -m, m]);
  });

  it('binary keeps every sign and its mean cosine matches E|z|/sqrt(E z^2) = sqrt(2/pi) for Gaussian-like rows', () => {
    const codec = new BinaryCodec();
    const bytes = codec.encode(rows, DIM);
    expect(bytes.length).toBe(COUNT * DIM / 8);
    for (const input of [bytes, unaligned(bytes)]) {
      const out = codec.decode(input, COUNT, DIM, new Float32Array(COUNT * DIM));
      let disagreements = 0;
      for (let i = 0; i < rows.length; i++) if (rows[i]! >= 0 !== out[i]! > 0) disagreements++;
      expect(disagreements).toBe(0);
      let sumCos = 0;
      let norm = 0;
      for (let v = 0; v < COUNT; v++) sumCos += cosine(rows, out, v * DIM, DIM);
      for (let j = 0; j < DIM; j++) norm += out[j]! ** 2;
      expect(norm).toBeCloseTo(1, 5);
      // Rows are normalised Gaussians: cos(x, sign(x)/sqrt(d)) = sum|x_j| / sqrt(d), mean sqrt(2/pi) up to O(1/d).
      expect(sumCos / COUNT).toBeGreaterThan(Math.sqrt(2 / Math.PI) - 0.01);
      expect(sumCos / COUNT).toBeLessThan(Math.sqrt(2 / Math.PI) + 0.01);
    }
  });

  it('every listed codec name makes a codec of that name; only residual and PLAID ones are trainable', () => {
    for (const name of CODEC_NAMES) {
      const codec = createCodec(name);
      expect(codec.name).toBe(name);
      expect(isTrainableCodec(codec)).toBe(name.startsWith('residual:') || name.startsWith('plaid:'));
    }
    expect(new ResidualCodec(1).bytesPerVector(128)).toBe(1 + 16);
    expect(new ResidualCodec(2).bytesPerVector(128)).toBe(1 + 32);
    expect(new ResidualCodec(4).bytesPerVector(100)).toBe(1 + 50);
  });
});
