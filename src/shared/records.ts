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

/** The text an encoder sees for a record: title and body, as BEIR evaluations do. */
export function documentText(record: Pick<DocumentRecord, 'title' | 'text'>): string {
  const title = record.title?.trim() ?? '';
  const text = record.text?.trim() ?? '';
  if (title && text) return `${title}\n${text}`;
  return title || text;
}
