/**
 * MaxSim kernel throughput (documents scored per second, multiply-adds per second) for ColBERT-like shapes,
 * single-threaded. Run: npx tsx bench/maxsim.ts [--queryRows 32] [--docRows 100] [--docs 2000] [--dims 16,64,96,128]
 */
import { performance } from 'node:perf_hooks';
import { maxSimKernel } from '../src/search/index.js';
import { normalizeRows } from '../src/shared/index.js';

function argument(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1]! : fallback;
}
const queryRows = Number(argument('queryRows', '32'));
const docRows = Number(argument('docRows', '100'));
const docs = Number(argument('docs', '2000'));
const dims = argument('dims', '16,64,96,128').split(',').map(Number);

let seed = 12345;
function random(): number {
  seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
  return seed / 4294967296 - 0.5;
}

for (const dim of dims) {
  const query = normalizeRows(Float32Array.from({ length: queryRows * dim }, random), dim);
  const corpus = normalizeRows(Float32Array.from({ length: docs * docRows * dim }, random), dim);
  const stride = docRows * dim;
  let checksum = 0;
  const pass = (): void => {
    for (let d = 0; d < docs; d++) {
      checksum += maxSimKernel(query, queryRows, corpus.subarray(d * stride, (d + 1) * stride), docRows, dim);
    }
  };
  pass(); // warm-up (JIT)
  const rounds = 3;
  const started = performance.now();
  for (let r = 0; r < rounds; r++) pass();
  const seconds = (performance.now() - started) / 1000;
  const docsPerSecond = (docs * rounds) / seconds;
  const madds = docsPerSecond * queryRows * docRows * dim;
  console.log(
    `dim ${String(dim).padStart(3)}: ${Math.round(docsPerSecond).toLocaleString('en-US').padStart(9)} docs/s ` +
      `(${queryRows}x${docRows} rows), ${(madds / 1e9).toFixed(2)} G multiply-adds/s, ` +
      `${((1000 * 5183 * 150) / docRows / docsPerSecond).toFixed(0)} ms per exhaustive SciFact-sized query (5183 docs x 150 rows) [checksum ${checksum.toFixed(3)}]`,
  );
}
