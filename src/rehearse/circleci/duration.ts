import { problem, type ConfigPath } from './errors.js';

// CircleCI's durations (no_output_timeout) are Go durations: "10m", "1.25h", "1h30m", "90s".
const UNIT_MS: Record<string, number> = {
  ns: 1e-6,
  us: 1e-3,
  µs: 1e-3,
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
};
const PART = /(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h)/gy;

/** Milliseconds of a Go duration string; throws a ConfigProblem at `path` when it is not one. */
export function parseDuration(text: string, path: ConfigPath): number {
  const source = text.trim();
  let total = 0;
  let consumed = 0;
  PART.lastIndex = 0;
  for (let match = PART.exec(source); match !== null; match = PART.exec(source)) {
    total += Number(match[1]) * (UNIT_MS[match[2] as string] as number);
    consumed = PART.lastIndex;
  }
  if (source === '' || consumed !== source.length) {
    throw problem(
      path,
      `"${text}" is not a duration: write a number with a unit, e.g. "20m", "1.25h", "90s"`,
    );
  }
  return total;
}

/** Go's time.Duration.String() of `ms`: 10m0s, 1h0m0s, 1.5s, 200ms, as CircleCI prints them. */
export function formatDuration(ms: number): string {
  if (ms === 0) return '0s';
  if (ms < 1000) return `${trim(ms)}ms`;
  const hours = Math.floor(ms / 3_600_000);
  const minutes = Math.floor((ms % 3_600_000) / 60_000);
  const seconds = (ms % 60_000) / 1000;
  if (hours > 0) return `${hours}h${minutes}m${trim(seconds)}s`;
  if (minutes > 0) return `${minutes}m${trim(seconds)}s`;
  return `${trim(seconds)}s`;
}

function trim(value: number): string {
  return String(Number(value.toFixed(9)));
}
