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
