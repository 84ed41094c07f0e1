import { isAlias, isMap, isScalar, isSeq, LineCounter, parseDocument } from 'yaml';
import type { Document, Node, ScalarTag } from 'yaml';
import { CircleConfigError, type ConfigPath } from './errors.js';

// Far above what a real config uses, far below what makes an alias bomb expensive.
const MAX_ALIAS_COUNT = 1000;

// CircleCI's config compiler reads YAML 1.1 (SnakeYAML), where unquoted yes/no/on/off are booleans
// (`background: yes` is true); `yaml` reads 1.2, where they are strings. Not y/n: SnakeYAML leaves
// those strings. 1.1's octal and base-60 integers are not carried over: no CircleCI key takes them.
const yesNoOnOff: ScalarTag = {
  tag: 'tag:yaml.org,2002:bool',
  default: true,
  test: /^(?:[Yy]es|YES|[Nn]o|NO|[Oo]n|ON|[Oo]ff|OFF)$/,
  resolve: (text) => /^(?:yes|on)$/i.test(text),
};

/** A parsed config file: its data, and the line each key path is on (for error messages). */
export interface ConfigSource {
  readonly file: string;
  readonly value: unknown;
  readonly lineOf: (path: ConfigPath) => number | undefined;
}

export function readConfigSource(text: string, file: string): ConfigSource {
  const lineCounter = new LineCounter();
  const document = parseDocument(text, {
    lineCounter,
    prettyErrors: false,
    uniqueKeys: true,
    customTags: (tags) => [yesNoOnOff, ...tags],
  });
  const lineOf = (path: ConfigPath): number | undefined =>
    locate(document, path, (offset) => lineCounter.linePos(offset).line);
  const syntax = document.errors[0];
  if (syntax !== undefined) {
    throw new CircleConfigError({
      file,
      path: [],
      line: lineCounter.linePos(syntax.pos[0]).line,
      problem: `not valid YAML: ${syntax.message.split('\n')[0] ?? syntax.code}`,
    });
  }
  let value: unknown;
  try {
    value = document.toJS({ maxAliasCount: MAX_ALIAS_COUNT }) as unknown;
  } catch (error) {
    throw new CircleConfigError({ file, path: [], problem: `YAML error: ${(error as Error).message}` });
  }
  return { file, value, lineOf };
}

function locate(
  document: Document.Parsed,
  path: ConfigPath,
  lineAt: (offset: number) => number,
): number | undefined {
  let node: unknown = document.contents;
  let line: number | undefined;
  for (const segment of path) {
    if (isAlias(node)) node = node.resolve(document);
    if (isMap(node)) {
      const pair = node.items.find(
        (item) => isScalar(item.key) && String(item.key.value) === String(segment),
      );
      if (pair === undefined) return line;
      const key = pair.key as Node;
      if (key.range) line = lineAt(key.range[0]);
      node = pair.value;
    } else if (isSeq(node) && typeof segment === 'number') {
      const item = node.items[segment] as Node | undefined;
      if (item === undefined) return line;
      if (item.range) line = lineAt(item.range[0]);
      node = item;
    } else {
      return line;
    }
  }
  return line;
}
