import { problem, type ConfigPath } from './errors.js';

/**
 * Branch or tag filters of a workflow job: each a name, a `/regex/`, or a list of them. A regular
 * expression must match the whole name (CircleCI's documented rule), so `/feature-.+/` does not
 * match `my-feature-1`.
 */
export interface NameFilter {
  readonly only?: readonly string[];
  readonly ignore?: readonly string[];
}

/** Whether a job with `filter` runs for `name`: `only` is considered before `ignore`. */
export function passesFilter(filter: NameFilter, name: string, path: ConfigPath): boolean {
  if (
    filter.only !== undefined &&
    !filter.only.some((p, i) => matchesPattern(p, name, [...path, 'only', i]))
  ) {
    return false;
  }
  if (filter.ignore?.some((p, i) => matchesPattern(p, name, [...path, 'ignore', i]))) return false;
  return true;
}

function matchesPattern(pattern: string, name: string, path: ConfigPath): boolean {
  if (pattern.length >= 2 && pattern.startsWith('/') && pattern.endsWith('/')) {
    return fullMatch(pattern.slice(1, -1), name, path);
  }
  return pattern === name;
}

/** Java's Pattern.matches, which CircleCI uses: the expression must match the whole string. */
export function fullMatch(expression: string, value: string, path: ConfigPath): boolean {
  let regex: RegExp;
  try {
    regex = new RegExp(`^(?:${expression})$`);
  } catch (error) {
    throw problem(path, `invalid regular expression /${expression}/: ${(error as Error).message}`);
  }
  return regex.test(value);
}
