import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { ensureMemory, kernelMemory, WasmKernel } from '../../src/shared/wasm-kernel.js';
import { assembleWat, binaryPath, kernelFiles } from '../../scripts/wasm-sources.js';

describe('committed WebAssembly kernels', () => {
  const sources = kernelFiles();

  it('there are kernel sources, and every .wasm has its .wat', () => {
    expect(sources.length).toBeGreaterThan(0);
    expect(kernelFiles('.wasm')).toEqual(sources.map(binaryPath));
  });

  for (const source of sources) {
    it(`${path.basename(source)} assembles to the committed ${path.basename(binaryPath(source))} (run npm run build:wasm)`, async () => {
      const assembled = await assembleWat(source);
      const committed = new Uint8Array(readFileSync(binaryPath(source)));
      expect(assembled.length).toBe(committed.length);
      expect(Buffer.from(assembled).equals(Buffer.from(committed))).toBe(true);
    });
  }
});

describe('WasmKernel', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'lateindex-wasm-kernel-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  /** Assembles `text` into dir/name.wasm and returns its URL. */
  async function kernelFile(name: string, text: string, patch?: (bytes: Uint8Array) => void): Promise<URL> {
    const wat = path.join(dir, `${name}.wat`);
    writeFileSync(wat, text);
    const bytes = await assembleWat(wat);
    patch?.(bytes);
    writeFileSync(binaryPath(wat), bytes);
    return pathToFileURL(binaryPath(wat));
  }

  // sum4(at) = the f32x4 at `at`, lanes added; store(at, v) writes an f32 at `at`.
  const module = `(module
    (import "kernel" "memory" (memory 1))
    (func (export "sum4") (param $at i32) (result f32)
      (local $v v128)
      (local.set $v (f32x4.add (v128.load (local.get $at)) (v128.const f32x4 0 0 0 0)))
      (f32.add (f32.add (f32x4.extract_lane 0 (local.get $v)) (f32x4.extract_lane 1 (local.get $v)))
        (f32.add (f32x4.extract_lane 2 (local.get $v)) (f32x4.extract_lane 3 (local.get $v)))))
    (func (export "store") (param $at i32) (param $value f32)
      (f32.store (local.get $at) (local.get $value))))`;
  type Exports = { sum4(at: number): number; store(at: number, value: number): void };

  it('instantiates a module on a given memory; two instances on one memory see each other\'s writes', async () => {
    const kernel = WasmKernel.load<Exports>(await kernelFile('sum', module), ['sum4', 'store']);
    expect(kernel).not.toBeNull();
    const memory = kernelMemory();
    const a = kernel!.instantiate(memory);
    const b = kernel!.instantiate(memory);
    new Float32Array(memory.buffer, 64, 4).set([1, 2, 3, 4.5]);
    expect(a.sum4(64)).toBe(10.5);
    b.store(64, 10);
    expect(a.sum4(64)).toBe(19.5);
    expect(new Float32Array(memory.buffer, 64, 1)[0]).toBe(10);
  });

  it('returns null for a module this runtime cannot validate (an unknown SIMD opcode stands in for missing SIMD)', async () => {
    // f32x4.add is 0xfd 0xe4 0x01; 0xfd 0xff 0x03 (opcode 0x1ff) is no instruction.
    const url = await kernelFile('unknown', module, (bytes) => {
      const at = bytes.findIndex((_, i) => bytes[i] === 0xfd && bytes[i + 1] === 0xe4 && bytes[i + 2] === 0x01);
      expect(at).toBeGreaterThan(0);
      bytes.set([0xfd, 0xff, 0x03], at);
    });
    expect(WebAssembly.validate(readFileSync(url))).toBe(false);
    expect(WasmKernel.load<Exports>(url, ['sum4', 'store'])).toBeNull();
  });

  it('a binary missing an export the wrapper calls is an error naming it, not a fallback', async () => {
    const url = await kernelFile('partial', module);
    expect(() => WasmKernel.load<Exports & { absent(): void }>(url, ['sum4', 'absent'])).toThrow(/does not export absent/);
  });

  it('ensureMemory grows by whole pages only when needed and reports whether views were detached', () => {
    const memory = kernelMemory();
    const view = new Uint8Array(memory.buffer);
    expect(ensureMemory(memory, 65536)).toBe(false);
    expect(view.length).toBe(65536);
    expect(ensureMemory(memory, 65537)).toBe(true);
    expect(memory.buffer.byteLength).toBe(131072);
    expect(view.length).toBe(0);
  });
});
