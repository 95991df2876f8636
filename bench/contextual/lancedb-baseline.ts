/**
 * LanceDB's native multivector search (`@lancedb/lancedb` 0.31.0, embedded, local disk) over a bundle's vectors:
 * a table {id: utf8, vector: list<fixed_size_list<float32, dim>>} ingested in streamed Arrow batches, a
 * multivector index (cosine is the only metric LanceDB allows on multivector columns), then one query at a time
 * at k = 10 for each setting, measured by the harness against the exhaustive reference (exhaustive.ts's saved one,
 * or computed here when the bundle has none).
 * How LanceDB 0.31.0 (Lance 8) searches: a query of several vectors against a list column becomes one multivector
 * query. Without an index (or with bypassVectorIndex) it scans every row and scores exact cosine MaxSim. With an
 * IVF index it runs XTR-style: each query vector fetches its k x LANCE_XTR_OVERFETCH (default 10) nearest token
 * vectors from `nprobes` partitions, a row's score sums, per query vector, its best fetched similarity or else
 * that vector's lowest fetched similarity (an estimate, never rescored) -- unless `refineFactor` r is set, when the
 * best k x r rows are rescored with exact MaxSim over their stored vectors.
 *   npx tsx bench/contextual/lancedb-baseline.ts --bundle /tmp/ctx-10k --table /tmp/lance-10k \
 *     [--index ivf_pq|ivf_flat|ivf_hnsw_sq|none] [--partitions N] [--settings 8,32,16:4,32:10,exact] [--flat-queries 20]
 *     [--out results.json] [--wait-for-reference]
 *   npx tsx bench/contextual/lancedb-baseline.ts --probe-index-types --table /tmp/lance-probe
 */
