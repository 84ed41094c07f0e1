import { LineCounter, parseDocument } from 'yaml';
import type { ScalarTag } from 'yaml';
import { locate } from '../../config/yaml-source.js';
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
    // A missing top-level key has no line: the message names the key path alone.
    locate(document, path, (offset) => lineCounter.linePos(offset).line, false);
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
