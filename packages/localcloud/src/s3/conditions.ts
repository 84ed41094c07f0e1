// S3's conditional requests (RFC 7232 as S3 applies it). GetObject and HeadObject: If-Match and
// If-Unmodified-Since fail with 412 PreconditionFailed, If-None-Match and If-Modified-Since answer
// 304 Not Modified; when If-Match holds, a failing If-Unmodified-Since is ignored, and when
// If-None-Match fails (the ETag differs), If-Modified-Since is. PutObject (conditional writes):
// `If-None-Match: *` fails when the key exists, If-Match when its ETag differs.
import type { WireRequest } from '../protocol/wire.js';
import { headerValue } from '../protocol/wire.js';
import * as errors from './errors.js';

/** `"abc"`, `abc`, `W/"abc"` → `abc`. */
function bareEtag(etag: string): string {
  return etag
    .trim()
    .replace(/^W\//, '')
    .replace(/^"(.*)"$/, '$1');
}

/** Whether an If-Match/If-None-Match list (`*`, or ETags separated by commas) names this ETag. */
function etagListMatches(list: string, etag: string): boolean {
  const wanted = bareEtag(etag);
  return list.split(',').some((item) => item.trim() === '*' || bareEtag(item) === wanted);
}

/** An HTTP date, to the second (S3 compares whole seconds); undefined when the header is not a date. */
function httpDate(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? undefined : Math.floor(ms / 1000);
}

export type ReadCondition = 'proceed' | 'not-modified';

/** The read preconditions of a GetObject or HeadObject; throws 412 PreconditionFailed naming the condition. */
export function checkReadConditions(
  headers: WireRequest['headers'],
  object: { etag: string; lastModified: Date },
): ReadCondition {
  const ifMatch = headerValue(headers, 'if-match');
  const ifNoneMatch = headerValue(headers, 'if-none-match');
  const modified = Math.floor(object.lastModified.getTime() / 1000);
  const ifUnmodifiedSince = httpDate(headerValue(headers, 'if-unmodified-since'));
  const ifModifiedSince = httpDate(headerValue(headers, 'if-modified-since'));
  if (ifMatch !== undefined) {
    if (!etagListMatches(ifMatch, object.etag)) throw errors.preconditionFailed('If-Match');
  } else if (ifUnmodifiedSince !== undefined && modified > ifUnmodifiedSince) {
    throw errors.preconditionFailed('If-Unmodified-Since');
  }
  if (ifNoneMatch !== undefined) {
    if (etagListMatches(ifNoneMatch, object.etag)) return 'not-modified';
  } else if (ifModifiedSince !== undefined && modified <= ifModifiedSince) {
    return 'not-modified';
  }
  return 'proceed';
}

/** Conditional writes: PutObject's If-None-Match (only `*`) and If-Match against the current object. */
export function checkWriteConditions(
  headers: WireRequest['headers'],
  current: { etag: string } | undefined,
): void {
  const ifNoneMatch = headerValue(headers, 'if-none-match');
  if (ifNoneMatch !== undefined) {
    if (ifNoneMatch.trim() !== '*') throw errors.notImplementedHeader('If-None-Match');
    if (current) throw errors.preconditionFailed('If-None-Match');
  }
  const ifMatch = headerValue(headers, 'if-match');
  if (ifMatch !== undefined) {
    if (!current) throw errors.noSuchKey();
    if (!etagListMatches(ifMatch, current.etag)) throw errors.preconditionFailed('If-Match');
  }
}
