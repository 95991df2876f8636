import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { InputError } from '../../shared/index.js';
import { RETENTION_MEASURE } from './retention.js';
import type { SweepReport } from './sweep-report.js';

export const SWEEP_REPORT_FILE = 'report.json';
/** How deep below the root reports are looked for, and how many folders at most: a served folder may be large. */
const MAX_DEPTH = 4;
const MAX_FOLDERS = 2000;

/** One sweep found under a folder: `id` is its folder relative to that folder ('/'-separated, '.' for the root). */
export interface SweepSummary {
  readonly id: string;
  readonly dataset: string;
  readonly split: string;
  readonly encoder: string;
  readonly createdAt: string;
  readonly configurations: number;
  readonly bm25: number | null;
}

/** A report.json that could not be read as a sweep report, and why. */
export interface SkippedReport {
  readonly id: string;
  readonly reason: string;
}

export interface SweepCatalog {
  readonly sweeps: SweepSummary[];
  readonly skipped: SkippedReport[];
}

/**
 * The sweep reports under `root` (each folder holding a `report.json` written by `lateindex sweep`), sorted by id.
 * A folder holding a report is not searched further (its `configs/` hold per-configuration results); hidden
 * folders and `node_modules` are skipped. Files that are not sweep reports are listed in `skipped`.
 */
export async function findSweepReports(root: string): Promise<SweepCatalog> {
  const sweeps: SweepSummary[] = [];
  const skipped: SkippedReport[] = [];
  let folders = 0;
  const visit = async (dir: string, depth: number): Promise<void> => {
    if (++folders > MAX_FOLDERS) return;
    const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
    const id = path.relative(root, dir).split(path.sep).join('/') || '.';
    if (entries.some((e) => e.isFile() && e.name === SWEEP_REPORT_FILE)) {
      try {
        sweeps.push(summarize(id, await readReportFile(path.join(dir, SWEEP_REPORT_FILE))));
      } catch (err) {
        if (!(err instanceof InputError)) throw err;
        skipped.push({ id, reason: err.message });
      }
      return;
    }
    if (depth >= MAX_DEPTH) return;
    const children = entries.filter((e) => e.isDirectory() && !e.name.startsWith('.') && e.name !== 'node_modules');
    for (const child of children.sort((a, b) => (a.name < b.name ? -1 : 1))) await visit(path.join(dir, child.name), depth + 1);
  };
  await visit(path.resolve(root), 0);
  sweeps.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return { sweeps, skipped };
}

/**
 * The report of sweep `id` under `root`, or undefined when `id` names no sweep listed by `findSweepReports`
 * (ids are looked up, never joined into a path, so a request cannot reach another file).
 */
export async function readSweepReport(root: string, id: string): Promise<SweepReport | undefined> {
  const { sweeps } = await findSweepReports(root);
  if (!sweeps.some((s) => s.id === id)) return undefined;
  return readReportFile(path.join(path.resolve(root), ...id.split('/').filter((part) => part !== '.'), SWEEP_REPORT_FILE));
}

function summarize(id: string, report: SweepReport): SweepSummary {
  return {
    id,
    dataset: report.dataset,
    split: report.split,
    encoder: report.encoder,
    createdAt: report.createdAt,
    configurations: report.rows.length,
    bm25: report.bm25?.[RETENTION_MEASURE] ?? null,
  };
}

/** Parses and checks the fields of a report.json that readers rely on; an InputError names the file and field. */
async function readReportFile(file: string): Promise<SweepReport> {
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(file, 'utf8'));
  } catch (err) {
    throw new InputError(`not valid JSON (${(err as Error).message})`, { file });
  }
  const fail = (field: string, expected: string): never => {
    throw new InputError(`must be ${expected}`, { file }, field, 'invalid_sweep_report');
  };
  const report = isObject(raw) ? raw : fail('(root)', 'an object');
  for (const key of ['dataset', 'split', 'encoder', 'createdAt', 'baseline'] as const) {
    if (typeof report[key] !== 'string') fail(key, 'a string');
  }
  if (report.bm25 !== null && !(isObject(report.bm25) && typeof report.bm25[RETENTION_MEASURE] === 'number')) {
    fail('bm25', `null or an object with a number "${RETENTION_MEASURE}"`);
  }
  if (!Array.isArray(report.rows)) fail('rows', 'an array');
  (report.rows as unknown[]).forEach((row, i) => {
    const at = `rows[${i}]`;
    if (!isObject(row)) return fail(at, 'an object');
    if (!isObject(row.config) || typeof row.config.name !== 'string' || typeof row.config.slug !== 'string') fail(`${at}.config`, 'an object with string name and slug');
    if (!isObject(row.storage) || typeof row.storage.bytesPerDoc !== 'number') fail(`${at}.storage.bytesPerDoc`, 'a number');
    if (!isObject(row.metrics) || typeof row.metrics[RETENTION_MEASURE] !== 'number') fail(`${at}.metrics.${RETENTION_MEASURE}`, 'a number');
    if (!isObject(row.latency) || typeof row.latency.p50Ms !== 'number') fail(`${at}.latency.p50Ms`, 'a number');
    if (!isObject(row.retention)) fail(`${at}.retention`, 'an object');
  });
  return report as unknown as SweepReport;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
