/**
 * REST load on loopback with autocannon: search throughput and p50/p99 latency with N connections, first alone,
 * then while a second client upserts batches of 100 documents continuously; afterwards every acknowledged id must
 * be found by an id-filtered search. The index is copied to a temp dir first (the bench writes to the copy).
 *
 * Each value of --search-threads is one server configuration (0 = searches on the event loop), measured in turn.
 *
 * Run: npx tsx bench/rest-load.ts --index <dir> [--duration 30] [--connections 32] [--queries <queries.jsonl>]
 *      [--mode late] [--top-k 10] [--search-threads 0,2] [--json]
 */
import { spawn } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { pino } from 'pino';
import { createServer } from '../src/api/index.js';

interface AutocannonRequest {
  method: string;
  path: string;
  headers?: Record<string, string>;
  body?: string;
  setupRequest?: (request: AutocannonRequest) => AutocannonRequest;
}
interface AutocannonResult {
  latency: { p50: number; p99: number; average: number; max: number };
  requests: { average: number; total: number };
  errors: number;
  timeouts: number;
  non2xx: number;
  '2xx': number;
}
type Autocannon = (opts: {
  url: string;
  connections: number;
  duration: number;
  requests: AutocannonRequest[];
}) => Promise<AutocannonResult>;

const autocannon = createRequire(import.meta.url)('autocannon') as Autocannon;

const { values } = parseArgs({
  options: {
    index: { type: 'string' },
    duration: { type: 'string', default: '30' },
    connections: { type: 'string', default: '32' },
    queries: { type: 'string' },
    mode: { type: 'string', default: 'late' },
    'top-k': { type: 'string', default: '10' },
    json: { type: 'boolean', default: false },
    'serve-child': { type: 'string' },
    'search-threads': { type: 'string', default: '0,2' },
  },
});

if (values['serve-child']) {
  await serveChild(values['serve-child'], Number(values['search-threads']));
} else {
  await main();
}

/** The server runs in its own process so the load generator does not share its event loop. */
async function serveChild(dir: string, searchThreads: number): Promise<void> {
  const server = createServer({ indexDirs: [dir], port: 0, searchThreads, logger: pino({ level: 'warn' }, pino.destination(2)) });
  const { url } = await server.listen();
  await server.ready();
  process.stdout.write(`${JSON.stringify({ url })}\n`);
  process.once('SIGTERM', () => {
    server.close().then(() => process.exit(0), () => process.exit(1));
  });
}

async function main(): Promise<void> {
  if (!values.index) throw new Error('--index <dir> is required');
  const reports = [];
  for (const threads of values['search-threads']!.split(',').map(Number)) reports.push(await measure(values.index, threads));
  if (values.json) process.stdout.write(`${JSON.stringify(reports, null, 2)}\n`);
  else log(JSON.stringify(reports, null, 2));
  const failures = reports.reduce((sum, r) => sum + r.searchOnly.errors + r.searchOnly.non2xx + r.searchDuringUpserts.errors + r.searchDuringUpserts.non2xx + r.searchDuringUpserts.acknowledgedMissing + r.searchDuringUpserts.upsertsFailed, 0);
  if (failures > 0) process.exitCode = 1;
}

