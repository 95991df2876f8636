/** Where a record came from, so errors can name the file and line. */
export interface SourceLocation {
  readonly file: string;
  /** 1-based line for JSONL input; absent for whole-file inputs (.txt/.md). */
  readonly line?: number;
}

/** One corpus record, as read from JSONL / BEIR / a text directory / a REST body. */
export interface DocumentRecord {
  readonly id: string;
  readonly title?: string;
  readonly text?: string;
  readonly metadata?: Record<string, unknown>;
  /** Precomputed token vectors (ColPali-style); indexed as given instead of encoding the text. */
  readonly embeddings?: Float32Array;
  readonly embeddingCount?: number;
  readonly grid?: readonly [number, number];
  /** Learned-sparse term weights supplied with the record. */
  readonly sparse?: Readonly<Record<string, number>>;
  readonly source?: SourceLocation;
}

/**
 * The text of a record that is indexed, by the encoder and by BM25 alike: trimmed title and body joined by a
 * newline, as BEIR evaluations do (either may be missing).
 */
export function documentText(record: Pick<DocumentRecord, 'title' | 'text'>): string {
  const title = record.title?.trim() ?? '';
  const text = record.text?.trim() ?? '';
  if (title && text) return `${title}\n${text}`;
  return title || text;
}

/** A range of a record's `title` or `text` field, in UTF-16 code units of that field. */
export interface FieldRange {
  readonly field: 'title' | 'text';
  readonly start: number;
  readonly end: number;
}

/**
 * Where the range [start, end) of `documentText(record)` lies in the record's own fields (which keep the
 * whitespace `documentText` trims); undefined for a range that is not inside one field.
 */
export function fieldRangeOf(record: Pick<DocumentRecord, 'title' | 'text'>, start: number, end: number): FieldRange | undefined {
  let at = 0;
  for (const field of ['title', 'text'] as const) {
    const value = record[field] ?? '';
    const trimmed = value.trim();
    if (trimmed === '') continue;
    const lead = value.length - value.trimStart().length;
    if (start >= at && end <= at + trimmed.length) return { field, start: start - at + lead, end: end - at + lead };
    at += trimmed.length + 1;
  }
  return undefined;
}

/**
 * Within one batch the last item for an id wins, as if the items were written one after another: the last
 * occurrence of each id, in the order of those last occurrences.
 */
export function lastPerId<T>(items: readonly T[], idOf: (item: T) => string): T[] {
  const byId = new Map<string, T>();
  for (const item of items) {
    const id = idOf(item);
    byId.delete(id);
    byId.set(id, item);
  }
  return [...byId.values()];
}
