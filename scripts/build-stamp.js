// What dist/ was compiled from: every file under src/ and the tsconfig files, by size and mtime (checked at every
// start: a few ms) and by a SHA-256 of their paths and bytes (checked only when some size or mtime differs, e.g.
// after a checkout that touched files without changing them). Plain JavaScript: bin/lateindex.js runs it before
// anything is compiled, and scripts/build.js writes it.
import { createHash } from 'node:crypto';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';

export const STAMP_FILE = 'build-stamp.json';
const CONFIG_FILES = ['tsconfig.json', 'tsconfig.build.json'];

function* filesUnder(root, dir) {
  const entries = readdirSync(path.join(root, dir), { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const entry of entries) {
    const relative = path.posix.join(dir, entry.name);
    if (entry.isDirectory()) yield* filesUnder(root, relative);
    else if (entry.isFile()) yield relative;
  }
}

/** The build's inputs in the checkout at `root` (relative paths) with their size and mtime. */
function inputStats(root) {
  const stats = {};
  for (const file of [...CONFIG_FILES, ...filesUnder(root, 'src')]) {
    try {
      const stat = statSync(path.join(root, file));
      stats[file] = [stat.size, stat.mtimeMs];
    } catch (error) {
      if (error.code !== 'ENOENT') throw error;
    }
  }
  return stats;
}

function digestOf(root, files) {
  const hash = createHash('sha256');
  for (const file of files) {
    const bytes = readFileSync(path.join(root, file));
    hash.update(`${file}\0${bytes.length}\0`);
    hash.update(bytes);
  }
  return hash.digest('hex');
}

/** The stamp of the sources as they are now; taken before compiling, so an edit during the build makes it stale. */
export function createStamp(root) {
  const files = inputStats(root);
  return { sources: digestOf(root, Object.keys(files)), files };
}

function sameStats(a, b) {
  const keys = Object.keys(a);
  if (keys.length !== Object.keys(b).length) return false;
  return keys.every((key) => b[key] !== undefined && a[key][0] === b[key][0] && a[key][1] === b[key][1]);
}

/** True when `<root>/dist` was compiled from exactly the current sources. */
export function distIsFresh(root) {
  let stamp;
  try {
    stamp = JSON.parse(readFileSync(path.join(root, 'dist', STAMP_FILE), 'utf8'));
  } catch {
    return false;
  }
  if (typeof stamp?.sources !== 'string' || typeof stamp.files !== 'object' || stamp.files === null) return false;
  const current = inputStats(root);
  if (sameStats(current, stamp.files)) return true;
  return digestOf(root, Object.keys(current)) === stamp.sources;
}
