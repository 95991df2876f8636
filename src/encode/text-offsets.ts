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

export function mapGraphemes(source: string, transform: (grapheme: string) => string): MappedText {
  const parts: string[] = [];
  const starts: number[] = [];
  const ends: number[] = [];
  for (const { segment, index } of graphemes.segment(source)) {
    const out = transform(segment);
    parts.push(out);
    for (let i = 0; i < out.length; i++) {
      starts.push(index);
      ends.push(index + segment.length);
    }
  }
  return { text: parts.join(''), sourceStart: Int32Array.from(starts), sourceEnd: Int32Array.from(ends) };
}

/** The source range of the transformed range [start, end) (end > start). */
export function sourceRange(mapped: MappedText, start: number, end: number): [number, number] {
  return [mapped.sourceStart[start]!, mapped.sourceEnd[end - 1]!];
}
