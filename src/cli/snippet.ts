import { analyze, analyzeSpans } from '../index/index.js';

/** A piece of a document with the ranges `[start, end)` of the words that match the query. */
export interface Snippet {
  readonly text: string;
  readonly highlights: readonly (readonly [number, number])[];
}

/** How matched words are marked for a terminal: bold (ANSI) or `[word]` brackets. */
export type MarkStyle = 'bold' | 'brackets';

const ELLIPSIS = '…';

/**
 * Bold on a terminal that takes colours, brackets otherwise (a file or pipe, `NO_COLOR` set, `TERM=dumb`), so that
 * `search ... > hits.txt` holds no escape codes.
 */
export function markStyleFor(stream: NodeJS.WriteStream): MarkStyle {
  const colourless = process.env.NO_COLOR !== undefined && process.env.NO_COLOR !== '';
  return stream.isTTY && !colourless && process.env.TERM !== 'dumb' ? 'bold' : 'brackets';
}

/** The query's BM25 terms: a document word matches when it analyses to one of them (same stem, not a stopword). */
export function queryTerms(query: string): ReadonlySet<string> {
  return new Set(analyze(query));
}

/**
 * The `width`-character window of `text` (whitespace collapsed) holding the most distinct query terms, cut at word
 * boundaries, with an ellipsis where text was left out; the document's start when nothing matches.
 */
export function makeSnippet(text: string, terms: ReadonlySet<string>, width: number): Snippet {
  const flat = collapseWhitespace(text);
  const matches = analyzeSpans(flat).filter((span) => terms.has(span.term));
  let from = 0;
  let best = -1;
  for (let i = 0; i < matches.length; i++) {
    const distinct = new Set<string>();
    for (let j = i; j < matches.length && matches[j]!.end - matches[i]!.start <= width; j++) distinct.add(matches[j]!.term);
    if (distinct.size > best) {
      best = distinct.size;
      from = matches[i]!.start;
    }
  }
  // Some context before the first match, from a word start.
  if (from > 0) from = Math.min(from, wordStart(flat, Math.max(0, from - Math.floor(width / 4))));
  let to = Math.min(flat.length, from + width);
  if (to < flat.length) to = Math.max(wordEnd(flat, to), from + 1);
  const lead = from > 0 ? `${ELLIPSIS} ` : '';
  const highlights = matches
    .filter((m) => m.start >= from && m.end <= to)
    .map((m) => [m.start - from + lead.length, m.end - from + lead.length] as const);
  return { text: `${lead}${flat.slice(from, to).trim()}${to < flat.length ? ` ${ELLIPSIS}` : ''}`, highlights };
}

/** All of `text` (whitespace collapsed) with the words matching `terms` highlighted: for titles. */
export function highlightAll(text: string, terms: ReadonlySet<string>): Snippet {
  const flat = collapseWhitespace(text);
  return { text: flat, highlights: analyzeSpans(flat).filter((span) => terms.has(span.term)).map((span) => [span.start, span.end] as const) };
}

function collapseWhitespace(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

/** The position of the first character of the word at or after `at` (or `at` at a space). */
function wordStart(text: string, at: number): number {
  if (at === 0 || text[at - 1] === ' ') return at;
  const next = text.indexOf(' ', at);
  return next < 0 ? at : next + 1;
}

/** The end of the last whole word before `at`. */
function wordEnd(text: string, at: number): number {
  if (text[at] === ' ') return at;
  const previous = text.lastIndexOf(' ', at);
  return previous < 0 ? at : previous;
}

/** `text` cut to at most `width` characters (an ellipsis marks the cut), highlights clipped to what is left. */
export function truncateSnippet(snippet: Snippet, width: number): Snippet {
  if (snippet.text.length <= width) return snippet;
  const keep = width - 1;
  return {
    text: `${snippet.text.slice(0, keep)}${ELLIPSIS}`,
    highlights: snippet.highlights.filter(([, end]) => end <= keep),
  };
}

/** The snippet's text with its highlights marked. */
export function markSnippet(snippet: Snippet, style: MarkStyle): string {
  const [open, close] = style === 'bold' ? ['\u001b[1m', '\u001b[22m'] : ['[', ']'];
  let out = '';
  let at = 0;
  for (const [start, end] of snippet.highlights) {
    out += `${snippet.text.slice(at, start)}${open}${snippet.text.slice(start, end)}${close}`;
    at = end;
  }
  return out + snippet.text.slice(at);
}
