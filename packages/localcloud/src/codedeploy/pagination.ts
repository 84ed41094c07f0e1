// `nextToken` paging for the List* operations. Page sizes are not documented (spec §2); [I] 100 by
// default, configurable so tests can page through small lists. Tokens are opaque but carry the list
// they belong to, so a token from one list is rejected by another.

import { invalidNextToken } from './errors.js';

export interface Page<T> {
  readonly items: T[];
  readonly nextToken?: string;
}

export function paginate<T>(
  items: readonly T[],
  list: string,
  pageSize: number,
  nextToken: unknown,
): Page<T> {
  let start = 0;
  if (nextToken !== undefined && nextToken !== null) {
    const decoded = typeof nextToken === 'string' ? Buffer.from(nextToken, 'base64url').toString('utf8') : '';
    const match = /^(.+):(\d+)$/.exec(decoded);
    if (!match || match[1] !== list) throw invalidNextToken();
    start = Number(match[2]);
  }
  const end = start + pageSize;
  const page = items.slice(start, end);
  return end < items.length
    ? { items: page, nextToken: Buffer.from(`${list}:${end}`, 'utf8').toString('base64url') }
    : { items: page };
}
