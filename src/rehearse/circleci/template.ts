import { problem, type ConfigPath } from './errors.js';

// CircleCI's `<< namespace.name >>` substitution. A string that is nothing but one reference takes
// the value with its type (a boolean parameter stays a boolean, a `steps` parameter a list of steps);
// a reference inside a longer string is written into it as text. `\<<` is a literal `<<`: every
// pass leaves it alone (so a later pass cannot take it for a reference) and `unescapeLiterals` turns
// it into `<<` once all passes are done.

const REFERENCE = /\\<<|<<\s*([A-Za-z0-9_.-]+)\s*>>/g;
const WHOLE = /^<<\s*([A-Za-z0-9_.-]+)\s*>>$/;

/**
 * Resolves one reference. Returns undefined for a reference this pass does not own (it is left as
 * written for a later pass); throws a ConfigProblem for one it owns but cannot resolve.
 */
export type Resolver = (name: string, path: ConfigPath) => { value: unknown } | undefined;

/** A deep copy of `value` with every reference `resolve` owns replaced. */
export function substitute(value: unknown, resolve: Resolver, path: ConfigPath = []): unknown {
  if (typeof value === 'string') return substituteString(value, resolve, path);
  if (Array.isArray(value)) return value.map((item, index) => substitute(item, resolve, [...path, index]));
  if (isRecord(value)) {
    const copy: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) copy[key] = substitute(item, resolve, [...path, key]);
    return copy;
  }
  return value;
}

function substituteString(text: string, resolve: Resolver, path: ConfigPath): unknown {
  const whole = WHOLE.exec(text);
  if (whole !== null) {
    const found = resolve(whole[1] as string, path);
    if (found !== undefined) return found.value;
    return text;
  }
  return text.replace(REFERENCE, (match: string, name: string | undefined) => {
    if (name === undefined) return match;
    const found = resolve(name, path);
    if (found === undefined) return match;
    return asText(found.value, name, path);
  });
}

function asText(value: unknown, name: string, path: ConfigPath): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (value === null || value === undefined) return '';
  throw problem(path, `<< ${name} >> is a list or a map: it can only stand alone as the whole value`);
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A deep copy of `value` with each escaped `\<<` made the literal `<<` it stands for. */
export function unescapeLiterals<T>(value: T): T {
  if (typeof value === 'string') return value.replaceAll('\\<<', '<<') as T;
  if (Array.isArray(value)) return value.map((item: unknown) => unescapeLiterals(item)) as T;
  if (isRecord(value)) {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, unescapeLiterals(item)])) as T;
  }
  return value;
}
