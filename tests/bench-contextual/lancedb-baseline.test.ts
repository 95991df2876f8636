import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Bundle } from '../../bench/contextual/bundle.js';
import { runExhaustive } from '../../bench/contextual/exhaustive.js';
import { defaultPartitions, lanceDbRows, parseSettings, runLanceDb } from '../../bench/contextual/lancedb-baseline.js';
import { writeBundle } from '../../bench/contextual/write-bundle.js';

const root = mkdtempSync(path.join(tmpdir(), 'ctx-lancedb-test-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('LanceDB baseline', () => {
  it('parses query settings and sizes partitions by token vectors', () => {
    expect(parseSettings('8,32:4,exact')).toEqual([{ nprobes: 8 }, { nprobes: 32, refineFactor: 4 }, { exact: true }]);
    expect(() => parseSettings('8,x')).toThrow(/bad query setting "x"/);
    expect(() => parseSettings('0')).toThrow(/bad query setting "0"/);
    expect(defaultPartitions(1_000_000)).toBe(122);
    expect(defaultPartitions(100)).toBe(1);
    expect(defaultPartitions(1e9)).toBe(4096);
  });

  it('its exact multivector search returns the exhaustive top 10 (cosine MaxSim over the same float32 vectors)', async () => {
    const bundleDir = path.join(root, 'bundle');
    await writeBundle({ documents: 80, out: bundleDir, params: { concepts: 1024, themes: 16, seed: 3 }, queries: 5, workers: 0 });
    const reference = await runExhaustive(bundleDir, { workers: 0, k: 100 });
    writeFileSync(Bundle.open(bundleDir).file('exhaustive'), JSON.stringify(reference));
    const result = await runLanceDb(bundleDir, { tableDir: path.join(root, 'table'), index: 'none', warmup: 1, log: () => {} });
    expect(result.documents).toBe(80);
    expect(result.index).toBeNull();
    expect(result.settings).toHaveLength(1);
    const [exact] = result.settings;
    expect(exact!.label).toBe('exact (flat)');
    expect(exact!.queries).toBe(5);
    expect(exact!.agreement).toBe(1);
    expect(exact!.plantedRecall).toBe(exact!.exhaustivePlantedRecall);
    expect(result.diskBytes.table).toBeGreaterThan(result.tokens * 128 * 4);
    const [row] = lanceDbRows(result);
    expect(row).toMatchObject({ system: 'LanceDB 0.31.0', setting: 'exact (flat)', documents: 80, agreementAt10: 1 });
  }, 120_000);
});
