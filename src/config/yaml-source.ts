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
    const syntaxProblems = document.errors.map((error): ConfigProblem => {
      const position = lineCounter.linePos(error.pos[0]);
      return {
        message: `YAML syntax error: ${error.message.split('\n')[0] ?? ''}`,
        line: position.line,
        column: position.col,
      };
    });
    return { value: undefined, syntaxProblems, lineOf };
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

function locate(
  document: Document.Parsed,
  path: readonly PropertyKey[],
  lineAt: (offset: number) => number,
): number | undefined {
  let node: unknown = document.contents;
  let line = node !== null && isNodeWithRange(node) ? lineAt(node.range[0]) : undefined;
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
