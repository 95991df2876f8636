import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { pino, type Logger } from 'pino';
import { afterAll, afterEach, beforeAll } from 'vitest';
import { createServer, type LateIndexServer, type ServerOptions } from '../../src/api/index.js';
import { StaticEncoder } from '../../src/encode/index.js';
import { IndexBuilder, LateIndex, readCorpus, type SparseIndexMode } from '../../src/index/index.js';
import { parseReductionSpec } from '../../src/pool/index.js';
import type { DocumentRecord } from '../../src/shared/index.js';

export const ROOT = path.resolve(__dirname, '../..');
export const SAMPLE = path.join(ROOT, 'data/sample');

export function tempRoot(): string {
  return mkdtempSync(path.join(os.tmpdir(), 'lateindex-api-'));
}

export async function sampleRecords(): Promise<DocumentRecord[]> {
  const records: DocumentRecord[] = [];
  for await (const record of readCorpus(SAMPLE)) records.push(record);
  return records;
}

/** Builds an index of the sample corpus (or `records`) with the embedded static encoder. */
export async function buildIndex(
  dir: string,
  options: { sparse?: SparseIndexMode; records?: readonly DocumentRecord[] } = {},
): Promise<void> {
  const encoder = await StaticEncoder.load();
  const index = await LateIndex.create(dir, { encoder: encoder.identity, sparse: { mode: options.sparse ?? 'bm25' } });
  try {
    await new IndexBuilder(index, encoder, parseReductionSpec('none')).addBatch(options.records ?? (await sampleRecords()));
  } finally {
    await index.close();
    await encoder.close();
  }
}

/** A pino logger that keeps its records in memory (one parsed object per line). */
export function memoryLogger(): { logger: Logger; records: Record<string, unknown>[] } {
  const records: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString('utf8').split('\n')) if (line.trim()) records.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  return { logger: pino({ level: 'info' }, sink), records };
}

export interface Running {
  readonly server: LateIndexServer;
  readonly url: string;
}

/** Starts a server on an ephemeral loopback port; waits for the indexes unless `waitReady` is false. */
export async function start(options: Partial<ServerOptions> & Pick<ServerOptions, 'indexDirs'>, waitReady = true): Promise<Running> {
  const server = createServer({ host: '127.0.0.1', port: 0, logger: options.logger ?? pino({ level: 'silent' }), ...options });
  const { url } = await server.listen();
  if (waitReady) await server.ready();
  return { server, url };
}

export interface Reply {
  readonly status: number;
  readonly headers: Headers;
  readonly body: any;
  readonly text: string;
}

/** One HTTP request over loopback; JSON bodies are sent and parsed. */
export async function call(
  url: string,
  method: string,
  route: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<Reply> {
  const init: RequestInit = { method, headers: { ...headers } };
  if (body !== undefined) {
    init.body = typeof body === 'string' ? body : JSON.stringify(body);
    (init.headers as Record<string, string>)['content-type'] ??= 'application/json';
  }
  const res = await fetch(url + route, init);
  const text = await res.text();
  let parsed: unknown;
  try {
    parsed = text === '' ? undefined : JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  return { status: res.status, headers: res.headers, body: parsed, text };
}

/**
 * Per-file fixture for tests that start many servers: a temp root removed after the file, `freshIndex()` builds a
 * new sample index under it, and `serve()` starts a server that is closed after the test.
 */
export function serverFixture(): { root: () => string; freshIndex: () => Promise<string>; serve: typeof start } {
  let root = '';
  let counter = 0;
  const running: Running[] = [];
  beforeAll(() => {
    root = tempRoot();
  });
  afterEach(async () => {
    for (const r of running.splice(0)) await r.server.close();
  });
  afterAll(() => {
    rmSync(root, { recursive: true, force: true });
  });
  return {
    root: () => root,
    freshIndex: async () => {
      const dir = path.join(root, `idx${counter++}`);
      await buildIndex(dir);
      return dir;
    },
    serve: async (...args) => {
      const r = await start(...args);
      running.push(r);
      return r;
    },
  };
}
