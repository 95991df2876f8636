import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { rmSync, writeFileSync } from 'node:fs';
import { OnnxColbertEncoder, type OnnxColbertLoadOptions } from '../../src/encode/onnx/index.js';
import { EncoderError } from '../../src/shared/errors.js';
import { editJson, FIXTURE_DIR, fixtureCopy } from './tiny-colbert-reference.js';

/** Loads a fixture copy changed by `edit`, expecting an EncoderError with `code` whose message matches all `parts`. */
async function expectLoadError(
  edit: (dir: string) => void,
  code: string,
  parts: readonly (string | RegExp)[],
  options: OnnxColbertLoadOptions = {},
): Promise<void> {
  const copy = fixtureCopy(edit);
  try {
    const error = await OnnxColbertEncoder.load(copy.dir, options).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(error).toBeInstanceOf(EncoderError);
    const e = error as EncoderError;
    expect(e.code).toBe(code);
    for (const part of parts) expect(e.message).toMatch(typeof part === 'string' ? part.replace(/\{dir\}/g, copy.dir) : part);
    expect(e.message).not.toMatch(/\n\s+at /); // a message, not a stack trace
  } finally {
    copy.cleanup();
  }
}

describe('OnnxColbertEncoder.load errors', () => {
  it('names a missing model directory', async () => {
    const missing = join(FIXTURE_DIR, 'does-not-exist');
    await expect(OnnxColbertEncoder.load(missing)).rejects.toMatchObject({
      code: 'encoder_file_missing',
      message: expect.stringContaining(missing),
    });
  });

  it('names a missing model.onnx', () =>
    expectLoadError((d) => rmSync(join(d, 'model.onnx')), 'encoder_file_missing', ['{dir}/model.onnx', 'not found']));

  it('names a missing model_int8.onnx when int8 is asked for', () =>
    expectLoadError((d) => rmSync(join(d, 'model_int8.onnx')), 'encoder_file_missing', ['{dir}/model_int8.onnx'], { int8: true }));

  it('names a missing tokenizer.json', () =>
    expectLoadError((d) => rmSync(join(d, 'tokenizer.json')), 'encoder_file_missing', ['{dir}/tokenizer.json']));

  it('asks for a config when neither config file exists', () =>
    expectLoadError(
      (d) => {
        rmSync(join(d, 'onnx_config.json'));
        rmSync(join(d, 'config_sentence_transformers.json'));
      },
      'encoder_file_missing',
      ['config_sentence_transformers.json or onnx_config.json'],
    ));

  it('names the file of malformed JSON', () =>
    expectLoadError((d) => writeFileSync(join(d, 'onnx_config.json'), '{"query_length": 12,'), 'encoder_config_invalid', [
      '{dir}/onnx_config.json',
      'not valid JSON',
    ]));

  it('names the file and field of a wrongly typed value', () =>
    expectLoadError((d) => editJson(join(d, 'onnx_config.json'), (j) => (j.query_length = 'twelve')), 'encoder_config_invalid', [
      '{dir}/onnx_config.json',
      'field "query_length"',
      'integer',
    ]));

  it('names config_sentence_transformers.json when the bad field comes from there', () =>
    expectLoadError(
      (d) => {
        editJson(join(d, 'onnx_config.json'), (j) => delete j.skiplist_words);
        editJson(join(d, 'config_sentence_transformers.json'), (j) => (j.skiplist_words = [1, 2]));
      },
      'encoder_config_invalid',
      ['{dir}/config_sentence_transformers.json', 'field "skiplist_words"'],
    ));

  it('rejects a prefix that is not a token', () =>
    expectLoadError(
      (d) =>
        editJson(join(d, 'onnx_config.json'), (j) => {
          j.document_prefix = '[NOPE]';
          delete j.document_prefix_id;
        }),
      'encoder_config_invalid',
      ['field "document_prefix"', '[NOPE]', 'tokenizer.json'],
    ));

  it('rejects a document_length that leaves no room for text', () =>
    expectLoadError((d) => editJson(join(d, 'onnx_config.json'), (j) => (j.document_length = 3)), 'encoder_config_invalid', [
      'field "document_length"',
    ]));

  it('rejects a corrupt model file naming it', () =>
    expectLoadError((d) => writeFileSync(join(d, 'model.onnx'), 'not a model'), 'encoder_model_invalid', ['{dir}/model.onnx']));

  it('rejects bad options', async () => {
    await expect(OnnxColbertEncoder.load(FIXTURE_DIR, { batchSize: 0 })).rejects.toMatchObject({ code: 'encoder_option_invalid' });
    await expect(OnnxColbertEncoder.load(FIXTURE_DIR, { threads: 1.5 })).rejects.toMatchObject({ code: 'encoder_option_invalid' });
  });

  it('reports an embedding_dim that disagrees with the model output', async () => {
    const copy = fixtureCopy((d) => editJson(join(d, 'onnx_config.json'), (j) => (j.embedding_dim = 32)));
    const encoder = await OnnxColbertEncoder.load(copy.dir);
    try {
      await expect(encoder.encodeDocuments(['heat'])).rejects.toMatchObject({
        code: 'encoder_config_invalid',
        message: expect.stringMatching(/onnx_config\.json.*field "embedding_dim": 32 does not match the model output dim 16/),
      });
    } finally {
      await encoder.close();
      copy.cleanup();
    }
  });
});
