// Runs `serve` as a real process for the signal tests: node --import tsx tests/api/serve-child.ts <dir>
import { serveCommand } from '../../src/cli/commands/serve.js';

const dir = process.argv[2]!;
serveCommand({ index: dir, host: '127.0.0.1', port: 0 }).then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(`error: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  },
);
