import { describe, expect, it } from 'vitest';
import { mapGraphemes } from '../../src/encode/text-offsets.js';

/** Reference: every grapheme of the whole text through Intl.Segmenter, transformed one by one. */
function reference(source: string, transform: (g: string) => string) {
  const starts: number[] = [];
  const ends: number[] = [];
  let text = '';
  for (const { segment, index } of new Intl.Segmenter(undefined, { granularity: 'grapheme' }).segment(source)) {
    const out = transform(segment);
    text += out;
    for (let i = 0; i < out.length; i++) {
      starts.push(index);
      ends.push(index + segment.length);
    }
  }
  return { text, sourceStart: Int32Array.from(starts), sourceEnd: Int32Array.from(ends) };
}

const TEXTS = [
  'Plain ASCII text, with punctuation; and 10,000 numbers.',
  'Cafe\u0301 NAÏVE ﬁbrosis İstanbul 蛋白质 α-synuclein',
  'e\u0301e\u0301 leading marks, then ASCII',
  '👩‍🔬 scientist and 🇫🇷 flag, end',
  '',
  'ü',
];
const TRANSFORMS: [string, (g: string) => string][] = [
  ['NFKC lowercase', (g) => g.normalize('NFKC').toLowerCase()],
  ['key without whitespace', (g) => g.normalize('NFKD').replace(/\p{M}/gu, '').toLowerCase().replace(/\s+/gu, '')],
];

describe('mapGraphemes', () => {
  it('maps exactly as segmenting the whole text into graphemes would', () => {
    for (const [name, transform] of TRANSFORMS) {
      for (const text of TEXTS) expect(mapGraphemes(text, transform), `${name}: ${text}`).toEqual(reference(text, transform));
    }
  });
});
