import { rmSync } from 'node:fs';
import path from 'node:path';
import { Writable } from 'node:stream';
import { pino, type Logger } from 'pino';
import { afterAll, afterEach, beforeAll, expect } from 'vitest';
import { createServer, type LateIndexServer, type ServerOptions } from '../../src/api/index.js';
import { buildIndex, tempRoot } from './fixtures.js';

export { ROOT, SAMPLE, buildIndex, sampleRecords, tempRoot } from './fixtures.js';

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

/**
 * Writes three batches of `size` marked documents while four clients search for the markers, and checks that no
 * search ever saw part of a batch (each finds 0 or all `size`), that some search ran before a batch was visible
 * (so the check was not vacuous), and that the last batch is complete afterwards. Writes go all at once or one
 * after another.
 */
export async function expectBatchesAppearWhole(url: string, name: string, size: number, writes: 'concurrent' | 'sequential'): Promise<void> {
  const searchRoute = `/v1/indexes/${name}/search`;
  const batches = [0, 1, 2].map((b) =>
    Array.from({ length: size }, (_, i) => ({ _id: `m${b}-${i}`, text: `zorblaxquint${b} marker document ${i} about tides` })),
  );
  const counts: number[][] = [[], [], []];
  let writing = true;
  const searcher = async (): Promise<void> => {
    while (writing) {
      const reply = await call(url, 'POST', searchRoute, { queries: ['zorblaxquint0', 'zorblaxquint1', 'zorblaxquint2'], top_k: 200, exhaustive: true });
      expect(reply.status).toBe(200);
      reply.body.results.forEach((result: { hits: { id: string }[] }, b: number) => {
        counts[b]!.push(result.hits.filter((h) => h.id.startsWith(`m${b}-`)).length);
      });
    }
  };
  const readers = [searcher(), searcher(), searcher(), searcher()];
  const write = (documents: unknown[]) => call(url, 'POST', `/v1/indexes/${name}/documents`, { documents });
  const replies: Reply[] = [];
  if (writes === 'concurrent') replies.push(...(await Promise.all(batches.map(write))));
  else for (const documents of batches) replies.push(await write(documents));
  writing = false;
  await Promise.all(readers);
  expect(replies.map((x) => x.status)).toEqual([200, 200, 200]);
  for (const seen of counts) {
    expect(seen.length).toBeGreaterThan(0);
    expect(seen.every((c) => c === 0 || c === size), JSON.stringify(seen)).toBe(true);
  }
  expect(counts.flat().some((c) => c === 0)).toBe(true);
  const after = await call(url, 'POST', searchRoute, { query: 'zorblaxquint2', top_k: 100, exhaustive: true });
  expect(after.body.results[0].hits.filter((h: { id: string }) => h.id.startsWith('m2-'))).toHaveLength(size);
}
