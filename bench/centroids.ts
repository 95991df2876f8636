/**
 * Codebook kernels (src/shared/centroids.ts), single-threaded, in one run: query-centroid scores (32 query rows
 * x k centroids, the PLAID query path's first step) and nearest-centroid assignment (N rows against k centroids,
 * top 1, the compressed build's hot loop), each by the WebAssembly SIMD kernel, its scalar fallback (the same
 * float32 rounding, emulated), a plain JS loop (float64 accumulation, the obvious code) and, when `python3 -c
 * "import numpy"` works, numpy (float32 matmul through its BLAS, pinned to one thread; argmax for assignment).
 * Times are CPU ms (process CPU time; numpy's by time.process_time), best of 3 after a warm-up.
 * Run: npx tsx bench/centroids.ts [--dim 128] [--ks 4096,16384] [--queryRows 32] [--rows 2048]
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { CentroidKernels } from '../src/shared/centroids.js';
import type { MultiVector } from '../src/shared/multivector.js';
import { cpuMs } from './cpu-time.js';

function argument(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1]! : fallback;
}
const dim = Number(argument('dim', '128'));
const ks = argument('ks', '4096,16384').split(',').map(Number);
const queryRows = Number(argument('queryRows', '32'));
const assignRows = Number(argument('rows', '2048'));

let seed = 4242;
function random(): number {
  seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
  return seed / 4294967296 - 0.5;
}
function matrix(count: number): MultiVector {
  return { dim, count, data: Float32Array.from({ length: count * dim }, random) };
}

/** Best of 3 timed runs after one warm-up, in CPU ms. */
function time(run: () => unknown): number {
  run();
  let best = Infinity;
  for (let r = 0; r < 3; r++) {
    const started = cpuMs();
    run();
    best = Math.min(best, cpuMs() - started);
  }
  return best;
}

function plainScores(query: MultiVector, centroids: MultiVector): Float32Array {
  const out = new Float32Array(query.count * centroids.count);
  for (let i = 0; i < query.count; i++) {
    for (let c = 0; c < centroids.count; c++) {
      let s = 0;
      for (let t = 0; t < dim; t++) s += query.data[i * dim + t]! * centroids.data[c * dim + t]!;
      out[i * centroids.count + c] = s;
    }
  }
  return out;
}

function plainNearest(rows: MultiVector, centroids: MultiVector): Int32Array {
  const out = new Int32Array(rows.count);
  for (let i = 0; i < rows.count; i++) {
    let best = -Infinity;
    let arg = -1;
    for (let c = 0; c < centroids.count; c++) {
      let s = 0;
      for (let t = 0; t < dim; t++) s += rows.data[i * dim + t]! * centroids.data[c * dim + t]!;
      if (s > best) {
        best = s;
        arg = c;
      }
    }
    out[i] = arg;
  }
  return out;
}

/** numpy's times (ms) for the same matrices, or null when numpy is not importable. */
function numpyTimes(query: MultiVector, rows: MultiVector, centroids: MultiVector): { scores: number; nearest: number } | null {
  const dir = mkdtempSync(path.join(tmpdir(), 'lateindex-centroids-'));
  try {
    for (const [name, m] of [['q', query], ['x', rows], ['c', centroids]] as const) {
      writeFileSync(path.join(dir, `${name}.f32`), new Uint8Array(m.data.buffer, m.data.byteOffset, m.data.byteLength));
    }
    const script = `
import json, sys, time, numpy as np
d = ${dim}
q, x, c = (np.fromfile(sys.argv[1] + '/' + n + '.f32', dtype=np.float32).reshape(-1, d) for n in 'qxc')
def best(f):
    f(); t = []
    for _ in range(3):
        s = time.process_time(); f(); t.append(time.process_time() - s)
    return min(t) * 1000
print(json.dumps({'scores': best(lambda: q @ c.T), 'nearest': best(lambda: np.argmax(x @ c.T, axis=1))}))
`;
    const env = { ...process.env, OPENBLAS_NUM_THREADS: '1', OMP_NUM_THREADS: '1', MKL_NUM_THREADS: '1' };
    const result = spawnSync('python3', ['-c', script, dir], { encoding: 'utf8', env });
    if (result.status !== 0) return null;
    return JSON.parse(result.stdout) as { scores: number; nearest: number };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

console.log(`dim ${dim}, ${queryRows} query rows, ${assignRows} rows to assign, node ${process.version}; CPU ms, best of 3`);
for (const k of ks) {
  const centroids = matrix(k);
  const query = matrix(queryRows);
  const rows = matrix(assignRows);
  const simd = new CentroidKernels(centroids);
  const scalar = new CentroidKernels(centroids, 'scalar');
  const simdIds = simd.nearest(rows, 1);
  const plainIds = plainNearest(rows, centroids);
  const agree = simdIds.reduce((n, id, i) => n + (id === plainIds[i] ? 1 : 0), 0);
  const numpy = numpyTimes(query, rows, centroids);
  const scores = { simd: time(() => simd.scores(query)), scalar: time(() => scalar.scores(query)), plain: time(() => plainScores(query, centroids)) };
  const nearest = { simd: time(() => simd.nearest(rows, 1)), scalar: time(() => scalar.nearest(rows, 1)), plain: time(() => plainNearest(rows, centroids)) };
  const madd = (n: number, ms: number): string => `${((n * k * dim) / (ms * 1e6)).toFixed(2)} G madd/s`;
  const line = (what: string, n: number, t: { simd: number; scalar: number; plain: number }, np: number | undefined): string =>
    `  ${what}: SIMD ${t.simd.toFixed(1)} (${madd(n, t.simd)}) | scalar fallback ${t.scalar.toFixed(1)} (SIMD ${(t.scalar / t.simd).toFixed(1)}x faster)` +
    ` | plain JS ${t.plain.toFixed(1)} (${(t.plain / t.simd).toFixed(1)}x)` +
    (np === undefined ? ' | numpy: not available' : ` | numpy 1 thread ${np.toFixed(1)} (SIMD/numpy time ${(t.simd / np).toFixed(2)})`);
  console.log(`k = ${k}:`);
  console.log(line(`scores ${queryRows} x ${k}`, queryRows, scores, numpy?.scores));
  console.log(line(`nearest of ${assignRows}`, assignRows, nearest, numpy?.nearest));
  console.log(`  assignments equal to the plain float64 loop's: ${agree} of ${assignRows} (float32 rounding may flip near-ties)`);
}
