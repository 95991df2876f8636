/**
 * MaxSim kernel throughput, single-threaded: the scalar JS kernel (`maxSimKernel`) against the WebAssembly SIMD
 * kernel, exact (`WasmMaxSim.score`, equal to the JS kernel) and raw float32 (`scoreFloat32`), in one run, as
 * documents scored per CPU-second (process CPU time, so a loaded machine distorts figures less) and the ratio to
 * JS. The WASM runs copy each document into WebAssembly memory (what `readVectors` decoding into
 * `documentBuffer()` replaces), the JS run reads it in place.
 * A second line per dim starts from float16-stored documents (as the index keeps them): the codec's table decode
 * + JS kernel (the searcher before WASM), table decode into WebAssembly memory + exact WASM kernel (the searcher
 * now), and SIMD float16 decoding + exact WASM kernel (`scoreFloat16`, needs raw bytes from the index).
 * Run: npx tsx bench/maxsim.ts [--queryRows 32] [--docRows 100] [--docs 2000] [--dims 96,100,128]
 *
 * With `--index DIR --dataset DIR` (an index built with the default encoder, e.g. by bench/foundation.ts, and its
 * BEIR dataset) it instead runs exhaustive MaxSim over the stored vectors for the first `--queries` test queries:
 * the searcher's hot loop (decode float16 into the scorer's buffer, score) with the scalar and the SIMD scorer,
 * a decode-only loop for context (CPU ms per query), and checks that both scorers return identical scores.
 *   npx tsx bench/maxsim.ts --index /tmp/lateindex-bench/med-none --dataset ../shared/data/med --queries 30
 */
import { loadEncoder } from '../src/encode/index.js';
import { loadBeirSplit } from '../src/eval/index.js';
import { Float16Codec } from '../src/index/codecs/float16-codec.js';
import { LateIndex } from '../src/index/index.js';
import { LateInteractionSearcher, weightQuery } from '../src/search/index.js';
import { maxSimKernel } from '../src/search/maxsim.js';
import { createMaxSimScorer, type MaxSimBackend } from '../src/search/maxsim-scorer.js';
import { WasmMaxSim } from '../src/search/maxsim-wasm.js';
import { normalizeRows } from '../src/shared/index.js';
import { cpuMs } from './cpu-time.js';

function argument(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1]! : fallback;
}
const queryRows = Number(argument('queryRows', '32'));
const docRows = Number(argument('docRows', '100'));
const docs = Number(argument('docs', '2000'));
const dims = argument('dims', '96,100,128').split(',').map(Number);

let seed = 12345;
function random(): number {
  seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
  return seed / 4294967296 - 0.5;
}

const wasm = WasmMaxSim.create();
if (wasm === null) {
  process.stderr.write('WebAssembly SIMD is not available on this runtime\n');
  process.exit(1);
}

/** Documents per CPU-second of `scoreOne` over the corpus (best of 3 timed passes after a warm-up pass). */
function measure(scoreOne: (d: number) => number): { docsPerSecond: number; checksum: number } {
  let checksum = 0;
  const pass = (): void => {
    for (let d = 0; d < docs; d++) checksum += scoreOne(d);
  };
  pass();
  let best = Infinity;
  for (let r = 0; r < 3; r++) {
    const started = cpuMs();
    pass();
    best = Math.min(best, cpuMs() - started);
  }
  return { docsPerSecond: docs / (best / 1000), checksum };
}

/** Exhaustive scoring over a real index with each backend (see the file comment). */
async function benchIndex(indexDir: string, datasetDir: string, queryLimit: number): Promise<void> {
  const encoder = await loadEncoder();
  const index = await LateIndex.open(indexDir, { encoder: encoder.identity, readOnly: true });
  const { queries } = await loadBeirSplit(datasetDir, 'test');
  const texts = [...queries.values()].slice(0, queryLimit);
  const encoded = (await encoder.encodeQueries(texts)).map((q) => weightQuery(q, encoder.queryWeighting, index));
  const ids = [...index.liveInternalIds()];
  const counts = index.counts();
  const rows = encoded.reduce((n, q) => n + q.count, 0) / encoded.length;
  console.log(
    `${indexDir}: ${counts.documents} documents, ${counts.vectors} vectors, dim ${index.dim}; ` +
      `${encoded.length} queries, ${rows.toFixed(1)} rows on average`,
  );
  const decodeBuffer = new Float32Array(65536);
  const timed = (label: string, body: () => void): number => {
    body(); // warm-up
    const started = cpuMs();
    body();
    const ms = (cpuMs() - started) / encoded.length;
    console.log(`  ${label.padEnd(34)} ${ms.toFixed(2).padStart(8)} CPU ms/query`);
    return ms;
  };
  timed('decode only (float16 -> float32)', () => {
    for (let q = 0; q < encoded.length; q++) for (const id of ids) index.readVectors(id, decodeBuffer);
  });
  const scores = new Map<MaxSimBackend, Float64Array>();
  const perQuery = new Map<MaxSimBackend, number>();
  for (const backend of ['scalar', 'wasm-simd'] as const) {
    const scorer = createMaxSimScorer(backend);
    const out = new Float64Array(encoded.length * ids.length);
    perQuery.set(backend, timed(`decode + MaxSim, ${backend}`, () => {
      for (let q = 0; q < encoded.length; q++) {
        scorer.setQuery(encoded[q]!);
        for (let k = 0; k < ids.length; k++) {
          const doc = index.readVectors(ids[k]!, scorer.documentBuffer())!;
          out[q * ids.length + k] = scorer.score(doc.data, doc.count);
        }
      }
    }));
    scores.set(backend, out);
  }
  const rawScorer = createMaxSimScorer('wasm-simd');
  const rawScores = new Float64Array(encoded.length * ids.length);
  const rawPerQuery = timed('stored float16 bytes, SIMD decode', () => {
    for (let q = 0; q < encoded.length; q++) {
      rawScorer.setQuery(encoded[q]!);
      for (let k = 0; k < ids.length; k++) {
        const stored = index.readVectorBytes(ids[k]!)!;
        rawScores[q * ids.length + k] = rawScorer.scoreFloat16!(stored.bytes, stored.count);
      }
    }
  });
  const scalar = scores.get('scalar')!;
  const wasmScores = scores.get('wasm-simd')!;
  const rawMismatches = scalar.reduce((n, s, k) => n + (Object.is(s, rawScores[k]) ? 0 : 1), 0);
  console.log(
    `  ratio JS decode + wasm-simd / SIMD decode: x${(perQuery.get('wasm-simd')! / rawPerQuery).toFixed(2)}; ` +
      `${rawMismatches} of ${scalar.length} scores differ from scalar`,
  );
  const mismatches = scalar.reduce((n, s, k) => n + (Object.is(s, wasmScores[k]) ? 0 : 1), 0);
  console.log(
    `  ratio scalar / wasm-simd: x${(perQuery.get('scalar')! / perQuery.get('wasm-simd')!).toFixed(2)}; ` +
      `${mismatches} of ${scalar.length} scores differ`,
  );
  const searcher = new LateInteractionSearcher(index, { queryWeighting: encoder.queryWeighting });
  timed('LateInteractionSearcher exhaustive', () => {
    for (const q of encoded) searcher.search(q, { k: 10, exhaustive: true });
  });
  await index.close();
}

