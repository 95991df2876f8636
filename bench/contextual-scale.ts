/**
 * Issue 14's benchmark: lateindex's PLAID index against exhaustive exact MaxSim (over the original float32
 * vectors) and LanceDB's native multivector search, on the contextual generator's ColBERT-like bundles.
 *   npx tsx bench/contextual-scale.ts --docs 10000,100000 --work /tmp/ctx [--nbits 2,4] [--lancedb] \
 *     [--settings 16,4,1024,128;32,8,2048,256] [--lancedb-settings 16,32:10] [--out results.json] [--reuse]
 * Per size: the bundle is written once (float16 .npy, `bench/contextual/write-bundle.ts`) with its exhaustive
 * top-100 reference; `lateindex index --embeddings` builds each index in a child process timed by GNU time
 * (wall, CPU, peak RSS); disk is the index directory's size over the bundle's token vectors; queries run in this
 * process one at a time through the harness (k = 10). LanceDB ingests the same bundle in this process.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { LateIndex } from '../src/index/index.js';
import { LateInteractionSearcher } from '../src/search/index.js';
import { bundleWorkload, measureEngine, scaleRow, type Workload } from './contextual/harness.js';
import { lanceDbRows, parseSettings, runLanceDb } from './contextual/lancedb-baseline.js';
import { directoryBytes, formatScaleTable, runMeasured, type ScaleRow } from './contextual/measure.js';
import { writeBundle } from './contextual/write-bundle.js';

const ROOT = path.resolve(import.meta.dirname, '..');

interface PlaidSetting {
  readonly cells: number;
  readonly nprobe: number;
  readonly candidates: number;
  readonly rerank: number;
}

function parsePlaidSettings(spec: string): PlaidSetting[] {
  return spec.split(';').map((part) => {
    const [cells, nprobe, candidates, rerank] = part.split(',').map(Number);
    return { cells: cells!, nprobe: nprobe!, candidates: candidates!, rerank: rerank! };
  });
}

async function ensureBundle(dir: string, documents: number): Promise<void> {
  if (existsSync(path.join(dir, 'ids.txt'))) return;
  console.error(`writing a bundle of ${documents} documents to ${dir}`);
  await writeBundle({ documents, out: dir, dtype: 'float16' });
}

async function measureLateindex(
  bundle: string,
  indexDir: string,
  nbits: number,
  workload: Workload,
  settings: readonly PlaidSetting[],
  reuse: boolean,
): Promise<{ rows: ScaleRow[]; summary: Record<string, unknown> }> {
  const run = reuse && existsSync(`${indexDir}.json`) ? readTimedBuild(indexDir) : await runMeasured(process.execPath, [
    path.join(ROOT, 'bin/lateindex.js'), 'index', '--embeddings', bundle, '--index', indexDir, '--quantize', `plaid:${nbits}`,
    '--overwrite', '--json', '--quiet',
  ]);
  if (run.exitCode !== 0) throw new Error(`lateindex index failed: ${run.stderr}`);
  const summary = JSON.parse(run.stdout) as Record<string, unknown>;
  const build = { seconds: run.wallSeconds, cpuSeconds: run.cpuSeconds, diskBytes: await directoryBytes(indexDir), peakRssBytes: run.peakRssBytes };
  const index = await LateIndex.open(indexDir, { readOnly: true });
  const searcher = new LateInteractionSearcher(index);
  const dim = index.dim;
  const rows: ScaleRow[] = [];
  try {
    for (const s of settings) {
      const engine = {
        search: (query: Float32Array, k: number) =>
          searcher
            .search({ data: query, dim, count: query.length / dim }, { k, plaid: { cells: s.cells, nprobe: s.nprobe, candidates: s.candidates }, rerankDepth: s.rerank })
            .map((hit) => hit.id),
      };
      const measured = await measureEngine(engine, workload);
      const label = `plaid:${nbits} cells ${s.cells} nprobe ${s.nprobe} cand ${s.candidates} rerank ${s.rerank}`;
      console.error(`${label}: p50 ${measured.latency.p50Ms.toFixed(1)} ms (CPU ${measured.cpuMsPerQuery.toFixed(1)} ms), agreement ${measured.agreement.toFixed(3)}, planted ${measured.plantedRecall.toFixed(3)} / ${measured.exhaustivePlantedRecall.toFixed(3)}`);
      rows.push(scaleRow('lateindex', label, workload, build, measured));
    }
  } finally {
    await index.close();
  }
  return { rows, summary };
}

/**
 * A build run earlier as `/usr/bin/time -o <index>.time -f "%e %U %S %M" lateindex index ... --json > <index>.json`
 * (to start a long build before the reference exists): its wall, CPU and peak RSS.
 */
function readTimedBuild(indexDir: string) {
  const [wall, user, system, rssKb] = readFileSync(`${indexDir}.time`, 'utf8').trim().split(/\s+/).slice(-4).map(Number);
  return { exitCode: 0, wallSeconds: wall!, cpuSeconds: user! + system!, peakRssBytes: rssKb! * 1024, stdout: readFileSync(`${indexDir}.json`, 'utf8'), stderr: '' };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      docs: { type: 'string', default: '10000' },
      work: { type: 'string', default: '/tmp/contextual-scale' },
      nbits: { type: 'string', default: '2,4' },
      settings: { type: 'string', default: '16,4,1024,128;32,8,2048,256' },
      lancedb: { type: 'boolean', default: false },
      'lancedb-settings': { type: 'string' },
      out: { type: 'string' },
      reuse: { type: 'boolean', default: false },
    },
  });
  const settings = parsePlaidSettings(values.settings!);
  const rows: ScaleRow[] = [];
  const details: Record<string, unknown>[] = [];
  for (const documents of values.docs!.split(',').map(Number)) {
    const bundle = path.join(values.work!, `bundle-${documents}`);
    await ensureBundle(bundle, documents);
    const workload = await bundleWorkload(bundle);
    for (const nbits of values.nbits!.split(',').map(Number)) {
      const measured = await measureLateindex(bundle, path.join(values.work!, `plaid${nbits}-${documents}`), nbits, workload, settings, values.reuse!);
      rows.push(...measured.rows);
      details.push({ documents, nbits, build: measured.summary });
    }
    if (values.lancedb) {
      const lance = await runLanceDb(bundle, {
        tableDir: path.join(values.work!, `lance-${documents}`),
        ...(values['lancedb-settings'] !== undefined && { settings: parseSettings(values['lancedb-settings']) }),
      });
      rows.push(...lanceDbRows(lance));
      details.push({ documents, lancedb: lance });
    }
    console.log(formatScaleTable(rows));
    if (values.out) writeFileSync(values.out, JSON.stringify({ rows, details }, null, 2));
  }
}

await main();
