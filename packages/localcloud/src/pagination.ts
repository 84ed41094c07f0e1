// Opaque page tokens for Describe*/List* operations: the offset into a stably ordered result list.

export interface Page<T> {
  readonly items: T[];
  /** The token for the next page; undefined on the last page. */
  readonly nextToken?: string;
}

export function encodePageToken(offset: number): string {
  return Buffer.from(JSON.stringify({ offset }), 'utf8').toString('base64url');
}

/** The offset a token stands for, or undefined when the token was not made by encodePageToken. */
export function decodePageToken(token: string): number | undefined {
  try {
    const parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as { offset?: unknown };
    return typeof parsed.offset === 'number' && Number.isInteger(parsed.offset) && parsed.offset >= 0
      ? parsed.offset
      : undefined;
  } catch {
    return undefined;
  }
}

export function paginate<T>(
  items: readonly T[],
  token: string | undefined,
  pageSize: number,
  invalidToken: (token: string) => Error,
): Page<T> {
  let offset = 0;
  if (token !== undefined && token !== '') {
    const decoded = decodePageToken(token);
    if (decoded === undefined || decoded > items.length) throw invalidToken(token);
    offset = decoded;
  }
  const end = offset + pageSize;
  return {
    items: items.slice(offset, end),
    ...(end < items.length ? { nextToken: encodePageToken(end) } : {}),
  };
}
