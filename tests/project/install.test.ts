import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(__dirname, '../..');

describe('install', () => {
  it("skips onnxruntime-node's CUDA download through package.json, with no config npm warns about", () => {
    // npm (>= 11 here) skips install scripts of dependencies that allowScripts denies; onnxruntime-node's only
    // downloads the CUDA execution provider, which lateindex never uses (its CPU binaries are in the package).
    const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { allowScripts: Record<string, boolean> };
    expect(pkg.allowScripts['onnxruntime-node']).toBe(false);
    const npm = spawnSync('npm', ['pkg', 'get', 'name'], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
    expect(npm.status, npm.stderr).toBe(0);
    expect(npm.stdout.trim()).toBe('"lateindex"');
    expect(npm.stderr).toBe('');
  });
});