/** Serves a fresh copy of the index with `searchThreads` workers and runs both load phases against it. */
async function measure(index: string, searchThreads: number) {
  const duration = Number(values.duration);
  const connections = Number(values.connections);
  const topK = Number(values['top-k']);
  const queries = loadQueries(values.queries ?? path.join(index, '..', 'queries.jsonl'));
  const work = mkdtempSync(path.join(os.tmpdir(), 'lateindex-rest-load-'));
  const name = path.basename(path.resolve(index));
  const copy = path.join(work, name);
  cpSync(index, copy, { recursive: true });
  const serverArgs = ['--import', 'tsx', new URL(import.meta.url).pathname, '--serve-child', copy, '--search-threads', String(searchThreads)];
  const child = spawn(process.execPath, serverArgs, {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  try {
    const url = await new Promise<string>((resolve, reject) => {
      let out = '';
      child.stdout!.on('data', (chunk: Buffer) => {
        out += chunk.toString('utf8');
        const line = out.split('\n').find((l) => l.startsWith('{'));
        if (line) resolve((JSON.parse(line) as { url: string }).url);
      });
      child.once('exit', (code) => reject(new Error(`server exited with ${code}`)));
    });
    const info = (await (await fetch(`${url}/v1/indexes/${name}`)).json()) as { documents: number; vectors: number };
    log(`serving ${name} with ${searchThreads} search threads: ${info.documents} documents, ${info.vectors} vectors; ${queries.length} distinct queries`);

    let next = 0;
    const searchRequest: AutocannonRequest = {
      method: 'POST',
      path: `/v1/indexes/${name}/search`,
      headers: { 'content-type': 'application/json' },
      setupRequest: (request) => ({
        ...request,
        body: JSON.stringify({ query: queries[next++ % queries.length], top_k: topK, mode: values.mode }),
      }),
    };
    const load = () => autocannon({ url, connections, duration, requests: [searchRequest] });

    log(`search only: ${connections} connections x ${duration} s`);
    const alone = summarize(await load());

    log(`search while upserting batches of 100 documents`);
    const acknowledged: string[] = [];
    const writer = { running: true, batches: 0, refused: 0, failed: 0, latencies: [] as number[] };
    const writing = (async () => {
      let n = 0;
      while (writer.running) {
        const documents = Array.from({ length: 100 }, () => {
          const id = `rest-load-${n}`;
          const text = `${queries[n % queries.length]} (load document ${n++})`;
          return { _id: id, title: `load ${id}`, text };
        });
        const started = performance.now();
        const res = await fetch(`${url}/v1/indexes/${name}/documents`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ documents }),
        });
        await res.text();
        if (res.status === 200) {
          writer.batches++;
          writer.latencies.push(performance.now() - started);
          for (const d of documents) acknowledged.push(d._id);
        } else if (res.status === 429) {
          writer.refused++;
          await new Promise((resolve) => setTimeout(resolve, 50));
        } else {
          writer.failed++;
        }
      }
    })();
    const during = summarize(await load());
    writer.running = false;
    await writing;

    let missing = 0;
    for (let i = 0; i < acknowledged.length; i += 100) {
      const ids = acknowledged.slice(i, i + 100);
      const res = await fetch(`${url}/v1/indexes/${name}/search`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query: 'load document', top_k: ids.length, filter: { ids } }),
      });
      const body = (await res.json()) as { results: { hits: { id: string }[] }[] };
      const found = new Set(body.results[0]!.hits.map((h) => h.id));
      for (const id of ids) if (!found.has(id)) missing++;
    }
    const writeLatencies = writer.latencies.sort((a, b) => a - b);
    const report = {
      index: name,
      documents: info.documents,
      vectors: info.vectors,
      searchThreads,
      connections,
      durationSeconds: duration,
      mode: values.mode,
      searchOnly: alone,
      searchDuringUpserts: {
        ...during,
        upsertBatches: writer.batches,
        upsertedDocuments: acknowledged.length,
        upsertBatchP50Ms: round(writeLatencies[Math.floor(writeLatencies.length * 0.5)] ?? 0),
        upsertsRefused429: writer.refused,
        upsertsFailed: writer.failed,
        acknowledgedMissing: missing,
      },
    };
    return report;
  } finally {
    child.kill('SIGTERM');
    await new Promise((resolve) => child.once('exit', resolve));
    rmSync(work, { recursive: true, force: true });
  }
}

function summarize(result: AutocannonResult) {
  return {
    requests: result.requests.total,
    rps: round(result.requests.average),
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    maxMs: result.latency.max,
    errors: result.errors + result.timeouts,
    non2xx: result.non2xx,
  };
}

/** Query texts from a BEIR queries.jsonl (`text` field); falls back to a few fixed questions. */
function loadQueries(file: string): string[] {
  try {
    const lines = readFileSync(file, 'utf8').split('\n').filter((l) => l.trim());
    const texts = lines.map((l) => (JSON.parse(l) as { text: string }).text).filter(Boolean);
    if (texts.length > 0) return texts;
  } catch {
    // fall through
  }
  return ['what makes bread rise', 'how do glaciers move', 'vaccines and the immune response', 'protein folding in cells'];
}

function round(x: number): number {
  return Math.round(x * 100) / 100;
}

function log(message: string): void {
  process.stderr.write(`${message}\n`);
}
