import type { RankedDoc, RankedList } from './types.js';

/**
 * A query's results in the order trec_eval scores them: score descending, then document id descending, ids
 * compared byte by byte as C strings (UTF-8). trec_eval ignores the rank column and sorts each query's results
 * with `comp_sim_docno` (form_res_rels.c: `if (p1->sim > p2->sim) return -1; if (p1->sim < p2->sim) return 1;
 * return strcmp(p2->docno, p1->docno);`), so this is the ranking that its measures, and ours, see.
 */
export function trecEvalOrder(list: RankedList): RankedDoc[] {
  return [...list].sort((a, b) => b.score - a.score || compareUtf8(b.id, a.id));
}

/** strcmp on the UTF-8 bytes: code point order (UTF-16 code-unit order differs beyond U+FFFF). */
function compareUtf8(a: string, b: string): number {
  return a === b ? 0 : Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}
