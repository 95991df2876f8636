import { cpSync, existsSync, mkdirSync, readFileSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { distIsFresh } from '../../scripts/build-stamp.js';
import { runOk } from '../child-process.js';
import { ROOT, binProcess, tempDir } from './helpers.js';

/** The module URLs `lateindex <argv>` resolves, recorded by an ESM resolve hook. */
async function importsOf(argv: string[]): Promise<{ code: number; stdout: string; urls: string[] }> {
  const record = path.join(tempDir(), 'imports.txt');
  writeFileSync(record, '');
  const result = await binProcess(argv, {
    nodeArgs: ['--import', path.join(ROOT, 'tests/cli/fixtures/record-imports.mjs')],
    env: { RECORD_IMPORTS: record },
  });
  return { code: result.code, stdout: result.stdout, urls: readFileSync(record, 'utf8').split('\n').filter((u) => u !== '') };
}

describe('start-up', () => {
  it('runs the compiled CLI (the global setup built dist/ from these sources)', async () => {
    expect(distIsFresh(ROOT)).toBe(true);
    const { code, urls } = await importsOf(['--version']);
    expect(code).toBe(0);
    expect(urls.some((u) => u.endsWith('/dist/cli/main.js'))).toBe(true);
    expect(urls.filter((u) => u.includes('/src/') || u.includes('/tsx/'))).toEqual([]);
  });

  it('--help and --version load commander and nothing of the index, search, encoders, REST or charts', async () => {
    for (const argv of [['--help'], ['--version'], ['help']]) {
      const { code, stdout, urls } = await importsOf(argv);
      expect(code, argv.join(' ')).toBe(0);
      expect(stdout).toMatch(argv[0] === '--version' ? /^0\.1\.0\n$/ : /Commands:\n\s+index \[options\]\s+build a new index/);
      const ours = urls.filter((u) => u.includes('/dist/')).map((u) => u.slice(u.indexOf('/dist/') + 1));
      expect(ours.sort()).toEqual(['dist/cli/main.js']);
      const packages = new Set(urls.filter((u) => u.includes('/node_modules/')).map((u) => u.split('/node_modules/').pop()!.split('/')[0]));
      expect([...packages]).toEqual(['commander']);
    }
  });

  it('a command loads its own modules only: stats does not load ONNX Runtime, express or the sweep charts', async () => {
    const { code, stdout, urls } = await importsOf(['stats', '--help']);
    expect(code).toBe(0);
    expect(stdout).toMatch(/--index <dir>/);
    expect(urls.some((u) => u.endsWith('/dist/cli/commands/stats.js'))).toBe(true);
    for (const other of ['commands/search.js', 'commands/serve.js', 'commands/eval.js', 'api/index.js', 'onnxruntime-node', 'express', 'vega']) {
      expect(urls.filter((u) => u.includes(other)), other).toEqual([]);
    }
  });
});

/**
 * A checkout of its own (bin, build scripts, a two-file src/ with an asset, the real node_modules) so that its
 * sources can change while the suite runs.
 */
function scratchCheckout(): string {
  const root = tempDir('lateindex-build-');
  for (const file of ['bin/lateindex.js', 'scripts/build.js', 'scripts/build-stamp.js', 'tsconfig.json', 'tsconfig.build.json', 'package.json']) {
    mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
    cpSync(path.join(ROOT, file), path.join(root, file));
  }
  symlinkSync(path.join(ROOT, 'node_modules'), path.join(root, 'node_modules'));
  mkdirSync(path.join(root, 'src/cli'), { recursive: true });
  writeFileSync(path.join(root, 'src/cli/message.ts'), "export const message: string = 'first';\n");
  writeFileSync(
    path.join(root, 'src/cli/main.ts'),
    [
      "import { readFileSync } from 'node:fs';",
      "import { message } from './message.js';",
      'export async function runCli(argv: readonly string[]): Promise<number> {',
      "  const asset = readFileSync(new URL('./kernel.wasm', import.meta.url)).toString('hex');",
      "  process.stdout.write(`${message} ${asset} ${import.meta.url.endsWith('.ts') ? 'sources' : 'compiled'} ${argv.join(' ')}\\n`);",
      '  return 0;',
      '}',
      '',
    ].join('\n'),
  );
  writeFileSync(path.join(root, 'src/cli/kernel.wasm'), Buffer.from([0, 0x61, 0x73, 0x6d]));
  return root;
}

async function build(root: string): Promise<void> {
  await runOk(process.execPath, [path.join(root, 'scripts/build.js')], { cwd: root });
}

describe('the build and the freshness check', () => {
  it('compiles src/ to dist/ with its assets, and bin runs dist/ only while it matches the sources', async () => {
    const root = scratchCheckout();
    const bin = path.join(root, 'bin/lateindex.js');
    const unbuilt = await binProcess(['a'], { bin });
    expect(unbuilt.stdout).toBe('first 0061736d sources a\n');
    expect(unbuilt.stderr).toMatch(/dist\/ is missing or was built from other sources; running src\/ through tsx/);

    await build(root);
    expect(existsSync(path.join(root, 'dist/cli/main.js'))).toBe(true);
    expect(readFileSync(path.join(root, 'dist/cli/kernel.wasm'))).toEqual(readFileSync(path.join(root, 'src/cli/kernel.wasm')));
    expect(await binProcess(['b'], { bin })).toEqual({ code: 0, stdout: 'first 0061736d compiled b\n', stderr: '' });

    // An edit to any source makes dist/ stale: the bin runs the sources (the new code), never the old build.
    const messageFile = path.join(root, 'src/cli/message.ts');
    writeFileSync(messageFile, "export const message: string = 'second';\n");
    const stale = await binProcess(['c'], { bin });
    expect(stale.stdout).toBe('second 0061736d sources c\n');
    expect(stale.stderr).toMatch(/running src\/ through tsx/);

    // A new file is an edit too; touching a file without changing it is not (the digest still matches).
    await build(root);
    expect((await binProcess(['d'], { bin })).stdout).toBe('second 0061736d compiled d\n');
    utimesSync(messageFile, new Date(2001, 0, 1), new Date(2001, 0, 1));
    expect((await binProcess(['e'], { bin })).stdout).toBe('second 0061736d compiled e\n');
    writeFileSync(path.join(root, 'src/cli/extra.ts'), 'export const extra = 1;\n');
    expect((await binProcess(['f'], { bin })).stdout).toBe('second 0061736d sources f\n');
  });
});
