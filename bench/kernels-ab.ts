/**
 * Before/after of the WebAssembly kernels in one process: imports the kernels of another checkout (`--base`,
 * e.g. `git worktree add /tmp/base main && (cd /tmp/base && npm ci)`) beside this tree's, and alternates
 * `--slices` timed slices of each workload between the two (ABBA order), timing every slice in process CPU
 * time. Interleaving in one process puts both sides under the same machine load, which separate runs on a
 * shared machine do not. Prints min and median CPU ms per slice and new/base ratios, and whether both sides
 * computed the same checksum. The two trees must share the wrappers' API (WasmMaxSim, WasmLinkage,
 * condensedCosineDistances, parseReductionSpec, HierarchicalPooler).
 * Run: npx tsx bench/kernels-ab.ts --base /tmp/base [--slices 41] [--only maxsim]
 */
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { cpuMs } from './cpu-time.js';

function argument(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1]! : fallback;
}
const baseDir = argument('base', '');
if (baseDir === '') {
  process.stderr.write('usage: npx tsx bench/kernels-ab.ts --base <checkout> [--slices 41] [--only <name part>]\n');
  process.exit(2);
}
const slices = Number(argument('slices', '41'));
const only = argument('only', '');

type MaxSimKernel = {
  setQuery(q: Float32Array, count: number, dim: number): void;
  score(doc: Float32Array, count: number): number;
  scoreFloat32(doc: Float32Array, count: number): number;
  scoreFloat16(halves: Uint8Array, count: number): number;
};
type Linkage = {
  build(data: Float32Array, dim: number, first: number, n: number, method: 'ward'): { height: Float64Array };
  pool(labels: Int32Array, clusters: number, renormalize: boolean): Float32Array;
};
type Doc = { dim: number; count: number; data: Float32Array };
type Pipeline = { apply(doc: Doc, ctx: { protectedLeadingTokens: number; seed: number }): { vectors: { data: Float32Array } } };
interface Tree {
  maxSim(): MaxSimKernel;
  linkage(): Linkage;
  condensed(data: Float32Array, dim: number, first: number, n: number, norms: Float64Array, out: Float64Array): void;
  pipeline(spec: string): Pipeline;
  jsLinkagePooler(): { reduce(doc: Doc, ctx: { protectedLeadingTokens: number; seed: number }): { data: Float32Array } };
}

async function loadTree(root: string): Promise<Tree> {
  const load = (file: string) => import(pathToFileURL(path.join(root, file)).href);
  const maxsim = await load('src/search/maxsim-wasm.ts');
  const linkage = await load('src/pool/wasm-linkage.ts');
  const cosine = await load('src/pool/cosine.ts');
  const pool = await load('src/pool/index.ts');
  return {
    maxSim: () => maxsim.WasmMaxSim.create(),
    linkage: () => linkage.WasmLinkage.create(),
    condensed: cosine.condensedCosineDistances,
    pipeline: (spec) => pool.parseReductionSpec(spec),
    jsLinkagePooler: () => new pool.HierarchicalPooler('ward', 2, true, undefined, 'js'),
  };
}

let seed = 7;
const random = (): number => ((seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0) / 4294967296 - 0.5);
const randomRows = (n: number, dim: number): Float32Array => Float32Array.from({ length: n * dim }, random);
function unitDoc(count: number, dim: number): Doc {
  const data = randomRows(count, dim);
  for (let i = 0; i < count; i++) {
    let norm = 0;
    for (let d = 0; d < dim; d++) norm += data[i * dim + d]! ** 2;
    for (let d = 0; d < dim; d++) data[i * dim + d]! /= Math.sqrt(norm);
  }
  return { dim, count, data };
}

