import { describe, expect, it } from 'vitest';
import { analyze, sparseDocumentText, tokenize } from '../../src/index/sparse/index.js';

describe('sparse analyzer', () => {
  it('lowercases, splits on Unicode word boundaries and keeps decimals and contractions whole', () => {
    expect(tokenize("The cat's 3.5 mg/kg dose, didn't Über-cool 1,000 IL-6 α-synuclein.")).toEqual([
      'the', 'cat', '3.5', 'mg', 'kg', 'dose', "didn't", 'über', 'cool', '1,000', 'il', '6', 'α', 'synuclein',
    ]);
  });

  it('drops English stopwords and Porter-stems what remains, keeping repeats in order', () => {
    expect(analyze('The running studies of cells were generalizations; cells are running.')).toEqual([
      'run', 'studi', 'cell', 'gener', 'cell', 'run',
    ]);
  });

  it('treats punctuation-only and empty text as no terms', () => {
    expect(analyze('')).toEqual([]);
    expect(analyze(' -- ... !!! ')).toEqual([]);
    expect(analyze('of the and')).toEqual([]);
  });

  it('matches Porter reference stems token by token', () => {
    // Stems from Porter's published vocabulary/output lists.
    const pairs: Array<[string, string]> = [
      ['caresses', 'caress'], ['ponies', 'poni'], ['relational', 'relat'], ['conditional', 'condit'],
      ['hopefulness', 'hope'], ['electrical', 'electr'], ['adjustment', 'adjust'], ['controlling', 'control'],
    ];
    for (const [word, stem] of pairs) expect(analyze(word)).toEqual([stem]);
  });

  it('analyzes queries like documents (curly apostrophes, possessives, case)', () => {
    expect(analyze('Patient’s DIABETES')).toEqual(analyze("patient's diabetes"));
    expect(analyze("patient's diabetes")).toEqual(['patient', 'diabet']);
  });

  it('joins title and text with a newline', () => {
    expect(sparseDocumentText('T', 'body')).toBe('T\nbody');
    expect(sparseDocumentText(undefined, 'body')).toBe('body');
    expect(sparseDocumentText('T', '')).toBe('T');
  });
});
