import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { Command, CommanderError } from 'commander';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { configure } from '../../src/cli/commands/sweep.js';
import type { SweepReport } from '../../src/eval/sweep/index.js';
import { SAMPLE, tempDir } from './helpers.js';

function program(): Command {
  const root = new Command('lateindex').exitOverride().configureOutput({ writeOut: () => undefined, writeErr: () => undefined });
  configure(root.command('sweep'));
  root.commands.forEach((c) => c.exitOverride().configureOutput({ writeOut: () => undefined, writeErr: () => undefined }));
  return root;
}

afterEach(() => {
  vi.restoreAllMocks();
});

/** Runs `lateindex sweep --dataset <sample> ... --json` and parses the report it prints on stdout. */
async function sweepJson(args: string[]): Promise<SweepReport> {
  const stdout: string[] = [];
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
    stdout.push(String(chunk));
    return true;
  });
  vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
  await program().parseAsync(['sweep', '--dataset', SAMPLE, ...args, '--json'], { from: 'user' });
  return JSON.parse(stdout.join('')) as SweepReport;
}

describe('lateindex sweep (command)', () => {
  it('prints report.json on stdout with --json, writes the report files, passes HNSW options, discards indexes when asked', async () => {
    const out = path.join(tempDir('cli'), 'out');
    const report = await sweepJson(
      ['--reduce', 'none;ward:2', '--quantize', 'int8', '--mode', 'late', '--out', out, '--bm25', '0.5', '--discard-indexes', '--ef-construction', '40'],
    );
    expect(report.rows.map((r) => r.config.name)).toEqual(['none / float32', 'none / int8', 'ward:2 / int8']);
    expect(report.bm25).toEqual({ 'nDCG@10': 0.5, source: 'given' });
    expect(report.rows.every((r) => r.config.index === undefined)).toBe(true);
    expect(report.rows.map((r) => r.config.hnsw?.efConstruction)).toEqual([40, 40, 40]);
    expect(readdirSync(out).sort()).toEqual(
      expect.arrayContaining(['report.json', 'report.md', 'ndcg-vs-storage.png', 'latency-vs-storage.svg', 'run.ward-2.int8.trec']),
    );
    expect(existsSync(path.join(out, 'indexes', 'none.float32'))).toBe(false);
  });

  it("measures the encoder's default mode when --mode is not given: hybrid for the embedded encoder, baseline included", async () => {
    const out = path.join(tempDir('cli'), 'out');
    const report = await sweepJson(['--reduce', 'ward:2', '--out', out, '--discard-indexes']);
    expect(report.rows.map((r) => [r.config.name, r.config.mode, r.config.baseline])).toEqual([
      ['none / float32 / hybrid', 'hybrid', true],
      ['ward:2 / float16 / hybrid', 'hybrid', false],
    ]);
    expect(report.rows[0]!.retention.ndcg10Pct).toBe(100);
  });

  it('rejects a --bm25 that is not an nDCG and a missing --out as usage errors', async () => {
    const parse = (args: string[]): Promise<unknown> => program().parseAsync(['sweep', '--dataset', SAMPLE, '--reduce', 'none', ...args], { from: 'user' });
    await expect(parse(['--out', tempDir('x'), '--bm25', '1.5'])).rejects.toMatchObject({ code: 'commander.invalidArgument' });
    await expect(parse([])).rejects.toBeInstanceOf(CommanderError);
  });
});
