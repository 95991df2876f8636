/**
 * Byte-level helpers for assembling small WebAssembly modules from opcodes at load time (no build step, nothing
 * fetched). Used by the SIMD kernels (pool's Gram matrix, search's MaxSim); each kernel writes its function
 * bodies with these constants and `assembleModule` wraps them into a binary with one exported memory.
 */

/** Value types. */
export const WasmType = { i32: 0x7f, i64: 0x7e, f32: 0x7d, f64: 0x7c, v128: 0x7b } as const;
export type WasmValueType = (typeof WasmType)[keyof typeof WasmType];

/** Core (single-byte) opcodes used by the kernels. */
export const Op = {
  block: 0x02,
  loop: 0x03,
  if: 0x04,
  else: 0x05,
  end: 0x0b,
  br: 0x0c,
  brIf: 0x0d,
  return: 0x0f,
  select: 0x1b,
  localGet: 0x20,
  localSet: 0x21,
  localTee: 0x22,
  i32Load: 0x28,
  f32Load: 0x2a,
  f64Load: 0x2b,
  i32Store: 0x36,
  f32Store: 0x38,
  f64Store: 0x39,
  i32Const: 0x41,
  f32Const: 0x43,
  f64Const: 0x44,
  i32Eqz: 0x45,
  i32Eq: 0x46,
  i32Ne: 0x47,
  i32LtS: 0x48,
  i32LtU: 0x49,
  i32GtS: 0x4a,
  i32GtU: 0x4b,
  i32LeS: 0x4c,
  i32LeU: 0x4d,
  i32GeS: 0x4e,
  i32GeU: 0x4f,
  i32Add: 0x6a,
  i32Sub: 0x6b,
  i32Mul: 0x6c,
  i32And: 0x71,
  i32Or: 0x72,
  i32Shl: 0x74,
  i32ShrS: 0x75,
  i32ShrU: 0x76,
  f32Ge: 0x60,
  f64Eq: 0x61,
  f64Lt: 0x63,
  f64Gt: 0x64,
  f32Add: 0x92,
  f32Mul: 0x94,
  f32Max: 0x97,
  f64Sqrt: 0x9f,
  f64Add: 0xa0,
  f64Sub: 0xa1,
  f64Mul: 0xa2,
  f64Div: 0xa3,
  f64Min: 0xa4,
  f64Max: 0xa5,
  f32DemoteF64: 0xb6,
  f64PromoteF32: 0xbb,
} as const;

/** Block type of a `block`/`loop`/`if` that yields no value. */
export const EMPTY_BLOCK = 0x40;

/** Block type of an `if` whose arms each yield one f64. */
export const F64_BLOCK = 0x7c;

/** SIMD opcodes (encoded after the 0xfd prefix as unsigned LEB128; see `simd`). */
export const SimdOp = {
  v128Load: 0x00,
  v128Store: 0x0b,
  v128Const: 0x0c,
  i8x16Shuffle: 0x0d,
  i32x4Splat: 0x11,
  f32x4Splat: 0x13,
  f32x4ExtractLane: 0x1f,
  f64x2ExtractLane: 0x21,
  f32x4Ge: 0x46,
  v128And: 0x4e,
  v128Or: 0x50,
  v128AnyTrue: 0x53,
  i32x4GeU: 0x40,
  i32x4ExtendLowI16x8U: 0xa9,
  i32x4ExtendHighI16x8U: 0xaa,
  i32x4Shl: 0xab,
  f32x4Add: 0xe4,
  f32x4Mul: 0xe6,
  f32x4Max: 0xe9,
  /** `pmax(a, b) = a < b ? b : a`: keeps `a` on NaN, like a JS `if (b > a) a = b` (one `maxps` on x86). */
  f32x4Pmax: 0xeb,
  f64x2Add: 0xf0,
  f64x2Mul: 0xf2,
} as const;

/** Unsigned LEB128 of a non-negative integer below 2^32. */
export function uleb(value: number): number[] {
  if (!Number.isInteger(value) || value < 0 || value > 0xffffffff) throw new RangeError(`uleb: ${value} out of range`);
  const out: number[] = [];
  do {
    let byte = value & 0x7f;
    value = Math.floor(value / 128);
    if (value !== 0) byte |= 0x80;
    out.push(byte);
  } while (value !== 0);
  return out;
}

/** Signed LEB128 of a 32-bit integer (the immediate of `i32.const`). */
export function sleb(value: number): number[] {
  if (!Number.isInteger(value) || value < -0x80000000 || value > 0x7fffffff) {
    throw new RangeError(`sleb: ${value} out of range`);
  }
  const out: number[] = [];
  for (;;) {
    const byte = value & 0x7f;
    value >>= 7;
    const done = (value === 0 && (byte & 0x40) === 0) || (value === -1 && (byte & 0x40) !== 0);
    out.push(done ? byte : byte | 0x80);
    if (done) return out;
  }
}

