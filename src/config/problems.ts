import { z } from 'zod';
import type { ConfigProblem } from './errors.js';
import { didYouMean } from './suggestion.js';

type Issue = z.core.$ZodIssue;
type Segment = PropertyKey;

/** How to turn a zod issue on some validated value into a problem in the file. */
export interface IssueContext {
  /** The value that was validated, to say what was found. */
  readonly input: unknown;
  /** Its schema, to list the keys an object accepts. */
  readonly schema: z.ZodType;
  /** Maps a path inside `input` to the key path in the file (environments are validated after merging). */
  readonly toFilePath: (path: readonly Segment[]) => readonly Segment[];
  /** The line of a key path in the file, when the YAML document can place it. */
  readonly lineOf: (filePath: readonly Segment[]) => number | undefined;
}

export function formatKeyPath(path: readonly Segment[]): string {
  return path
    .map((segment) => (typeof segment === 'number' ? `[${segment}]` : String(segment)))
    .join('.')
    .replaceAll('.[', '[');
}

/** Every zod issue as one or more problems, in the order of the issue list. */
export function problemsFromIssues(issues: readonly Issue[], context: IssueContext): ConfigProblem[] {
  // A value of the wrong type fails its type and may fail checks that read it anyway (zod measures the
  // length of "web-dev-5xx" against a list's maximum): only the type is worth saying.
  const key = (path: readonly PropertyKey[]): string => path.map(String).join('\u0000');
  const mistyped = new Set(issues.filter((i) => i.code === 'invalid_type').map((i) => key(i.path)));
  return issues
    .filter((issue) => issue.code === 'invalid_type' || !mistyped.has(key(issue.path)))
    .flatMap((issue) => describeIssue(issue, [], context));
}

/** File order: problems with a line by line (stable within a line), then the rest. */
export function inFileOrder(problems: readonly ConfigProblem[]): ConfigProblem[] {
  return [...problems].sort((a, b) => (a.line ?? Infinity) - (b.line ?? Infinity));
}

function describeIssue(issue: Issue, prefix: readonly Segment[], context: IssueContext): ConfigProblem[] {
  const path = [...prefix, ...issue.path];
  const at = (where: readonly Segment[], message: string): ConfigProblem => {
    const filePath = context.toFilePath(where);
    const line = context.lineOf(filePath);
    return { path: formatKeyPath(filePath), message, ...(line !== undefined && { line }) };
  };
  const found = valueAt(context.input, path);

  switch (issue.code) {
    case 'unrecognized_keys': {
      const known = knownKeysAt(context.schema, path);
      return issue.keys.map((key) => {
        const hint = didYouMean(key, known);
        const message =
          hint === '' ? `unknown key; expected one of ${known.join(', ')}` : `unknown key${hint}`;
        return at([...path, key], message);
      });
    }
    case 'invalid_union': {
      const chosen = chooseUnionBranch(issue.errors);
      if (chosen !== undefined) return chosen.flatMap((inner) => describeIssue(inner, path, context));
      const expected = issue.errors
        .flatMap((branch) => branch.map((inner) => expectedText(inner)))
        .join(' or ');
      return [at(path, withFound(`expected ${expected}`, found, path, context))];
    }
    case 'invalid_key': {
      const inner = issue.issues[0];
      const message = inner === undefined ? 'invalid key' : `invalid key: ${inner.message}`;
      return [at(path, withFound(message, path.at(-1), path, context))];
    }
    case 'invalid_type': {
      if (found === undefined) return [at(path, `required key is missing; expected ${expectedText(issue)}`)];
      const listOfOne =
        issue.expected === 'array' && typeof found === 'string'
          ? ` (a list of one is written [${found}])`
          : '';
      return [at(path, withFound(`expected ${expectedText(issue)}`, found, path, context) + listOfOne)];
    }
    case 'invalid_value': {
      const values = issue.values.map((value) => String(value));
      const hint = typeof found === 'string' ? didYouMean(found, values) : '';
      return [at(path, withFound(`expected one of ${values.join(', ')}`, found, path, context) + hint)];
    }
    case 'too_big':
    case 'too_small':
      return [at(path, withFound(sizeText(issue), found, path, context))];
    default: {
      // "found a map" says nothing a rule about a map's contents has not said already.
      const quotable = typeof found !== 'object' || found === null || Array.isArray(found);
      const message = quotable ? withFound(issue.message, found, path, context) : issue.message;
      return [at(path, message + hintOf(issue))];
    }
  }
}

/** A custom issue's suggestion (` (did you mean "x"?)`), said after what was found; names.ts sets it. */
export function hintOf(issue: Issue): string {
  const hint: unknown = issue.code === 'custom' ? issue.params?.hint : undefined;
  return typeof hint === 'string' ? hint : '';
}

