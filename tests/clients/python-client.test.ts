import { spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PrecomputedEncoder } from '../../src/encode/index.js';
import { LateIndex } from '../../src/index/index.js';
import { ROOT, buildIndex, start, tempRoot, type Running } from '../api/helpers.js';

const KEY = 'py-key';
let root: string;
let running: Running;

beforeAll(async () => {
  root = tempRoot();
  await buildIndex(path.join(root, 'sample'));
  const vectors = await LateIndex.create(path.join(root, 'vectors'), { encoder: new PrecomputedEncoder(4).identity, sparse: { mode: 'none' } });
  await vectors.close();
  running = await start({ indexDirs: [path.join(root, 'sample'), path.join(root, 'vectors')], apiKey: KEY, searchThreads: 0 });
});

afterAll(async () => {
  await running?.server.close();
  rmSync(root, { recursive: true, force: true });
});

/** Runs a program to completion, collecting its output. */
function run(command: string, args: string[], env: Record<string, string>): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, output }));
  });
}

describe('the Python client', () => {
  it("passes its unittest suite (python3, standard library and numpy) against a real server", async () => {
    const { code, output } = await run('python3', ['-m', 'unittest', 'discover', '-s', 'clients/python/tests', '-v'], {
      LATEINDEX_URL: running.url,
      LATEINDEX_API_KEY: KEY,
      PYTHONDONTWRITEBYTECODE: '1',
    });
    expect(code, output).toBe(0);
    // Every test ran and passed (none skipped): unittest prints one "... ok" line per test.
    expect(output).toMatch(/^Ran 9 tests/m);
    expect(output.match(/ \.\.\. ok$/gm)?.length, output).toBe(9);
    expect(output).toMatch(/^OK$/m);
  });
});
