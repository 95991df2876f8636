import path from 'node:path';
import { InvalidArgumentError, Option, type Command } from 'commander';
import type { Encoder, EncoderOptions } from '../../encode/index.js';
import { readQueries } from '../../eval/index.js';
import { analyze, type LateIndex } from '../../index/index.js';
import { Retriever, compileDocumentFilter, type CompiledFilter, type FilterValue, type RetrievedHit, type SearchMode } from '../../search/index.js';
import { InputError, UsageError, readLines } from '../../shared/index.js';
import {
  addEncoderOptions,
  addRequiredOption,
  addRetrievalOptions,
  nonNegativeInt,
  positiveInt,
  refuseIdleFlags,
  retrieveOptions,
  type RetrievalFlags,
} from '../options.js';
import { print, printJson, tableLines } from '../output.js';
import { highlightAll, makeSnippet, markSnippet, markStyleFor, queryTerms, truncateSnippet, type MarkStyle, type Snippet } from '../snippet.js';
import { openIndexWithEncoder } from './open-index.js';

export interface SearchCommandOptions extends EncoderOptions, RetrievalFlags {
  readonly index: string;
  readonly query?: string;
  readonly queriesFile?: string;
  readonly k: number;
  readonly offset: number;
  readonly sparseQuery?: Record<string, number>;
  /** `--filter key=value`, repeated: metadata equality conditions, all of which must hold. */
  readonly filter?: Record<string, FilterValue>;
  readonly json?: boolean;
}

export function configure(command: Command): void {
  addRequiredOption(command, new Option('--index <dir>', 'index directory'))
    .option('--query <text>', 'query text')
    .addOption(
      new Option('--queries-file <file>', 'queries, one per line; a .jsonl file holds BEIR query records {"_id", "text"}').conflicts(['query', 'sparseQuery']),
    )
    .addOption(new Option('--k <n>', 'number of results per query').argParser(positiveInt).default(10))
    .addOption(new Option('--offset <n>', 'results to skip (paging); ranks stay ranks in the full list').argParser(nonNegativeInt).default(0))
    .option(
      '--filter <key=value>',
      'only documents whose metadata has key equal to value (read as JSON when it parses: 4, true, "4"); repeat the flag for more conditions, all must hold',
      metadataCondition,
    )
    .option('--sparse-query <json>', 'sparse query term weights as JSON, e.g. \'{"glacier": 1.3}\' (learned-sparse indexes; modes sparse and hybrid)', sparseWeights)
    .option('--json', 'print results as JSON on stdout');
  addEncoderOptions(addRetrievalOptions(command, [{ attribute: 'sparseQuery', flag: '--sparse-query', modes: ['sparse', 'hybrid'] }]))
    .hook('preAction', (self) => {
      const options = self.opts<SearchCommandOptions>();
      if (options.query === undefined && options.queriesFile === undefined) throw new UsageError('give --query <text> or --queries-file <file>');
    })
    .action(searchCommand);
}

/** Characters of document text shown under each hit. */
const SNIPPET_WIDTH = 160;
const TITLE_WIDTH = 70;

interface QueryInput {
  readonly id?: string;
  readonly text: string;
}

interface QueryResult {
  readonly query: QueryInput;
  readonly tookMs: number;
  readonly hits: readonly PresentedHit[];
  /** Why `hits` is empty. */
  readonly reason?: string;
}

