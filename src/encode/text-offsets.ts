/**
 * A text transformed grapheme by grapheme (normalisation, case folding), with, for every UTF-16 code unit of the
 * result, the [start, end) range in the source text of the grapheme it came from. Lets a tokenizer that works on
 * transformed text report offsets into the text as given.
 */
export interface MappedText {
  readonly text: string;
  readonly sourceStart: Int32Array;
  readonly sourceEnd: Int32Array;
}

const graphemes = new Intl.Segmenter(undefined, { granularity: 'grapheme' });
const NON_ASCII = /[^\x00-\x7f]+/g;

/**
 * ASCII characters are graphemes of their own (the segmenter, slow on long texts, only sees non-ASCII stretches and
 * the character before each, which a combining mark would join); an ASCII stretch whose transform keeps its length
 * maps one to one.
 */
export function mapGraphemes(source: string, transform: (grapheme: string) => string): MappedText {
  const parts: string[] = [];
  const starts: number[] = [];
  const ends: number[] = [];
  const add = (out: string, start: number, end: number): void => {
    parts.push(out);
    for (let i = 0; i < out.length; i++) {
      starts.push(start);
      ends.push(end);
    }
  };
  const ascii = (from: number, to: number): void => {
    if (to <= from) return;
    const run = source.slice(from, to);
    const out = transform(run);
    if (out.length === run.length) {
      parts.push(out);
      for (let i = from; i < to; i++) {
        starts.push(i);
        ends.push(i + 1);
      }
      return;
    }
    for (let i = from; i < to; i++) add(transform(source[i]!), i, i + 1);
  };
  let at = 0;
  for (const match of source.matchAll(NON_ASCII)) {
    const from = Math.max(at, match.index - 1);
    ascii(at, from);
    for (const { segment, index } of graphemes.segment(source.slice(from, match.index + match[0].length))) {
      add(transform(segment), from + index, from + index + segment.length);
    }
    at = match.index + match[0].length;
  }
  ascii(at, source.length);
  return { text: parts.join(''), sourceStart: Int32Array.from(starts), sourceEnd: Int32Array.from(ends) };
}

/** The source range of the transformed range [start, end) (end > start). */
export function sourceRange(mapped: MappedText, start: number, end: number): [number, number] {
  return [mapped.sourceStart[start]!, mapped.sourceEnd[end - 1]!];
}
