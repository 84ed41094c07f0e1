import { request } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { HealthAnswer } from './facts.js';

// Asking a health endpoint which version it serves: `GET /healthcheck` → `{"version": "<sha>", …}`.
// Real HTTP, a short timeout, a bounded number of requests in flight.

const UNREACHABLE = new Set([
  'ECONNREFUSED',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ETIMEDOUT',
  'ENOTFOUND',
  'EAI_AGAIN',
]);

export interface ProbeOptions {
  readonly timeoutMs: number;
}

/** One GET of a health URL; never rejects: a failure is an answer with `error`. */
export function askVersion(url: string, options: ProbeOptions): Promise<HealthAnswer> {
  return new Promise((resolve) => {
    let settled = false;
    const done = (answer: HealthAnswer): void => {
      if (settled) return;
      settled = true;
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
    req.setTimeout(options.timeoutMs, () => {
      done({ url, error: `no answer within ${options.timeoutMs} ms`, unreachable: true });
      req.destroy();
    });
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
