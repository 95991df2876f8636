import { closeSync, fsyncSync, openSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { open as openLmdb, type Database, type RootDatabase } from 'lmdb';
import { IndexFormatError, LateIndexError } from '../../shared/index.js';
import { removeCompactionMarker, writeCompactionMarker } from './compaction-marker.js';
import { lmdbNamedDatabases, type NamedDatabase } from './lmdb-file.js';
import { lockHolders, otherStoreHolders, processAlive } from './store-holders.js';
import { StoreSchema } from './store-schema.js';

/** What rewriting the store file changed. */
export interface StoreCompaction {
  readonly bytesBefore: number;
  readonly bytesAfter: number;
  readonly databases: number;
  readonly records: number;
}

const COPY_TAG = '.compact-';
/** LMDB's MDB_INTEGERKEY: the only database flag lateindex's databases use (lmdb-js `keyEncoding: 'uint32'`). */
const INTEGER_KEY = 0x08;
/** Records per write transaction of the copy. */
const RECORDS_PER_COMMIT = 20_000;
/** How long the swap waits for processes that opened meanwhile to see the marker and close again. */
const DRAIN_MS = 10_000;

/**
 * Rewrites the index's `store.mdb` compacted, so that the pages updates and deletes freed go back to the file
 * system: every record of every named database is copied, in key order with LMDB's append flag (full pages), into
 * a fresh environment `store.mdb.compact-<pid>`, which is synced and renamed over `store.mdb`. (lmdb-js's
 * `env.backup(path, true)`, LMDB's compacting copy, is not used: writes to such a copy trip an LMDB assertion in
 * `mdb_page_alloc` (lmdb-js issue #198).)
 *
 * The copy runs inside a write transaction on the store, so it is one snapshot; the rename runs in a second one,
 * refused when any commit happened in between (the copy's own flush and close are asynchronous). Crash-safe: until the rename the old file is untouched, the rename is atomic, and a copy left by a
 * killed run is removed by the next one. The swap needs the index alone (a process with the environment open would
 * go on with the old file, its writes lost, and a new opener would pair the new file with the old lock file), so it
 * is refused (`index_locked`) while another process holds the environment (store-holders.ts), and openers wait on
 * the compaction marker meanwhile (compaction-marker.ts).
 */
export async function rewriteStoreCompacted(dir: string): Promise<StoreCompaction> {
  const schema = await StoreSchema.open(dir, false, true);
  const file = schema.file;
  const bytesBefore = statSync(file).size;
  removeStaleCopies(file);
  const copy = `${file}${COPY_TAG}${process.pid}`;
  let copied: { databases: number; records: number } | undefined;
  try {
    refuseIfHeld(schema);
    const databases = lmdbNamedDatabases(file);
    if (typeof databases === 'string') throw new IndexFormatError('index_corrupt', `${file}: cannot list its databases (${databases})`);
    writeCompactionMarker(file);
    copied = await copyInto(schema, databases, copy);
  } catch (err) {
    removeCompactionMarker(file);
    throw err;
  } finally {
    await schema.close();
    rmSync(copy, { force: true });
    rmSync(`${copy}-lock`, { force: true });
  }
  await drainOpeners(file);
  removeCompactionMarker(file);
  return { bytesBefore, bytesAfter: statSync(file).size, ...copied };
}

/** Copies every database into a fresh environment at `copy` and renames it over the store, holding its write lock. */
async function copyInto(schema: StoreSchema, databases: readonly NamedDatabase[], copy: string): Promise<{ databases: number; records: number }> {
  for (const { name, flags } of databases) {
    if ((flags & ~INTEGER_KEY) !== 0) {
      throw new IndexFormatError('index_corrupt', `${schema.file}: database "${name}" has LMDB flags 0x${flags.toString(16)}, which no lateindex database has`);
    }
  }
  rmSync(copy, { force: true });
  rmSync(`${copy}-lock`, { force: true });
  // The copy keeps the store's page size (PLAID indexes use 64 KiB pages).
  const { pageSize } = schema.env.getStats() as { pageSize: number };
  const target = openLmdb({ path: copy, maxDbs: 32, pageSize });
  let records = 0;
  let copiedAt = -1;
  try {
    schema.transaction(() => {
      copiedAt = lastTxnId(schema);
      for (const database of databases) records += copyDatabase(schema.env, target, database);
    });
  } catch (err) {
    await target.close();
    throw err;
  }
  await target.flushed;
  await target.close();
  syncFile(copy);
  schema.transaction(() => {
    // Holding the store's write lock, with the copy complete: nobody else may hold the environment now, and
    // nobody may have committed since the copy (a process that opened before the marker and closed meanwhile).
    refuseIfHeld(schema);
    if (lastTxnId(schema) !== copiedAt) {
      throw new LateIndexError('index_locked', `${schema.file}: another process committed while it was copied; run compact again`);
    }
    renameSync(copy, schema.file);
    syncFile(dirname(schema.file));
  });
  return { databases: databases.length, records };
}

/** LMDB's last committed transaction, as this process's write transaction sees it. */
function lastTxnId(schema: StoreSchema): number {
  return (schema.env.getStats() as { lastTxnId: number }).lastTxnId;
}

/** Copies one database's records, raw, in key order; returns how many. */
function copyDatabase(source: RootDatabase, target: RootDatabase, { name, flags }: NamedDatabase): number {
  const options = { name, keyEncoding: (flags & INTEGER_KEY) !== 0 ? 'uint32' : 'binary', encoding: 'binary' } as const;
  const from = source.openDB(options) as Database<Buffer, Buffer | number>;
  const to = target.openDB(options) as Database<Buffer, Buffer | number>;
  let count = 0;
  let batch: { key: Buffer | number; value: Buffer }[] = [];
  const commit = (): void => {
    const records = batch;
    batch = [];
    target.transactionSync(() => {
      for (const { key, value } of records) to.putSync(key, value, { append: true });
    });
  };
  for (const { key, value } of from.getRange({})) {
    batch.push({ key, value: Buffer.from(value) });
    count++;
    if (batch.length >= RECORDS_PER_COMMIT) commit();
  }
  if (batch.length > 0) commit();
  // Every record LMDB counts was read: nothing sorts before the range's start.
  const entries = (from.getStats() as { entryCount: number }).entryCount;
  if (count !== entries) throw new IndexFormatError('index_corrupt', `database "${name}": ${count} records read of the ${entries} LMDB counts`);
  return count;
}

function refuseIfHeld(schema: StoreSchema): void {
  const others = otherStoreHolders(`${schema.file}-lock`, schema.env);
  if (others.length === 0) return;
  const them = others.length > 1;
  throw new LateIndexError(
    'index_locked',
    `${schema.file}: cannot rewrite the file compacted while process${them ? 'es' : ''} ${others.join(', ')} ${them ? 'have' : 'has'} ` +
      `the index open (a server, or another command); stop ${them ? 'them' : 'it'} and run compact again`,
  );
}

/**
 * After the swap, processes that opened the old environment in the meantime see the marker and close; the next
 * opener must find the lock file unused, so that LMDB initialises it afresh for the new file. (Without
 * `/proc/locks` there is no way to tell, and nothing to wait for.)
 */
async function drainOpeners(file: string): Promise<void> {
  const deadline = Date.now() + DRAIN_MS;
  while (Date.now() < deadline && (lockHolders(`${file}-lock`)?.length ?? 0) > 0) await new Promise((resolve) => setTimeout(resolve, 25));
}

/** Copies left by killed runs (`store.mdb.compact-<pid>` of a dead pid, and its lock file). */
function removeStaleCopies(file: string): void {
  const prefix = `${basename(file)}${COPY_TAG}`;
  for (const name of readdirSync(dirname(file))) {
    if (!name.startsWith(prefix)) continue;
    const pid = Number.parseInt(name.slice(prefix.length), 10);
    if (Number.isInteger(pid) && pid !== process.pid && !processAlive(pid)) rmSync(join(dirname(file), name), { force: true });
  }
}

function syncFile(path: string): void {
  const fd = openSync(path, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