function compare(name: string, base: () => number, fresh: () => number): void {
  if (!name.includes(only)) return;
  const times: [number[], number[]] = [[], []];
  const sums = [0, 0];
  for (let s = 0; s < slices; s++) {
    for (const side of s % 2 === 0 ? [0, 1] : [1, 0]) {
      const started = cpuMs();
      sums[side]! += (side === 0 ? base : fresh)();
      times[side]!.push(cpuMs() - started);
    }
  }
  const median = (t: number[]): number => [...t].sort((a, b) => a - b)[t.length >> 1]!;
  const [b, n] = times;
  console.log(
    `${name.padEnd(32)} base min ${Math.min(...b).toFixed(2).padStart(6)} med ${median(b).toFixed(2).padStart(6)} | ` +
      `new min ${Math.min(...n).toFixed(2).padStart(6)} med ${median(n).toFixed(2).padStart(6)} CPU ms | new/base ` +
      `min ${(Math.min(...n) / Math.min(...b)).toFixed(2)} med ${(median(n) / median(b)).toFixed(2)} | ` +
      `same result ${sums[0] === sums[1]}`,
  );
}

const base = await loadTree(path.resolve(baseDir));
const fresh = await loadTree(path.resolve(import.meta.dirname, '..'));
console.log(`base ${path.resolve(baseDir)} vs this tree, ${slices} slices each, node ${process.version}`);

for (const dim of [96, 100, 128]) {
  const docs = Array.from({ length: 300 }, () => randomRows(100, dim));
  const halves = docs.map((doc) => {
    const h = new Uint16Array(doc.length);
    for (let i = 0; i < doc.length; i++) h[i] = Math.floor(Math.abs(random()) * 0x7600) | (i & 1 ? 0x8000 : 0);
    return new Uint8Array(h.buffer);
  });
  const query = randomRows(32, dim);
  const [a, b] = [base.maxSim(), fresh.maxSim()];
  a.setQuery(query, 32, dim);
  b.setQuery(query, 32, dim);
  const over = <T>(items: T[], f: (item: T) => number) => () => items.reduce((s, item) => s + f(item), 0);
  compare(`maxsim exact, dim ${dim}`, over(docs, (d) => a.score(d, 100)), over(docs, (d) => b.score(d, 100)));
  compare(`maxsim float32, dim ${dim}`, over(docs, (d) => a.scoreFloat32(d, 100)), over(docs, (d) => b.scoreFloat32(d, 100)));
  compare(`maxsim float16, dim ${dim}`, over(halves, (h) => a.scoreFloat16(h, 100)), over(halves, (h) => b.scoreFloat16(h, 100)));
}

const docs = Array.from({ length: 30 }, () => unitDoc(130 + Math.floor(Math.abs(random()) * 40), 100));
const labels = Int32Array.from({ length: 170 }, (_, i) => i % 65);
const [la, lb] = [base.linkage(), fresh.linkage()];
const linkageRun = (l: Linkage) => () =>
  docs.reduce((s, d) => s + l.build(d.data, 100, 0, d.count, 'ward').height.reduce((x, y) => x + y, 0) + l.pool(labels, 65, true)[3]!, 0);
compare('linkage build + pool, ward', linkageRun(la), linkageRun(lb));
const norms = new Float64Array(170);
const out = new Float64Array((170 * 169) / 2);
const condensedRun = (t: Tree) => () => docs.reduce((s, d) => (t.condensed(d.data, 100, 0, d.count, norms, out), s + out[1000]!), 0);
compare('condensed cosine distances', condensedRun(base), condensedRun(fresh));
const ctx = { protectedLeadingTokens: 0, seed: 1 };
for (const spec of ['ward:2', 'average:2', 'adaptive:0.5']) {
  const [pa, pb] = [base.pipeline(spec), fresh.pipeline(spec)];
  const run = (p: Pipeline) => () => docs.reduce((s, d) => s + p.apply(d, ctx).vectors.data.reduce((x, y) => x + y, 0), 0);
  compare(`pooler ${spec}`, run(pa), run(pb));
}
const [ja, jb] = [base.jsLinkagePooler(), fresh.jsLinkagePooler()];
const jsRun = (p: ReturnType<Tree['jsLinkagePooler']>) => () => docs.reduce((s, d) => s + p.reduce(d, ctx).data.reduce((x, y) => x + y, 0), 0);
compare('pooler ward:2 (js linkage)', jsRun(ja), jsRun(jb));