/**
 * A union fails with one issue list per branch; the branch the user meant is the one whose type matched
 * (its issues are about what is inside, not about the value's type), so report only that branch.
 */
function chooseUnionBranch(branches: readonly (readonly Issue[])[]): readonly Issue[] | undefined {
  const typeMatched = branches.filter(
    (branch) => !branch.some((inner) => inner.code === 'invalid_type' && inner.path.length === 0),
  );
  return typeMatched.length === 1 ? typeMatched[0] : undefined;
}

const ZOD_DEFAULT_MESSAGE = /^(Invalid input|Too big|Too small)/;

function expectedText(issue: Issue): string {
  if (!ZOD_DEFAULT_MESSAGE.test(issue.message)) return issue.message.replace(/^expected /, '');
  if (issue.code !== 'invalid_type') return issue.message;
  switch (issue.expected) {
    case 'object':
    case 'record':
      return 'a map';
    case 'array':
      return 'a list';
    case 'int':
      return 'a whole number';
    case 'number':
      return 'a number';
    case 'boolean':
      return 'true or false';
    case 'string':
      return 'a string';
    case 'null':
      return 'an empty value';
    default:
      return String(issue.expected);
  }
}

function sizeText(issue: z.core.$ZodIssueTooBig | z.core.$ZodIssueTooSmall): string {
  if (!ZOD_DEFAULT_MESSAGE.test(issue.message)) return issue.message;
  const big = issue.code === 'too_big';
  const limit = big ? issue.maximum : issue.minimum;
  const bound = big
    ? issue.inclusive === false
      ? 'less than'
      : 'at most'
    : issue.inclusive === false
      ? 'more than'
      : 'at least';
  switch (issue.origin) {
    case 'array':
      return `expected ${bound} ${String(limit)} items`;
    case 'string':
      return `expected ${bound} ${String(limit)} characters`;
    default:
      return `expected ${bound} ${String(limit)}`;
  }
}

/** Appends what was in the file, when the message is an expectation and the value is short enough to quote. */
function withFound(message: string, found: unknown, path: readonly Segment[], context: IssueContext): string {
  if (!message.startsWith('expected') && !message.startsWith('invalid key')) return message;
  if (found === undefined && !hasKey(context.input, path)) return message;
  return `${message}, found ${describeValue(found)}`;
}

export function describeValue(value: unknown): string {
  if (value === null || value === undefined) return 'an empty value';
  if (Array.isArray(value))
    return value.length === 1 ? 'a list of 1 item' : `a list of ${value.length} items`;
  if (typeof value === 'string') {
    return value.length > 60 ? `${JSON.stringify(value.slice(0, 57))}…` : JSON.stringify(value);
  }
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint')
    return String(value);
  if (value instanceof Date)
    return `a date (${value.toISOString().slice(0, 10)}); quote it to make it a string`;
  if (typeof value === 'object') return 'a map';
  return typeof value;
}

function valueAt(root: unknown, path: readonly Segment[]): unknown {
  let node = root;
  for (const segment of path) {
    if (typeof node !== 'object' || node === null || !Object.hasOwn(node, segment)) return undefined;
    node = (node as Record<PropertyKey, unknown>)[segment];
  }
  return node;
}

function hasKey(root: unknown, path: readonly Segment[]): boolean {
  const parent = valueAt(root, path.slice(0, -1));
  const last = path.at(-1);
  return last !== undefined && typeof parent === 'object' && parent !== null && Object.hasOwn(parent, last);
}

/** The keys the object schema at `path` accepts, looking through optional, default, pipes and unions. */
export function knownKeysAt(schema: z.ZodType, path: readonly Segment[]): string[] {
  const keys = new Set<string>();
  const visit = (node: z.ZodType, rest: readonly Segment[]): void => {
    if (node instanceof z.ZodOptional || node instanceof z.ZodNullable)
      return visit(node.unwrap() as z.ZodType, rest);
    if (node instanceof z.ZodDefault) return visit(node.unwrap() as z.ZodType, rest);
    if (node instanceof z.ZodPipe) return visit(node.in as z.ZodType, rest);
    if (node instanceof z.ZodUnion) {
      for (const option of node.options) visit(option as z.ZodType, rest);
      return;
    }
    const [head, ...tail] = rest;
    if (node instanceof z.ZodObject) {
      if (head === undefined) {
        for (const key of Object.keys(node.shape)) keys.add(key);
      } else if (typeof head === 'string' && Object.hasOwn(node.shape, head)) {
        visit(node.shape[head] as z.ZodType, tail);
      }
      return;
    }
    if (head === undefined) return;
    if (node instanceof z.ZodRecord) return visit(node.valueType as z.ZodType, tail);
    if (node instanceof z.ZodArray) return visit(node.element as z.ZodType, tail);
  };
  visit(schema, path);
  return [...keys];
}
