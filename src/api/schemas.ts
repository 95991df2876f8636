import { z } from 'zod';
import { ERROR_CODE_NAMES } from '../shared/index.js';
import type { ProblemIssue } from './problem.js';

/**
 * The one source of truth for the REST API's bodies: routes validate requests with these schemas and
 * `/openapi.json` is generated from them (`z.toJSONSchema`). Response schemas document what routes send.
 */

export const MAX_TOP_K = 1000;
export const MAX_OFFSET = 10_000;
export const MAX_BATCH_QUERIES = 64;
export const MAX_QUERY_CHARS = 4096;
export const MAX_SPARSE_QUERY_TERMS = 1024;
export const MAX_QUERY_VECTORS = 1024;
export const MAX_UPSERT_DOCUMENTS = 1000;
export const MAX_IDS = 10_000;

/** Index names are directory basenames; anything else can never name a served index. */
export const INDEX_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

const DocumentId = z.string().min(1).max(480).describe('external document id');
const MetadataValue = z.union([z.string(), z.number(), z.boolean(), z.null()]);

export const SearchModeSchema = z
  .enum(['late', 'sparse', 'hybrid'])
  .describe('late: MaxSim over token vectors; sparse: BM25 / learned sparse; hybrid: both fused (when the index supports them)');
export type SearchMode = z.infer<typeof SearchModeSchema>;

export const IncludeSchema = z.enum(['title', 'text', 'metadata', 'token_scores']);
export type IncludeField = z.infer<typeof IncludeSchema>;

export const SearchFilterSchema = z
  .strictObject({
    ids: z.array(DocumentId).min(1).max(MAX_IDS).optional().describe('only these documents (unknown ids are ignored)'),
    metadata: z
      .record(z.string(), MetadataValue)
      .optional()
      .describe('only documents whose metadata has every one of these keys equal to the given value'),
  })
  .describe('restricts the ranked documents; all conditions must hold');
export type SearchFilter = z.infer<typeof SearchFilterSchema>;

export const SearchRequestSchema = z
  .strictObject({
    query: z.string().min(1).max(MAX_QUERY_CHARS).optional().describe('one query text'),
    queries: z.array(z.string().min(1).max(MAX_QUERY_CHARS)).min(1).max(MAX_BATCH_QUERIES).optional().describe('a batch of query texts'),
    embeddings: z
      .array(z.array(z.number()).min(1))
      .min(1)
      .max(MAX_QUERY_VECTORS)
      .optional()
      .describe("one precomputed multi-vector query: rows of the index's dim (rows are L2-normalised)"),
    top_k: z.number().int().min(1).max(MAX_TOP_K).default(10),
    offset: z.number().int().min(0).max(MAX_OFFSET).default(0).describe('hits to skip (paging); ranks stay absolute'),
    mode: SearchModeSchema.optional().describe(
      "omitted: the index's default_mode (hybrid for the embedded encoder with BM25 postings, late otherwise), restricted to the sides the query gives: sparse_query alone runs sparse, with a query or embeddings hybrid; embeddings alone run late",
    ),
    filter: SearchFilterSchema.optional(),
    include: z.array(IncludeSchema).max(4).default([]).describe('extra fields per hit'),
    exhaustive: z.boolean().default(false).describe('exact MaxSim over every document instead of HNSW candidates (slow)'),
    candidates_per_token: z.number().int().min(1).max(4096).optional().describe("HNSW neighbours per query token (k')"),
    plaid: z
      .object({
        cells: z.number().int().min(1).max(4096).optional().describe('codebook cells explored per query vector (default 16)'),
        nprobe: z.number().int().min(1).max(4096).optional().describe('inverted lists opened per query vector (default 4)'),
        candidates: z.number().int().min(1).max(16384).optional().describe('documents ranked by centroid interaction (default 1024)'),
        rerank: z.number().int().min(1).max(4096).optional().describe('documents scored by exact MaxSim (PLAID default 128; HNSW indexes: every candidate)'),
      })
      .strict()
      .optional()
      .describe('PLAID search knobs, for indexes built with a plaid:* codec (ignored by others)'),
    sparse_query: z
      .record(z.string().min(1).max(MAX_QUERY_CHARS), z.number().min(0))
      .refine((weights) => Object.keys(weights).length <= MAX_SPARSE_QUERY_TERMS, `at most ${MAX_SPARSE_QUERY_TERMS} terms`)
      .optional()
      .describe('learned-sparse query term weights for modes sparse and hybrid (instead of analysing the query text)'),
  })
  .superRefine((body, ctx) => {
    const given = (['query', 'queries', 'embeddings'] as const).filter((key) => body[key] !== undefined);
    if (given.length > 1 || (given.length === 0 && body.sparse_query === undefined)) {
      ctx.addIssue({
        code: 'custom',
        path: given.length === 0 ? ['query'] : [given[1]!],
        message: given.length === 0 ? 'give one of "query", "queries", "embeddings" or "sparse_query"' : `give only one of ${given.map((k) => `"${k}"`).join(', ')}`,
      });
    }
    if (body.sparse_query !== undefined && body.queries !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['sparse_query'], message: 'sparse_query goes with one "query" or "embeddings", not a batch of "queries"' });
    }
    if (body.sparse_query !== undefined && body.mode === 'late') {
      ctx.addIssue({ code: 'custom', path: ['sparse_query'], message: 'sparse_query needs mode "sparse" or "hybrid"' });
    }
    if (body.sparse_query === undefined && body.embeddings !== undefined && body.mode !== undefined && body.mode !== 'late') {
      ctx.addIssue({ code: 'custom', path: ['mode'], message: `mode "${body.mode}" with "embeddings" needs sparse_query (embeddings carry no text to analyse)` });
    }
  });
