import { closeSync, fstatSync, openSync, readSync } from 'node:fs';

/**
 * Reads an LMDB file with plain reads, without mapping it, to tell whether LMDB can map and write it safely: LMDB
 * trusts its file, and a file shorter than its meta pages say faults on first access (SIGBUS past the end, SIGSEGV
 * on wild page numbers), while a garbled tree page makes a write transaction trip an assertion (SIGABRT). No
 * JavaScript can catch either, so these checks run before LMDB opens the file.
 *
 * Layout of lmdb-js 3's bundled LMDB (data format 2, 64-bit, little-endian): every page starts with a 24-byte
 * header (page number u64, txnid u64, pad u16, flags u16, lower u16, upper u16; an overflow page keeps its page
 * count in the last u32). Pages 0 and 1 are meta pages: after the header, magic u32, version u32, address u64,
 * map size u64, two `MDB_db` of 48 bytes (free pages, main; each: pad u32 (the free one holds the page size),
 * flags u16, depth u16, branch, leaf and overflow page counts, entries, root page, all u64), last used page u64,
 * txnid u64. Commits alternate between them. Tree pages hold `lower / 2` u16 node offsets (relative to the end of
 * the header) after the header; a node is lo u16, hi u16, flags u16, key size u16, key, data. A branch node's
 * child page is lo | hi << 16 | flags << 32; a leaf node's data size is lo | hi << 16, its data inline, or with
 * F_BIGDATA the u64 number of its first overflow page, or with F_SUBDATA a named database's `MDB_db`.
 */

const MDB_MAGIC = 0xbeefc0de;
const MDB_DATA_VERSION = 2;
const HEADER_BYTES = 24;
const NODE_HEADER_BYTES = 8;
const DB_RECORD_BYTES = 48;
const META_BYTES = HEADER_BYTES + 144;
const P_BRANCH = 0x01;
const P_LEAF = 0x02;
const P_OVERFLOW = 0x04;
const P_META = 0x08;
const P_LEAF2 = 0x20;
const F_BIGDATA = 0x01;
const F_SUBDATA = 0x02;
const F_DUPDATA = 0x04;
const NO_PAGE = 0xffffffffffffffffn;
/** LMDB's cursor stack depth: a deeper tree is corrupt. */
const MAX_DEPTH = 32;

/** One `MDB_db` record: a tree's root page (undefined when empty), depth and database flags. */
interface TreeRoot {
  readonly root: number | undefined;
  readonly depth: number;
  readonly flags: number;
}

/** A named database of an LMDB file: its name and LMDB flags (`MDB_INTEGERKEY` = 0x08, ...). */
export interface NamedDatabase {
  readonly name: string;
  readonly flags: number;
}

interface MetaPage {
  readonly pageNumber: bigint;
  readonly pageSize: number;
  readonly lastPage: number;
  readonly txnid: bigint;
  readonly free: TreeRoot;
  readonly main: TreeRoot;
}

/**
 * Why LMDB cannot map the file safely, or undefined: both meta pages are intact, agree on the page size, and the
 * file holds every page they name. With `trees`, every tree page reachable from the newer meta page is also
 * checked (one read per tree page and per overflow run; values are not read).
 */
export function lmdbFileProblem(file: string, trees: boolean): string | undefined {
  const fd = openSync(file, 'r');
  try {
    const size = fstatSync(fd).size;
    if (size === 0) return 'the file is empty';
    const first = readMeta(fd, 0, size);
    if (typeof first === 'string') return `meta page 0 ${first}`;
    const second = readMeta(fd, first.pageSize, size);
    if (typeof second === 'string') return `meta page 1 ${second}`;
    for (const [i, meta] of [first, second].entries()) {
      if (meta.pageNumber !== BigInt(i) || meta.pageSize !== first.pageSize) return `meta page ${i} is not where its header says`;
      const bytes = (meta.lastPage + 1) * meta.pageSize;
      if (meta.lastPage < 1 || bytes > size) {
        return `the file is ${size} bytes, its meta page ${i} says it holds ${meta.lastPage + 1} pages of ${meta.pageSize} bytes (${bytes}); it was truncated`;
      }
      for (const [name, tree] of [['free-page', meta.free], ['main', meta.main]] as const) {
        const problem = rootProblem(tree, meta.lastPage);
        if (problem) return `meta page ${i}: the ${name} tree ${problem}`;
      }
    }
    if (!trees) return undefined;
    const newest = second.txnid > first.txnid ? second : first;
    return new TreeWalk(fd, newest.pageSize, newest.lastPage).problem(newest);
  } finally {
    closeSync(fd);
  }
}

/**
 * The named databases the file's main tree lists (read from its newer meta page), or why they cannot be read.
 * Call on a file `lmdbFileProblem` passed, with its writers excluded.
 */
