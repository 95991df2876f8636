import type { ErrorCode } from './error-codes.js';
import type { SourceLocation } from './records.js';

/**
 * Base of every error lateindex raises on purpose; `code` is stable, machine-readable and registered in
 * `ERROR_CODES`, which alone decides the HTTP status and CLI exit code. The classes say what kind of failure it is.
 */
export class LateIndexError extends Error {
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/** Wrong command-line or request usage. */
export class UsageError extends LateIndexError {
  constructor(message: string, code: ErrorCode = 'usage') {
    super(code, message);
  }
}

/** Bad input data: a malformed record, file or field. The message names file, line and field. */
export class InputError extends LateIndexError {
  readonly location?: SourceLocation;
  readonly field?: string;
  constructor(message: string, location?: SourceLocation, field?: string, code: ErrorCode = 'invalid_input') {
    super(code, InputError.format(message, location, field));
    this.location = location;
    this.field = field;
  }
  private static format(message: string, location?: SourceLocation, field?: string): string {
    const where = location ? `${location.file}${location.line !== undefined ? `:${location.line}` : ''}: ` : '';
    const what = field ? `field "${field}": ` : '';
    return `${where}${what}${message}`;
  }
}

/** The index directory is missing, not an index, damaged, of another format version or built with another encoder. */
export class IndexFormatError extends LateIndexError {}

/** An encoder model directory or table cannot be loaded. */
export class EncoderError extends LateIndexError {}

/** A requested index, document or resource does not exist. */
export class NotFoundError extends LateIndexError {
  constructor(message: string, code: ErrorCode) {
    super(code, message);
  }
}
