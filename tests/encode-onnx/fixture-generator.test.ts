import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OnnxColbertEncoder } from '../../src/encode/onnx/index.js';
import { runOk } from '../child-process.js';
import { cosine, FIXTURE_DIR, referenceModel, vocabId } from './tiny-colbert-reference.js';

const SCRIPT = join(import.meta.dirname, '..', '..', 'scripts', 'make-tiny-colbert.ts');

async function generate(args: readonly string[]): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'tiny-colbert-gen-'));
  await runOk(process.execPath, ['--import', 'tsx', SCRIPT, dir, ...args]);
  return dir;
}

describe('scripts/make-tiny-colbert.ts', () => {
  const dirs: string[] = [];
  afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

  it('regenerates the committed fixture byte for byte', async () => {
    const dir = await generate([]);
    dirs.push(dir);
    const committed = readdirSync(FIXTURE_DIR).filter((f) => f !== 'README.md').sort();
    expect(readdirSync(dir).sort()).toEqual(committed);
    for (const file of committed) {
      expect(readFileSync(join(dir, file)).equals(readFileSync(join(FIXTURE_DIR, file))), file).toBe(true);
    }
  });

  describe('--no-token-type-ids (ModernBERT-shaped graph)', () => {
    let encoder: OnnxColbertEncoder;
    beforeAll(async () => {
      const dir = await generate(['--no-token-type-ids']);
      dirs.push(dir);
      encoder = await OnnxColbertEncoder.load(dir);
    });
    afterAll(() => encoder.close());

    it('encodes without feeding token_type_ids, matching the reference without type embeddings', async () => {
      expect(encoder.config.usesTokenTypeIds).toBe(false);
      const [doc] = await encoder.encodeDocuments(['heat flow on the wing']);
      const tokens = ['[CLS]', '[D] ', 'heat', 'flow', 'on', 'the', 'wing', '[SEP]'];
      const ids = encoder.tokenize('heat flow on the wing', 'document').ids;
      expect(ids).toEqual(tokens.map(vocabId));
      const rows = referenceModel(false).forward(ids, ids.map(() => 1), null);
      const keep = ids.map((id, j) => [id, j] as const).filter(([id]) => id !== vocabId('the'));
      expect(doc!.count).toBe(keep.length);
      keep.forEach(([, j], r) => {
        expect(cosine(doc!.data.subarray(r * 16, (r + 1) * 16), rows[j]!)).toBeGreaterThanOrEqual(0.9999);
      });
    });
  });
});
