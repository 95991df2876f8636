import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { ERROR_CODES, LateIndexError } from '../shared/index.js';
import { CODEC_NAMES } from '../index/index.js';
import { FUSION_METHODS } from '../search/index.js';
import { addCommand } from './commands/add.js';
import { compactCommand } from './commands/compact.js';
import { deleteCommand } from './commands/delete.js';
import { evalCommand } from './commands/eval.js';
import { indexCommand } from './commands/index.js';
import { searchCommand } from './commands/search.js';
import { serveCommand } from './commands/serve.js';
import { registerSweepCommand } from './commands/sweep.js';
import { statsCommand } from './commands/stats.js';
import { verifyCommand } from './commands/verify.js';
import { nonNegativeInt, positiveInt, sparseBlockSize, unitInterval } from './options.js';

function encoderOptions(command: Command): Command {
  return command
    .option('--model <dir>', 'local ONNX ColBERT model directory (default: the embedded static encoder)')
    .option('--int8', 'use model_int8.onnx from the model directory')
    .option('--threads <n>', 'ONNX Runtime intra-op threads', positiveInt);
}

function retrievalOptions(command: Command): Command {
  return command
    .addOption(new Option('--mode <mode>', 'late (HNSW + MaxSim), sparse (Block-Max Pruning) or hybrid (both, fused)').choices(['late', 'sparse', 'hybrid']).default('late'))
    .option('--exhaustive', 'late scoring by exact MaxSim over every document (reference; slow)')
    .option('--candidates <n>', "candidate documents gathered per query token from HNSW (k')", positiveInt)
    .addOption(new Option('--fusion <method>', 'hybrid fusion: zscore (default), convex, convex-depth, dbsf (normalised scores) or rrf (reciprocal ranks)').choices(FUSION_METHODS))
    .option('--late-weight <w>', 'convex fusion weight of the late score, in [0, 1]', unitInterval)
    .option('--alpha <a>', 'Block-Max Pruning aggressiveness in (0, 1]; 1 = safe', unitInterval)
    .option('--beta <b>', 'Block-Max Pruning share of query terms kept, in (0, 1]', unitInterval);
}

