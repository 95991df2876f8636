import { describe, expect, it } from 'vitest';
import { compileDocumentFilter, type FilterableIndex } from '../../src/search/index.js';

/** Five documents: internal ids 0..4, external ids d0..d4. */
const METADATA: (Record<string, unknown> | undefined)[] = [
  { lang: 'en', year: 2020 },
  { lang: 'en', year: '2020' },
  { lang: 'de', year: 2020, draft: false },
  undefined,
  { lang: null, nested: { lang: 'en' } },
];

const index: FilterableIndex = {
  getInternalId: (id) => (/^d[0-4]$/.test(id) ? Number(id.slice(1)) : undefined),
  getDocument: (internalId) => ({ id: `d${internalId}`, ...(METADATA[internalId] && { metadata: METADATA[internalId] }) }) as never,
};

function accepted(filter: Parameters<typeof compileDocumentFilter>[1]): number[] {
  const compiled = compileDocumentFilter(index, filter)!;
  return [0, 1, 2, 3, 4].filter((id) => compiled.accepts(id));
}

describe('compileDocumentFilter (ids and metadata equality)', () => {
  it('restricts nothing without conditions', () => {
    expect(compileDocumentFilter(index, undefined)).toBeUndefined();
    expect(compileDocumentFilter(index, {})).toBeUndefined();
  });

  it('keeps documents whose metadata equals every condition, value and JSON type alike', () => {
    expect(accepted({ metadata: { lang: 'en' } })).toEqual([0, 1]);
    expect(accepted({ metadata: { year: 2020 } })).toEqual([0, 2]);
    expect(accepted({ metadata: { year: '2020' } })).toEqual([1]);
    expect(accepted({ metadata: { lang: 'en', year: 2020 } })).toEqual([0]);
    expect(accepted({ metadata: { draft: false } })).toEqual([2]);
    // null matches a stored null only, not a missing key or a document without metadata.
    expect(accepted({ metadata: { lang: null } })).toEqual([4]);
    expect(accepted({ metadata: { missing: 'x' } })).toEqual([]);
  });

  it('listed ids: unknown ones are ignored, and they combine with metadata conditions', () => {
    const compiled = compileDocumentFilter(index, { ids: ['d1', 'd2', 'nope'] })!;
    expect(compiled.ids).toEqual([1, 2]);
    expect(compiled.matchesNothing).toBe(false);
    expect(accepted({ ids: ['d1', 'd2', 'nope'] })).toEqual([1, 2]);
    expect(accepted({ ids: ['d0', 'd1', 'd2'], metadata: { lang: 'en' } })).toEqual([0, 1]);
    const unknown = compileDocumentFilter(index, { ids: ['nope'] })!;
    expect(unknown.matchesNothing).toBe(true);
    expect(accepted({ ids: ['nope'] })).toEqual([]);
    expect(compileDocumentFilter(index, { metadata: { lang: 'xx' } })!.matchesNothing).toBe(false);
  });
});