export async function searchCommand(options: SearchCommandOptions): Promise<void> {
  const queries = options.queriesFile !== undefined ? await readQueriesFile(options.queriesFile) : [{ text: options.query! }];
  const { index, encoder } = await openIndexWithEncoder(options.index, { ...options, readOnly: true });
  try {
    const retriever = new Retriever(index, encoder);
    // Every query is text (with the one --sparse-query, if given), so one mode serves them all.
    const mode = retriever.modeFor({ text: '', ...(options.sparseQuery && { sparse: options.sparseQuery }) }, options.mode);
    refuseIdleFlags(options, mode);
    const resolved = { ...options, mode };
    const filter = compileDocumentFilter(index, options.filter && { metadata: options.filter });
    const searchOptions = { ...retrieveOptions(resolved, options.offset + options.k), ...(filter && { filter: filter.accepts }) };
    const started = performance.now();
    const results: QueryResult[] = [];
    for (const query of queries) {
      const t0 = performance.now();
      const hits = await retriever.retrieve({ text: query.text, ...(options.sparseQuery && { sparse: options.sparseQuery }) }, searchOptions);
      const tookMs = performance.now() - t0;
      const shown = hits.slice(options.offset);
      const reason = shown.length === 0 ? await emptyResultReason(index, encoder, resolved, filter, query.text, hits.length) : undefined;
      results.push({ query, tookMs, hits: present(index, queryTerms(query.text), shown), ...(reason && { reason }) });
    }
    const tookMs = performance.now() - started;

    if (options.json) {
      const body = (r: QueryResult) => ({ took_ms: Number(r.tookMs.toFixed(2)), hits: r.hits, ...(r.reason && { reason: r.reason }) });
      if (options.queriesFile === undefined) printJson({ query: options.query, mode, ...body(results[0]!) });
      // As REST answers `queries`: one result per query, in file order.
      else printJson({ mode, took_ms: Number(tookMs.toFixed(2)), results: results.map((r) => ({ id: r.query.id, query: r.query.text, ...body(r) })) });
      return;
    }
    const style = markStyleFor(process.stdout);
    results.forEach((result, i) => {
      if (options.queriesFile !== undefined) print(`${i > 0 ? '\n' : ''}query ${result.query.id}: ${result.query.text}`);
      printHits(result.hits, queryTerms(result.query.text), style);
      print(result.reason ? `no results: ${result.reason}` : `${result.hits.length} results in ${result.tookMs.toFixed(1)} ms`);
    });
  } finally {
    await encoder.close();
    await index.close();
  }
}

interface PresentedHit {
  readonly rank: number;
  readonly id: string;
  readonly score: number;
  readonly components?: RetrievedHit['components'];
  readonly title?: string;
  /** A window of the document's text, with the ranges of the words that match the query. */
  readonly snippet?: Snippet;
}

function present(index: LateIndex, terms: ReadonlySet<string>, hits: readonly RetrievedHit[]): PresentedHit[] {
  return hits.map((hit) => {
    const doc = index.getDocument(hit.internalId);
    return {
      rank: hit.rank,
      id: hit.id,
      score: hit.score,
      ...(hit.components && { components: hit.components }),
      ...(doc?.title && { title: doc.title }),
      ...(doc?.text && { snippet: makeSnippet(doc.text, terms, SNIPPET_WIDTH) }),
    };
  });
}

/** One row per hit (rank, score, id, title with its matches marked), and the marked snippet under it. */
function printHits(hits: readonly PresentedHit[], terms: ReadonlySet<string>, style: MarkStyle): void {
  if (hits.length === 0) return;
  const title = (hit: PresentedHit): string =>
    hit.title === undefined ? '' : markSnippet(truncateSnippet(highlightAll(hit.title, terms), TITLE_WIDTH), style);
  const rows = hits.map((hit) => [String(hit.rank), hit.score.toFixed(4), hit.id, title(hit)]);
  const lines = tableLines([['rank', 'score', 'id', 'title'], ...rows], [0, 1]);
  // Under the score column: past the rank column (its header is its widest cell up to rank 9999) and its gap.
  const indent = ' '.repeat(Math.max('rank'.length, String(hits.at(-1)!.rank).length) + 2);
  print(lines[0]);
  hits.forEach((hit, i) => {
    print(lines[i + 1]);
    if (hit.snippet) print(`${indent}${markSnippet(hit.snippet, style)}`);
  });
}

/**
 * Why a query found nothing, said beside the empty result: paging past the end, an empty index, a filter no
 * document meets, no searchable words (only stopwords and punctuation give no query vector and no BM25 term), a
 * filter none of the HNSW candidates meets, or no document sharing a term (sparse).
 */
