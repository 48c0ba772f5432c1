// Hash routes: `#/<page>/<id>/<rest...>`. Each page registers its renderer here, so a new view is
// one `page()` call in its own file.
export interface Route {
  /** '' for the home page, else the first segment: 'p', 'r', 'profile', 'findings', ... */
  page: string;
  id?: string;
  rest: string[];
}

type Render = (route: Route) => void;

const pages = new Map<string, Render>();
/** Called before every route change (views dispose what they hold, e.g. charts). */
const leaving: (() => void)[] = [];

export function page(name: string, render: Render): void {
  pages.set(name, render);
}

export function onLeave(fn: () => void): void {
  leaving.push(fn);
}

export function currentRoute(): Route {
  const [, name = '', id, ...rest] = location.hash.split('/');
  return { page: pages.has(name) ? name : '', id: id ? decodeURIComponent(id) : undefined, rest: rest.map(decodeURIComponent) };
}

/** True when the page `name` is open (for `id`, when given). */
export function isOpen(name: string, id?: string): boolean {
  const r = currentRoute();
  return r.page === name && (id === undefined || r.id === id);
}

export function route(): void {
  const r = currentRoute();
  for (const fn of leaving) fn();
  pages.get(r.page)?.(r);
}

export const go = (hash: string): void => {
  location.hash = hash;
};
