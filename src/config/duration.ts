import { ConfigError } from './errors.js';

const UNITS = [
  { unit: 'h', ms: 3_600_000 },
  { unit: 'm', ms: 60_000 },
  { unit: 's', ms: 1_000 },
  { unit: 'ms', ms: 1 },
] as const;

// Units in decreasing order, each at most once: `1h30m`, `90s`, `1s500ms`. No fractions and no spaces,
// so a duration has exactly one spelling per value and reads the same in YAML, flags and variables.
const DURATION = /^(?:(\d+)h)?(?:(\d+)m(?!s))?(?:(\d+)s)?(?:(\d+)ms)?$/;

const EXAMPLES = 'like 90s, 10m, 1h30m, 2h or 500ms';

/** Parses a duration such as `10m`, `90s`, `1h30m`, `2h` or `500ms` into milliseconds. */
export function parseDuration(text: string): number {
  const trimmed = text.trim();
  const match = DURATION.exec(trimmed);
  if (trimmed === '' || match === null) {
    const hint = /^\d+$/.test(trimmed) ? ` (add a unit: ${trimmed}s or ${trimmed}m)` : '';
    throw new ConfigError(`${JSON.stringify(text)} is not a duration${hint}: expected ${EXAMPLES}`);
  }
  let total = 0;
  UNITS.forEach(({ ms }, index) => {
    const digits = match[index + 1];
    if (digits !== undefined) total += Number(digits) * ms;
  });
  if (!Number.isSafeInteger(total)) {
    throw new ConfigError(`${JSON.stringify(text)} is too long a duration: expected ${EXAMPLES}`);
  }
  return total;
}

/** Formats milliseconds the way `parseDuration` reads them: 5400000 → `1h30m`, 0 → `0s`. */
export function formatDuration(ms: number): string {
  if (!Number.isSafeInteger(ms) || ms < 0) {
    throw new RangeError(`formatDuration expects a whole, non-negative number of milliseconds, got ${ms}`);
  }
  if (ms === 0) return '0s';
  let rest = ms;
  let text = '';
  for (const { unit, ms: size } of UNITS) {
    const count = Math.floor(rest / size);
    if (count > 0) text += `${count}${unit}`;
    rest -= count * size;
  }
  return text;
}