export function lmdbNamedDatabases(file: string): NamedDatabase[] | string {
  const fd = openSync(file, 'r');
  try {
    const size = fstatSync(fd).size;
    const first = readMeta(fd, 0, size);
    if (typeof first === 'string') return `meta page 0 ${first}`;
    const second = readMeta(fd, first.pageSize, size);
    if (typeof second === 'string') return `meta page 1 ${second}`;
    const newest = second.txnid > first.txnid ? second : first;
    const named: { name: string; tree: TreeRoot }[] = [];
    const problem = new TreeWalk(fd, newest.pageSize, newest.lastPage).mainTree(newest, named);
    return problem ?? named.map(({ name, tree }) => ({ name, flags: tree.flags }));
  } finally {
    closeSync(fd);
  }
}

function readMeta(fd: number, offset: number, size: number): MetaPage | string {
  if (offset + META_BYTES > size) return `is missing: the file is only ${size} bytes`;
  const bytes = Buffer.alloc(META_BYTES);
  if (readSync(fd, bytes, 0, META_BYTES, offset) !== META_BYTES) return 'cannot be read';
  if ((bytes.readUInt16LE(18) & P_META) === 0 || bytes.readUInt32LE(24) !== MDB_MAGIC) return 'is not an LMDB meta page';
  const version = bytes.readUInt32LE(28) & 0xffff;
  if (version !== MDB_DATA_VERSION) return `has data format ${version}, not ${MDB_DATA_VERSION}`;
  const pageSize = bytes.readUInt32LE(48);
  if (pageSize < 512 || pageSize > 65536 || (pageSize & (pageSize - 1)) !== 0) return `gives a page size of ${pageSize}`;
  const lastPage = bytes.readBigUInt64LE(144);
  if (lastPage > BigInt(Number.MAX_SAFE_INTEGER)) return `gives a last page of ${lastPage}`;
  return {
    pageNumber: bytes.readBigUInt64LE(0),
    pageSize,
    lastPage: Number(lastPage),
    txnid: bytes.readBigUInt64LE(152),
    free: treeRoot(bytes, 48),
    main: treeRoot(bytes, 96),
  };
}

/** The `MDB_db` record at `offset` of `bytes`; a root beyond any possible page becomes -1 (checked by `rootProblem`). */
function treeRoot(bytes: Buffer, offset: number): TreeRoot {
  const root = bytes.readBigUInt64LE(offset + 40);
  const depth = bytes.readUInt16LE(offset + 6);
  const flags = bytes.readUInt16LE(offset + 4);
  if (root === NO_PAGE) return { root: undefined, depth, flags };
  return { root: root > BigInt(Number.MAX_SAFE_INTEGER) ? -1 : Number(root), depth, flags };
}

function rootProblem(tree: TreeRoot, lastPage: number): string | undefined {
  if (tree.root === undefined) return tree.depth === 0 ? undefined : `is empty but has depth ${tree.depth}`;
  if (tree.root < 2 || tree.root > lastPage) return `has its root at page ${tree.root}, outside pages 2..${lastPage}`;
  if (tree.depth < 1 || tree.depth > MAX_DEPTH) return `has depth ${tree.depth}`;
  return undefined;
}

/**
 * Walks every tree of the file (free pages, main, and each named database the main tree lists) page by page:
 * each page's number, type and bounds, each node inside its page, child and overflow pages inside the file, each
 * leaf at its tree's depth, and no page reached twice.
 */
class TreeWalk {
  private readonly page: Buffer;
  private readonly header = Buffer.alloc(HEADER_BYTES);
  private readonly seen: Uint8Array;

  constructor(
    private readonly fd: number,
    private readonly pageSize: number,
    private readonly lastPage: number,
  ) {
    this.page = Buffer.alloc(pageSize);
    this.seen = new Uint8Array(lastPage + 1);
    this.seen[0] = this.seen[1] = 1;
  }

  /** Checks the main tree only, collecting the named databases it lists. */
  mainTree(meta: MetaPage, named: { name: string; tree: TreeRoot }[]): string | undefined {
    return this.tree('the main tree', meta.main, named);
  }

  problem(meta: MetaPage): string | undefined {
    const named: { name: string; tree: TreeRoot }[] = [];
    const problem = this.tree('the free-page tree', meta.free, undefined) ?? this.mainTree(meta, named);
    if (problem) return problem;
    for (const { name, tree } of named) {
      const label = `database "${name}"`;
      const root = rootProblem(tree, this.lastPage);
      if (root) return `${label} ${root}`;
      const problem = this.tree(label, tree, undefined);
      if (problem) return problem;
    }
    return undefined;
  }

  /** Checks one tree; `named` collects the named databases its leaves hold (the main tree's). */
  private tree(name: string, tree: TreeRoot, named: { name: string; tree: TreeRoot }[] | undefined): string | undefined {
    if (tree.root === undefined) return undefined;
    const stack: number[] = [tree.root, 0];
    while (stack.length > 0) {
      const level = stack.pop()!;
      const pgno = stack.pop()!;
      const problem = this.treePage(pgno, level, tree.depth, stack, named);
      if (problem) return `${name}: page ${pgno} ${problem}`;
    }
    return undefined;
  }

