import { closeSync, mkdirSync, mkdtempSync, openSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  directoryBytes,
  fastestAtAgreement,
  formatScaleTable,
  latencyStats,
  parseTimeOutput,
  plantedRecall,
  runMeasured,
  scoreGapSummary,
  topKAgreement,
} from '../../bench/contextual/measure.js';

const dir = mkdtempSync(path.join(tmpdir(), 'measure-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('agreement and recall', () => {
  it('top-k agreement is the mean share of the reference top k found, order ignored (hand-worked)', () => {
    const ours = [
      ['a', 'b', 'c', 'z'],
      ['x', 'y', 'w'],
    ];
    const reference = [
      ['c', 'a', 'd', 'b'],
      ['p', 'q', 'x'],
    ];
    // k = 3: query 1 finds {a, c} of {c, a, d} = 2/3; query 2 finds {x} of {p, q, x} = 1/3; mean 1/2.
    expect(topKAgreement(ours, reference, 3)).toBeCloseTo(0.5, 12);
    // k = 4: query 1 finds {a, b, c} of {c, a, d, b} = 3/4; query 2's reference has 3 entries: 1/3.
    expect(topKAgreement(ours, reference, 4)).toBeCloseTo((3 / 4 + 1 / 3) / 2, 12);
    // A duplicate in our list is counted once.
    expect(topKAgreement([['a', 'a', 'a']], [['a', 'b', 'c']], 3)).toBeCloseTo(1 / 3, 12);
  });

  it('top-10 agreement of ten-element lists counts overlaps over ten', () => {
    const reference = [Array.from({ length: 10 }, (_, i) => `d${i}`)];
    const ours = [['d9', 'd0', 'x1', 'd3', 'x2', 'd5', 'd7', 'x3', 'x4', 'x5', 'd1']];
    // d9, d0, d3, d5, d7 within our first 10; d1 is 11th and does not count.
    expect(topKAgreement(ours, reference)).toBeCloseTo(0.5, 12);
    expect(() => topKAgreement([], reference)).toThrow(/0 result lists for 1 queries/);
  });

  it('planted recall@k is the share of queries with their target in the first k', () => {
    const results = [
      ['t0', 'a', 'b'],
      ['a', 'b', 't1'],
      ['a', 'b', 'c'],
      ['a', 't3'],
    ];
    const targets = ['t0', 't1', 't2', 't3'];
    expect(plantedRecall(results, targets, 1)).toBe(0.25);
    expect(plantedRecall(results, targets, 2)).toBe(0.5);
    expect(plantedRecall(results, targets, 10)).toBe(0.75);
  });
});

describe('latency and gaps', () => {
  it('gives nearest-rank percentiles and the mean', () => {
    expect(latencyStats([5, 1, 4, 2, 3])).toEqual({ count: 5, p50Ms: 3, p95Ms: 5, meanMs: 3 });
    const twenty = Array.from({ length: 20 }, (_, i) => i + 1);
    // Nearest rank: p50 = sorted[ceil(10) - 1] = 10, p95 = sorted[ceil(19) - 1] = 19.
    expect(latencyStats(twenty)).toMatchObject({ p50Ms: 10, p95Ms: 19, meanMs: 10.5 });
  });

  it('summarises consecutive score gaps down to the top-k boundary', () => {
    const summary = scoreGapSummary([
      [10, 9, 9, 8.5],
      [5, 4.75, 4],
    ], 2);
    // Gaps (ranks 1-2, 2-3): query 1 -> 1, 0; query 2 -> 0.25, 0.75. Boundary (rank 2 vs 3): 0 and 0.75.
    expect(summary).toEqual({
      gaps: 4,
      exactTies: 1,
      minGap: 0,
      p10Gap: 0,
      medianGap: 0.25,
      medianBoundaryGap: 0,
      medianTopScore: 5,
    });
    expect(() => scoreGapSummary([[1, 2]], 1)).toThrow(/sorted best first/);
  });
});