export function buildProgram(): Command {
  const program = new Command('lateindex')
    .description('Multi-vector late-interaction retrieval: index a corpus, search it, measure nDCG against storage')
    .version('0.1.0')
    .showHelpAfterError('(run with --help for usage)')
    .configureOutput({ writeOut: (s) => process.stderr.write(s), writeErr: (s) => process.stderr.write(s) })
    .exitOverride();

  encoderOptions(
    program
      .command('index')
      .description('build a new index from a corpus')
      .option('--dataset <dir>', 'BEIR dataset folder (reads its corpus.jsonl)')
      .option('--corpus <path>', 'corpus: a .jsonl file or a folder of .txt/.md files')
      .requiredOption('--index <dir>', 'index directory to create')
      .option('--batch-size <n>', 'documents per encode/write batch', positiveInt, 64)
      .option('--reduce <spec>', 'token reduction pipeline, e.g. "skiplist,ward:2" (default: none)', 'none')
      .addOption(new Option('--quantize <codec>', 'vector storage codec').choices(CODEC_NAMES).default('float16'))
      .addOption(
        new Option('--sparse <mode>', 'sparse postings for Block-Max Pruning: BM25 over the text, learned weights from records\' "sparse" field, or none')
          .choices(['bm25', 'learned', 'none'])
          .default('bm25'),
      )
      .option('--sparse-block-size <n>', 'documents per sparse block, 1..256 (default 64; smaller blocks prune more on large corpora)', sparseBlockSize)
      .option('--exact-match-recovery', 'keep the tokens each stored row stands for, so exact token matches score as before reduction (default: on for the embedded encoder when --reduce has a pooler)')
      .option('--no-exact-match-recovery', 'do not keep exact-match recovery lists')
      .option('--overwrite', 'replace an existing index at --index (swapped in only when the new one is complete)')
      .option('--json', 'print the summary as JSON on stdout')
      .option('--quiet', 'no progress bar'),
  ).action(indexCommand);

  encoderOptions(
    program
      .command('add')
      .description('upsert documents from a corpus file into an existing index')
      .requiredOption('--index <dir>', 'index directory')
      .requiredOption('--corpus <path>', 'corpus: a .jsonl file or a folder of .txt/.md files')
      .option('--batch-size <n>', 'documents per encode/write batch', positiveInt, 64)
      .option('--json', 'print the summary as JSON on stdout')
      .option('--quiet', 'no progress bar'),
  ).action(addCommand);

  program
    .command('delete')
    .description('delete documents by id')
    .requiredOption('--index <dir>', 'index directory')
    .requiredOption('--ids <file | a,b,c>', 'a file with one id per line, or a comma-separated list')
    .option('--json', 'print the result as JSON on stdout')
    .action(deleteCommand);

  program
    .command('compact')
    .description('after many updates and deletes: rebuild the HNSW graph without tombstones, reorder sparse blocks')
    .requiredOption('--index <dir>', 'index directory')
    .option('--json', 'print the report as JSON on stdout')
    .action(compactCommand);

  encoderOptions(
    program
      .command('search')
      .description('search an index')
      .requiredOption('--index <dir>', 'index directory')
      .requiredOption('--query <text>', 'query text')
      .option('--k <n>', 'number of results', positiveInt, 10)
      .option('--sparse-query <json>', 'sparse query term weights as JSON, e.g. \'{"glacier": 1.3}\' (learned-sparse indexes)', sparseWeights)
      .option('--json', 'print results as JSON on stdout'),
  );
  retrievalOptions(program.commands.at(-1)!).action(searchCommand);

  encoderOptions(
    program
      .command('eval')
      .description('evaluate an index on a BEIR dataset split: nDCG@10, R@100, RR@10, storage, latency')
      .requiredOption('--dataset <dir>', 'BEIR dataset folder (queries.jsonl, qrels/<split>.tsv)')
      .requiredOption('--index <dir>', 'index directory built from the dataset corpus')
      .option('--split <name>', 'qrels split', 'test')
      .option('--run <file>', 'also write the TREC run to this file')
      .option('--json', 'print the eval object as JSON on stdout')
      .option('--quiet', 'no progress bar'),
  );
  retrievalOptions(program.commands.at(-1)!).action(evalCommand);

  program
    .command('stats')
    .description('show index statistics')
    .requiredOption('--index <dir>', 'index directory')
    .option('--json', 'print statistics as JSON on stdout')
    .action(statsCommand);

  program
    .command('verify')
    .description('check an index: every LMDB database against the others and the HNSW graph (read-only)')
    .requiredOption('--index <dir>', 'index directory')
    .option('--json', 'print the report as JSON on stdout')
    .action(verifyCommand);

  program
    .command('serve')
    .description('serve indexes over REST and the web console at / (API key from LATEINDEX_API_KEY)')
    .option('--index <dirs>', 'index directories, comma-separated (name = directory basename)')
    .option('--sweeps <dir>', 'serve the sweep reports found under this folder (read-only, for the console)')
    .option('--host <host>', 'address to bind', '127.0.0.1')
    .option('--port <n>', 'port (0 picks a free one)', port, 8080)
    .option('--body-limit <size>', 'largest request body, e.g. 16mb')
    .option('--write-queue <n>', 'writes waiting or running per index before 429', positiveInt)
    .option('--read-only', 'refuse upserts and deletes (409)')
    .option('--search-threads <n>', 'worker threads running searches (default: cores, at most 4; 0 = on the event loop)', nonNegativeInt)
    .action(serveCommand);

  registerSweepCommand(program);
  return program;
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

function port(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new InvalidArgumentError(`expected a port 0-65535, got "${value}"`);
  return n;
}

/** Runs the CLI and returns the process exit code: 0 ok, else the registered exit code of the error's code (1 runtime, 2 usage). */
export async function runCli(argv: readonly string[]): Promise<number> {
  try {
    await buildProgram().parseAsync(argv as string[], { from: 'user' });
    return 0;
  } catch (err) {
    return reportError(err);
  }
}

function reportError(err: unknown): number {
  if (err instanceof CommanderError) {
    // Help and version are "errors" under exitOverride; commander already printed the message.
    if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help') return 0;
    return ERROR_CODES.usage.exit;
  }
  if (err instanceof LateIndexError) {
    process.stderr.write(`error: ${err.message} [${err.code}]\n`);
    return ERROR_CODES[err.code].exit;
  }
  const message = err instanceof Error ? err.message : String(err);
  process.stderr.write(`error: ${message}\n`);
  if (process.env.LATEINDEX_DEBUG && err instanceof Error) process.stderr.write(`${err.stack}\n`);
  return ERROR_CODES.internal_error.exit;
}