const indexArgument = process.argv.includes('--index') ? argument('index', '') : undefined;
if (indexArgument !== undefined) {
  await benchIndex(indexArgument, argument('dataset', ''), Number(argument('queries', '30')));
  process.exit(0);
}

const format = (n: number): string => Math.round(n).toLocaleString('en-US').padStart(9);
console.log(`${queryRows} query rows x ${docRows} document rows, ${docs} documents`);
for (const dim of dims) {
  const query = normalizeRows(Float32Array.from({ length: queryRows * dim }, random), dim);
  const corpus = normalizeRows(Float32Array.from({ length: docs * docRows * dim }, random), dim);
  const stride = docRows * dim;
  const docAt = (d: number): Float32Array => corpus.subarray(d * stride, (d + 1) * stride);
  const js = measure((d) => maxSimKernel(query, queryRows, docAt(d), docRows, dim));
  wasm.setQuery(query, queryRows, dim);
  const copied = (d: number): Float32Array => {
    const buffer = wasm.documentBuffer();
    const doc = docAt(d);
    if (buffer.length < doc.length) return doc; // the first document grows the buffer
    buffer.set(doc);
    return buffer;
  };
  const exact = measure((d) => wasm.score(copied(d), docRows));
  const float32 = measure((d) => wasm.scoreFloat32(copied(d), docRows));
  if (exact.checksum !== js.checksum) throw new Error(`dim ${dim}: exact WASM checksum ${exact.checksum} != JS ${js.checksum}`);
  const madds = (docsPerSecond: number): string => ((docsPerSecond * queryRows * docRows * dim) / 1e9).toFixed(2);
  console.log(
    `dim ${String(dim).padStart(3)}: JS ${format(js.docsPerSecond)} docs/cpu-s (${madds(js.docsPerSecond)} G madd/s) | ` +
      `WASM exact ${format(exact.docsPerSecond)} docs/cpu-s x${(exact.docsPerSecond / js.docsPerSecond).toFixed(2)} | ` +
      `WASM float32 ${format(float32.docsPerSecond)} docs/cpu-s x${(float32.docsPerSecond / js.docsPerSecond).toFixed(2)} ` +
      `(${madds(float32.docsPerSecond)} G madd/s, |float32 - exact| checksum ${Math.abs(float32.checksum - exact.checksum).toExponential(1)})`,
  );

  const codec = new Float16Codec();
  const stored = Array.from({ length: docs }, (_, d) => codec.encode(docAt(d), dim));
  const decodeBuffer = new Float32Array(stride);
  const jsHalf = measure((d) => maxSimKernel(query, queryRows, codec.decode(stored[d]!, docRows, dim, decodeBuffer), docRows, dim));
  const wasmTable = measure((d) => {
    const buffer = wasm.documentBuffer();
    const rows = buffer.length >= stride ? codec.decode(stored[d]!, docRows, dim, buffer) : codec.decode(stored[d]!, docRows, dim, decodeBuffer);
    return wasm.score(rows, docRows);
  });
  const wasmHalf = measure((d) => wasm.scoreFloat16(stored[d]!, docRows));
  if (wasmHalf.checksum !== jsHalf.checksum || wasmTable.checksum !== jsHalf.checksum) {
    throw new Error(`dim ${dim}: float16 checksums differ: JS ${jsHalf.checksum}, WASM ${wasmTable.checksum} / ${wasmHalf.checksum}`);
  }
  console.log(
    `  from float16: JS decode + JS kernel ${format(jsHalf.docsPerSecond)} docs/cpu-s | JS decode + WASM ${format(wasmTable.docsPerSecond)} docs/cpu-s ` +
      `x${(wasmTable.docsPerSecond / jsHalf.docsPerSecond).toFixed(2)} | WASM decode + WASM ${format(wasmHalf.docsPerSecond)} docs/cpu-s ` +
      `x${(wasmHalf.docsPerSecond / jsHalf.docsPerSecond).toFixed(2)}`,
  );
}
