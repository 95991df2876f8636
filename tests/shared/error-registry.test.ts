import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { HttpError, ProblemSchema, openApiDocument, problemFor } from '../../src/api/index.js';
import { ERROR_CODES, ERROR_CODE_NAMES, LateIndexError } from '../../src/shared/index.js';
import { ERROR_DOC, errorTable, withErrorTable } from '../../scripts/error-docs.js';
import { scanErrorCodes, type SourceText } from './error-code-scan.js';

const ROOT = path.resolve(__dirname, '../..');
const REGISTRY_FILE = 'src/shared/error-codes.ts';

function sourceFiles(dir: string): SourceText[] {
  return readdirSync(path.join(ROOT, dir), { recursive: true, encoding: 'utf8' })
    .filter((name) => name.endsWith('.ts') && !name.endsWith('.d.ts'))
    .map((name) => path.join(dir, name))
    .filter((file) => file !== REGISTRY_FILE)
    .map((file) => ({ file, text: readFileSync(path.join(ROOT, file), 'utf8') }));
}

const registered = new Set<string>(ERROR_CODE_NAMES);

describe('error code scan', () => {
  it('reports unregistered, untyped and unused codes in sources written to have them', () => {
    const scan = scanErrorCodes([
      {
        file: 'errors.ts',
        text: `
          export class LateIndexError extends Error { constructor(code: ErrorCode, message: string) { super(message); } }
          export class UsageError extends LateIndexError { constructor(message: string, code: ErrorCode = 'usage') { super(code, message); } }
          export class LooseError extends LateIndexError { constructor(message: string, code: string) { super(code, message); } }
          export class FixedError extends LateIndexError { constructor(message: string) { super('fixed_code', message); } }
          export class Unrelated extends Error { constructor(code: string) { super(code); } }`,
      },
      {
        file: 'use.ts',
        text: `
          const NAMED: ErrorCode = 'named_code';
          throw new UsageError('m');
          throw new UsageError('m', 'not_registered');
          throw new UsageError('m', cond ? 'left_code' : 'right_code');
          throw new LateIndexError(\`built_\${x}\`, 'm');
          throw new LateIndexError(other.code, 'm');
          throw new LateIndexError(NAMED, 'm');
          throw new Unrelated('not_a_code');
          function helper(name: string, code: ErrorCode = 'helper_default'): never { throw new UsageError(name, code); }
          helper('a');
          helper('b', 'helper_given');
          function codeOf(x: unknown): ErrorCode { return x ? 'returned_code' : 'usage'; }`,
      },
    ]);
    expect(scan.errorClasses).toEqual(['FixedError', 'LateIndexError', 'LooseError', 'UsageError']);
    expect(scan.untypedParameters).toEqual(['LooseError']);
    expect(scan.constructions).toBe(7);
    expect(scan.untyped).toEqual(['errors.ts:4: code', 'use.ts:6: `built_${x}`']);
    expect(scan.uses.map((use) => `${use.at} ${use.code}`).sort()).toEqual(
      [
        'errors.ts:5 fixed_code',
        'use.ts:2 named_code',
        'use.ts:3 usage',
        'use.ts:4 not_registered',
        'use.ts:5 left_code',
        'use.ts:5 right_code',
        'use.ts:11 helper_default',
        'use.ts:12 helper_given',
        'use.ts:13 returned_code',
        'use.ts:13 usage',
      ].sort(),
    );
  });
});

describe('error registry', () => {
  const scan = scanErrorCodes([...sourceFiles('src')]);

  it('finds every error class, and each types its code parameter as ErrorCode', () => {
    expect(scan.errorClasses).toEqual(['EncoderError', 'HttpError', 'IndexFormatError', 'InputError', 'LateIndexError', 'NotFoundError', 'UsageError']);
    expect(scan.untypedParameters).toEqual([]);
    expect(scan.constructions).toBeGreaterThan(150);
  });

  it('registers every code src/ raises, and every code is a literal, a name typed ErrorCode or a passed-on error.code', () => {
    expect(scan.untyped).toEqual([]);
    expect(scan.uses.filter((use) => !registered.has(use.code))).toEqual([]);
  });

  it('holds no code that nothing raises', () => {
    const raised = new Set(scan.uses.map((use) => use.code));
    expect(ERROR_CODE_NAMES.filter((code) => !raised.has(code))).toEqual([]);
  });

  it('maps every code to its registered HTTP status in the problem document', () => {
    for (const code of ERROR_CODE_NAMES) {
      for (const err of [new LateIndexError(code, 'm'), new HttpError(code, 'm')]) {
        const problem = problemFor(err);
        expect({ code, status: problem.status }).toEqual({ code, status: ERROR_CODES[code].status });
        expect(problem.code).toBe(code);
        expect(problem.type).toBe(`urn:lateindex:problem:${code}`);
      }
      expect(new HttpError(code, 'm').status).toBe(ERROR_CODES[code].status);
    }
    expect(problemFor(new Error('boom'))).toMatchObject({ code: 'internal_error', status: 500, detail: 'internal server error; see the server log' });
  });

  it('uses exit code 2 exactly for the 400s that are usage errors, and 1 otherwise', () => {
    for (const code of ERROR_CODE_NAMES) {
      const { status, exit } = ERROR_CODES[code];
      if (exit === 2) expect({ code, status }).toEqual({ code, status: 400 });
      else expect({ code, exit }).toEqual({ code, exit: 1 });
    }
  });

  it('lists every code as the OpenAPI problem schema enum', () => {
    const problem = (openApiDocument('test') as { components: { schemas: { Problem: { properties: { code: { enum: string[] } } } } } }).components.schemas.Problem;
    expect([...problem.properties.code.enum].sort()).toEqual([...ERROR_CODE_NAMES].sort());
    const sample = { type: 'urn:lateindex:problem:usage', title: 'Bad Request', status: 400, detail: 'm', code: 'usage' };
    expect(ProblemSchema.safeParse(sample).success).toBe(true);
    expect(ProblemSchema.safeParse({ ...sample, code: 'not_registered' }).success).toBe(false);
  });

  it('docs/rest-api.md holds the current error table (regenerate it with npm run docs:errors)', () => {
    const doc = readFileSync(ERROR_DOC, 'utf8');
    expect(withErrorTable(doc), 'docs/rest-api.md is stale: run npm run docs:errors').toBe(doc);
    const rows = errorTable().split('\n').slice(2);
    expect(rows).toHaveLength(ERROR_CODE_NAMES.length);
    expect(doc).toContain('| `missing_query` | 400 | 2 | ');
    expect(doc).toContain('| `read_only` | 409 | 1 | ');
  });
});
