import { spawn, type ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LateIndex } from '../../src/index/index.js';
import { ROOT, buildIndex, call, tempRoot } from './helpers.js';

let root: string;

beforeAll(() => {
  root = tempRoot();
});

afterAll(() => {
  rmSync(root, { recursive: true, force: true });
});

/** Starts `serve` in a child process and resolves with its URL once /readyz says ready. */
async function spawnServer(dir: string): Promise<{ child: ChildProcess; url: string; exited: Promise<number | null> }> {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'tests/api/serve-child.ts'), dir], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  let stdout = '';
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout!.on('data', (chunk: Buffer) => {
      stdout += chunk.toString('utf8');
      const match = /"msg":"listening"/.test(stdout) ? /"url":"([^"]+)"/.exec(stdout) : null;
      if (match) resolve(match[1]!);
    });
    child.stderr!.on('data', (chunk: Buffer) => process.stderr.write(chunk));
    exited.then((code) => reject(new Error(`server exited with ${code} before listening:\n${stdout}`)));
  });
  for (let i = 0; i < 200; i++) {
    if ((await call(url, 'GET', '/readyz')).status === 200) break;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return { child, url, exited };
}

describe('serve as a process', () => {
  it('SIGTERM finishes the in-flight upsert, saves the HNSW graph and exits 0', async () => {
    const dir = path.join(root, 'term');
    await buildIndex(dir);
    const { child, url, exited } = await spawnServer(dir);
    const documents = Array.from({ length: 1000 }, (_, i) => ({ _id: `t${i}`, text: `armadillo shell number ${i} and more words to encode` }));
    const upsert = call(url, 'POST', '/v1/indexes/term/documents', { documents }).then(
      (reply) => reply.status,
      () => 'connection closed before the request was read',
    );
    await new Promise((resolve) => setTimeout(resolve, 150));
    child.kill('SIGTERM');
    const outcome = await upsert;
    expect(await exited).toBe(0);
    const index = await LateIndex.open(dir, { readOnly: true });
    try {
      expect(index.inspect().distinct().graphOrigin).toBe('loaded');
      // A request the server had read is finished (200) or refused as stopping (503); never half-applied.
      expect([200, 503, 'connection closed before the request was read']).toContain(outcome);
      expect(index.counts().documents).toBe(outcome === 200 ? 1030 : 30);
    } finally {
      await index.close();
    }
  });

  it('an acknowledged upsert survives SIGKILL (committed to LMDB before the 200)', async () => {
    const dir = path.join(root, 'kill');
    await buildIndex(dir);
    const { child, url, exited } = await spawnServer(dir);
    const reply = await call(url, 'POST', '/v1/indexes/kill/documents', { documents: [{ _id: 'durable', text: 'okapi stripes forest' }] });
    expect(reply.status).toBe(200);
    child.kill('SIGKILL');
    await exited;
    const index = await LateIndex.open(dir, { readOnly: true });
    try {
      expect(index.getInternalId('durable')).toBeDefined();
      expect(index.counts().documents).toBe(31);
      // hnsw.bin was not saved after the upsert: the graph is caught up from LMDB.
      expect(index.inspect().distinct().graphOrigin).not.toBe('loaded');
    } finally {
      await index.close();
    }
  });
});
