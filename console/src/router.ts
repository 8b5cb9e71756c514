import { useEffect, useState } from 'preact/hooks';

/** Hash routes (`#/groups/support`): the files stay static, and any host can serve them. */
export type Route = { page: string; id: string | undefined };

export function parseRoute(hash: string): Route {
  const [page = '', id] = hash.replace(/^#\/?/, '').split('/');
  return { page: page === '' ? 'members' : page, id: id === undefined || id === '' ? undefined : decodeURIComponent(id) };
}

export const href = (page: string, id?: string): string => `#/${page}${id === undefined ? '' : `/${encodeURIComponent(id)}`}`;

export function navigate(page: string, id?: string): void {
  location.hash = href(page, id);
}

export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseRoute(location.hash));
  useEffect(() => {
    const changed = (): void => setRoute(parseRoute(location.hash));
    addEventListener('hashchange', changed);
    return () => removeEventListener('hashchange', changed);
  }, []);
  return route;
}
