import type { TokenScore } from './api.js';

/** One colour per query token (in query order, repeating after ten): Tableau 10. */
export const PALETTE = ['#4e79a7', '#f28e2b', '#e15759', '#76b7b2', '#59a14f', '#edc948', '#b07aa1', '#ff9da7', '#9c755f', '#bab0ac'];

export function colourOf(queryIndex: number): string {
  return PALETTE[queryIndex % PALETTE.length]!;
}

/** A stretch of a field that a query token matched: the API's document token offsets, unchanged. */
export interface Highlight {
  readonly start: number;
  readonly end: number;
  /** Index of the query token (its row in token_scores). */
  readonly queryIndex: number;
  readonly queryToken: string;
  readonly similarity: number;
  /** weight × similarity: the token's part of the late-interaction score. */
  readonly contribution: number;
}

/**
 * The highlights of one field: every document token the API says a query token matched there. Where several query
 * tokens matched the same characters, the one contributing most to the score keeps them.
 */
export function fieldHighlights(scores: readonly TokenScore[], field: 'title' | 'text'): Highlight[] {
  const byRange = new Map<string, Highlight>();
  scores.forEach((score, queryIndex) => {
    for (const token of score.document_tokens ?? []) {
      if (token.field !== field || token.start === undefined || token.end === undefined) continue;
      const highlight: Highlight = {
        start: token.start,
        end: token.end,
        queryIndex,
        queryToken: score.query_token ?? `#${queryIndex}`,
        similarity: score.similarity,
        contribution: score.weight * score.similarity,
      };
      const key = `${token.start}:${token.end}`;
      const held = byRange.get(key);
      if (held === undefined || highlight.contribution > held.contribution) byRange.set(key, highlight);
    }
  });
  return [...byRange.values()].sort((a, b) => a.start - b.start || a.end - b.end);
}

export interface Segment {
  readonly text: string;
  readonly highlight?: Highlight;
}

/** `text` cut into plain and highlighted stretches, in order (overlapping highlights: the first one wins). */
export function segmentsOf(text: string, highlights: readonly Highlight[], from = 0, to = text.length): Segment[] {
  const out: Segment[] = [];
  let at = from;
  for (const h of highlights) {
    if (h.end <= at || h.start >= to) continue;
    const start = Math.max(h.start, at);
    if (start > at) out.push({ text: text.slice(at, start) });
    out.push({ text: text.slice(start, Math.min(h.end, to)), highlight: h });
    at = Math.min(h.end, to);
  }
  if (at < to) out.push({ text: text.slice(at, to) });
  return out;
}

/** A window of about `length` characters of `text` around its first highlight, cut at word boundaries. */
export function snippetRange(text: string, highlights: readonly Highlight[], length = 280): { start: number; end: number } {
  if (text.length <= length) return { start: 0, end: text.length };
  const first = highlights[0]?.start ?? 0;
  let start = Math.max(0, Math.min(first - Math.floor(length / 4), text.length - length));
  if (start > 0) {
    const space = text.indexOf(' ', start);
    start = space >= 0 && space < first ? space + 1 : start;
  }
  let end = Math.min(text.length, start + length);
  if (end < text.length) {
    const space = text.lastIndexOf(' ', end);
    end = space > start ? space : end;
  }
  return { start, end };
}

/** Heat: how strongly a highlight is drawn, from its similarity (1 = an exact match). */
export function heatAlpha(similarity: number): number {
  return 0.2 + 0.7 * Math.min(Math.max(similarity, 0), 1);
}

export function withAlpha(hex: string, alpha: number): string {
  const n = Number.parseInt(hex.slice(1), 16);
  return `rgba(${(n >> 16) & 255}, ${(n >> 8) & 255}, ${n & 255}, ${alpha.toFixed(2)})`;
}
