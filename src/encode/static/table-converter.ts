import { createHash, randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { EncoderError, float16Bits } from '../../shared/index.js';
import { JsonByteScanner } from './json-byte-scanner.js';
import {
  TABLE_FORMAT_VERSION,
  TABLE_HEADER_BYTES,
  matrixBytes,
  sealTableFile,
  tableFileBytes,
  writeTableHeader,
} from './table-format.js';

export interface ConversionResult {
  readonly rows: number;
  readonly dim: number;
  readonly payloadSha256: string;
  readonly bytes: number;
  readonly millis: number;
}

/**
 * Converts a wink embeddings JSON file (`{"dimensions", "size", "vectors": {"word": [dim floats, l2norm,
 * wordIndex], ...}, ...}`) into the binary table at `targetPath`, streaming the JSON in chunks. Rows keep the
 * order of `vectors`; later duplicates of a word are dropped. The file is written beside the target and
 * renamed into place, so concurrent converters never expose a partial table.
 */
export function convertEmbeddingJson(
  sourcePath: string,
  targetPath: string,
  sourceFingerprint: string,
): ConversionResult {
  const started = performance.now();
  const scanner = new JsonByteScanner(sourcePath);
  let dim = 0;
  let size = 0;
  let matrix: Uint16Array | undefined;
  const words: string[] = [];
  try {
    scanner.expect('{');
    do {
      const key = scanner.readString();
      scanner.expect(':');
      if (key === 'dimensions') dim = scanner.readNumber();
      else if (key === 'size') size = scanner.readNumber();
      else if (key === 'vectors') {
        if (!(dim > 0 && size > 0)) scanner.fail('"vectors" appears before positive "dimensions" and "size"');
        matrix = readVectors(scanner, dim, size, words);
      } else scanner.skipValue();
    } while (scanner.commaOr('}'));
  } catch (error) {
    if (error instanceof SyntaxError) {
      throw new EncoderError('embedding_table_source', `cannot convert the embedding table: ${error.message}`);
    }
    throw error;
  } finally {
    scanner.close();
  }
  if (!matrix || words.length === 0) {
    throw new EncoderError('embedding_table_source', `${sourcePath}: no "vectors" object found`);
  }
  const rows = words.length;
  const matrixLength = matrixBytes(rows, dim);
  const vocabulary = Buffer.from(words.join('\n'), 'utf8');
  const header = {
    formatVersion: TABLE_FORMAT_VERSION,
    dim,
    rows,
    vocabularyBytes: vocabulary.length,
    payloadSha256: '',
    sourceFingerprint,
  };
  const file = new Uint8Array(tableFileBytes(header));
  file.set(new Uint8Array(matrix.buffer, 0, matrixLength), TABLE_HEADER_BYTES);
  file.set(vocabulary, TABLE_HEADER_BYTES + matrixLength);
  const payloadSha256 = createHash('sha256').update(file.subarray(TABLE_HEADER_BYTES)).digest('hex');
  writeTableHeader(file, { ...header, payloadSha256 });
  sealTableFile(file);
  writeFileAtomically(targetPath, [file]);
  return {
    rows,
    dim,
    payloadSha256,
    bytes: file.length,
    millis: performance.now() - started,
  };
}

function readVectors(scanner: JsonByteScanner, dim: number, size: number, words: string[]): Uint16Array {
  const matrix = new Uint16Array(size * dim);
  const row = new Float64Array(dim);
  const seen = new Set<string>();
  scanner.expect('{');
  if (scanner.peekToken() === 0x7d) {
    scanner.expect('}');
    return matrix;
  }
  do {
    const word = scanner.readString();
    scanner.expect(':');
    scanner.expect('[');
    let norm = 0;
    for (let j = 0; j < dim; j++) {
      if (j > 0 && !scanner.commaOr(']')) scanner.fail(`vector of "${word}" has ${j} values, expected ${dim}`);
      const v = scanner.readNumber();
      row[j] = v;
      norm += v * v;
    }
    // Trailing entries (stored l2 norm, word index) are not needed: rows are renormalised here.
    while (scanner.commaOr(']')) scanner.readNumber();
    if (word.includes('\n') || seen.has(word)) continue;
    if (words.length === size) scanner.fail(`more than "size" = ${size} vectors`);
    seen.add(word);
    const inv = norm > 0 ? 1 / Math.sqrt(norm) : 0;
    const base = words.length * dim;
    for (let j = 0; j < dim; j++) matrix[base + j] = float16Bits(row[j]! * inv);
    words.push(word);
  } while (scanner.commaOr('}'));
  return matrix;
}

/** Writes `parts` to a unique temporary file beside `target`, fsyncs it and renames it over `target`. */
export function writeFileAtomically(target: string, parts: readonly Uint8Array[]): void {
  const temp = `${target}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
  const fd = openSync(temp, 'w');
  try {
    for (const part of parts) {
      let written = 0;
      while (written < part.length) written += writeSync(fd, part, written, part.length - written);
    }
    fsyncSync(fd);
  } catch (error) {
    closeSync(fd);
    rmSync(temp, { force: true });
    throw error;
  }
  closeSync(fd);
  try {
    renameSync(temp, target);
  } catch (error) {
    rmSync(temp, { force: true });
    throw error;
  }
}
