import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OnnxColbertEncoder } from '../../src/encode/onnx/index.js';
import { alignTokenSurfaces } from '../../src/encode/onnx/token-offsets.js';
import { FIXTURE_DIR } from './tiny-colbert-reference.js';

describe('ONNX ColBERT document token spans', () => {
  let encoder: OnnxColbertEncoder;
  beforeAll(async () => {
    encoder = await OnnxColbertEncoder.load(FIXTURE_DIR);
  });
  afterAll(async () => {
    await encoder.close();
  });

  const sliced = (text: string) => {
    const { tokens, spans } = encoder.documentTokenSpans(text);
    return tokens.map((token, r) => [token, spans[2 * r]! < 0 ? null : text.slice(spans[2 * r], spans[2 * r + 1])]);
  };

  it('slice the text to each row token, word pieces included (hand-checked)', () => {
    // WordPiece over a 188-token vocabulary: "Bread" is not a word of it and splits into letters.
    expect(sliced('The Cells, BREAD naïve!')).toEqual([
      ['[CLS]', null], ['[D] ', null], ['cells', 'Cells'], ['b', 'B'], ['##r', 'R'], ['##e', 'E'], ['##a', 'A'], ['##d', 'D'],
      ['n', 'n'], ['##a', 'a'], ['##i', 'ï'], ['##v', 'v'], ['##e', 'e'], ['[SEP]', null],
    ]);
  });

  it('follow the rows of encodeDocuments, skiplist and truncation included', async () => {
    const text = 'Water flow, running over the wing surface; pressure and heat at the boundary layer of the virus cells today!';
    const [rows] = await encoder.encodeDocuments([text]);
    const { tokens } = encoder.documentTokenSpans(text);
    expect(tokens).toEqual(rows!.tokens);
    expect(tokens.length).toBe(rows!.count);
    // document_length 24 truncates: the last row is [SEP], and every text row before it slices to its token.
    expect(tokens.at(-1)).toBe('[SEP]');
    for (const [token, surface] of sliced(text).slice(2, -1)) expect(surface!.toLowerCase()).toBe(String(token).replace(/^##/, ''));
  });

  it('alignTokenSurfaces skips surfaces it cannot find and keeps its place', () => {
    const spans = alignTokenSurfaces('Ab [x] cD', ['ab', '[UNK]', 'x', undefined, 'c', 'd']);
    expect(Array.from(spans)).toEqual([0, 2, -1, -1, 4, 5, -1, -1, 7, 8, 8, 9]);
  });
});
