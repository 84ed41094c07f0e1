import { problem, type ConfigPath } from './errors.js';
import { isRecord } from './template.js';
import { fullMatch } from './filters.js';

// CircleCI's logic statements (`when:` on steps and workflows): a literal is judged by its
// truthiness; `and`, `or`, `not`, `equal` and `matches` combine them. Falsy: false, null, 0, NaN,
// the empty string and a statement with no arguments; everything else is truthy.

export function evaluateLogic(statement: unknown, path: ConfigPath): boolean {
  if (!isRecord(statement)) return truthy(statement);
  const keys = Object.keys(statement);
  if (keys.length !== 1) {
    throw problem(
      path,
      `a logic statement has exactly one of and, or, not, equal, matches (found ${keys.join(', ') || 'none'})`,
    );
  }
  const operator = keys[0] as string;
  const argument = statement[operator];
  const at = [...path, operator];
  switch (operator) {
    case 'and':
      return (
        list(argument, at).length > 0 &&
        list(argument, at).every((item, i) => evaluateLogic(item, [...at, i]))
      );
    case 'or':
      return list(argument, at).some((item, i) => evaluateLogic(item, [...at, i]));
    case 'not':
      return !evaluateLogic(argument, at);
    case 'equal': {
      const items = list(argument, at);
      return items.length > 0 && items.every((item) => sameValue(item, items[0]));
    }
    case 'matches': {
      const value = isRecord(argument) ? argument.value : undefined;
      if (!isRecord(argument) || typeof argument.pattern !== 'string' || !isScalar(value)) {
        throw problem(at, 'matches takes {pattern: <regular expression>, value: <string>}');
      }
      return fullMatch(argument.pattern, String(value), [...at, 'pattern']);
    }
    default:
      throw problem(path, `unknown logic operator "${operator}": use and, or, not, equal or matches`);
  }
}

function isScalar(value: unknown): value is string | number | boolean {
  return typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean';
}

function truthy(value: unknown): boolean {
  if (value === null || value === undefined || value === false || value === '') return false;
  if (typeof value === 'number') return value !== 0 && !Number.isNaN(value);
  return true;
}

function list(value: unknown, path: ConfigPath): unknown[] {
  if (!Array.isArray(value)) throw problem(path, 'takes a list of statements');
  return value;
}

function sameValue(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}