  private treePage(pgno: number, level: number, depth: number, stack: number[], named: { name: string; tree: TreeRoot }[] | undefined): string | undefined {
    const reused = this.claim(pgno, 1);
    if (reused) return reused;
    const page = this.read(pgno);
    if (!page) return 'cannot be read';
    if (page.readBigUInt64LE(0) !== BigInt(pgno)) return `says it is page ${page.readBigUInt64LE(0)}`;
    const flags = page.readUInt16LE(18);
    const branch = (flags & P_BRANCH) !== 0;
    if (branch === ((flags & P_LEAF) !== 0) || (flags & (P_OVERFLOW | P_META)) !== 0) return `has page flags 0x${flags.toString(16)}`;
    if (branch ? level >= depth - 1 : level !== depth - 1) return `is a ${branch ? 'branch' : 'leaf'} at level ${level} of a tree of depth ${depth}`;
    const lower = page.readUInt16LE(20);
    const upper = page.readUInt16LE(22);
    if ((lower & 1) !== 0 || lower > upper || HEADER_BYTES + upper > this.pageSize) return `has bounds ${lower}..${upper}`;
    const keys = lower >> 1;
    if (branch && keys < 1) return 'is an empty branch';
    if ((flags & P_LEAF2) !== 0) return undefined; // fixed-size keys only: nothing to follow
    const overflows: number[] = [];
    for (let i = 0; i < keys; i++) {
      const offset = page.readUInt16LE(HEADER_BYTES + 2 * i);
      const node = HEADER_BYTES + offset;
      if (offset < upper || node + NODE_HEADER_BYTES > this.pageSize) return `node ${i} is at offset ${offset}, outside ${upper}..${this.pageSize - HEADER_BYTES}`;
      const lo = page.readUInt16LE(node);
      const hi = page.readUInt16LE(node + 2);
      const nodeFlags = page.readUInt16LE(node + 4);
      const keyEnd = node + NODE_HEADER_BYTES + page.readUInt16LE(node + 6);
      if (keyEnd > this.pageSize) return `node ${i} has a key past the end of the page`;
      if (branch) {
        const child = lo + hi * 0x10000 + nodeFlags * 0x100000000;
        if (child < 2 || child > this.lastPage) return `node ${i} points to page ${child}, outside pages 2..${this.lastPage}`;
        stack.push(child, level + 1);
        continue;
      }
      if (keyEnd === node + NODE_HEADER_BYTES) return `node ${i} has an empty key`;
      const dataSize = lo + hi * 0x10000;
      if ((nodeFlags & F_DUPDATA) !== 0) return `node ${i} holds duplicate values (no lateindex database has them)`;
      if ((nodeFlags & F_BIGDATA) !== 0) {
        if (keyEnd + 8 > this.pageSize) return `node ${i} has its overflow page number past the end of the page`;
        const first = page.readBigUInt64LE(keyEnd);
        if (first < 2n || first > BigInt(this.lastPage)) return `node ${i} points to overflow page ${first}, outside pages 2..${this.lastPage}`;
        overflows.push(Number(first), dataSize);
      } else if ((nodeFlags & F_SUBDATA) !== 0) {
        if (!named || dataSize !== DB_RECORD_BYTES || keyEnd + DB_RECORD_BYTES > this.pageSize) return `node ${i} holds a malformed named database record`;
        // lmdb-js names keep their C string's NUL.
        const name = page.toString('latin1', node + NODE_HEADER_BYTES, keyEnd).replace(/\0$/, '');
        if (!/^[\x20-\x7e]+$/.test(name)) return `node ${i} holds a named database record with an unprintable name`;
        named.push({ name, tree: treeRoot(page, keyEnd) });
      } else if (keyEnd + dataSize > this.pageSize) {
        return `node ${i} has ${dataSize} bytes of data past the end of the page`;
      }
    }
    for (let i = 0; i < overflows.length; i += 2) {
      const problem = this.overflow(overflows[i]!, overflows[i + 1]!);
      if (problem) return problem;
    }
    return undefined;
  }

  private overflow(first: number, dataSize: number): string | undefined {
    const page = readSync(this.fd, this.header, 0, HEADER_BYTES, first * this.pageSize) === HEADER_BYTES ? this.header : undefined;
    if (!page || page.readBigUInt64LE(0) !== BigInt(first) || (page.readUInt16LE(18) & P_OVERFLOW) === 0) return `refers to overflow page ${first}, which is not one`;
    const pages = page.readUInt32LE(20);
    const needed = Math.floor((HEADER_BYTES - 1 + dataSize) / this.pageSize) + 1;
    if (pages < needed || first + pages - 1 > this.lastPage) return `refers to ${pages} overflow pages at ${first} for ${dataSize} bytes (file pages end at ${this.lastPage})`;
    return this.claim(first, pages);
  }

  /** Marks `count` pages from `pgno` as used; a problem when one was reached before. */
  private claim(pgno: number, count: number): string | undefined {
    for (let p = pgno; p < pgno + count; p++) {
      if (this.seen[p] === 1) return `reaches page ${p} a second time`;
      this.seen[p] = 1;
    }
    return undefined;
  }

  private read(pgno: number): Buffer | undefined {
    return readSync(this.fd, this.page, 0, this.pageSize, pgno * this.pageSize) === this.pageSize ? this.page : undefined;
  }
}
