import { createHash } from 'node:crypto';
import { checksum128 } from './table-checksum.js';

/**
 * The cached embedding table file: a 128-byte header, then the payload = a row-major float16 matrix
 * (`rows x dim`, little-endian, rows L2-normalised before rounding) followed by the vocabulary as UTF-8,
 * words in row order separated by '\n'.
 *
 * Header (little-endian): magic "LXEMBTAB" | u32 format version | u32 dim | u32 rows | u32 vocabulary bytes |
 * 32 bytes SHA-256 of the payload (the table's content identity) | 32 bytes source fingerprint |
 * 16 bytes checksum128 of the whole file with these 16 bytes zeroed | zero padding to 128.
 * Loads verify the length and the checksum, so a truncated or corrupted file is never trusted.
 */
export const TABLE_MAGIC = 'LXEMBTAB';
export const TABLE_FORMAT_VERSION = 1;
export const TABLE_HEADER_BYTES = 128;
const CHECKSUM_OFFSET = 88;
const CHECKSUM_BYTES = 16;

export interface TableHeader {
  readonly formatVersion: number;
  readonly dim: number;
  readonly rows: number;
  readonly vocabularyBytes: number;
  /** Hex SHA-256 of the payload (matrix + vocabulary). */
  readonly payloadSha256: string;
  /** Hex SHA-256 identifying the source the table was converted from (package version and file size). */
  readonly sourceFingerprint: string;
}

export function matrixBytes(rows: number, dim: number): number {
  return rows * dim * 2;
}

export function tableFileBytes(header: Pick<TableHeader, 'rows' | 'dim' | 'vocabularyBytes'>): number {
  return TABLE_HEADER_BYTES + matrixBytes(header.rows, header.dim) + header.vocabularyBytes;
}

/** Writes `header` into `file[0 .. 128)`; call `sealTableFile` once the payload is in place. */
export function writeTableHeader(file: Uint8Array, header: TableHeader): void {
  const out = Buffer.from(file.buffer, file.byteOffset, TABLE_HEADER_BYTES);
  out.fill(0);
  out.write(TABLE_MAGIC, 0, 'latin1');
  out.writeUInt32LE(header.formatVersion, 8);
  out.writeUInt32LE(header.dim, 12);
  out.writeUInt32LE(header.rows, 16);
  out.writeUInt32LE(header.vocabularyBytes, 20);
  Buffer.from(header.payloadSha256, 'hex').copy(out, 24);
  Buffer.from(header.sourceFingerprint, 'hex').copy(out, 56);
}

/** Stores the checksum of the complete file image in its header. */
export function sealTableFile(file: Uint8Array): void {
  file.fill(0, CHECKSUM_OFFSET, CHECKSUM_OFFSET + CHECKSUM_BYTES);
  Buffer.from(checksum128(file), 'hex').copy(file, CHECKSUM_OFFSET);
}

/** True when the file image's stored checksum matches its content. Leaves `file` unchanged. */
export function verifyTableFile(file: Uint8Array): boolean {
  const stored = Buffer.from(file.subarray(CHECKSUM_OFFSET, CHECKSUM_OFFSET + CHECKSUM_BYTES)).toString('hex');
  file.fill(0, CHECKSUM_OFFSET, CHECKSUM_OFFSET + CHECKSUM_BYTES);
  const actual = checksum128(file);
  Buffer.from(stored, 'hex').copy(file, CHECKSUM_OFFSET);
  return actual === stored;
}

/** The header, or a reason why these bytes are not a table header this version can read. */
export function decodeTableHeader(bytes: Uint8Array): TableHeader | string {
  if (bytes.length < TABLE_HEADER_BYTES) return `file is shorter than the ${TABLE_HEADER_BYTES}-byte header`;
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, TABLE_HEADER_BYTES);
  if (buf.toString('latin1', 0, 8) !== TABLE_MAGIC) return 'bad magic (not a lateindex embedding table)';
  const formatVersion = buf.readUInt32LE(8);
  if (formatVersion !== TABLE_FORMAT_VERSION) {
    return `format version ${formatVersion}, expected ${TABLE_FORMAT_VERSION}`;
  }
  return {
    formatVersion,
    dim: buf.readUInt32LE(12),
    rows: buf.readUInt32LE(16),
    vocabularyBytes: buf.readUInt32LE(20),
    payloadSha256: buf.toString('hex', 24, 56),
    sourceFingerprint: buf.toString('hex', 56, 88),
  };
}

export function sha256Hex(...parts: readonly (Uint8Array | string)[]): string {
  const hash = createHash('sha256');
  for (const part of parts) hash.update(part);
  return hash.digest('hex');
}
