/**
 * Measurement helpers shared by the contextual-scale benchmarks: agreement with the exhaustive reference,
 * planted-target recall, latency percentiles, CPU time, peak RSS of a child process and disk size.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { percentileNearestRank } from '../../src/eval/index.js';
import { indexDiskBytes } from '../../src/index/index.js';

export { percentileNearestRank };

function checkSameLength(what: string, a: readonly unknown[], b: readonly unknown[]): void {
  if (a.length !== b.length) throw new RangeError(`${what}: ${a.length} result lists for ${b.length} queries`);
}

/**
 * Mean over queries of |ours[q][:k] ∩ reference[q][:k]| / k: the share of the exhaustive top k that a system
 * returns in its own top k, order ignored. A reference shorter than k (a tiny corpus) divides by its length.
 */
export function topKAgreement(ours: readonly (readonly string[])[], reference: readonly (readonly string[])[], k = 10): number {
  checkSameLength('top-k agreement', ours, reference);
  if (reference.length === 0) return Number.NaN;
  let total = 0;
  for (let q = 0; q < reference.length; q++) {
    const wanted = new Set(reference[q]!.slice(0, k));
    let found = 0;
    for (const id of new Set(ours[q]!.slice(0, k))) if (wanted.has(id)) found++;
    total += wanted.size === 0 ? 1 : found / wanted.size;
  }
  return total / reference.length;
}

/** Share of queries whose planted target is among the first k results. */
export function plantedRecall(results: readonly (readonly string[])[], targets: readonly string[], k = 10): number {
  checkSameLength('planted recall', results, targets);
  if (targets.length === 0) return Number.NaN;
  let hits = 0;
  for (let q = 0; q < targets.length; q++) if (results[q]!.slice(0, k).includes(targets[q]!)) hits++;
  return hits / targets.length;
}

export interface LatencyStats {
  readonly count: number;
  readonly p50Ms: number;
  readonly p95Ms: number;
  readonly meanMs: number;
}

/** Nearest-rank p50 / p95 and the mean of per-query latencies. */
export function latencyStats(latenciesMs: readonly number[]): LatencyStats {
  const mean = latenciesMs.reduce((a, b) => a + b, 0) / latenciesMs.length;
  return {
    count: latenciesMs.length,
    p50Ms: percentileNearestRank(latenciesMs, 50),
    p95Ms: percentileNearestRank(latenciesMs, 95),
    meanMs: latenciesMs.length === 0 ? Number.NaN : mean,
  };
}

/** User + system CPU seconds of this process (all its threads, native ones included) since `since`. */
export function cpuSecondsSince(since: NodeJS.CpuUsage): number {
  const used = process.cpuUsage(since);
  return (used.user + used.system) / 1e6;
}

/** Wall and CPU seconds of `work` in this process. */
export async function timed<T>(work: () => Promise<T> | T): Promise<{ result: T; seconds: number; cpuSeconds: number }> {
  const started = performance.now();
  const cpu = process.cpuUsage();
  const result = await work();
  return { result, seconds: (performance.now() - started) / 1000, cpuSeconds: cpuSecondsSince(cpu) };
}

/** Allocated bytes of the files under `dir` (as `du` counts: sparse regions are free). */
export function directoryBytes(dir: string): Promise<number> {
  return indexDiskBytes(dir);
}

export interface MeasuredRun {
  readonly exitCode: number;
  readonly wallSeconds: number;
  /** User + system CPU seconds of the child (and the descendants it waited for). */
  readonly cpuSeconds: number;
  /** Peak resident set size of the child, bytes. */
  readonly peakRssBytes: number;
  readonly stdout: string;
  readonly stderr: string;
  /** How the peak was taken: `/usr/bin/time` (kernel rusage, exact) or polling /proc VmHWM (may miss the last ms). */
  readonly method: 'time' | 'proc';
}

const GNU_TIME = '/usr/bin/time';

/** Parses the `%e %U %S %M` line `/usr/bin/time -f` wrote (seconds, seconds, seconds, KiB). */
export function parseTimeOutput(text: string): { wallSeconds: number; cpuSeconds: number; peakRssBytes: number } {
  const line = text.trim().split('\n').at(-1) ?? '';
  const fields = line.trim().split(/\s+/).map(Number);
  if (fields.length !== 4 || fields.some((f) => !Number.isFinite(f))) throw new Error(`cannot parse /usr/bin/time output ${JSON.stringify(text)}`);
  const [wall, user, system, kib] = fields as [number, number, number, number];
  return { wallSeconds: wall, cpuSeconds: user + system, peakRssBytes: kib * 1024 };
}