/** A section: id, byte length, body. */
export function section(id: number, body: readonly number[]): number[] {
  return [id, ...uleb(body.length), ...body];
}

/** A length-prefixed name (ASCII). */
export function name(text: string): number[] {
  return [...uleb(text.length), ...Array.from(text, (c) => c.charCodeAt(0))];
}

/** A SIMD instruction (without immediates). */
export function simd(op: number): number[] {
  return [0xfd, ...uleb(op)];
}

/** Memory immediate: alignment hint as log2 of bytes, then a constant byte offset. */
export function memarg(alignLog2: number, offset = 0): number[] {
  return [alignLog2, ...uleb(offset)];
}

export const localGet = (index: number): number[] => [Op.localGet, ...uleb(index)];
export const localSet = (index: number): number[] => [Op.localSet, ...uleb(index)];
export const localTee = (index: number): number[] => [Op.localTee, ...uleb(index)];
export const i32Const = (value: number): number[] => [Op.i32Const, ...sleb(value)];

/** `v128.load` with an alignment hint of one byte: valid for any address. */
export const v128Load = (offset = 0): number[] => [...simd(SimdOp.v128Load), ...memarg(0, offset)];
export const v128Store = (offset = 0): number[] => [...simd(SimdOp.v128Store), ...memarg(0, offset)];

/** `i8x16.shuffle` selecting four f32 lanes (0-3 from the first operand, 4-7 from the second). */
export function f32x4Shuffle(l0: number, l1: number, l2: number, l3: number): number[] {
  const lanes = [l0, l1, l2, l3].flatMap((lane) => [4 * lane, 4 * lane + 1, 4 * lane + 2, 4 * lane + 3]);
  return [...simd(SimdOp.i8x16Shuffle), ...lanes];
}

/** `f64.const`. */
export function f64Const(value: number): number[] {
  return [Op.f64Const, ...new Uint8Array(Float64Array.of(value).buffer)];
}

/** `v128.const` with four i32 lanes. */
export function i32x4Const(l0: number, l1: number, l2: number, l3: number): number[] {
  return [...simd(SimdOp.v128Const), ...new Uint8Array(Int32Array.of(l0, l1, l2, l3).buffer)];
}

/** `v128.const` with four f32 lanes. */
export function f32x4Const(l0: number, l1: number, l2: number, l3: number): number[] {
  return [...simd(SimdOp.v128Const), ...new Uint8Array(Float32Array.of(l0, l1, l2, l3).buffer)];
}

export interface WasmFunction {
  readonly exportName: string;
  readonly params: readonly WasmValueType[];
  readonly results: readonly WasmValueType[];
  /** Declared locals after the parameters, in index order. */
  readonly locals: readonly WasmValueType[];
  /** Instructions, without the final `end`. */
  readonly body: readonly number[];
}

/** Run-length groups of local declarations: [count, type] pairs. */
function localGroups(locals: readonly WasmValueType[]): number[] {
  const groups: number[][] = [];
  for (const type of locals) {
    const last = groups[groups.length - 1];
    if (last !== undefined && last[1] === type) last[0]!++;
    else groups.push([1, type]);
  }
  return [...uleb(groups.length), ...groups.flatMap(([count, type]) => [...uleb(count!), type!])];
}

/**
 * A module with one type per function, the functions exported under their names, and one memory of
 * `memoryPages` initial 64 KiB pages exported as `memory`.
 */
export function assembleModule(functions: readonly WasmFunction[], memoryPages: number): Uint8Array<ArrayBuffer> {
  const types = functions.flatMap((f) => [
    0x60, ...uleb(f.params.length), ...f.params, ...uleb(f.results.length), ...f.results,
  ]);
  const exports = [
    ...functions.flatMap((f, index) => [...name(f.exportName), 0x00, ...uleb(index)]),
    ...name('memory'), 0x02, 0,
  ];
  const bodies = functions.flatMap((f) => {
    const body = [...localGroups(f.locals), ...f.body, Op.end];
    return [...uleb(body.length), ...body];
  });
  return Uint8Array.from([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, [...uleb(functions.length), ...types]),
    ...section(3, [...uleb(functions.length), ...functions.flatMap((_, index) => uleb(index))]),
    ...section(5, [1, 0x00, ...uleb(memoryPages)]),
    ...section(7, [...uleb(functions.length + 1), ...exports]),
    ...section(10, [...uleb(functions.length), ...bodies]),
  ]);
}

/** Compiles `bytes` when this runtime validates them (e.g. supports SIMD); null otherwise. */
export function instantiateIfSupported(bytes: Uint8Array<ArrayBuffer>): WebAssembly.Instance | null {
  if (typeof WebAssembly === 'undefined' || !WebAssembly.validate(bytes)) return null;
  return new WebAssembly.Instance(new WebAssembly.Module(bytes));
}
