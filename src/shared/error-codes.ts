/**
 * The one registry of lateindex's error codes. Every `LateIndexError` carries one of these codes, and the code alone
 * decides the HTTP status the REST API answers with and the exit code of the CLI; the error table in
 * docs/rest-api.md is generated from it (`npm run docs:errors`). A code is registered here before it is thrown
 * (`tsc` rejects any other) and removed when nothing raises it any more (tests/shared/error-registry.test.ts).
 */

/** HTTP statuses an error can map to (the problem titles in src/api/problem.ts cover exactly these). */
export type ErrorStatus = 400 | 401 | 404 | 405 | 409 | 413 | 415 | 429 | 500 | 503;

/** CLI exit codes: 1 runtime error (bad data, files, a corrupt or mismatched index), 2 usage error (a flag, a request). */
export type ExitCode = 1 | 2;

export interface ErrorCodeSpec {
  readonly status: ErrorStatus;
  readonly exit: ExitCode;
  /** One line for the docs table: what went wrong. */
  readonly meaning: string;
}

const RUNTIME = 1;
const USAGE = 2;

export const ERROR_CODES = {
  // 400, runtime: bad input data (records, files, request bodies)
  invalid_input: { status: 400, exit: RUNTIME, meaning: 'a record, file or field is malformed; the message names file, line and field' },
  bad_request: { status: 400, exit: RUNTIME, meaning: 'the HTTP request is malformed (e.g. bad percent-encoding in the URL)' },
  malformed_json: { status: 400, exit: RUNTIME, meaning: 'a request body or JSONL line is not valid JSON' },
  missing_body: { status: 400, exit: RUNTIME, meaning: 'the request needs a JSON body' },
  validation_failed: { status: 400, exit: RUNTIME, meaning: 'the request body does not match its schema (see `issues`)' },
  invalid_document: { status: 400, exit: RUNTIME, meaning: 'an upserted document is invalid (see `issues`); nothing was written' },
  dimension_mismatch: { status: 400, exit: RUNTIME, meaning: "query or document vectors do not have the index's dim" },
  query_tokens_missing: { status: 400, exit: RUNTIME, meaning: 'IDF query weighting needs a token string for every query row' },
  empty_corpus: { status: 400, exit: RUNTIME, meaning: 'the corpus holds no records' },
  file_not_found: { status: 400, exit: RUNTIME, meaning: 'an input file or directory does not exist' },
  file_unreadable: { status: 400, exit: RUNTIME, meaning: 'an input file cannot be read (permissions, a directory, I/O)' },
  duplicate_id: { status: 400, exit: RUNTIME, meaning: 'a query id appears twice in queries.jsonl' },
  not_a_dataset: { status: 400, exit: RUNTIME, meaning: 'the directory is not a BEIR dataset (corpus.jsonl, queries.jsonl, qrels/)' },
  missing_split: { status: 400, exit: RUNTIME, meaning: 'the BEIR dataset has no qrels file for the requested split' },
  malformed_qrels: { status: 400, exit: RUNTIME, meaning: 'a qrels line is malformed' },
  duplicate_judgment: { status: 400, exit: RUNTIME, meaning: 'a qrels file judges the same query and document twice' },
  query_missing: { status: 400, exit: RUNTIME, meaning: 'judged queries are missing from the queries file' },
  no_judged_queries: { status: 400, exit: RUNTIME, meaning: 'no query of the split has a relevant judgment; nothing to evaluate' },
  judged_documents_missing: { status: 400, exit: RUNTIME, meaning: 'the index holds none of the documents the split judges relevant (built from another corpus?)' },
  malformed_run: { status: 400, exit: RUNTIME, meaning: 'a TREC run line is malformed' },

  // 400, usage: the command line or request asks for something invalid
  usage: { status: 400, exit: USAGE, meaning: 'wrong command-line or request usage' },
  index_exists: { status: 400, exit: USAGE, meaning: 'an index already exists at the target (use `add`, or `--overwrite` to rebuild)' },
  invalid_k: { status: 400, exit: USAGE, meaning: 'k (the number of results) is not a non-negative integer' },
  invalid_candidates: { status: 400, exit: USAGE, meaning: 'candidates per query token is not a positive integer' },
  invalid_rerank_depth: { status: 400, exit: USAGE, meaning: 'the rerank depth is not a positive integer' },
  invalid_mode: { status: 400, exit: USAGE, meaning: 'unknown search mode' },
  unsupported_mode: { status: 400, exit: USAGE, meaning: 'the index or build does not support this search mode' },
  missing_query: { status: 400, exit: USAGE, meaning: 'the search mode needs query text, query vectors or sparse weights that were not given' },
  sparse_unavailable: { status: 400, exit: USAGE, meaning: 'the index keeps no sparse postings (built with `--sparse none`)' },
  sparse_query: { status: 400, exit: USAGE, meaning: 'invalid sparse query: weights, alpha, beta or k out of range, or text for a learned index' },
  text_without_encoder: { status: 400, exit: USAGE, meaning: 'the index stores precomputed embeddings: give vectors, not text' },
  invalid_reduction_spec: { status: 400, exit: USAGE, meaning: 'the token reduction spec (`--reduce`) is invalid' },
  idf_unavailable: { status: 400, exit: USAGE, meaning: 'a reduction step needs IDF statistics that are not available' },
  exact_match_unsupported: { status: 400, exit: USAGE, meaning: 'exact-match recovery needs a context-free encoder' },
  invalid_quantization: { status: 400, exit: USAGE, meaning: 'unknown `--quantize` codec' },
  invalid_measure: { status: 400, exit: USAGE, meaning: 'unknown evaluation measure' },
  invalid_sweep: { status: 400, exit: USAGE, meaning: 'invalid sweep grid or sweep option' },
  out_not_empty: { status: 400, exit: USAGE, meaning: 'the sweep output directory holds other files or a sweep (pass `--resume`)' },

  // 401
  missing_api_key: { status: 401, exit: RUNTIME, meaning: 'the server requires an API key: send `Authorization: Bearer <key>`' },
  invalid_api_key: { status: 401, exit: RUNTIME, meaning: 'the API key is not valid' },

  // 404
  index_not_found: { status: 404, exit: RUNTIME, meaning: 'no index of that name is served' },
  route_not_found: { status: 404, exit: RUNTIME, meaning: 'no such route (see `GET /openapi.json`)' },
  document_not_found: { status: 404, exit: RUNTIME, meaning: 'the index holds no document with that id' },
  sweep_not_found: { status: 404, exit: RUNTIME, meaning: 'no sweep report of that id is served (see `GET /v1/sweeps`; needs `--sweeps`)' },
  chart_not_found: { status: 404, exit: RUNTIME, meaning: 'no sweep chart of that name (`ndcg-vs-storage`, `latency-vs-storage`)' },
  console_not_built: { status: 404, exit: RUNTIME, meaning: 'the web console is not built: run `npm run build:console`' },

  // 405
  method_not_allowed: { status: 405, exit: RUNTIME, meaning: 'the route does not take this method; `Allow` lists those it takes' },

  // 409
  read_only: { status: 409, exit: RUNTIME, meaning: 'the index is served or opened read-only; writes are refused' },
  index_locked: { status: 409, exit: RUNTIME, meaning: 'the operation needs the index alone, and another process holds it open (the message names it)' },

  // 413, 415, 429
  payload_too_large: { status: 413, exit: RUNTIME, meaning: 'the request body is larger than `--body-limit` (default 16 MiB)' },
  unsupported_media_type: { status: 415, exit: RUNTIME, meaning: 'request bodies must be JSON' },
  write_queue_full: { status: 429, exit: RUNTIME, meaning: "the index's write queue is full; retry after `Retry-After`" },
  search_queue_full: { status: 429, exit: RUNTIME, meaning: 'more than 4096 searches are waiting for a worker; retry after `Retry-After`' },

  // 500: the index, an encoder or the host is not as expected (details only in the server log)
  internal_error: { status: 500, exit: RUNTIME, meaning: 'an unexpected failure; the cause is in the server log' },
  invalid_sweep_report: { status: 500, exit: RUNTIME, meaning: 'a report.json under `--sweeps` is not a sweep report (listed in `skipped`)' },
  not_an_index: { status: 500, exit: RUNTIME, meaning: 'the directory is missing or not a lateindex index' },
  directory_not_empty: { status: 500, exit: RUNTIME, meaning: 'a new index needs a new or empty directory' },
  format_version: { status: 500, exit: RUNTIME, meaning: 'the index has a format version this lateindex does not read' },
  corrupt_manifest: { status: 500, exit: RUNTIME, meaning: "a field of the index's manifest.json is invalid" },
  corrupt_store: { status: 500, exit: RUNTIME, meaning: "the index's LMDB store lacks a record it must have" },
  corrupt_codec_state: { status: 500, exit: RUNTIME, meaning: 'the stored codec state (codebook) is malformed' },
  sparse_format: { status: 500, exit: RUNTIME, meaning: 'the sparse store has a format version this lateindex does not read' },
  sparse_config: { status: 500, exit: RUNTIME, meaning: 'the sparse store was built with other settings than the index records' },
  index_corrupt: {
    status: 500,
    exit: RUNTIME,
    meaning: "the index's LMDB file is damaged (truncated, garbled pages); restore it from a copy or rebuild it from the corpus",
  },
  index_inconsistent: { status: 500, exit: RUNTIME, meaning: '`verify` found consistency problems in the index' },
  no_graph: { status: 500, exit: RUNTIME, meaning: 'the index was opened without its HNSW graph; candidate search is unavailable' },
  label_space_exhausted: { status: 500, exit: RUNTIME, meaning: 'the index has used all 2^32 HNSW labels; rebuild it' },
  codec_not_trainable: { status: 500, exit: RUNTIME, meaning: "the index's codec has nothing to train" },
  codec_in_use: { status: 500, exit: RUNTIME, meaning: 'the codec cannot be retrained once the index stores vectors' },
  codec_untrained: { status: 500, exit: RUNTIME, meaning: 'the residual codec is used before it was trained' },
  unsupported_platform: { status: 500, exit: RUNTIME, meaning: 'lateindex needs a little-endian host' },
  encoder_mismatch: { status: 500, exit: RUNTIME, meaning: 'the index was built with another encoder than the one loaded' },
  encoder_file_missing: { status: 500, exit: RUNTIME, meaning: 'a model directory, ONNX model or config file is missing or unreadable' },
  encoder_config_invalid: { status: 500, exit: RUNTIME, meaning: "a model's ColBERT config is invalid or contradicts the model" },
  encoder_model_invalid: { status: 500, exit: RUNTIME, meaning: 'the ONNX model cannot be loaded or has unexpected inputs or outputs' },
  encoder_tokenizer_invalid: { status: 500, exit: RUNTIME, meaning: "the model's tokenizer cannot be built or used" },
  encoder_option_invalid: { status: 500, exit: RUNTIME, meaning: 'an ONNX encoder option (batch size, threads) is invalid' },
  encoder_run_failed: { status: 500, exit: RUNTIME, meaning: 'ONNX inference failed' },
  encoder_platform: { status: 500, exit: RUNTIME, meaning: 'the ONNX encoder needs a little-endian host' },
  embedding_table_missing: { status: 500, exit: RUNTIME, meaning: "the embedded encoder's word-vector package is not installed" },
  embedding_table_source: { status: 500, exit: RUNTIME, meaning: "the embedded encoder's word-vector source cannot be converted" },
  embedding_table_cache: { status: 500, exit: RUNTIME, meaning: 'the converted word-vector table cannot be cached or does not verify' },
  encoded_store_corrupt: { status: 500, exit: RUNTIME, meaning: "a sweep's cache of encoded documents is incomplete" },
  invalid_run_field: { status: 500, exit: RUNTIME, meaning: 'a TREC run query id, document id or tag is empty or holds whitespace' },
  file_unwritable: { status: 500, exit: RUNTIME, meaning: 'an output file cannot be written' },

  // 503
  index_closed: { status: 503, exit: RUNTIME, meaning: 'the index is closed (the server is shutting down)' },
  not_ready: { status: 503, exit: RUNTIME, meaning: 'the indexes are still opening (or failed to open); retry after `Retry-After`' },
  shutting_down: { status: 503, exit: RUNTIME, meaning: 'the server is shutting down' },
} as const satisfies Readonly<Record<string, ErrorCodeSpec>>;

export type ErrorCode = keyof typeof ERROR_CODES;

/** Every registered code, in registry order (e.g. for the OpenAPI problem schema's enum). */
export const ERROR_CODE_NAMES = Object.keys(ERROR_CODES) as [ErrorCode, ...ErrorCode[]];
