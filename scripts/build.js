#!/usr/bin/env node
// Compiles src/ to dist/ (`npm run build`, and `prepare` at `npm ci`): tsc emits JavaScript without type checking
// (that is `npm run typecheck`), the files modules load beside themselves at run time (.mjs, .wasm, ...) are
// copied, and dist/build-stamp.json records what the sources were (scripts/build-stamp.js), which bin/lateindex.js
// checks before it runs dist/. The new tree is written beside dist/ and renamed into place, so a running CLI never sees half of it.
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { STAMP_FILE, createStamp } from './build-stamp.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

function copyAssets(from, to) {
  for (const entry of readdirSync(from, { withFileTypes: true })) {
    const source = path.join(from, entry.name);
    const target = path.join(to, entry.name);
    if (entry.isDirectory()) copyAssets(source, target);
    else if (entry.isFile() && !entry.name.endsWith('.ts')) {
      mkdirSync(to, { recursive: true });
      copyFileSync(source, target);
    }
  }
}

let tsc;
try {
  tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
} catch {
  // An install without devDependencies: bin/lateindex.js runs the sources through tsx instead.
  process.stderr.write('lateindex build: typescript is not installed; skipping the build (the CLI will run from src/)\n');
  process.exit(0);
}

const stamp = createStamp(root);
const staging = path.join(root, `dist.building-${process.pid}`);
const retired = path.join(root, `dist.old-${process.pid}`);
rmSync(staging, { recursive: true, force: true });
try {
  execFileSync(process.execPath, [tsc, '-p', path.join(root, 'tsconfig.build.json'), '--outDir', staging], { cwd: root, stdio: 'inherit' });
  copyAssets(path.join(root, 'src'), staging);
  writeFileSync(path.join(staging, STAMP_FILE), `${JSON.stringify(stamp)}\n`);
  rmSync(retired, { recursive: true, force: true });
  try {
    renameSync(path.join(root, 'dist'), retired);
  } catch (error) {
    if (error.code !== 'ENOENT') throw error;
  }
  renameSync(staging, path.join(root, 'dist'));
} finally {
  rmSync(staging, { recursive: true, force: true });
  rmSync(retired, { recursive: true, force: true });
}