/** A search request as sent: `mode` may be omitted. */
export type SearchRequestBody = z.infer<typeof SearchRequestSchema>;
/** A search request with its mode resolved against the index (`withSearchMode`): what the search path runs. */
export type SearchRequest = SearchRequestBody & { readonly mode: SearchMode };

/** The corpus record shape (as in corpus.jsonl); deep checks (row lengths, grid) are the corpus reader's. */
export const DocumentSchema = z
  .looseObject({
    _id: z.union([DocumentId, z.number()]).optional().describe('document id (or "id")'),
    id: z.union([DocumentId, z.number()]).optional(),
    title: z.string().optional(),
    text: z.string().optional(),
    metadata: z.record(z.string(), z.unknown()).optional(),
    embeddings: z.array(z.array(z.number()).min(1)).min(1).optional().describe('precomputed token vectors, indexed as given'),
    grid: z.tuple([z.number().int().positive(), z.number().int().positive()]).optional().describe('[rows, cols] of image patches'),
    sparse: z.record(z.string(), z.number().min(0)).optional().describe('learned-sparse term weights'),
  })
  .describe('a corpus record; unknown fields are ignored as in corpus files');

export const UpsertRequestSchema = z.strictObject({
  documents: z.array(DocumentSchema).min(1).max(MAX_UPSERT_DOCUMENTS),
});
export type UpsertRequest = z.infer<typeof UpsertRequestSchema>;

export const DeleteRequestSchema = z.strictObject({
  ids: z.array(DocumentId).min(1).max(MAX_IDS),
});
export type DeleteRequest = z.infer<typeof DeleteRequestSchema>;

export const DocumentTokenSchema = z.object({
  token: z.string().describe("the encoder's token (normalised, e.g. lowercased, or a word piece)"),
  position: z.number().int().describe("the token's place among the document's encoded tokens (0-based)"),
  field: z.enum(['title', 'text']).optional().describe('the record field it was read from (absent for tokens no text stands behind, e.g. [CLS])'),
  start: z.number().int().optional().describe('start offset in that field, in UTF-16 code units (JavaScript string indices)'),
  end: z.number().int().optional().describe('end offset (exclusive) in that field'),
  text: z.string().optional().describe('the field text between start and end, as stored'),
});
export type DocumentTokenJson = z.infer<typeof DocumentTokenSchema>;

