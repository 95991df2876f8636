import { Command, CommanderError, Help } from 'commander';

/** What a command module exports: adds the command's flags and action to its (already named) command. */
export interface CommandModule {
  configure(command: Command): void;
}

interface CommandEntry {
  readonly name: string;
  readonly description: string;
  readonly load: () => Promise<CommandModule>;
}

/**
 * Every command, in help order. A command's module (and everything it imports: LMDB, ONNX Runtime, express...) is
 * loaded only when that command runs or shows its help, so `lateindex --help` and `--version` load commander alone.
 */
const COMMANDS: readonly CommandEntry[] = [
  { name: 'index', description: 'build a new index from a corpus', load: () => import('./commands/index.js') },
  { name: 'add', description: 'upsert documents from a corpus file into an existing index', load: () => import('./commands/add.js') },
  { name: 'delete', description: 'delete documents by id', load: () => import('./commands/delete.js') },
  {
    name: 'compact',
    description: 'after many updates and deletes: rebuild the HNSW graph without tombstones, reorder sparse blocks',
    load: () => import('./commands/compact.js'),
  },
  { name: 'search', description: 'search an index', load: () => import('./commands/search.js') },
  {
    name: 'eval',
    description: 'evaluate an index on a BEIR dataset split: nDCG@10, R@100, RR@10, storage, latency',
    load: () => import('./commands/eval.js'),
  },
  {
    name: 'sweep',
    description: 'index a BEIR dataset once per reduction/quantization configuration and report nDCG@10 against storage',
    load: () => import('./commands/sweep.js'),
  },
  { name: 'stats', description: 'show index statistics', load: () => import('./commands/stats.js') },
  {
    name: 'verify',
    description: 'check an index: every LMDB database against the others and the HNSW graph (read-only)',
    load: () => import('./commands/verify.js'),
  },
  {
    name: 'serve',
    description: 'serve indexes over REST and the web console at / (API key from LATEINDEX_API_KEY)',
    load: () => import('./commands/serve.js'),
  },
];

/** The command `argv` runs or asks help for (`lateindex help <command>` included), if it names one. */
function invokedCommand(argv: readonly string[]): string | undefined {
  return argv[0] === 'help' ? argv[1] : argv[0];
}

/**
 * The program for `argv`: every command is listed (for help and "did you mean" suggestions), and the one `argv`
 * invokes is loaded and configured. Help and version go to stdout, errors to stderr.
 */
export async function buildProgram(argv: readonly string[]): Promise<Command> {
  const program = new Command('lateindex')
    .description('Multi-vector late-interaction retrieval: index a corpus, search it, measure nDCG against storage')
    .version('0.1.0')
    .showHelpAfterError('(run with --help for usage)')
    .configureOutput({ writeOut: (s) => process.stdout.write(s), writeErr: (s) => process.stderr.write(s) })
    // Commands that were not loaded have no options yet; every one of them has some.
    .configureHelp({
      subcommandTerm: (command: Command) =>
        COMMANDS.some((entry) => entry.name === command.name()) ? `${command.name()} [options]` : new Help().subcommandTerm(command),
    })
    .exitOverride();
  const invoked = invokedCommand(argv);
  for (const entry of COMMANDS) {
    const command = program.command(entry.name).description(entry.description);
    if (entry.name === invoked) (await entry.load()).configure(command);
  }
  return program;
}

/** Runs the CLI and returns the process exit code: 0 ok, else the registered exit code of the error's code (1 runtime, 2 usage). */
export async function runCli(argv: readonly string[]): Promise<number> {
  try {
    await (await buildProgram(argv)).parseAsync(argv as string[], { from: 'user' });
    return 0;
  } catch (err) {
    return reportError(err);
  }
}

async function reportError(err: unknown): Promise<number> {
  // Help and version are "errors" with exit code 0 under exitOverride; commander already printed them.
  if (err instanceof CommanderError && err.exitCode === 0) return 0;
  // Loaded here, not at start-up: a command that failed has loaded it already.
  const { ERROR_CODES, LateIndexError } = await import('../shared/index.js');
  if (err instanceof CommanderError) return ERROR_CODES.usage.exit;
  if (err instanceof LateIndexError) {
    process.stderr.write(`error: ${err.message} [${err.code}]\n`);
    return ERROR_CODES[err.code].exit;
  }
  const message = err instanceof Error ? err.message : String(err);
  process.stderr.write(`error: ${message}\n`);
  if (process.env.LATEINDEX_DEBUG && err instanceof Error) process.stderr.write(`${err.stack}\n`);
  return ERROR_CODES.internal_error.exit;
}
