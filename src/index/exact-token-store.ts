import type { Database, RootDatabase } from 'lmdb';

/** Key of the next unassigned token id in the dictionary database (tokens are non-empty, so it cannot clash). */
const NEXT_ID_KEY = '';

/**
 * Exact-match recovery data (indexes of a context-free encoder, whose rows for the same token are equal in every
 * document and query): per document, the sorted ids of the distinct tokens its stored, possibly pooled, rows
 * stand for, and the dictionary those ids come from. A query row whose token the document holds is known to
 * have matched that token's own vector before pooling, so its similarity is floored at the row's self-similarity.
 * Ids are assigned on first sight and never reused, so one document's list stays valid while others change.
 * Mutators must run inside the index's LMDB write transaction.
 */
export class ExactTokenStore {
  private readonly dictionary: Database<number, string>;
  private readonly documents: Database<Uint8Array, number>;

  constructor(env: RootDatabase) {
    this.dictionary = env.openDB<number, string>({ name: 'exactTokenIds' });
    this.documents = env.openDB<Uint8Array, number>({ name: 'exactTokens', keyEncoding: 'uint32', encoding: 'binary' });
  }

  /** Records the tokens `internalId`'s rows stand for, replacing any earlier list; returns the bytes stored. */
  put(internalId: number, tokens: readonly string[]): number {
    const first = this.dictionary.get(NEXT_ID_KEY) ?? 0;
    let next = first;
    const distinct = new Set(tokens);
    distinct.delete('');
    const ids = new Uint32Array(distinct.size);
    let n = 0;
    for (const token of distinct) {
      let id = this.dictionary.get(token);
      if (id === undefined) {
        id = next++;
        this.dictionary.putSync(token, id);
      }
      ids[n++] = id;
    }
    if (next !== first) this.dictionary.putSync(NEXT_ID_KEY, next);
    ids.sort();
    this.documents.putSync(internalId, new Uint8Array(ids.buffer));
    return ids.byteLength;
  }

  /** Drops a document's list; returns the bytes it held (0 when it had none). */
  remove(internalId: number): number {
    const bytes = this.documents.getBinaryFast(internalId);
    if (bytes === undefined) return 0;
    const size = bytes.length;
    this.documents.removeSync(internalId);
    return size;
  }

  /** The id of `token`, or undefined when no document was ever stored with it. */
  tokenId(token: string): number | undefined {
    return token.length === 0 ? undefined : this.dictionary.get(token);
  }

  /**
   * Marks in `present[i]` (1 or 0) whether the document holds token `tokenIds[i]` (-1: unknown token, never held).
   * Returns false, leaving `present` untouched, when the document has no list.
   */
  match(internalId: number, tokenIds: Int32Array, present: Uint8Array): boolean {
    const bytes = this.documents.getBinaryFast(internalId);
    if (bytes === undefined) return false;
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
    const n = bytes.length >>> 2;
    for (let i = 0; i < tokenIds.length; i++) {
      const target = tokenIds[i]!;
      let found = 0;
      if (target >= 0) {
        let lo = 0;
        let hi = n;
        while (lo < hi) {
          const mid = (lo + hi) >>> 1;
          const id = view.getUint32(mid * 4, true);
          if (id < target) lo = mid + 1;
          else if (id > target) hi = mid;
          else {
            found = 1;
            break;
          }
        }
      }
      present[i] = found;
    }
    return true;
  }

  /** The stored token list of a document as strings (for verification), or undefined. */
  documentTokens(internalId: number, tokenOfId: ReadonlyMap<number, string>): (string | undefined)[] | undefined {
    const bytes = this.documents.getBinary(internalId);
    if (bytes === undefined) return undefined;
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
    return Array.from({ length: bytes.length >>> 2 }, (_, i) => tokenOfId.get(view.getUint32(i * 4, true)));
  }

  /** id -> token for the whole dictionary. */
  dictionaryById(): Map<number, string> {
    const out = new Map<number, string>();
    for (const { key, value } of this.dictionary.getRange()) if (key !== NEXT_ID_KEY) out.set(value, key);
    return out;
  }

  /** Internal ids that have a token list. */
  *documentIds(): Iterable<number> {
    for (const key of this.documents.getKeys()) yield key;
  }
}
