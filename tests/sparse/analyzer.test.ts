import { describe, expect, it } from 'vitest';
import { analyze, tokenize } from '../../src/index/sparse/index.js';
import { documentText } from '../../src/shared/index.js';

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

  it('indexes the one document text: title and text joined with a newline, trimmed, either may be missing', () => {
    expect(documentText({ title: 'T', text: 'body' })).toBe('T\nbody');
    expect(documentText({ text: 'body' })).toBe('body');
    expect(documentText({ title: 'T', text: '' })).toBe('T');
    expect(documentText({ title: '  T ', text: ' body\n' })).toBe('T\nbody');
    // Trimming never changes the terms: whitespace is no term.
    expect(analyze(documentText({ title: '  Cells ', text: ' running\n' }))).toEqual(analyze('  Cells \n running\n'));
  });
});
