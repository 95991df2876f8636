/**
 * Writes the error table of docs/rest-api.md from the error registry (src/shared/error-codes.ts), between the
 * `error-codes:start` and `error-codes:end` markers; tests/shared/error-registry.test.ts fails when it is stale.
 *
 * Run: npm run docs:errors
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { ERROR_CODES, ERROR_CODE_NAMES } from '../src/shared/error-codes.js';

export const ERROR_DOC = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../docs/rest-api.md');

const START = '<!-- error-codes:start: generated from src/shared/error-codes.ts by `npm run docs:errors`; do not edit -->';
const END = '<!-- error-codes:end -->';

/** One row per registered code, by HTTP status (registry order within a status). */
export function errorTable(): string {
  const codes = [...ERROR_CODE_NAMES].sort((a, b) => ERROR_CODES[a].status - ERROR_CODES[b].status);
  const rows = codes.map((code) => {
    const { status, exit, meaning } = ERROR_CODES[code];
    return `| \`${code}\` | ${status} | ${exit} | ${meaning.replaceAll('|', '\\|')} |`;
  });
  return ['| code | HTTP status | CLI exit | meaning |', '| --- | --- | --- | --- |', ...rows].join('\n');
}

/** `markdown` with the text between the markers replaced by the current table. */
export function withErrorTable(markdown: string): string {
  const start = markdown.indexOf(START);
  const end = markdown.indexOf(END);
  if (start < 0 || end < start) throw new Error(`${ERROR_DOC}: markers "${START}" ... "${END}" not found`);
  return `${markdown.slice(0, start)}${START}\n${errorTable()}\n${markdown.slice(end)}`;
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  const current = readFileSync(ERROR_DOC, 'utf8');
  const next = withErrorTable(current);
  if (next !== current) writeFileSync(ERROR_DOC, next);
  process.stderr.write(`${path.relative(process.cwd(), ERROR_DOC)}: error table ${next === current ? 'already current' : 'updated'}\n`);
}
