/**
 * Compares the LMDB contents of two lateindex directories database by database, key by key, byte for byte:
 * `npx tsx scripts/compare-stores.ts <index-a> <index-b>`. Prints each difference (at most 20 per database) and
 * exits 1 when there is any. Values that hold wall-clock times (the bookkeeping record's `updatedAt`) are
 * compared with that field removed. Used to check that a refactoring writes exactly what the old code wrote.
 */
import { join } from 'node:path';
import { open, type Database, type RootDatabase } from 'lmdb';

function openStore(dir: string): RootDatabase {
  return open({ path: join(dir, 'store.mdb'), readOnly: true, maxDbs: 64, encoding: 'binary', keyEncoding: 'binary' });
}

function names(env: RootDatabase): string[] {
  const out: string[] = [];
  // Named databases are the root's keys (C strings: the trailing NUL is not part of the name).
  for (const key of env.getKeys({})) out.push(Buffer.from(key as Uint8Array).toString('utf8').replace(/\0$/, ''));
  return out.sort();
}

/**
 * Databases created with `keyEncoding: 'uint32'` (LMDB's MDB_INTEGERKEY: native integer order). They must be
 * opened the same way, or cursors walk them in the wrong order and miss entries.
 */
const UINT32_KEYED = new Set([
  'docs', 'vectors', 'vectorCounts', 'rowLabels', 'labelOwners', 'retired', 'changedDocs', 'exactTokens',
  'sparse.termBlocks', 'sparse.blocks', 'sparse.docs', 'sparse.slots', 'sparse.slotIds',
]);

function entries(db: Database<Uint8Array, Uint8Array | number>): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  for (const { key, value } of db.getRange({})) out.set(typeof key === 'number' ? String(key) : Buffer.from(key).toString('hex'), Buffer.from(value));
  return out;
}

/** The bookkeeping record with its wall-clock field dropped (it is msgpack; decode through a structured handle). */
function withoutTimes(env: RootDatabase, name: string, key: string): unknown {
  const db = env.openDB<Record<string, unknown>, string>({ name });
  const { updatedAt: _updatedAt, ...rest } = db.get(key) ?? {};
  return rest;
}

const [dirA, dirB] = process.argv.slice(2);
if (!dirA || !dirB) {
  console.error('usage: compare-stores <index-a> <index-b>');
  process.exit(2);
}
const a = openStore(dirA);
const b = openStore(dirB);
let differences = 0;
const report = (line: string): void => {
  differences++;
  console.log(line);
};
const namesA = names(a);
const namesB = names(b);
for (const name of new Set([...namesA, ...namesB])) {
  if (!namesA.includes(name) || !namesB.includes(name)) {
    report(`database ${name}: only in ${namesA.includes(name) ? dirA : dirB}`);
    continue;
  }
  const keyEncoding = UINT32_KEYED.has(name) ? 'uint32' : 'binary';
  const ea = entries(a.openDB<Uint8Array, Uint8Array | number>({ name, encoding: 'binary', keyEncoding }));
  const eb = entries(b.openDB<Uint8Array, Uint8Array | number>({ name, encoding: 'binary', keyEncoding }));
  let shown = 0;
  for (const key of new Set([...ea.keys(), ...eb.keys()])) {
    const va = ea.get(key);
    const vb = eb.get(key);
    if (va !== undefined && vb !== undefined && va.equals(vb)) continue;
    if (name === 'meta' && va && vb) {
      const keyText = Buffer.from(key, 'hex');
      // ordered-binary string keys: the text after the type byte.
      const text = keyText.subarray(1).toString('utf8');
      if (JSON.stringify(withoutTimes(a, name, text)) === JSON.stringify(withoutTimes(b, name, text))) continue;
    }
    if (shown++ < 20) report(`database ${name}, key ${key}: ${va ? `${va.length} bytes` : 'absent'} vs ${vb ? `${vb.length} bytes` : 'absent'}`);
    else differences++;
  }
  console.log(`${name}: ${ea.size} entries vs ${eb.size}${shown === 0 ? ', identical' : ''}`);
}
console.log(differences === 0 ? 'identical' : `${differences} differences`);
process.exit(differences === 0 ? 0 : 1);
