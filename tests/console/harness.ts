import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { pino } from 'pino';
import { BUILT_CONSOLE_DIR, createServer, type LateIndexServer } from '../../src/api/index.js';
import type { DocumentRecord } from '../../src/shared/index.js';
import { ROOT, buildIndex, sampleRecords } from '../api/fixtures.js';

/**
 * What the console's browser tests and `npm run screenshots` share: the console built from the current sources,
 * a server on an ephemeral loopback port over two sample indexes and the repository's sweep reports, and a
 * headless Debian Chromium that reaches nothing but that server.
 */

export const CHROMIUM = '/usr/bin/chromium';
/** Keeps Chromium off the network (this machine has none) and out of any profile but a fresh one. */
export const CHROMIUM_FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
export const SWEEPS_DIR = path.join(ROOT, 'bench/results');
const CONSOLE_SOURCES = [path.join(ROOT, 'console/src'), path.join(ROOT, 'console/index.html'), path.join(ROOT, 'console/vite.config.ts')];

function newestMtime(target: string): number {
  const stat = statSync(target);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return Math.max(stat.mtimeMs, ...readdirSync(target).map((name) => newestMtime(path.join(target, name))));
}

/**
 * Builds the console (as `npm run build:console` does, which `npm ci` runs) when the build is missing or older
 * than its sources, so the tests always drive the current sources.
 */
export async function ensureConsoleBuilt(): Promise<void> {
  const page = path.join(BUILT_CONSOLE_DIR, 'index.html');
  let built = 0;
  try {
    built = statSync(page).mtimeMs;
  } catch {
    built = 0;
  }
  if (built > Math.max(...CONSOLE_SOURCES.map(newestMtime))) return;
  const { build } = await import('vite');
  await build({ configFile: path.join(ROOT, 'console/vite.config.ts'), logLevel: 'warn' });
}

/** The sample corpus with metadata to filter on: its topic (the id's first word) and an even/odd number. */
export async function consoleRecords(): Promise<DocumentRecord[]> {
  return (await sampleRecords()).map((record, i) => ({ ...record, metadata: { topic: record.id.split('-')[0]!, even: i % 2 === 0, n: i } }));
}

export interface ConsoleFixture {
  readonly url: string;
  readonly server: LateIndexServer;
  close(): Promise<void>;
}

/** Indexes `sample` (unreduced, BM25) and `pooled` (ward:2, exact-match recovery), built once per fixture root. */
export async function buildConsoleIndexes(root: string): Promise<string[]> {
  const records = await consoleRecords();
  const dirs = [path.join(root, 'sample'), path.join(root, 'pooled')];
  await buildIndex(dirs[0]!, { records });
  await buildIndex(dirs[1]!, { records, reduce: 'ward:2' });
  return dirs;
}

/** A server of `indexDirs` and the repository's sweeps; searches on one worker thread unless `searchThreads` says otherwise. */
export async function startConsoleServer(indexDirs: readonly string[], options: { apiKey?: string; searchThreads?: number } = {}): Promise<ConsoleFixture> {
  const server = createServer({
    indexDirs,
    sweepsDir: SWEEPS_DIR,
    host: '127.0.0.1',
    port: 0,
    logger: pino({ level: 'silent' }),
    searchThreads: options.searchThreads ?? 1,
    ...(options.apiKey !== undefined && { apiKey: options.apiKey }),
  });
  const { url } = await server.listen();
  await server.ready();
  return { url, server, close: () => server.close() };
}

export interface Browser {
  readonly context: BrowserContext;
  newPage(): Promise<Page>;
  close(): Promise<void>;
}

/** Headless Chromium with a fresh profile in a temporary folder, removed at close. */
export async function launchBrowser(): Promise<Browser> {
  const profile = mkdtempSync(path.join(os.tmpdir(), 'lateindex-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_FLAGS,
    viewport: { width: 1280, height: 900 },
  });
  return {
    context,
    newPage: () => context.newPage(),
    close: async () => {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

export function tempDir(): string {
  return mkdtempSync(path.join(os.tmpdir(), 'lateindex-console-'));
}
