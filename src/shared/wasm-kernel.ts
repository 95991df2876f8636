import { readFileSync } from 'node:fs';

/** A kernel export: WebAssembly functions take and return numbers (i32 addresses and counts, f32/f64 values). */
type KernelFunction = (...args: number[]) => number | void;

const PAGE_BYTES = 65536;

/**
 * A WebAssembly kernel module: a `.wasm` committed beside its `.wat` source and its TypeScript wrapper
 * (assembled by `npm run build:wasm`; a test fails when the two differ). Every kernel imports its memory as
 * `kernel.memory`, so several modules can work on the same bytes. `load` is the one check-and-compile path:
 * it returns null when this runtime rejects the module (no SIMD), and callers then use their scalar kernel.
 */
export class WasmKernel<Exports extends { readonly [name: string]: KernelFunction }> {
  private static readonly compiled = new Map<string, WebAssembly.Module | null>();

  private constructor(
    private readonly module: WebAssembly.Module,
    private readonly exportNames: readonly (keyof Exports & string)[],
  ) {}

  /**
   * The module at `file` (compiled once per process), or null when the runtime cannot run it. `exportNames`
   * lists the functions the wrapper calls; a binary missing one is a build error, not a fallback.
   */
  static load<E extends { readonly [name: string]: KernelFunction }>(
    file: URL,
    exportNames: readonly (keyof E & string)[],
  ): WasmKernel<E> | null {
    let module = WasmKernel.compiled.get(file.href);
    if (module === undefined) {
      const bytes = readFileSync(file);
      module = typeof WebAssembly !== 'undefined' && WebAssembly.validate(bytes) ? new WebAssembly.Module(bytes) : null;
      WasmKernel.compiled.set(file.href, module);
    }
    if (module === null) return null;
    const exported = new Set(WebAssembly.Module.exports(module).map((e) => e.name));
    const missing = exportNames.filter((name) => !exported.has(name));
    if (missing.length > 0) throw new Error(`${file.pathname} does not export ${missing.join(', ')}: run npm run build:wasm`);
    return new WasmKernel<E>(module, exportNames);
  }

  /** A fresh instance working on `memory` (shared with other instances given the same memory). */
  instantiate(memory: WebAssembly.Memory): Exports {
    const instance = new WebAssembly.Instance(this.module, { kernel: { memory } });
    const exports: Record<string, unknown> = {};
    for (const name of this.exportNames) exports[name] = instance.exports[name];
    return exports as Exports;
  }
}

/** A new kernel memory of one 64 KiB page; grow it with `ensureMemory`. */
export function kernelMemory(): WebAssembly.Memory {
  return new WebAssembly.Memory({ initial: 1 });
}

/**
 * Grows `memory` to hold at least `bytes`; true when it grew, which detaches every typed-array view of the old
 * buffer (take new ones).
 */
export function ensureMemory(memory: WebAssembly.Memory, bytes: number): boolean {
  const have = memory.buffer.byteLength;
  if (bytes <= have) return false;
  memory.grow(Math.ceil((bytes - have) / PAGE_BYTES));
  return true;
}

/** `bytes` rounded up to a multiple of 16 (SIMD-aligned region starts). */
export function align16(bytes: number): number {
  return (bytes + 15) & ~15;
}
