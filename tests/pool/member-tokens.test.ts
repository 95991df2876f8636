import { describe, expect, it } from 'vitest';
import { HierarchicalPooler, parseReductionSpec } from '../../src/pool/index.js';
import { representedTokens, type MultiVector } from '../../src/shared/index.js';
import { modalDoc, randomUnitDoc } from './helpers.js';

const CTX = { protectedLeadingTokens: 0, seed: 42, idf: (t: string) => t.length };

/** A document whose row i has token `w<i % distinct>` (so some tokens repeat). */
function tokenDoc(doc: MultiVector, distinct: number): MultiVector {
  return { ...doc, tokens: Array.from({ length: doc.count }, (_, i) => `w${i % distinct}`) };
}

const sorted = (tokens: Iterable<string> | undefined) => [...(tokens ?? [])].sort();

describe('member tokens through reduction', () => {
  it('ward:2 lists, per pooled row, the distinct tokens of exactly the rows its cluster merged', () => {
    const doc = tokenDoc(modalDoc(24, 8, 5, 0.2, 3), 9);
    const pooled = parseReductionSpec('ward:2').apply(doc, CTX).vectors;
    // Independent partition: the same linkage, cut by hand, labels numbered by first appearance.
    const labels = new HierarchicalPooler('ward', 2, true).partition(doc.data, doc.dim, 0, doc.count, 12);
    const expected: string[][] = Array.from({ length: 12 }, () => []);
    for (let i = 0; i < doc.count; i++) {
      const group = expected[labels[i]!]!;
      if (!group.includes(doc.tokens![i]!)) group.push(doc.tokens![i]!);
    }
    expect(pooled.count).toBe(12);
    expect(pooled.memberTokens!.map((m) => [...m])).toEqual(expected);
    expect(sorted(representedTokens(pooled))).toEqual(sorted(new Set(doc.tokens)));
  });

  it('a pooler never loses a token; a pruner after it keeps only the members of the rows it keeps', () => {
    const doc = tokenDoc(randomUnitDoc(30, 6, 11), 30);
    for (const spec of ['average:3', 'complete:2', 'single:4', 'kmeans:5', 'kmeans:0.3', 'adaptive:0.4', 'lightcolpali:3']) {
      const reduced = parseReductionSpec(spec).apply(doc, CTX).vectors;
      expect(reduced.count, spec).toBeLessThan(doc.count);
      expect(sorted(representedTokens(reduced)), spec).toEqual(sorted(doc.tokens));
    }
    const pooled = parseReductionSpec('ward:3').apply(doc, CTX).vectors;
    const pruned = parseReductionSpec('ward:3,first:2').apply(doc, CTX).vectors;
    expect(pruned.count).toBe(2);
    expect(sorted(representedTokens(pruned))).toEqual(sorted([...pooled.memberTokens![0]!, ...pooled.memberTokens![1]!]));
  });

  it('pruners drop the tokens of the rows they drop; protected rows keep their own token', () => {
    const doc = { ...randomUnitDoc(6, 4, 2), tokens: ['[CLS]', 'the', 'cell', 'of', 'division', 'cell'] };
    expect(sorted(representedTokens(parseReductionSpec('skiplist').apply(doc, CTX).vectors))).toEqual(['[CLS]', 'cell', 'division']);
    const pooled = parseReductionSpec('ward:5').apply(doc, { ...CTX, protectedLeadingTokens: 1 }).vectors;
    expect(pooled.count).toBe(2);
    expect(pooled.memberTokens![0]).toEqual(['[CLS]']);
    expect(sorted(pooled.memberTokens![1])).toEqual(['cell', 'division', 'of', 'the']);
  });

  it('a pipeline merges exactly when one of its steps is a pooler', () => {
    for (const spec of ['ward:2', 'average:2', 'complete:2', 'single:2', 'kmeans:8', 'kmeans:0.5', 'lightcolpali:3', 'spatial1d:2', 'spatial2d:2', 'adaptive:0.3', 'skiplist,ward:2', 'ward:2,first:4']) {
      expect(parseReductionSpec(spec).merges, spec).toBe(true);
    }
    for (const spec of ['none', 'skiplist', 'first:8', 'idf-top:0.5', 'random:0.5', 'divprune:0.5', 'dart:0.5', 'skiplist,idf-top:0.5']) {
      expect(parseReductionSpec(spec).merges, spec).toBe(false);
    }
  });

  it('documents without tokens carry no member tokens', () => {
    const reduced = parseReductionSpec('ward:2').apply(randomUnitDoc(10, 4, 1), CTX).vectors;
    expect(reduced.memberTokens).toBeUndefined();
    expect(representedTokens(reduced)).toBeUndefined();
  });
});
