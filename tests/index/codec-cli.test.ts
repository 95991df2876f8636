import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { indexCommand } from '../../src/cli/commands/index.js';
import { LateIndex, RETRAIN_ERROR_RATIO } from '../../src/index/index.js';
import { UsageError } from '../../src/shared/index.js';
import { cli, SAMPLE } from '../cli/helpers.js';

const roots: string[] = [];
afterEach(() => {
  while (roots.length) rmSync(roots.pop()!, { recursive: true, force: true });
});

/** Runs `index` in-process with stdout captured (its JSON summary). */
async function runIndex(index: string, quantize: string): Promise<Record<string, unknown>> {
  let stdout = '';
  const out = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stdout += String(chunk);
    return true;
  });
  const err = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
  try {
    await indexCommand({ corpus: path.join(SAMPLE, 'corpus.jsonl'), index, batchSize: 8, reduce: 'ward:2', quantize, sparse: 'none', json: true, quiet: true });
  } finally {
    out.mockRestore();
    err.mockRestore();
  }
  return JSON.parse(stdout) as Record<string, unknown>;
}

describe('codecs through the index, add and stats commands', () => {
  it('index --quantize residual:2 trains on the held-back sample, records the codec, and add/stats report drift', async () => {
    const root = mkdtempSync(path.join(os.tmpdir(), 'lateindex-codec-cli-'));
    roots.push(root);
    const dir = path.join(root, 'idx');
    const summary = await runIndex(dir, 'RESIDUAL:2');
    expect(summary.quantization).toBe('residual:2');
    const training = summary.codecTraining as { sampleVectors: number; trainVectors: number; heldOutVectors: number; centroids: number };
    // The sample corpus is smaller than the sample size: every stored (pooled) vector was in the sample.
    expect(training.sampleVectors).toBe(summary.vectors);
    expect(training.trainVectors + training.heldOutVectors).toBe(training.sampleVectors);

    const opened = await LateIndex.open(dir, { readOnly: true });
    expect(opened.manifest.quantization).toBe('residual:2');
    expect(opened.manifest.reduction).toBe('ward:2');
    expect(opened.counts().vectorBytes).toBe((summary.vectors as number) * (1 + Math.ceil((opened.dim * 2) / 8)));
    await opened.close();

    const stats = JSON.parse((await cli('stats', '--index', dir, '--json')).stdout) as {
      codecStateBytes: number;
      codecDrift: { training: typeof training; added: { vectors: number } };
    };
    expect(stats.codecDrift.training).toEqual(summary.codecTraining);
    expect(stats.codecDrift.added.vectors).toBe(summary.vectors);
    expect(stats.codecStateBytes).toBeGreaterThan(training.centroids * opened.dim * 4);

    const extra = path.join(root, 'extra.jsonl');
    writeFileSync(
      extra,
      [
        { _id: 'n1', text: 'Glaciers slide over bedrock on a film of meltwater under high pressure.' },
        { _id: 'n2', text: 'Sourdough bread rises because yeast and bacteria release carbon dioxide.' },
      ]
        .map((r) => JSON.stringify(r))
        .join('\n'),
    );
    const added = await cli('add', '--index', dir, '--corpus', extra, '--json');
    expect(added.code).toBe(0);
    const report = JSON.parse(added.stdout) as {
      inserted: number;
      vectors: number;
      codecDrift: { added: { vectors: number; meanCosine: number }; errorRatio: number; retrainAdvised: boolean };
    };
    expect(report.inserted).toBe(2);
    expect(report.codecDrift.added.vectors).toBe(report.vectors - (summary.vectors as number));
    expect(report.codecDrift.added.meanCosine).toBeGreaterThan(0);
    expect(report.codecDrift.retrainAdvised).toBe(report.codecDrift.added.vectors >= 256 && report.codecDrift.errorRatio > RETRAIN_ERROR_RATIO);
    const human = await cli('stats', '--index', dir);
    expect(human.stdout).toMatch(/codebook\s+\d+ centroids/);
    expect(human.stdout).toMatch(/residual:2: the \d+ vectors stored reconstruct with cosine 0\.\d{4}/);
  });

  it('the command line accepts every codec name and refuses others with the list', async () => {
    const root = mkdtempSync(path.join(os.tmpdir(), 'lateindex-codec-cli-'));
    roots.push(root);
    const dir = path.join(root, 'bin');
    const built = await cli('index', '--corpus', SAMPLE, '--index', dir, '--quantize', 'binary', '--quiet');
    expect(built.code).toBe(0);
    const index = await LateIndex.open(dir, { readOnly: true });
    try {
      expect(index.manifest.quantization).toBe('binary');
      // 100 dims in sign bits: 13 bytes per stored vector.
      expect(index.counts().vectorBytes).toBe(index.counts().vectors * 13);
    } finally {
      await index.close();
    }
    const refused = await cli('index', '--corpus', SAMPLE, '--index', path.join(root, 'never'), '--quantize', 'residual:3');
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/float32, float16, int8, binary, residual:1, residual:2, residual:4/);
  });

  it('an unknown codec is a usage error naming the valid ones', async () => {
    await expect(runIndex(path.join(os.tmpdir(), 'never-created'), 'residual:3')).rejects.toThrow(UsageError);
    await expect(runIndex(path.join(os.tmpdir(), 'never-created'), 'pq')).rejects.toThrow(/valid: float32, float16, int8, binary, residual:1, residual:2, residual:4/);
  });
});
