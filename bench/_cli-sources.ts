// The CLI run from its TypeScript sources (what bin/lateindex.js falls back to when dist/ is stale), for
// bench/cli-startup.ts: node --import tsx bench/_cli-sources.ts <args>
import { runCli } from '../src/cli/main.js';

process.exit(await runCli(process.argv.slice(2)));
