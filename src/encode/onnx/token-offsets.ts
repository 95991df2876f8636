import { mapGraphemes, sourceRange } from '../text-offsets.js';

const MARKS = /\p{M}/gu;
const SPACE = /\s+/gu;

/**
 * The form in which a token's surface is looked for in the text: compatibility-decomposed, without marks or
 * whitespace, lowercased. It absorbs what tokenizer normalizers do (lowercasing, accent stripping, splitting).
 */
function matchKey(text: string): string {
  return text.normalize('NFKD').replace(MARKS, '').toLowerCase().replace(SPACE, '');
}

/**
 * Character offsets of a tokenizer's tokens in the text they came from, for tokenizers that do not report offsets
 * (the JS `@huggingface/tokenizers` does not): each token's surface (`undefined` for special tokens) is looked up
 * in order, from where the previous token ended. `spans[2i]`, `spans[2i + 1]` = token i's [start, end) in `text`;
 * -1, -1 for special tokens and surfaces that are not found (e.g. `[UNK]`), which leave the position unchanged.
 */
export function alignTokenSurfaces(text: string, surfaces: readonly (string | undefined)[]): Int32Array {
  const mapped = mapGraphemes(text, matchKey);
  const spans = new Int32Array(2 * surfaces.length).fill(-1);
  let cursor = 0;
  surfaces.forEach((surface, i) => {
    const key = surface === undefined ? '' : matchKey(surface);
    if (key === '') return;
    const at = mapped.text.indexOf(key, cursor);
    if (at < 0) return;
    const [start, end] = sourceRange(mapped, at, at + key.length);
    spans[2 * i] = start;
    spans[2 * i + 1] = end;
    cursor = at + key.length;
  });
  return spans;
}