export const TokenScoreSchema = z.object({
  query_token: z.string().nullable().describe('the query token, when the encoder knows it'),
  weight: z.number().describe('the query row weight used in the score (e.g. IDF)'),
  document_vector: z.number().int().describe('index of the stored document vector that matched best (-1: none)'),
  similarity: z.number().describe('unweighted dot product with that vector, or the exact-match floor when higher'),
  exact_match: z.boolean().describe('true when the document holds the query token itself and exact-match recovery set the similarity'),
  document_tokens: z
    .array(DocumentTokenSchema)
    .optional()
    .describe(
      'the document tokens matched: those the stored vector stands for (one, or every member of a pooled vector), or for an exact match the occurrences of the query token; absent when the stored vectors cannot be traced to the text (precomputed embeddings)',
    ),
});

export const SearchHitSchema = z.object({
  id: z.string(),
  score: z.number(),
  rank: z.number().int().describe('1-based rank in the full result list'),
  title: z.string().optional(),
  text: z.string().optional(),
  metadata: z.record(z.string(), z.unknown()).optional(),
  token_scores: z.array(TokenScoreSchema).optional(),
  components: z.object({ late: z.number(), sparse: z.number() }).optional().describe('hybrid mode: the fused late and sparse scores'),
});

export const QueryResultSchema = z.object({
  query: z.string().optional(),
  hits: z.array(SearchHitSchema),
  took_ms: z.number(),
});

export const SearchResponseSchema = z.object({
  index: z.string(),
  mode: SearchModeSchema,
  results: z.array(QueryResultSchema).describe('one per query, in request order'),
  took_ms: z.number(),
});
export type SearchResponse = z.infer<typeof SearchResponseSchema>;

export const UpsertResponseSchema = z.object({
  inserted: z.number().int(),
  updated: z.number().int(),
  vectors: z.number().int().describe('vectors stored for this batch after reduction'),
  documents: z.number().int().describe('documents in the index after the batch'),
  truncated: z
    .object({
      limit: z.number().int().describe("the encoder's document token limit"),
      documents: z.array(z.object({ id: z.string(), tokens: z.number().int().describe('tokens the text had') })),
    })
    .optional()
    .describe("the batch's documents longer than the encoder reads: their vectors stand for the first `limit` tokens (absent when none)"),
});

export const StoredDocumentSchema = z.object({
  id: z.string(),
  title: z.string().optional(),
  text: z.string().optional(),
  metadata: z.record(z.string(), z.unknown()),
  vectors: z.number().int().describe('token vectors stored for the document (after reduction)'),
});
export type StoredDocumentJson = z.infer<typeof StoredDocumentSchema>;

export const DeleteResponseSchema = z.object({
  deleted: z.array(z.string()),
  missing: z.array(z.string()),
  documents: z.number().int(),
});

