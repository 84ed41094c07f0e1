import type { Clock } from '../clock.js';
import { AwsOperationError, classifyAwsError } from './errors.js';

// Reads that outlast the weather. A verdict is made of a few dozen read-only calls; with a third of
// them throttled, the SDK's own attempts (5 per call) run out on one call in a few hundred, and one
// call lost is a verdict lost. A read is safe to repeat, so a verifier keeps repeating a throttled,
// 5xx or dropped read with capped, jittered backoff until its deadline — and only then reports the
// AWS error (exit 3), with how long it kept trying. Anything else (access denied, not found, a bad
// request) is not weather and fails at once.

/** A read-only AWS call, named for the error it becomes; `signal` ends a call still in flight. */
export type AwsRead = <T>(
  operation: string,
  resource: string,
  call: (signal: AbortSignal | undefined) => Promise<T>,
) => Promise<T>;

/** No patience: one call (with the SDK's own retries), named by operation and resource if it fails. */
export const plainRead: AwsRead = async (operation, resource, call) => {
  try {
    return await call(undefined);
  } catch (error) {
    throw new AwsOperationError(operation, resource, error);
  }
};

/** The reader gave up: its deadline passed or its signal aborted while a read was pending. */
export class ReadDeadlineError extends Error {
  readonly exitCode: number;
  constructor(message: string, exitCode: number) {
    super(message);
    this.name = 'ReadDeadlineError';
    this.exitCode = exitCode;
  }
}

export interface PatientReadOptions {
  readonly clock: Clock;
  /** Epoch milliseconds after which no read is started or retried. */
  readonly deadline: number;
  /** SIGINT/SIGTERM: ends pending reads and backoff sleeps at once. */
  readonly signal?: AbortSignal;
  /** 0 ≤ random() < 1 for the jitter; injectable for tests. */
  readonly random?: () => number;
}

const FIRST_DELAY_MS = 250;
const MAX_DELAY_MS = 8_000;

/** Errors worth another try: throttling, the network, and AWS's own 5xx. */
export function isWeather(error: unknown): boolean {
  const kind = classifyAwsError(error);
  if (kind === 'throttled' || kind === 'network') return true;
  const status = (error as { $metadata?: { httpStatusCode?: number } } | null)?.$metadata?.httpStatusCode;
  if (kind === 'other' && status !== undefined && status >= 500) return true;
  const name = (error as { name?: unknown } | null)?.name;
  return (
    name === 'InternalFailure' || name === 'ServiceUnavailable' || name === 'ServiceUnavailableException'
  );
}

export function patientRead(options: PatientReadOptions): AwsRead {
  const { clock, deadline, signal } = options;
  const random = options.random ?? Math.random;
  return async (operation, resource, call) => {
    const started = clock.now();
    for (let attempt = 1; ; attempt++) {
      if (signal?.aborted) throw cancelled(signal);
      try {
        return await call(signal);
      } catch (error) {
        if (signal?.aborted) throw cancelled(signal);
        if (!isWeather(error)) throw new AwsOperationError(operation, resource, error);
        const delay = Math.min(MAX_DELAY_MS, FIRST_DELAY_MS * 2 ** (attempt - 1)) * (0.5 + random() / 2);
        if (clock.now() + delay >= deadline) {
          const kept = Math.round((clock.now() - started) / 1000);
          throw new AwsOperationError(
            operation,
            resource,
            error,
            `kept retrying this read for ${kept}s, ${attempt} rounds, until the verdict's deadline`,
          );
        }
        try {
          await clock.sleep(delay, signal);
        } catch {
          throw cancelled(signal);
        }
      }
    }
  };
}

/** The error a read (or anything waiting on the same signal) ends with when SIGINT/SIGTERM arrives. */
export function cancelled(signal: AbortSignal | undefined): ReadDeadlineError {
  const reason = typeof signal?.reason === 'string' ? signal.reason : 'SIGINT';
  return new ReadDeadlineError(`cancelled by ${reason}`, reason === 'SIGTERM' ? 143 : 130);
}
