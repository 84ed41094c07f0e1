import { isAlias, isMap, isScalar, isSeq, LineCounter, parseDocument } from 'yaml';
import type { Document, Node } from 'yaml';
import type { ConfigProblem } from './errors.js';

// Far above what a real greenlight.yml uses, far below what makes an alias bomb expensive.
const MAX_ALIAS_COUNT = 100;

/** A parsed YAML file that can say on which line a key path is. */
export interface YamlSource {
  /** The document's value as plain data, or the syntax problems that prevent it. */
  readonly value: unknown;
  readonly syntaxProblems: readonly ConfigProblem[];
  /** The 1-based line of `path`, or of its deepest ancestor the document has. */
  readonly lineOf: (path: readonly PropertyKey[]) => number | undefined;
}

export function readYaml(text: string): YamlSource {
  const lineCounter = new LineCounter();
  const document = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const lineAt = (offset: number): number => lineCounter.linePos(offset).line;
  const lineOf = (path: readonly PropertyKey[]): number | undefined => locate(document, path, lineAt);

  if (document.errors.length > 0) {
    return {
      value: undefined,
      syntaxProblems: [firstSyntaxProblem(text, document.errors, lineCounter)],
      lineOf,
    };
  }
  try {
    return {
      value: document.toJS({ maxAliasCount: MAX_ALIAS_COUNT }) as unknown,
      syntaxProblems: [],
      lineOf,
    };
  } catch (error) {
    // toJS throws on alias bombs and on aliases to anchors that come later.
    const message = error instanceof Error ? error.message : String(error);
    return { value: undefined, syntaxProblems: [{ message: `YAML error: ${message}` }], lineOf };
  }
}

/**
 * The 1-based line of `path` in a parsed document, or of its deepest ancestor the document has; for a
 * path whose first key is missing, the document's first line, unless `fromRoot` is false (then none).
 * greenlight.yml's reader and the rehearsal's CircleCI config reader both locate their problems here.
 */
export function locate(
  document: Document.Parsed,
  path: readonly PropertyKey[],
  lineAt: (offset: number) => number,
  fromRoot = true,
): number | undefined {
  let node: unknown = document.contents;
  let line = fromRoot && node !== null && isNodeWithRange(node) ? lineAt(node.range[0]) : undefined;
  for (const segment of path) {
    if (isAlias(node)) node = node.resolve(document);
    if (isMap(node)) {
      const pair = node.items.find(
        (item) => isScalar(item.key) && String(item.key.value) === String(segment),
      );
      if (pair === undefined) return line;
      const key = pair.key as Node;
      if (key.range !== undefined && key.range !== null) line = lineAt(key.range[0]);
      node = pair.value;
    } else if (isSeq(node) && typeof segment === 'number') {
      const item: unknown = node.items[segment];
      if (item === undefined || !isNodeWithRange(item)) return line;
      line = lineAt(item.range[0]);
      node = item;
    } else {
      return line;
    }
  }
  return line;
}

function isNodeWithRange(value: unknown): value is { range: [number, number, number] } {
  return typeof value === 'object' && value !== null && 'range' in value && Array.isArray(value.range);
}

/**
 * One problem for a document that does not parse: the parser's first complaint, since the later ones
 * follow from it (an indentation slip makes every line after it "not at the same column"). When a line
 * near it is indented unlike the lines around it, that line is the slip, and the problem is put there.
 */
function firstSyntaxProblem(
  text: string,
  errors: readonly { message: string; pos: [number, number] }[],
  lineCounter: LineCounter,
): ConfigProblem {
  const first = errors[0];
  const position = lineCounter.linePos(first?.pos[0] ?? 0);
  const more = errors.length - 1;
  const after =
    more > 0
      ? ` (fix it first: the parser's ${more} later ${more === 1 ? 'complaint follows' : 'complaints follow'} from it)`
      : '';
  const slip = indentationSlip(text.split(/\r?\n/), position.line);
  if (slip !== undefined) {
    return {
      message: `YAML indentation: this line is indented by ${slip.indent} spaces, the lines around it by ${slip.around}${after}`,
      line: slip.line,
      column: slip.indent + 1,
    };
  }
  return {
    message: `YAML syntax error: ${first?.message.split('\n')[0] ?? ''}${after}`,
    line: position.line,
    column: position.col,
  };
}

/**
 * The line at, just before or just after `line` (1-based) whose indentation differs from both of its
 * neighbours' while they agree with each other, and which does not start a block under the line before
 * it: a key slipped left or right of its siblings.
 */
function indentationSlip(
  lines: readonly string[],
  line: number,
): { line: number; indent: number; around: number } | undefined {
  const isContent = (n: number): boolean => {
    const l = lines[n - 1];
    return l !== undefined && l.trim() !== '' && !l.trimStart().startsWith('#');
  };
  const indent = (n: number): number => /^ */.exec(lines[n - 1] ?? '')?.[0].length ?? 0;
  const step = (n: number, by: 1 | -1): number | undefined => {
    for (let k = n + by; k >= 1 && k <= lines.length; k += by) if (isContent(k)) return k;
    return undefined;
  };
  const opensBlock = (n: number): boolean =>
    /:\s*(#.*)?$/.test(lines[n - 1] ?? '') || /^\s*- /.test(lines[n - 1] ?? '');
  const candidates = [step(line, -1), isContent(line) ? line : undefined, step(line, 1)];
  for (const n of candidates) {
    if (n === undefined) continue;
    const before = step(n, -1);
    const next = step(n, 1);
    if (before === undefined || next === undefined) continue;
    if (indent(before) !== indent(next) || indent(n) === indent(before)) continue;
    if (opensBlock(before) && indent(n) > indent(before)) continue;
    return { line: n, indent: indent(n), around: indent(before) };
  }
  return undefined;
}