/** Reads VmHWM (peak RSS) of a live process from /proc, in bytes; undefined once it has gone. */
export function procPeakRss(pid: number): number | undefined {
  try {
    const match = /^VmHWM:\s+(\d+)\s+kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Runs `command args` as a child and reports its exit code, wall and CPU time and peak RSS: through
 * `/usr/bin/time` when present, else by polling /proc/<pid>/status every `pollMs` and timing the child here.
 */
export function runMeasured(
  command: string,
  args: readonly string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv; pollMs?: number; useTime?: boolean } = {},
): Promise<MeasuredRun> {
  const useTime = (options.useTime ?? true) && existsSync(GNU_TIME);
  const scratch = mkdtempSync(path.join(tmpdir(), 'measured-'));
  const timeFile = path.join(scratch, 'time.txt');
  const argv = useTime ? ['-o', timeFile, '-f', '%e %U %S %M', command, ...args] : [...args];
  const started = performance.now();
  const child = spawn(useTime ? GNU_TIME : command, argv, { cwd: options.cwd, env: options.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (s: string) => (stdout += s));
  child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
  let peak = 0;
  const sampler = useTime
    ? undefined
    : setInterval(() => {
        if (child.pid !== undefined) peak = Math.max(peak, procPeakRss(child.pid) ?? 0);
      }, options.pollMs ?? 50);
  return new Promise((resolve, reject) => {
    child.on('error', (error) => {
      if (sampler) clearInterval(sampler);
      rmSync(scratch, { recursive: true, force: true });
      reject(error);
    });
    child.on('close', (code) => {
      const wallSeconds = (performance.now() - started) / 1000;
      if (sampler) clearInterval(sampler);
      try {
        if (useTime) {
          const measured = parseTimeOutput(readFileSync(timeFile, 'utf8'));
          resolve({ exitCode: code ?? 1, ...measured, stdout, stderr, method: 'time' });
        } else {
          // Without rusage the child's CPU time is unknown here; report NaN rather than a guess.
          resolve({ exitCode: code ?? 1, wallSeconds, cpuSeconds: Number.NaN, peakRssBytes: peak, stdout, stderr, method: 'proc' });
        }
      } catch (error) {
        reject(error);
      } finally {
        rmSync(scratch, { recursive: true, force: true });
      }
    });
  });
}

export interface GapSummary {
  /** Gaps score[r] - score[r + 1] for ranks r = 1..depth over all queries. */
  readonly gaps: number;
  readonly exactTies: number;
  readonly minGap: number;
  readonly p10Gap: number;
  readonly medianGap: number;
  /** Median of the gap at the top-k boundary (rank depth vs depth + 1), where ties would flip agreement. */
  readonly medianBoundaryGap: number;
  readonly medianTopScore: number;
}

/** Distribution of consecutive score gaps in each query's ranked scores (best first) down to rank depth + 1. */
export function scoreGapSummary(scores: readonly (readonly number[])[], depth = 10): GapSummary {
  const gaps: number[] = [];
  const boundary: number[] = [];
  for (const list of scores) {
    for (let r = 0; r < depth && r + 1 < list.length; r++) {
      const gap = list[r]! - list[r + 1]!;
      if (gap < 0) throw new RangeError('score gap summary: scores must be sorted best first');
      gaps.push(gap);
      if (r === depth - 1) boundary.push(gap);
    }
  }
  return {
    gaps: gaps.length,
    exactTies: gaps.filter((g) => g === 0).length,
    minGap: gaps.reduce((a, b) => Math.min(a, b), Number.POSITIVE_INFINITY),
    p10Gap: percentileNearestRank(gaps, 10),
    medianGap: percentileNearestRank(gaps, 50),
    medianBoundaryGap: percentileNearestRank(boundary, 50),
    medianTopScore: percentileNearestRank(scores.map((s) => s[0] ?? Number.NaN), 50),
  };
}

/** One line of the side-by-side table: a system at one setting on one bundle. */
export interface ScaleRow {
  readonly system: string;
  readonly setting: string;
  readonly documents: number;
  readonly tokens: number;
  /** Ingest plus index build, wall and CPU seconds. */
  readonly buildSeconds: number;
  readonly buildCpuSeconds: number;
  readonly diskBytes: number;
  readonly peakRssBytes?: number;
  readonly p50Ms: number;
  readonly p95Ms: number;
  readonly agreementAt10: number;
  readonly plantedRecallAt10: number;
}

const fixed = (value: number | undefined, digits: number): string => (value === undefined || !Number.isFinite(value) ? '-' : value.toFixed(digits));

/** A Markdown table of rows: build rate, bytes per token vector, latency and quality side by side. */
export function formatScaleTable(rows: readonly ScaleRow[]): string {
  const header = '| system | setting | docs | build s (CPU s) | docs/s | disk B/token | peak RSS MB | p50 ms | p95 ms | top-10 agreement | planted R@10 |';
  const lines = rows.map((r) =>
    [
      r.system,
      r.setting,
      r.documents,
      `${fixed(r.buildSeconds, 1)} (${fixed(r.buildCpuSeconds, 1)})`,
      fixed(r.documents / r.buildSeconds, 0),
      fixed(r.diskBytes / r.tokens, 1),
      fixed(r.peakRssBytes === undefined ? undefined : r.peakRssBytes / 2 ** 20, 0),
      fixed(r.p50Ms, 1),
      fixed(r.p95Ms, 1),
      fixed(r.agreementAt10, 3),
      fixed(r.plantedRecallAt10, 3),
    ].join(' | '),
  );
  return [header, '|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|', ...lines.map((l) => `| ${l} |`)].join('\n');
}

/** The fastest (lowest p50) row reaching `minAgreement` top-10 agreement: a system "at matched recall". */
export function fastestAtAgreement<T extends { readonly p50Ms: number; readonly agreementAt10: number }>(rows: readonly T[], minAgreement: number): T | undefined {
  return rows.filter((r) => r.agreementAt10 >= minAgreement).sort((a, b) => a.p50Ms - b.p50Ms)[0];
}
