import { existsSync, promises as fs } from 'node:fs';
import path from 'node:path';
import { writeFileAtomic, type HnswParams } from '../../index/index.js';
import { UsageError } from '../../shared/index.js';
import { readTrecRun } from '../trec-run.js';
import type { Run } from '../types.js';
import type { SweepConfig } from './sweep-config.js';
import type { SweepMeasurement } from './sweep-report.js';

/** Marks a folder as a sweep's output: what `--resume` continues. */
export const SWEEP_FILE = 'sweep.json';
/** The baseline's exhaustive exact-MaxSim top 10, every configuration's index-recall reference. */
export const REFERENCE_RUN = 'reference.exact-maxsim.trec';
export const BM25_FILE = 'bm25.json';
export const BM25_RUN = 'run.bm25.trec';
const RESULT_FILE = 'result.json';

/** What a finished configuration's result must match to be reused by `--resume`. */
export interface ResultFingerprint {
  readonly datasetDir: string;
  readonly split: string;
  readonly encoderHash: string;
  readonly candidatesPerToken: number | 'default';
  readonly queries: number;
  readonly hnsw: Partial<HnswParams>;
  /** The sweep's --[no-]exact-match-recovery, or each index's default (absent in results from before the option). */
  readonly exactMatchRecovery?: boolean | 'default';
}

/** What a sweep resumed in `out` already has. */
export interface ResumeState {
  /** Measurements of finished configurations, by slug. */
  readonly finished: Map<string, SweepMeasurement>;
  readonly bm25: Record<string, number> | undefined;
  readonly reference: Run | undefined;
}

/** Refuses an `out` that holds something else, or a sweep when not resuming; creates it. */
export async function prepareOutDir(out: string, resume: boolean): Promise<void> {
  let entries: string[] = [];
  try {
    entries = await fs.readdir(out);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOTDIR') throw new UsageError(`--out ${out} is a file, not a directory`, 'invalid_sweep');
    if (code !== 'ENOENT') throw err;
  }
  if (entries.length > 0) {
    if (!entries.includes(SWEEP_FILE)) {
      throw new UsageError(`--out ${out} is not empty and holds no sweep; choose a new or empty directory`, 'out_not_empty');
    }
    if (!resume) {
      throw new UsageError(`--out ${out} already holds a sweep: pass --resume to continue it, or choose a new directory`, 'out_not_empty');
    }
  }
  await fs.mkdir(out, { recursive: true });
}

/**
 * The results in `out` a resumed sweep may reuse: configurations whose stored result matches `fingerprint`, and,
 * once the baseline is among them, its BM25 metrics and reference run. Nothing when not resuming.
 */
export async function readResumeState(out: string, configs: readonly SweepConfig[], fingerprint: ResultFingerprint, resume: boolean): Promise<ResumeState> {
  const finished = new Map<string, SweepMeasurement>();
  if (!resume) return { finished, bm25: undefined, reference: undefined };
  for (const config of configs) {
    const stored = await readStoredResult(out, config, fingerprint);
    if (stored) finished.set(config.slug, stored);
  }
  const baselineDone = finished.has(configs[0]!.slug);
  const referenceFile = path.join(out, REFERENCE_RUN);
  return {
    finished,
    bm25: baselineDone ? await readBm25(path.join(out, BM25_FILE)) : undefined,
    reference: baselineDone && existsSync(referenceFile) ? await readTrecRun(referenceFile) : undefined,
  };
}

/** Records a configuration's measurement for later `--resume`s. */
export async function writeStoredResult(out: string, slug: string, fingerprint: ResultFingerprint, measurement: SweepMeasurement): Promise<void> {
  await writeJson(path.join(out, 'configs', slug, RESULT_FILE), { fingerprint, measurement } satisfies StoredResult);
}

/** Writes `value` as indented JSON via a temp file and rename, creating the folder. */
export async function writeJson(file: string, value: unknown): Promise<void> {
  await fs.mkdir(path.dirname(file), { recursive: true });
  writeFileAtomic(file, `${JSON.stringify(value, null, 2)}\n`);
}

interface StoredResult {
  readonly fingerprint: ResultFingerprint;
  readonly measurement: SweepMeasurement;
}

async function readStoredResult(out: string, config: SweepConfig, expected: ResultFingerprint): Promise<SweepMeasurement | undefined> {
  const file = path.join(out, 'configs', config.slug, RESULT_FILE);
  if (!existsSync(file) || !existsSync(path.join(out, `run.${config.slug}.trec`))) return undefined;
  try {
    const stored = JSON.parse(await fs.readFile(file, 'utf8')) as StoredResult;
    if (JSON.stringify(stored.fingerprint) !== JSON.stringify(expected)) return undefined;
    if (stored.measurement?.config?.name !== config.name) return undefined;
    return stored.measurement;
  } catch {
    return undefined;
  }
}

async function readBm25(file: string): Promise<Record<string, number> | undefined> {
  if (!existsSync(file)) return undefined;
  try {
    return (JSON.parse(await fs.readFile(file, 'utf8')) as { metrics: Record<string, number> }).metrics;
  } catch {
    return undefined;
  }
}
