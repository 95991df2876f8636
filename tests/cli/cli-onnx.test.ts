import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { OnnxColbertEncoder } from '../../src/encode/index.js';
import { documentText } from '../../src/shared/index.js';
import { ROOT, SAMPLE, cli, tempDir } from './helpers.js';

const TINY = path.join(ROOT, 'tests/fixtures/tiny-colbert');

describe('lateindex CLI with a local ONNX ColBERT model', () => {
  it('indexes with --model, records the encoder, and refuses a different model at query time', async () => {
    const work = tempDir();
    const index = path.join(work, 'idx');
    const built = await cli('index', '--corpus', SAMPLE, '--index', index, '--model', TINY, '--json');
    expect(built.code).toBe(0);

    const encoder = await OnnxColbertEncoder.load(TINY);
    const records = readFileSync(path.join(SAMPLE, 'corpus.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    const encoded = await encoder.encodeDocuments(records.map((r: { title: string; text: string }) => documentText(r)));
    await encoder.close();
    const stats = JSON.parse((await cli('stats', '--index', index, '--json')).stdout);
    expect(stats.encoder).toMatchObject({ kind: 'onnx', dim: encoder.identity.dim, hash: encoder.identity.hash });
    expect(stats.vectors).toBe(encoded.reduce((s, mv) => s + mv.count, 0));

    // The recorded model path is used when --model is omitted.
    const search = await cli('search', '--index', index, '--query', 'glacier ice', '--json', '--k', '3');
    expect(search.code).toBe(0);
    expect(JSON.parse(search.stdout).hits).toHaveLength(3);

    // A model whose files differ (here: another query length) is a different encoder.
    const other = path.join(work, 'other-model');
    cpSync(TINY, other, { recursive: true });
    const configFile = path.join(other, 'onnx_config.json');
    const config = JSON.parse(readFileSync(configFile, 'utf8'));
    writeFileSync(configFile, JSON.stringify({ ...config, query_length: config.query_length + 4 }));
    const mismatch = await cli('search', '--index', index, '--query', 'glacier ice', '--model', other);
    expect(mismatch.code).toBe(1);
    expect(mismatch.stderr).toMatch(/the index was built with encoder onnx:.* but onnx:.* was loaded \[encoder_mismatch\]/);

    const int8 = await cli('search', '--index', index, '--query', 'glacier ice', '--int8');
    expect(int8.code).toBe(1);
    expect(int8.stderr).toMatch(/encoder_mismatch/);
  });

  it('keeps no exact-match lists for a contextual model, and refuses --exact-match-recovery with one', async () => {
    const work = tempDir();
    const pooled = await cli('index', '--corpus', SAMPLE, '--index', path.join(work, 'pooled'), '--model', TINY, '--reduce', 'ward:2', '--quiet');
    expect(pooled.code, pooled.stderr).toBe(0);
    const stats = JSON.parse((await cli('stats', '--index', path.join(work, 'pooled'), '--json')).stdout) as { exactMatchRecovery: boolean };
    expect(stats.exactMatchRecovery).toBe(false);
    const forced = await cli('index', '--corpus', SAMPLE, '--index', path.join(work, 'forced'), '--model', TINY, '--reduce', 'ward:2', '--exact-match-recovery', '--quiet');
    expect(forced.code).toBe(2);
    expect(forced.stderr).toMatch(/exact-match recovery needs a context-free encoder/);
  });
});
