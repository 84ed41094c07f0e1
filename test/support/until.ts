// Polling for an outcome that arrives on its own (a deployment ending, an instance turning healthy, a
// process printing a line). The caller says what it waits for and how long it is worth waiting, in
// the words greenlight.yml uses for durations ('30s', '1m'); the deadline bounds only a failure, and
// a test never asserts how long the wait took.
import { parseDuration } from '../../src/config/duration.js';

/** How often `until` reads, unless told otherwise. */
export const POLL_EVERY = '10ms';

/**
 * Reads `read` until `ok` accepts its value, and returns that value. Past `within`, fails naming
 * `what` and the last value read.
 */
export async function until<T>(
  read: () => T | Promise<T>,
  ok: (value: T) => boolean,
  what: string,
  within: string,
  every: string = POLL_EVERY,
): Promise<T> {
  const deadline = Date.now() + parseDuration(within);
  const pause = parseDuration(every);
  for (;;) {
    const value = await read();
    if (ok(value)) return value;
    if (Date.now() >= deadline) {
      throw new Error(`gave up waiting for ${what} after ${within}; last read: ${shown(value)}`);
    }
    await new Promise((resolve) => setTimeout(resolve, pause));
  }
}

function shown(value: unknown): string {
  let text: string;
  try {
    text = typeof value === 'string' ? value : (JSON.stringify(value) ?? String(value));
  } catch {
    text = String(value);
  }
  return text.length > 500 ? `${text.slice(0, 500)}…` : text;
}
