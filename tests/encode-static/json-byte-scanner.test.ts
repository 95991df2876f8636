import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { JsonByteScanner } from '../../src/encode/static/json-byte-scanner.js';

const dir = mkdtempSync(join(tmpdir(), 'lx-scanner-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function fileWith(text: string): string {
  const path = join(dir, `f${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(path, text);
  return path;
}

describe('JsonByteScanner', () => {
  it('reads numbers exactly as JSON.parse does, across tiny chunk boundaries', () => {
    const numbers: string[] = ['0', '-0.5', '3.24940891', '1e-7', '-2.5E+3', '123456789', '0.000001', '-0.15408'];
    let seed = 7;
    for (let i = 0; i < 3000; i++) {
      seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
      const x = ((seed / 2 ** 32) - 0.5) * 10 ** ((seed % 9) - 4);
      numbers.push(i % 3 === 0 ? x.toPrecision(8) : i % 3 === 1 ? x.toFixed(6) : x.toExponential(5));
    }
    const text = `[${numbers.join(' ,\n')}]`;
    const expected = JSON.parse(text) as number[];
    for (const chunk of [3, 7, 64, 1 << 16]) {
      const scanner = new JsonByteScanner(fileWith(text), chunk);
      scanner.expect('[');
      const got: number[] = [];
      do got.push(scanner.readNumber());
      while (scanner.commaOr(']'));
      scanner.close();
      expect(got).toEqual(expected);
    }
  });

  it('reads strings with escapes and UTF-8, and skips nested values', () => {
    const value = { a: 'plain', 'b\\"q': ['x', { y: [1, 2, { z: null }], t: true, f: false }], é: '“quoted” \u00e9\n', n: -1.5e2 };
    const text = JSON.stringify(value, null, 1);
    for (const chunk of [2, 5, 1024]) {
      const scanner = new JsonByteScanner(fileWith(text), chunk);
      scanner.expect('{');
      const keys: string[] = [];
      const strings: string[] = [];
      do {
        const key = scanner.readString();
        keys.push(key);
        scanner.expect(':');
        if (key === 'a' || key === 'é') strings.push(scanner.readString());
        else if (key === 'n') expect(scanner.readNumber()).toBe(-150);
        else scanner.skipValue();
      } while (scanner.commaOr('}'));
      expect(scanner.peekToken()).toBe(-1);
      scanner.close();
      expect(keys).toEqual(Object.keys(value));
      expect(strings).toEqual([value.a, value['é']]);
    }
  });

  it('reports malformed input with the file and byte offset', () => {
    const path = fileWith('{"a": [1, 2,, 3]}');
    const scanner = new JsonByteScanner(path, 4);
    scanner.expect('{');
    scanner.readString();
    scanner.expect(':');
    expect(() => scanner.skipValue()).toThrow(`${path}: byte 12: unexpected ','`);
    scanner.close();
  });
});
