import type { EncoderOptions } from '../../encode/index.js';
import { Retriever } from '../../search/index.js';
import { retrieveOptions, type RetrievalFlags } from '../options.js';
import { printJson, say, table } from '../output.js';
import { openIndexWithEncoder } from './open-index.js';

export interface SearchCommandOptions extends EncoderOptions, RetrievalFlags {
  readonly index: string;
  readonly query: string;
  readonly k: number;
  readonly sparseQuery?: Record<string, number>;
  readonly json?: boolean;
}

export async function searchCommand(options: SearchCommandOptions): Promise<void> {
  const { index, encoder } = await openIndexWithEncoder(options.index, { ...options, readOnly: true });
  try {
    const retriever = new Retriever(index, encoder);
    const started = performance.now();
    const hits = await retriever.retrieve(
      { text: options.query, ...(options.sparseQuery && { sparse: options.sparseQuery }) },
      retrieveOptions(options, options.k),
    );
    const tookMs = performance.now() - started;
    const results = hits.map((hit) => {
      const doc = index.getDocument(hit.internalId);
      return {
        rank: hit.rank,
        id: hit.id,
        score: hit.score,
        ...(hit.components && { components: hit.components }),
        ...(doc?.title && { title: doc.title }),
      };
    });
    if (options.json) {
      printJson({ query: options.query, mode: options.mode, took_ms: Number(tookMs.toFixed(2)), hits: results });
      return;
    }
    if (results.length === 0) {
      say('no results');
      return;
    }
    const rows = results.map((r) => [String(r.rank), r.score.toFixed(4), r.id, truncate(r.title ?? snippet(index.getDocument(hits[r.rank - 1]!.internalId)?.text), 70)]);
    say(table([['rank', 'score', 'id', 'title'], ...rows], [0, 1]));
    say(`${results.length} results in ${tookMs.toFixed(1)} ms`);
  } finally {
    await encoder.close();
    await index.close();
  }
}

function snippet(text: string | undefined): string {
  return (text ?? '').replace(/\s+/g, ' ').trim();
}

function truncate(text: string, width: number): string {
  return text.length > width ? `${text.slice(0, width - 1)}…` : text;
}
