// Real health checks for targets whose instance runs real processes: an HTTP request to the
// instance's private IP at the group's health-check port and path, every interval (in AWS time, so
// scaled), judged by the matcher. The thresholds turn results into `healthy` / `unhealthy` with AWS's
// reason codes: Target.Timeout, Target.ResponseCodeMismatch, Target.FailedHealthChecks.
// Synthetic instances keep synthetic health (elbv2/model.ts).
import { request } from 'node:http';
import type { Scheduler, TargetGroup } from '../ports.js';

export type HealthCheckResult =
  | { readonly ok: true }
  | {
      readonly ok: false;
      readonly reason: 'Target.Timeout' | 'Target.ResponseCodeMismatch' | 'Target.FailedHealthChecks';
      readonly description: string;
    };

/** AWS's matcher: "200", "200,202", "200-299". */
export function matcherAccepts(matcher: string, status: number): boolean {
  return matcher.split(',').some((part) => {
    const [low, high] = part.trim().split('-').map(Number);
    if (low === undefined || Number.isNaN(low)) return false;
    return high === undefined ? status === low : status >= low && status <= (Number.isNaN(high) ? low : high);
  });
}

/**
 * The real time a check may take. AWS's timeout is scaled like every other duration, but never below
 * a floor a loaded CI machine can answer within, nor above the unscaled timeout.
 */
export function checkTimeoutMs(timeoutSeconds: number, timeScale: number): number {
  return Math.min(timeoutSeconds * 1000, Math.max(1000, (timeoutSeconds * 1000) / timeScale));
}

/** One health check: GET http://<ip>:<port><path>. */
export function checkOnce(
  address: string,
  port: number,
  settings: TargetGroup['healthCheck'],
  timeoutMs: number,
): Promise<HealthCheckResult> {
  return new Promise((resolve) => {
    let settled = false;
    const done = (result: HealthCheckResult): void => {
      if (settled) return;
      settled = true;
      resolve(result);
    };
    const req = request(
      {
        host: address,
        port,
        path: settings.path,
        method: 'GET',
        agent: false,
        headers: { 'user-agent': 'ELB-HealthChecker/2.0' },
      },
      (response) => {
        response.resume();
        const status = response.statusCode ?? 0;
        done(
          matcherAccepts(settings.matcher, status)
            ? { ok: true }
            : {
                ok: false,
                reason: 'Target.ResponseCodeMismatch',
                description: `Health checks failed with these codes: [${status}]`,
              },
        );
      },
    );
    req.setTimeout(timeoutMs, () => {
      done({ ok: false, reason: 'Target.Timeout', description: 'Request timed out' });
      req.destroy();
    });
    req.on('error', () =>
      done({ ok: false, reason: 'Target.FailedHealthChecks', description: 'Health checks failed' }),
    );
    req.end();
  });
}

export interface HealthCheckLoopOptions {
  readonly scheduler: Scheduler;
  readonly address: string;
  readonly port: number;
  readonly settings: TargetGroup['healthCheck'];
  readonly onResult: (result: HealthCheckResult) => void;
}

/** Checks every interval until cancelled; the first check comes one interval after registration. */
export function startHealthChecks(options: HealthCheckLoopOptions): () => void {
  const { scheduler, settings } = options;
  let cancelled = false;
  let cancelTimer: (() => void) | undefined;
  const timeoutMs = checkTimeoutMs(settings.timeoutSeconds, scheduler.timeScale);
  // At a large time scale an interval would be a few real milliseconds: keep checks 50 ms apart.
  const intervalMs = Math.max(settings.intervalSeconds * 1000, 50 * scheduler.timeScale);
  const next = (): void => {
    cancelTimer = scheduler.after(intervalMs, () => {
      checkOnce(options.address, options.port, settings, timeoutMs)
        .then((result) => {
          if (cancelled) return;
          options.onResult(result);
          next();
        })
        .catch(() => undefined);
    });
  };
  next();
  return () => {
    cancelled = true;
    cancelTimer?.();
  };
}
