import { createReadStream, promises as fs } from 'node:fs';
import path from 'node:path';
import { InputError, asFileError, readLines, type DocumentRecord, type SourceLocation } from '../shared/index.js';
import { sparseWeightsProblem } from './sparse/sparse-input.js';

/**
 * Streams corpus records from a JSONL file, a BEIR dataset folder (its corpus.jsonl) or a folder of .txt/.md
 * files (id = path relative to the folder, without extension; title = first Markdown heading if any).
 * Records are validated as they are read; the first bad one throws an InputError naming file, line and field.
 */
export async function* readCorpus(source: string): AsyncGenerator<DocumentRecord> {
  const stat = await statOrThrow(source);
  if (stat.isFile()) {
    yield* readJsonlCorpus(source);
    return;
  }
  const beirCorpus = path.join(source, 'corpus.jsonl');
  if (await isFile(beirCorpus)) {
    yield* readJsonlCorpus(beirCorpus);
    return;
  }
  yield* readTextDirectory(source);
}

/** Number of records a source will yield, counted cheaply (non-empty lines or files) for progress totals. */
export async function countCorpusRecords(source: string): Promise<number> {
  const stat = await statOrThrow(source);
  let file = source;
  if (stat.isDirectory()) {
    file = path.join(source, 'corpus.jsonl');
    if (!(await isFile(file))) {
      const entries = await fs.readdir(source, { recursive: true, withFileTypes: true });
      return entries.filter((e) => e.isFile() && /\.(txt|md|markdown)$/i.test(e.name)).length;
    }
  }
  let count = 0;
  let lineHasContent = false;
  try {
    for await (const chunk of createReadStream(file)) {
      const bytes = chunk as Buffer;
      for (let i = 0; i < bytes.length; i++) {
        const b = bytes[i]!;
        if (b === 0x0a) {
          if (lineHasContent) count++;
          lineHasContent = false;
        } else if (b !== 0x20 && b !== 0x0d && b !== 0x09) {
          lineHasContent = true;
        }
      }
    }
  } catch (err) {
    throw asFileError(err, file);
  }
  return lineHasContent ? count + 1 : count;
}

export async function* readJsonlCorpus(file: string): AsyncGenerator<DocumentRecord> {
  for await (const { line, lineNo } of readLines(file)) {
    if (line.trim() === '') continue;
    yield parseRecordJson(line, { file, line: lineNo });
  }
}

/** Parses one JSON text into a validated record. */
export function parseRecordJson(json: string, location: SourceLocation): DocumentRecord {
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch (err) {
    const hint = /\bNaN\b|\bInfinity\b/.test(json) ? ' (NaN/Infinity are not allowed in embeddings)' : '';
    throw new InputError(`malformed JSON${hint}: ${(err as Error).message}`, location, undefined, 'malformed_json');
  }
  return toDocumentRecord(value, location);
}

/**
 * Validates a parsed record object. Accepts BEIR's `_id` (or `id`), `title`, `text`, `metadata`, and
 * `embeddings` (number[][], optional `grid: [rows, cols]`) and `sparse` ({term: weight}).
 */
export function toDocumentRecord(value: unknown, location?: SourceLocation): DocumentRecord {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new InputError('a record must be a JSON object', location);
  }
  const obj = value as Record<string, unknown>;
  const rawId = obj._id ?? obj.id;
  if (rawId === undefined || rawId === null) throw new InputError('missing document id', location, '_id');
  if (typeof rawId !== 'string' && typeof rawId !== 'number') {
    throw new InputError(`must be a string, got ${typeName(rawId)}`, location, '_id');
  }
  const id = String(rawId);
  if (id.length === 0) throw new InputError('must not be empty', location, '_id');
  if (Buffer.byteLength(id) > 480) throw new InputError('longer than 480 bytes', location, '_id');
  const at = { ...location, id };

  const title = optionalString(obj.title, 'title', at);
  const text = optionalString(obj.text, 'text', at);
  let metadata: Record<string, unknown> | undefined;
  if (obj.metadata !== undefined && obj.metadata !== null) {
    if (typeof obj.metadata !== 'object' || Array.isArray(obj.metadata)) {
      throw recordError(`must be an object, got ${typeName(obj.metadata)}`, at, 'metadata');
    }
    metadata = obj.metadata as Record<string, unknown>;
  }

  let embeddings: Float32Array | undefined;
  let embeddingCount: number | undefined;
  let grid: [number, number] | undefined;
  if (obj.embeddings !== undefined) {
    ({ data: embeddings, count: embeddingCount } = parseEmbeddings(obj.embeddings, at));
    if (obj.grid !== undefined) grid = parseGrid(obj.grid, embeddingCount, at);
  } else if (obj.grid !== undefined) {
    throw recordError('given without "embeddings"', at, 'grid');
  }

  let sparse: Record<string, number> | undefined;
  if (obj.sparse !== undefined) sparse = parseSparse(obj.sparse, at);

  // An empty document (BEIR collections have some) is kept: it holds its id and never matches. A record without
  // any of the three fields is more likely a mistake.
  if (embeddings === undefined && title === undefined && text === undefined) {
    throw recordError('record has no "text", "title" or "embeddings" field', at, 'text');
  }
  return {
    id,
    ...(title !== undefined && { title }),
    ...(text !== undefined && { text }),
    ...(metadata && { metadata }),
    ...(embeddings && { embeddings, embeddingCount }),
    ...(grid && { grid }),
    ...(sparse && { sparse }),
    ...(location && { source: location }),
  };
}