import * as lancedb from '@lancedb/lancedb';
import { rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { Float16Codec } from '../../src/index/codecs/float16-codec.js';
import { Bundle } from './bundle.js';
import { isMain } from './cli.js';
import { documentId } from './generation-job.js';
import { ContextualCorpus } from './generator.js';
import { bundleWorkload, measureEngine, scaleRow, type BuildFigures, type EngineMeasurement, type MultiVectorEngine } from './harness.js';
import { directoryBytes, formatScaleTable, timed, type ScaleRow } from './measure.js';

// LanceDB's CommonJS build checks `instanceof` against the CommonJS apache-arrow; an ESM import would load a
// second copy whose classes it does not recognise, so take the same one it requires.
const arrow = createRequire(import.meta.url)('apache-arrow') as typeof import('apache-arrow');

export const LANCEDB_VERSION = '0.31.0';
export const INDEX_TYPES = ['ivf_pq', 'ivf_flat', 'ivf_hnsw_sq', 'ivf_hnsw_pq', 'ivf_rq'] as const;
export type IndexType = (typeof INDEX_TYPES)[number];
const TABLE = 'documents';
/** The settings BENCHMARKS.md records at 10k documents: probes alone, then refined up to matched recall. */
export const DEFAULT_SETTINGS = '8,32,16:4,32:10';

/** One query setting: exact (no index) or nprobes with an optional refine factor. */
export interface QuerySetting {
  readonly exact?: boolean;
  readonly nprobes?: number;
  readonly refineFactor?: number;
}

export function settingLabel(s: QuerySetting): string {
  if (s.exact) return 'exact (flat)';
  return `nprobes ${s.nprobes}${s.refineFactor === undefined ? '' : `, refine ${s.refineFactor}`}`;
}

/** "8,32:4,exact" -> [{nprobes 8}, {nprobes 32, refine 4}, {exact}]. */
export function parseSettings(spec: string): QuerySetting[] {
  return spec.split(',').map((part) => {
    if (part === 'exact') return { exact: true };
    const [nprobes, refine] = part.split(':').map(Number);
    if (!Number.isInteger(nprobes) || nprobes! < 1 || (refine !== undefined && (!Number.isInteger(refine) || refine < 1))) {
      throw new RangeError(`bad query setting "${part}" (want nprobes[:refineFactor] or exact)`);
    }
    return refine === undefined ? { nprobes } : { nprobes, refineFactor: refine };
  });
}

/** IVF partitions by Lance's own target (8192 vectors per IVF_PQ partition) applied to token vectors, not rows. */
export function defaultPartitions(tokens: number): number {
  return Math.min(4096, Math.max(1, Math.round(tokens / 8192)));
}

function tableSchema(dim: number): import('apache-arrow').Schema {
  const vector = new arrow.FixedSizeList(dim, new arrow.Field('item', new arrow.Float32(), true));
  return new arrow.Schema([
    new arrow.Field('id', new arrow.Utf8(), false),
    new arrow.Field('vector', new arrow.List(new arrow.Field('item', vector, true)), false),
  ]);
}

/** An Arrow table of `ids.length` rows: document k holds rows rowStart[k]..rowStart[k + 1] of `floats`. */
function documentBatch(schema: import('apache-arrow').Schema, dim: number, ids: string[], floats: Float32Array, rowStart: Int32Array): import('apache-arrow').Table {
  const listType = schema.fields[1]!.type as import('apache-arrow').List;
  const vectorType = listType.children[0]!.type as import('apache-arrow').FixedSizeList;
  const values = arrow.makeData({ type: new arrow.Float32(), length: floats.length, data: floats });
  const vectors = arrow.makeData({ type: vectorType, length: floats.length / dim, nullCount: 0, child: values });
  const lists = arrow.makeData({ type: listType, length: ids.length, nullCount: 0, valueOffsets: rowStart, child: vectors });
  const idData = arrow.vectorFromArray(ids, new arrow.Utf8()).data[0]!;
  const struct = arrow.makeData({ type: new arrow.Struct(schema.fields), length: ids.length, nullCount: 0, children: [idData, lists] });
  return new arrow.Table([new arrow.RecordBatch(schema, struct)]);
}

function indexConfig(type: IndexType, numPartitions: number): lancedb.Index {
  const distanceType = 'cosine' as const;
  switch (type) {
    case 'ivf_pq':
      return lancedb.Index.ivfPq({ distanceType, numPartitions });
    case 'ivf_flat':
      return lancedb.Index.ivfFlat({ distanceType, numPartitions });
    case 'ivf_hnsw_sq':
      return lancedb.Index.hnswSq({ distanceType, numPartitions });
    case 'ivf_hnsw_pq':
      return lancedb.Index.hnswPq({ distanceType, numPartitions });
    case 'ivf_rq':
      return lancedb.Index.ivfRq({ distanceType, numPartitions });
  }
}

/** Rows of a query as LanceDB's MultiVector (one Float32Array per query vector). */
function queryVectors(query: Float32Array, dim: number): Float32Array[] {
  return Array.from({ length: query.length / dim }, (_, i) => query.slice(i * dim, (i + 1) * dim));
}

async function search(table: lancedb.Table, vectors: Float32Array[], k: number, setting: QuerySetting): Promise<string[]> {
  let query = table.vectorSearch(vectors).distanceType('cosine').limit(k).select(['id', '_distance']);
  if (setting.exact) query = query.bypassVectorIndex();
  if (setting.nprobes !== undefined) query = query.nprobes(setting.nprobes);
  if (setting.refineFactor !== undefined) query = query.refineFactor(setting.refineFactor);
  const rows = (await query.toArray()) as Array<{ id: string }>;
  return rows.map((r) => r.id);
}

/** A setting's figures (CPU per query counts every LanceDB thread); the result lists are left out. */
export interface SettingResult extends Omit<EngineMeasurement, 'results'> {
  readonly label: string;
  readonly setting: QuerySetting;
}

export interface LanceDbResult {
  readonly lancedb: string;
  readonly documents: number;
  readonly tokens: number;
  readonly ingest: { readonly seconds: number; readonly cpuSeconds: number; readonly batches: number; readonly documentsPerSecond: number };
  readonly index: { readonly type: IndexType; readonly numPartitions: number; readonly seconds: number; readonly cpuSeconds: number } | null;
  readonly diskBytes: { readonly table: number; readonly index: number };
  /** Peak RSS of this process through ingest and index build (it holds a batch of vectors and LanceDB). */
  readonly buildPeakRssBytes: number;
  readonly settings: SettingResult[];
}

export interface LanceDbOptions {
  readonly tableDir: string;
  readonly index?: IndexType | 'none';
  readonly numPartitions?: number;
  readonly settings?: readonly QuerySetting[];
  /** Queries for the exact (flat) setting, which scans every vector per query; default all. */
  readonly flatQueries?: number;
  readonly batchDocuments?: number;
  readonly warmup?: number;
  readonly k?: number;
  readonly log?: (line: string) => void;
  /** Wait for exhaustive.ts to write the reference (it may still be running) instead of computing it here. */
  readonly waitForReference?: boolean;
}

/** Ingests the bundle into a fresh table under `tableDir`, builds the index and measures every setting. */
export async function runLanceDb(bundleDir: string, options: LanceDbOptions): Promise<LanceDbResult> {
  const log = options.log ?? ((line: string) => process.stderr.write(line + '\n'));
  const bundle = Bundle.open(bundleDir);
  const { dim, documents } = bundle;
  const k = options.k ?? 10;
  rmSync(options.tableDir, { recursive: true, force: true });
  const db = await lancedb.connect(options.tableDir);
  const schema = tableSchema(dim);
  const table = await db.createEmptyTable(TABLE, schema);

  const batchDocuments = options.batchDocuments ?? 2000;
  const ids = bundle.ids();
  const codec = new Float16Codec();
  let batches = 0;
  const ingest = await timed(async () => {
    const reader = bundle.openReader();
    let widened = new Float32Array(0);
    try {
      for (let first = 0; first < documents; first += batchDocuments) {
        const count = Math.min(batchDocuments, documents - first);
        const chunk = reader.read(first, count);
        const rows = chunk.rowStart[count]!;
        let floats: Float32Array;
        if (bundle.embeddings.dtype === 'float32') {
          floats = new Float32Array(chunk.bytes.buffer, chunk.bytes.byteOffset, rows * dim);
        } else {
          if (widened.length < rows * dim) widened = new Float32Array(rows * dim);
          floats = codec.decode(chunk.bytes, rows, dim, widened).subarray(0, rows * dim);
        }
        await table.add(documentBatch(schema, dim, ids.slice(first, first + count), floats, chunk.rowStart));
        batches++;
        if (batches % 10 === 0) log(`lancedb: ingested ${first + count} / ${documents} documents`);
      }
    } finally {
      reader.close();
    }
  });
  log(`lancedb: ingest ${ingest.seconds.toFixed(1)} s wall, ${ingest.cpuSeconds.toFixed(1)} s CPU`);

  let index: LanceDbResult['index'] = null;
  const indexType = options.index ?? 'ivf_pq';
  if (indexType !== 'none') {
    const numPartitions = options.numPartitions ?? defaultPartitions(bundle.manifest.tokens);
    log(`lancedb: building ${indexType} with ${numPartitions} partitions`);
    const built = await timed(() => table.createIndex('vector', { config: indexConfig(indexType, numPartitions) }));
    index = { type: indexType, numPartitions, seconds: built.seconds, cpuSeconds: built.cpuSeconds };
    log(`lancedb: index ${built.seconds.toFixed(1)} s wall, ${built.cpuSeconds.toFixed(1)} s CPU`);
  }
  const tableBytes = await directoryBytes(options.tableDir);
  const indexDir = path.join(options.tableDir, `${TABLE}.lance`, '_indices');
  const indexBytes = index === null ? 0 : await directoryBytes(indexDir);
  // The whole benchmark process (Node plus LanceDB's native threads) up to the end of the build.
  const buildPeakRssBytes = process.resourceUsage().maxRSS * 1024;

  // Read only now, so ingest and index can run while exhaustive.ts is still computing the reference.
  const workload = await bundleWorkload(bundleDir, { waitForReference: options.waitForReference, log });
  const settings = options.settings ?? (index === null ? [{ exact: true }] : parseSettings(DEFAULT_SETTINGS));
  const results: SettingResult[] = [];
  for (const setting of settings) {
    const engine: MultiVectorEngine = { search: (rows, limit) => search(table, queryVectors(rows, dim), limit, setting) };
    const measured = await measureEngine(engine, workload, { k, warmup: options.warmup, queries: setting.exact ? options.flatQueries : undefined });
    const { results: _ids, ...figures } = measured;
    const result: SettingResult = { label: settingLabel(setting), setting, ...figures };
    log(`lancedb: ${result.label}: p50 ${result.latency.p50Ms.toFixed(1)} ms, agreement@${k} ${result.agreement.toFixed(3)}, planted R@${k} ${result.plantedRecall.toFixed(3)}`);
    results.push(result);
  }
  return {
    lancedb: LANCEDB_VERSION,
    documents,
    tokens: bundle.manifest.tokens,
    ingest: { seconds: ingest.seconds, cpuSeconds: ingest.cpuSeconds, batches, documentsPerSecond: documents / ingest.seconds },
    index,
    diskBytes: { table: tableBytes, index: indexBytes },
    buildPeakRssBytes,
    settings: results,
  };
}

/** The result as side-by-side table rows, one per query setting (build = ingest + index). */
export function lanceDbRows(result: LanceDbResult): ScaleRow[] {
  const index = result.index;
  const system = `LanceDB ${result.lancedb}${index === null ? '' : ` ${index.type} (${index.numPartitions} partitions)`}`;
  const build: BuildFigures = {
    seconds: result.ingest.seconds + (index?.seconds ?? 0),
    cpuSeconds: result.ingest.cpuSeconds + (index?.cpuSeconds ?? 0),
    diskBytes: result.diskBytes.table,
    peakRssBytes: result.buildPeakRssBytes,
  };
  return result.settings.map((s) => scaleRow(system, s.label, result, build, s));
}

/** Tries every index type on a small multivector table of generated documents: which ones 0.31.0 accepts. */
export async function probeIndexTypes(tableDir: string, documents = 300): Promise<Array<{ type: IndexType; ok: boolean; error?: string }>> {
  const corpus = new ContextualCorpus({ concepts: 1024, themes: 16 });
  const { dim } = corpus.params;
  const rowsPerDocument = documents > 0 ? Array.from({ length: documents }, (_, i) => corpus.document(i)) : [];
  const rowStart = new Int32Array(documents + 1);
  rowsPerDocument.forEach((rows, i) => (rowStart[i + 1] = rowStart[i]! + rows.length / dim));
  const floats = new Float32Array(rowStart[documents]! * dim);
  rowsPerDocument.forEach((rows, i) => floats.set(rows, rowStart[i]! * dim));
  const ids = Array.from({ length: documents }, (_, i) => documentId(i));
  const query = queryVectors(corpus.query(0, 0), dim);
  const outcomes: Array<{ type: IndexType; ok: boolean; error?: string }> = [];
  for (const type of INDEX_TYPES) {
    rmSync(tableDir, { recursive: true, force: true });
    const db = await lancedb.connect(tableDir);
    const schema = tableSchema(dim);
    const table = await db.createEmptyTable(TABLE, schema);
    await table.add(documentBatch(schema, dim, ids, floats, rowStart));
    try {
      await table.createIndex('vector', { config: indexConfig(type, 4) });
      await search(table, query, 10, { nprobes: 2 });
      outcomes.push({ type, ok: true });
    } catch (error) {
      outcomes.push({ type, ok: false, error: String(error).split('\n')[0] });
    }
  }
  rmSync(tableDir, { recursive: true, force: true });
  return outcomes;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      bundle: { type: 'string' },
      table: { type: 'string' },
      index: { type: 'string', default: 'ivf_pq' },
      partitions: { type: 'string' },
      settings: { type: 'string' },
      'flat-queries': { type: 'string' },
      out: { type: 'string' },
      'probe-index-types': { type: 'boolean', default: false },
      'wait-for-reference': { type: 'boolean', default: false },
    },
  });
  if (values.table === undefined || (!values['probe-index-types'] && values.bundle === undefined)) {
    process.stderr.write('usage: lancedb-baseline.ts --bundle DIR --table DIR [--index ivf_pq|...|none] [--partitions N] [--settings 8,32:4,exact] [--flat-queries N] [--out FILE]\n       lancedb-baseline.ts --probe-index-types --table DIR\n');
    process.exit(2);
  }
  if (values['probe-index-types']) {
    process.stdout.write(JSON.stringify(await probeIndexTypes(values.table), null, 2) + '\n');
    return;
  }
  const index = values.index as IndexType | 'none';
  if (index !== 'none' && !INDEX_TYPES.includes(index)) {
    process.stderr.write(`lancedb-baseline: --index must be one of ${INDEX_TYPES.join(', ')}, none\n`);
    process.exit(2);
  }
  const result = await runLanceDb(values.bundle!, {
    tableDir: values.table,
    index,
    numPartitions: values.partitions === undefined ? undefined : Number(values.partitions),
    settings: values.settings === undefined ? undefined : parseSettings(values.settings),
    flatQueries: values['flat-queries'] === undefined ? undefined : Number(values['flat-queries']),
    waitForReference: values['wait-for-reference'],
  });
  if (values.out !== undefined) writeFileSync(values.out, JSON.stringify(result, null, 2) + '\n');
  const { ingest, index: built, diskBytes } = result;
  process.stdout.write(
    `ingest ${ingest.seconds.toFixed(1)} s (${ingest.cpuSeconds.toFixed(1)} s CPU, ${ingest.documentsPerSecond.toFixed(0)} docs/s); ` +
      (built === null ? 'no index; ' : `${built.type} index ${built.seconds.toFixed(1)} s (${built.cpuSeconds.toFixed(1)} s CPU); `) +
      `disk ${(diskBytes.table / 2 ** 20).toFixed(0)} MiB (index ${(diskBytes.index / 2 ** 20).toFixed(0)} MiB)\n` +
      formatScaleTable(lanceDbRows(result)) + '\n',
  );
}

if (isMain(import.meta.url)) await main();