async function emptyResultReason(
  index: LateIndex,
  encoder: Encoder,
  options: SearchCommandOptions & { readonly mode: SearchMode },
  filter: CompiledFilter | undefined,
  text: string,
  before: number,
): Promise<string> {
  if (before > 0) return `--offset skips all ${before} results there are`;
  if (index.counts().documents === 0) return 'the index holds no documents';
  if (filter && !someDocument(index, filter)) return `no document meets ${describeFilter(options.filter!)}`;
  const terms = analyze(text);
  if (options.mode !== 'sparse') {
    const [encoded] = await encoder.encodeQueries([text]);
    if (encoded!.count === 0) return 'the query has no searchable words (only stopwords and punctuation)';
  } else if (terms.length === 0) {
    return 'the query has no searchable words (only stopwords and punctuation)';
  }
  // Hybrid too: its sparse side found no matching document either, or the fused list would not be empty.
  if (filter && options.mode !== 'sparse' && !options.exhaustive) {
    return `none of the query's nearest candidates meets ${describeFilter(options.filter!)} (--exhaustive scores every document)`;
  }
  return options.mode === 'late' ? 'no document was close enough to the query' : 'no document contains any of the query\'s terms';
}

function someDocument(index: LateIndex, filter: CompiledFilter): boolean {
  for (const internalId of index.liveInternalIds()) if (filter.accepts(internalId)) return true;
  return false;
}

function describeFilter(conditions: Readonly<Record<string, FilterValue>>): string {
  return Object.entries(conditions)
    .map(([key, value]) => `--filter ${key}=${JSON.stringify(value)}`)
    .join(' ');
}

/**
 * One `--filter key=value` added to those given before: the value is read as JSON when it parses to a scalar
 * (`4`, `true`, `null`, `"4"`), else taken as text; an object or array, an empty key or a key given twice is refused.
 */
function metadataCondition(value: string, previous: Record<string, FilterValue> | undefined): Record<string, FilterValue> {
  const eq = value.indexOf('=');
  const key = eq < 0 ? '' : value.slice(0, eq).trim();
  if (key === '') throw new InvalidArgumentError(`expected key=value, got "${value}"`);
  if (previous && Object.hasOwn(previous, key)) throw new InvalidArgumentError(`"${key}" is given twice; a document has one value per key`);
  const raw = value.slice(eq + 1).trim();
  let parsed: unknown = raw;
  try {
    parsed = JSON.parse(raw);
  } catch {
    // plain text
  }
  if (typeof parsed === 'object' && parsed !== null) {
    throw new InvalidArgumentError(`"${key}": filters compare with one value (a string, number, boolean or null), got ${raw}`);
  }
  return { ...previous, [key]: parsed as FilterValue };
}

/** `--queries-file`: BEIR query records in a .jsonl file, else one query per non-blank line (its id: the line number). */
async function readQueriesFile(file: string): Promise<QueryInput[]> {
  if (path.extname(file).toLowerCase() === '.jsonl') {
    return [...(await readQueries(file))].map(([id, text]) => ({ id, text }));
  }
  const queries: QueryInput[] = [];
  for await (const { line, lineNo } of readLines(file)) {
    if (line.trim() !== '') queries.push({ id: String(lineNo), text: line.trim() });
  }
  if (queries.length === 0) throw new InputError('holds no queries', { file });
  return queries;
}

function sparseWeights(value: string): Record<string, number> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    throw new InvalidArgumentError('expected a JSON object of term weights');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new InvalidArgumentError('expected a JSON object of term weights');
  }
  for (const [term, weight] of Object.entries(parsed)) {
    if (typeof weight !== 'number' || !Number.isFinite(weight) || weight < 0) {
      throw new InvalidArgumentError(`weight of "${term}" must be a finite number >= 0`);
    }
  }
  return parsed as Record<string, number>;
}