describe('side-by-side table', () => {
  const row = {
    system: 'LanceDB',
    setting: 'nprobes 8',
    documents: 1000,
    tokens: 100000,
    buildSeconds: 4,
    buildCpuSeconds: 6.25,
    diskBytes: 5_000_000,
    p50Ms: 12.345,
    p95Ms: 20,
    agreementAt10: 0.9,
    plantedRecallAt10: 0.97,
  };

  it('formats rates, bytes per token and a dash for a missing peak RSS', () => {
    const table = formatScaleTable([row, { ...row, system: 'lateindex', peakRssBytes: 300 * 2 ** 20 }]).split('\n');
    expect(table).toHaveLength(4);
    expect(table[2]).toBe('| LanceDB | nprobes 8 | 1000 | 4.0 (6.3) | 250 | 50.0 | - | 12.3 | 20.0 | 0.900 | 0.970 |');
    expect(table[3]).toContain('| lateindex | nprobes 8 | 1000 | 4.0 (6.3) | 250 | 50.0 | 300 |');
  });

  it('picks the fastest setting at or above an agreement', () => {
    const rows = [
      { ...row, setting: 'a', p50Ms: 5, agreementAt10: 0.8 },
      { ...row, setting: 'b', p50Ms: 9, agreementAt10: 0.95 },
      { ...row, setting: 'c', p50Ms: 7, agreementAt10: 0.96 },
      { ...row, setting: 'd', p50Ms: 30, agreementAt10: 1 },
    ];
    expect(fastestAtAgreement(rows, 0.95)?.setting).toBe('c');
    expect(fastestAtAgreement(rows, 0.99)?.setting).toBe('d');
    expect(fastestAtAgreement(rows, 1.01)).toBeUndefined();
  });
});

describe('child process measurement', () => {
  it('parses /usr/bin/time -f "%e %U %S %M" output', () => {
    expect(parseTimeOutput('some child output\n1.50 0.75 0.25 2048\n')).toEqual({ wallSeconds: 1.5, cpuSeconds: 1, peakRssBytes: 2 * 1024 * 1024 });
    expect(() => parseTimeOutput('Command exited with non-zero status 1')).toThrow(/cannot parse/);
  });

  const allocate = [
    '-e',
    // Touch 300 MB so it is resident, hold it briefly, then exit with code 3.
    'const b = Buffer.alloc(300 * 1024 * 1024, 1); setTimeout(() => { console.log(b[12345]); process.exit(3); }, 400);',
  ];

  for (const useTime of [true, false]) {
    it(`reports the child's peak RSS and exit code (${useTime ? '/usr/bin/time' : '/proc polling'})`, async () => {
      const run = await runMeasured(process.execPath, allocate, { useTime, pollMs: 20 });
      expect(run.exitCode).toBe(3);
      expect(run.stdout.trim()).toBe('1');
      expect(run.peakRssBytes).toBeGreaterThan(300 * 1024 * 1024);
      expect(run.peakRssBytes).toBeLessThan(2 * 1024 * 1024 * 1024);
      expect(run.wallSeconds).toBeGreaterThan(0.4);
      if (run.method === 'time') expect(run.cpuSeconds).toBeGreaterThan(0);
      else expect(run.cpuSeconds).toBeNaN();
    }, 60_000);
  }

  it('counts allocated bytes of a directory, not the apparent size of sparse files', async () => {
    const sub = path.join(dir, 'tree');
    rmSync(sub, { recursive: true, force: true });
    mkdirSync(path.join(sub, 'nested'), { recursive: true });
    writeFileSync(path.join(sub, 'dense.bin'), Buffer.alloc(1 << 20, 7));
    writeFileSync(path.join(sub, 'nested', 'small.bin'), Buffer.alloc(10000, 1));
    const fd = openSync(path.join(sub, 'sparse.bin'), 'w');
    writeSync(fd, Buffer.from([1]), 0, 1, 64 * 1024 * 1024);
    closeSync(fd);
    const bytes = await directoryBytes(sub);
    expect(bytes).toBeGreaterThanOrEqual((1 << 20) + 10000);
    expect(bytes).toBeLessThan((1 << 20) + 10000 + 1024 * 1024);
  });
});
