import { createReadStream } from 'node:fs';
import readline from 'node:readline';
import { InputError } from './errors.js';

/** Streams a text file's lines with 1-based numbers; file-system failures become InputErrors naming the file. */
export async function* readLines(file: string): AsyncGenerator<{ line: string; lineNo: number }> {
  const input = createReadStream(file, { encoding: 'utf8' });
  const lines = readline.createInterface({ input, crlfDelay: Infinity });
  let lineNo = 0;
  try {
    for await (const line of lines) {
      lineNo++;
      yield { line: lineNo === 1 ? line.replace(/^\uFEFF/, '') : line, lineNo };
    }
  } catch (error) {
    throw asFileError(error, file);
  } finally {
    lines.close();
    input.destroy();
  }
}

export function asFileError(error: unknown, file: string): unknown {
  if (error instanceof InputError) return error;
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return new InputError('no such file or directory', { file }, undefined, 'file_not_found');
  if (code === 'EACCES') return new InputError('permission denied', { file }, undefined, 'file_unreadable');
  if (code === 'EISDIR') return new InputError('is a directory, expected a file', { file }, undefined, 'file_unreadable');
  if (code) return new InputError(`cannot read (${code})`, { file }, undefined, 'file_unreadable');
  return error;
}
