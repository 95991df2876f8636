import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { run } from '../child-process.js';

const ROOT = path.resolve(__dirname, '../..');

describe('install', () => {
  it("skips onnxruntime-node's CUDA download through package.json, with no config npm warns about", async () => {
    // npm (>= 11 here) skips install scripts of dependencies that allowScripts denies; onnxruntime-node's only
    // downloads the CUDA execution provider, which lateindex never uses (its CPU binaries are in the package).
    const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { allowScripts: Record<string, boolean> };
    expect(pkg.allowScripts['onnxruntime-node']).toBe(false);
    const npm = await run('npm', ['pkg', 'get', 'name'], { cwd: ROOT });
    expect(npm.code, npm.stderr).toBe(0);
    expect(npm.stdout.trim()).toBe('"lateindex"');
    expect(npm.stderr).toBe('');
  });
});

describe('install builds everything a clone runs, and CI runs what the README says', () => {
  it('prepare compiles the CLI (dist/) and then the web console (console/dist/)', () => {
    const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
    expect(pkg.scripts.prepare).toBe('npm run build && npm run build:console');
    expect(pkg.scripts.build).toBe('node scripts/build.js');
    expect(pkg.scripts['build:console']).toMatch(/^vite build /);
  });

  it(".ci/run's last command is the README's test command, verbatim", () => {
    const readme = readFileSync(path.join(ROOT, 'README.md'), 'utf8');
    const quickStart = readme.slice(readme.indexOf('# 2. run the tests'));
    const testCommand = quickStart.split('\n')[1]!;
    expect(testCommand).toBe('npm ci && npm test');
    const ci = readFileSync(path.join(ROOT, '.ci/run'), 'utf8').trimEnd().split('\n');
    expect(ci.at(-1)).toBe(testCommand);
  });
});
