import { isAlias, isMap, isScalar, isSeq, LineCounter, parseDocument } from 'yaml';
import type { Document, Node } from 'yaml';

// The agent reads appspec.yml with Ruby's Psych, a YAML 1.1 parser, so this does too: `0755` is octal
// (493), `yes` is true, `0.0` is the number 0. Reading it as YAML 1.2 would hide what the agent sees.

// Far above what an appspec uses, far below what makes an alias bomb expensive.
const MAX_ALIAS_COUNT = 100;

export type KeyPath = readonly (string | number)[];

export interface YamlIssue {
  readonly message: string;
  readonly line?: number;
}

export interface AppSpecYaml {
  /** The document as plain data; undefined when `fatal` problems prevent reading it. */
  readonly value: unknown;
  /** Problems that prevent reading the document at all. */
  readonly fatal: readonly YamlIssue[];
  /** Duplicate keys: the document is still read (the last one wins, as in Psych). */
  readonly duplicateKeys: readonly YamlIssue[];
  /** The 1-based line of `path`, or of its deepest ancestor the document has. */
  lineOf(path: KeyPath): number | undefined;
  /** The scalar at `path` as written in the file (its source text and quoting), when it is one. */
  scalarAt(path: KeyPath): { readonly source: string; readonly quoted: boolean } | undefined;
}

export function readAppSpecYaml(text: string): AppSpecYaml {
  const lineCounter = new LineCounter();
  const document = parseDocument(text, {
    version: '1.1',
    lineCounter,
    prettyErrors: false,
    uniqueKeys: true,
  });
  const lineAt = (offset: number): number => lineCounter.linePos(offset).line;
  const lineOf = (path: KeyPath): number | undefined => locate(document, path, lineAt).line;
  const scalarAt = (path: KeyPath): { source: string; quoted: boolean } | undefined => {
    const node = locate(document, path, lineAt);
    if (!node.found || !isScalar(node.node)) return undefined;
    const scalar = node.node;
    return {
      source: typeof scalar.source === 'string' ? scalar.source : String(scalar.value),
      quoted: scalar.type === 'QUOTE_DOUBLE' || scalar.type === 'QUOTE_SINGLE',
    };
  };

  const duplicateKeys: YamlIssue[] = [];
  const fatal: YamlIssue[] = [];
  for (const error of document.errors) {
    const issue = {
      message: error.message.split('\n')[0] ?? error.code,
      line: lineCounter.linePos(error.pos[0]).line,
    };
    if (error.code === 'DUPLICATE_KEY') duplicateKeys.push(issue);
    else fatal.push({ ...issue, message: `YAML syntax error: ${issue.message}` });
  }
  if (fatal.length > 0) return { value: undefined, fatal, duplicateKeys, lineOf, scalarAt };
  try {
    const value = document.toJS({ maxAliasCount: MAX_ALIAS_COUNT }) as unknown;
    return { value, fatal, duplicateKeys, lineOf, scalarAt };
  } catch (error) {
    // toJS throws on alias bombs and on aliases to anchors that come later.
    const message = error instanceof Error ? error.message : String(error);
    return {
      value: undefined,
      fatal: [{ message: `YAML error: ${message}` }],
      duplicateKeys,
      lineOf,
      scalarAt,
    };
  }
}

function locate(
  document: Document.Parsed,
  path: KeyPath,
  lineAt: (offset: number) => number,
): { line: number | undefined; node: unknown; found: boolean } {
  let node: unknown = document.contents;
  let line = hasRange(node) ? lineAt(node.range[0]) : undefined;
  for (const segment of path) {
    if (isAlias(node)) node = node.resolve(document);
    if (isMap(node)) {
      // The last of duplicate keys is the one that counts, as in the value.
      const pair = node.items.findLast(
        (item) => isScalar(item.key) && String(item.key.value) === String(segment),
      );
      if (pair === undefined) return { line, node, found: false };
      const key = pair.key as Node;
      if (hasRange(key)) line = lineAt(key.range[0]);
      node = pair.value;
    } else if (isSeq(node) && typeof segment === 'number') {
      const item: unknown = node.items[segment];
      if (!hasRange(item)) return { line, node, found: false };
      line = lineAt(item.range[0]);
      node = item;
    } else {
      return { line, node, found: false };
    }
  }
  if (isAlias(node)) node = node.resolve(document);
  return { line, node, found: true };
}

function hasRange(value: unknown): value is { range: [number, number, number] } {
  return typeof value === 'object' && value !== null && 'range' in value && Array.isArray(value.range);
}
