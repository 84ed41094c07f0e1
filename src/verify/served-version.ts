import { request } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { HealthAnswer } from './facts.js';

// Asking a health endpoint which version it serves: `GET /healthcheck` → `{"version": "<sha>", …}`.
// Real HTTP, a bounded number of requests in flight, and a total deadline per request: an endpoint
// that sends its headers and then one byte a second never resets an idle timer, so the deadline
// counts from the moment the request starts and ends the request, answer or not.

const UNREACHABLE = new Set([
  'ECONNREFUSED',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ETIMEDOUT',
  'ENOTFOUND',
  'EAI_AGAIN',
]);

export interface ProbeOptions {
  /** Total time for the whole exchange: connect, headers and body. */
  readonly timeoutMs: number;
  /** Ends the request at once (SIGINT/SIGTERM, or the verdict's own deadline). */
  readonly signal?: AbortSignal;
}

/** One GET of a health URL; never rejects: a failure is an answer with `error`. */
export function askVersion(url: string, options: ProbeOptions): Promise<HealthAnswer> {
  return new Promise((resolve) => {
    let settled = false;
    // Set once the request exists; `done` clears them whichever way the exchange ends.
    const pending: { timer?: NodeJS.Timeout; onAbort?: () => void } = {};
    const done = (answer: HealthAnswer): void => {
      if (settled) return;
      settled = true;
      if (pending.timer) clearTimeout(pending.timer);
      if (pending.onAbort) options.signal?.removeEventListener('abort', pending.onAbort);
      resolve(answer);
    };
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      done({ url, error: 'not a valid URL' });
      return;
    }
    const send = parsed.protocol === 'https:' ? httpsRequest : request;
    const req = send(
      parsed,
      {
        method: 'GET',
        agent: false,
        headers: { accept: 'application/json', 'user-agent': 'greenlight-verify' },
      },
      (response) => {
        let body = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => {
          if (body.length < 64 * 1024) body += chunk;
        });
        response.on('end', () => {
          const httpStatus = response.statusCode ?? 0;
          const version = versionOf(body);
          if (httpStatus !== 200) {
            done({ url, httpStatus, ...(version ? { version } : {}), error: `answered HTTP ${httpStatus}` });
          } else if (version === undefined) {
            done({ url, httpStatus, error: 'answered without a "version" field' });
          } else {
            done({ url, httpStatus, version });
          }
        });
        response.on('error', (error) => done({ url, error: error.message }));
      },
    );
    // A wall-clock deadline on purpose: it bounds a real network exchange, not simulated time.
    pending.timer = setTimeout(() => {
      done({ url, error: `no complete answer within ${options.timeoutMs} ms`, unreachable: true });
      req.destroy();
    }, options.timeoutMs);
    const onAbort = () => {
      done({ url, error: 'cancelled' });
      req.destroy();
    };
    pending.onAbort = onAbort;
    if (options.signal?.aborted) onAbort();
    else options.signal?.addEventListener('abort', onAbort, { once: true });
    req.on('error', (error: NodeJS.ErrnoException) => {
      const code = error.code ?? '';
      done({
        url,
        error: code ? `${code}` : error.message,
        ...(UNREACHABLE.has(code) ? { unreachable: true } : {}),
      });
    });
    req.end();
  });
}

function versionOf(body: string): string | undefined {
  try {
    const value = (JSON.parse(body) as { version?: unknown } | null)?.version;
    return typeof value === 'string' ? value : undefined;
  } catch {
    return undefined;
  }
}

/** Runs `work` over `items` with at most `limit` in flight; results in input order. */
export async function inBatches<T, R>(
  items: readonly T[],
  limit: number,
  work: (item: T) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const index = next++;
      results[index] = await work(items[index] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
