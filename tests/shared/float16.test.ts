import { getFloat16, setFloat16 } from '@petamoriken/float16';
import { describe, expect, it } from 'vitest';
import { float16Bits, float16DecodeTable, float16Value } from '../../src/shared/float16.js';

// Reference: @petamoriken/float16's DataView helpers (independent implementation, round-to-nearest-even).
const view = new DataView(new ArrayBuffer(2));
function referenceBits(value: number): number {
  setFloat16(view, 0, value);
  return view.getUint16(0);
}

describe('float16', () => {
  it('encodes like the reference for edge cases and a dense sweep of float32 values', () => {
    const values = [
      0, -0, 1, -1, 0.5, 65504, 65519.99, 65520, 1e6, -1e6, 6.1e-5, 5.96e-8, 2.98e-8, 2.99e-8, 1e-10,
      Infinity, -Infinity, 0.1, 1 / 3, 2049, 2051, 4097, 0.333251953125,
    ];
    let seed = 12345;
    for (let i = 0; i < 20000; i++) {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      values.push(((seed / 2 ** 32) * 2 - 1) * 2 ** ((i % 40) - 28));
    }
    const mismatches: string[] = [];
    for (const value of values) {
      const f32 = Math.fround(value);
      if (float16Bits(f32) !== referenceBits(f32)) mismatches.push(`${f32}: ${float16Bits(f32)} vs ${referenceBits(f32)}`);
    }
    expect(mismatches).toEqual([]);
    expect(float16Bits(NaN) & 0x7c00).toBe(0x7c00);
    expect(float16Bits(NaN) & 0x3ff).not.toBe(0);
  });

  it('decodes every bit pattern like the reference', () => {
    const table = float16DecodeTable();
    const mismatches: number[] = [];
    for (let bits = 0; bits < 65536; bits++) {
      view.setUint16(0, bits);
      const expected = getFloat16(view, 0);
      const ok = Number.isNaN(expected)
        ? Number.isNaN(float16Value(bits)) && Number.isNaN(table[bits]!)
        : Object.is(float16Value(bits), expected) && Object.is(table[bits], expected);
      if (!ok) mismatches.push(bits);
    }
    expect(mismatches).toEqual([]);
  });
});