type RecordAt = Partial<SourceLocation> & { id: string };

function recordError(message: string, at: RecordAt, field: string): InputError {
  const location = at.file !== undefined ? { file: at.file, ...(at.line !== undefined && { line: at.line }) } : undefined;
  return new InputError(`document "${at.id}": ${message}`, location, field);
}

function optionalString(value: unknown, field: string, at: RecordAt): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw recordError(`must be a string, got ${typeName(value)}`, at, field);
  return value;
}

function parseEmbeddings(value: unknown, at: RecordAt): { data: Float32Array; count: number } {
  if (!Array.isArray(value)) throw recordError(`must be an array of vectors, got ${typeName(value)}`, at, 'embeddings');
  if (value.length === 0) throw recordError('must hold at least one vector', at, 'embeddings');
  const first = value[0] as unknown;
  if (!Array.isArray(first) || first.length === 0) {
    throw recordError('embeddings[0] must be a non-empty array of numbers', at, 'embeddings');
  }
  const dim = first.length;
  const data = new Float32Array(value.length * dim);
  for (let i = 0; i < value.length; i++) {
    const row = value[i] as unknown;
    if (!Array.isArray(row)) throw recordError(`embeddings[${i}] must be an array of numbers`, at, 'embeddings');
    if (row.length !== dim) {
      throw recordError(`embeddings[${i}] has ${row.length} values, embeddings[0] has ${dim}`, at, 'embeddings');
    }
    for (let j = 0; j < dim; j++) {
      const x = row[j] as unknown;
      if (typeof x !== 'number' || !Number.isFinite(x)) {
        throw recordError(`embeddings[${i}][${j}] is ${JSON.stringify(x) ?? String(x)}, not a finite number`, at, 'embeddings');
      }
      data[i * dim + j] = x;
    }
  }
  return { data, count: value.length };
}

function parseGrid(value: unknown, count: number, at: RecordAt): [number, number] {
  if (
    !Array.isArray(value) ||
    value.length !== 2 ||
    !value.every((v) => Number.isInteger(v) && (v as number) > 0)
  ) {
    throw recordError('must be [rows, cols] with two positive integers', at, 'grid');
  }
  const [rows, cols] = value as [number, number];
  if (rows * cols !== count) {
    throw recordError(`[${rows}, ${cols}] covers ${rows * cols} patches but there are ${count} vectors`, at, 'grid');
  }
  return [rows, cols];
}

function parseSparse(value: unknown, at: RecordAt): Record<string, number> {
  const problem = sparseWeightsProblem(value);
  if (problem) throw recordError(problem.message, at, 'sparse');
  const out: Record<string, number> = {};
  for (const [term, weight] of Object.entries(value as Record<string, number>)) if (weight > 0) out[term] = weight;
  return out;
}

async function* readTextDirectory(dir: string): AsyncGenerator<DocumentRecord> {
  const files: string[] = [];
  for (const entry of await fs.readdir(dir, { recursive: true, withFileTypes: true })) {
    if (entry.isFile() && /\.(txt|md|markdown)$/i.test(entry.name)) {
      files.push(path.join(entry.parentPath, entry.name));
    }
  }
  if (files.length === 0) {
    throw new InputError('no corpus.jsonl and no .txt/.md files in this folder', { file: dir });
  }
  files.sort();
  for (const file of files) {
    let content: string;
    try {
      content = await fs.readFile(file, 'utf8');
    } catch (err) {
      throw asFileError(err, file);
    }
    const id = path.relative(dir, file).replace(/\.(txt|md|markdown)$/i, '').split(path.sep).join('/');
    const heading = /^\s*#\s+(.+)$/m.exec(content);
    const title = heading?.[1]?.trim();
    const text = heading ? content.replace(heading[0], '').trim() : content.trim();
    if (!title && !text) continue;
    yield { id, ...(title && { title }), text, source: { file } };
  }
}

async function statOrThrow(source: string) {
  try {
    return await fs.stat(source);
  } catch (err) {
    throw asFileError(err, source);
  }
}

async function isFile(file: string): Promise<boolean> {
  try {
    return (await fs.stat(file)).isFile();
  } catch {
    return false;
  }
}


function typeName(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}