export const IndexInfoSchema = z.object({
  name: z.string(),
  documents: z.number().int(),
  vectors: z.number().int(),
  vectors_per_document: z.number(),
  bytes: z.number().int().describe('stored vector payload bytes'),
  bytes_per_document: z.number(),
  disk_bytes: z.number().int().optional().describe('allocated size of the index directory'),
  reduction: z.string(),
  quantization: z.string(),
  exact_match_recovery: z.boolean().describe('documents keep the tokens their rows stand for; exact token matches score as before pooling'),
  exact_token_bytes: z.number().int().optional().describe('bytes of exact-match recovery token lists (when kept)'),
  layout: z.enum(['distinct-vectors', 'centroids']).describe('token-vector layout: an HNSW graph of distinct vectors, or PLAID centroids with an inverted file'),
  distinct_vectors: z.number().int().optional().describe('distinct stored vectors in the HNSW graph (distinct-vectors layout)'),
  centroids: z
    .object({
      centroids: z.number().int(),
      cells: z.number().int(),
      lists: z.number().int(),
      postings: z.number().int(),
      largest_list: z.number().int(),
      list_bytes: z.number().int(),
    })
    .optional()
    .describe('PLAID layout: codebook size and cells, non-empty inverted lists, postings, the longest list, list bytes'),
  reduction_steps: z
    .array(z.object({ step: z.string(), vectors: z.number().int().nullable() }))
    .describe('vectors left after each reduction step, starting with "encoded" (null: not recorded)'),
  sparse: z
    .object({
      mode: z.enum(['bm25', 'learned', 'none']),
      block_size: z.number().int().optional().describe('documents per posting block'),
      k1: z.number().optional(),
      b: z.number().optional(),
    })
    .describe('sparse postings kept for modes sparse and hybrid'),
  codec: z
    .object({
      state_bytes: z.number().int().describe('bytes of the trained codebook'),
      centroids: z.number().int(),
      train_vectors: z.number().int(),
      held_out_cosine: z.number().describe('mean cosine of held-out vectors to their reconstruction at training'),
      drift_ratio: z.number().describe('reconstruction error of the vectors added since training over the training figure'),
      retrain_advised: z.boolean(),
    })
    .optional()
    .describe('trained codecs (residual) only'),
  encoder: z.object({ kind: z.string(), name: z.string(), dim: z.number().int(), hash: z.string() }),
  format_version: z.number().int(),
  read_only: z.boolean(),
  modes: z.array(SearchModeSchema),
  default_mode: SearchModeSchema.describe('the mode of a search request that gives none'),
  created_at: z.string(),
  updated_at: z.string(),
});
export type IndexInfo = z.infer<typeof IndexInfoSchema>;

export const IndexListSchema = z.object({ indexes: z.array(IndexInfoSchema) });

export const SweepListSchema = z.object({
  served: z.boolean().describe('false when the server was started without --sweeps'),
  sweeps: z.array(
    z.object({
      id: z.string().describe("the sweep's folder relative to --sweeps ('/'-separated; percent-encode it in URLs)"),
      dataset: z.string(),
      split: z.string(),
      encoder: z.string(),
      created_at: z.string(),
      configurations: z.number().int(),
      bm25_ndcg10: z.number().nullable(),
    }),
  ),
  skipped: z.array(z.object({ id: z.string(), reason: z.string() })).describe('report.json files that are not sweep reports'),
});
export type SweepListJson = z.infer<typeof SweepListSchema>;

/** A sweep's report.json as `lateindex sweep` writes it (see src/eval/sweep/sweep-report.ts); passed through unchanged. */
export const SweepReportSchema = z.looseObject({
  dataset: z.string(),
  split: z.string(),
  encoder: z.string(),
  createdAt: z.string(),
  baseline: z.string().describe('slug of the unreduced float32 configuration every retention is relative to'),
  bm25: z.object({ 'nDCG@10': z.number(), source: z.string() }).nullable(),
  notes: z.array(z.string()),
  rows: z.array(z.looseObject({})).describe('one eval object per configuration, with config, storage, metrics, latency, retention, indexRecall'),
});

export const HealthSchema = z.object({
  status: z.enum(['ok', 'ready', 'starting', 'stopping', 'failed']),
  indexes: z.array(z.string()).optional(),
});

export const ProblemSchema = z.object({
  type: z.string(),
  title: z.string(),
  status: z.number().int(),
  detail: z.string(),
  code: z.enum(ERROR_CODE_NAMES).describe('stable machine-readable error code (the table in docs/rest-api.md)'),
  instance: z.string().optional(),
  request_id: z.string().optional(),
  issues: z.array(z.object({ path: z.string(), message: z.string(), code: z.string() })).optional(),
});

/** `documents[3].embeddings[0]` style paths, as users write them. */
export function formatIssuePath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else out += out === '' ? String(key) : `.${String(key)}`;
  }
  return out;
}

export function issuesOf(error: z.ZodError): ProblemIssue[] {
  return error.issues.map((issue) => ({ path: formatIssuePath(issue.path), message: issue.message, code: issue.code }));
}
