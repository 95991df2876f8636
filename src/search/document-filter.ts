import type { SearchableIndex } from './searchable-index.js';

/** A metadata value a filter compares with: a JSON scalar. */
export type FilterValue = string | number | boolean | null;

/**
 * Which documents a search may return: the listed external ids (unknown ids are ignored) and/or documents whose
 * metadata has every given key equal (`===`, so `4` never equals `"4"`) to the given value. All conditions hold.
 */
export interface DocumentFilter {
  readonly ids?: readonly string[];
  readonly metadata?: Readonly<Record<string, FilterValue>>;
}

/** What compiling a filter reads of an index. */
export interface FilterableIndex extends Pick<SearchableIndex, 'getDocument'> {
  getInternalId(id: string): number | undefined;
}

/** A filter resolved against one index: the predicate searches apply while they gather candidates. */
export interface CompiledFilter {
  accepts(internalId: number): boolean;
  /** The listed documents' internal ids (known ones only), when the filter lists ids: they are always scored. */
  readonly ids?: readonly number[];
  /** True when no document can pass (every listed id is unknown). */
  readonly matchesNothing: boolean;
}

/** Resolves `filter` against `index` (the REST search body's `filter`, the CLI's `--filter`); undefined when it restricts nothing. */
export function compileDocumentFilter(index: FilterableIndex, filter: DocumentFilter | undefined): CompiledFilter | undefined {
  if (filter === undefined || (filter.ids === undefined && filter.metadata === undefined)) return undefined;
  let idSet: Set<number> | undefined;
  if (filter.ids !== undefined) {
    idSet = new Set();
    for (const id of filter.ids) {
      const internalId = index.getInternalId(id);
      if (internalId !== undefined) idSet.add(internalId);
    }
  }
  const conditions = Object.entries(filter.metadata ?? {});
  const accepts = (internalId: number): boolean => {
    if (idSet !== undefined && !idSet.has(internalId)) return false;
    if (conditions.length === 0) return true;
    const metadata = index.getDocument(internalId)?.metadata;
    if (metadata === undefined) return false;
    for (const [key, value] of conditions) if (metadata[key] !== value) return false;
    return true;
  };
  return { accepts, ...(idSet && { ids: [...idSet] }), matchesNothing: idSet !== undefined && idSet.size === 0 };
}
