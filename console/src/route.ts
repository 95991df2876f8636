import { useEffect, useState } from 'preact/hooks';

export type Page = 'search' | 'match' | 'indexes' | 'sweeps';
const PAGES: readonly Page[] = ['search', 'match', 'indexes', 'sweeps'];

/** The console's place: `#/<page>?<params>`. State lives in the hash so views can be linked and reloaded (the API key never does). */
export interface Route {
  readonly page: Page;
  readonly params: URLSearchParams;
}

export function parseRoute(hash: string): Route {
  const [path = '', query = ''] = hash.replace(/^#\/?/, '').split('?', 2);
  const page = (PAGES as readonly string[]).includes(path) ? (path as Page) : 'search';
  return { page, params: new URLSearchParams(query) };
}

export function href(page: Page, params: Record<string, string | number | undefined> | URLSearchParams = {}): string {
  const search = params instanceof URLSearchParams ? params : new URLSearchParams();
  if (!(params instanceof URLSearchParams)) {
    for (const [key, value] of Object.entries(params)) if (value !== undefined && value !== '') search.set(key, String(value));
  }
  const query = search.toString();
  return `#/${page}${query ? `?${query}` : ''}`;
}

export function navigate(page: Page, params: Record<string, string | number | undefined> | URLSearchParams = {}): void {
  location.hash = href(page, params);
}

export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseRoute(location.hash));
  useEffect(() => {
    const update = () => setRoute(parseRoute(location.hash));
    addEventListener('hashchange', update);
    return () => removeEventListener('hashchange', update);
  }, []);
  return route;
}
