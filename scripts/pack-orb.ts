// `npm run pack:orb`: the orb's unpacked source (orb/src/) packed into one orb.yml, as `circleci orb
// pack` packs it — the circleci CLI is not installable here (its releases are downloads, not packages
// of a registry this project uses), so this file carries its documented rules:
//   node --import tsx scripts/pack-orb.ts [SOURCE_DIR] [--out FILE]      (default orb/src, stdout)
//
// The rules, as the CLI's own package documents them (CircleCI-Public/circleci-cli, internal/pack):
// - files at the root are merged at the top level (so @orb.yml holds version, description, display);
// - a directory at the root opens a top-level key (commands/, jobs/, executors/, examples/), and each
//   YAML file in it becomes an entry under that key, named by the file without its extension;
// - deeper directories only organise: commands/aws/login.yml is commands.login, and two files that
//   would claim one name are an error naming both;
// - a file whose name starts with "@" is merged at its directory's level instead of under a key;
// - dotfiles and files that are not .yml/.yaml are skipped (scripts an orb includes live beside);
// - unquoted yes/no/on/off are booleans, as CircleCI's config compiler (YAML 1.1) reads them;
// - in jobs, commands and executors, each `<< include(path) >>` in a string is replaced by that
//   file's content (the path relative to the source root), with `<<` in it escaped to `\<<` so an
//   included script is never read as parameter syntax; descriptions and examples are left alone.
// Not carried over: a YAML anchor defined in one file and aliased in another (each file here is a
// document of its own: the alias fails with the file's name).
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { basename, extname, join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseDocument, stringify, type ScalarTag } from 'yaml';

export class OrbPackError extends Error {
  readonly exitCode = 2;
}

type YamlMap = Record<string, unknown>;

const YAML_FILE = /\.(yml|yaml)$/;
const INCLUDE = /<<\s*include\(([-\w/.]+)\)?\s*>>/g;
const INCLUDE_SECTIONS = ['jobs', 'commands', 'executors'] as const;

// Not y/n: CircleCI's compiler (SnakeYAML) leaves those strings, and so does its pack.
const yesNoOnOff: ScalarTag = {
  tag: 'tag:yaml.org,2002:bool',
  default: true,
  test: /^(?:[Yy]es|YES|[Nn]o|NO|[Oo]n|ON|[Oo]ff|OFF)$/,
  resolve: (text) => /^(?:yes|on)$/i.test(text),
};

/** The packed orb: its value, and its YAML text (keys sorted, four-space indent, as the CLI writes it). */
export interface PackedOrb {
  readonly value: YamlMap;
  readonly text: string;
}

export function packOrb(sourceDir: string): PackedOrb {
  const root = resolve(sourceDir);
  const value = packDir(root, root, 0);
  for (const section of INCLUDE_SECTIONS) {
    if (value[section] !== undefined) value[section] = resolveIncludes(value[section], root);
  }
  return { value, text: stringify(sortKeys(value), { indent: 4, lineWidth: 0 }) };
}

function packDir(dir: string, root: string, depth: number): YamlMap {
  let tree: YamlMap = {};
  // Which file claimed each key below the root, so that a collision names both.
  const origins = new Map<string, string>();
  const nested: { dir: string; content: YamlMap }[] = [];
  const entries = readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name));
  for (const entry of entries) {
    const path = join(dir, entry.name);
    if (entry.name.startsWith('.')) continue;
    if (entry.isDirectory()) {
      const content = packDir(path, root, depth + 1);
      if (depth === 0) {
        // A directory with no YAML (the scripts an orb includes) is no section.
        const merged = { ...asMap(tree[entry.name]), ...content };
        if (Object.keys(merged).length > 0) tree[entry.name] = merged;
      } else {
        nested.push({ dir: path, content });
      }
      continue;
    }
    if (!YAML_FILE.test(entry.name)) continue;
    const content = readYamlMap(path, root);
    if (depth === 0 || entry.name.startsWith('@')) {
      tree = { ...tree, ...content };
    } else {
      const key = basename(entry.name, extname(entry.name));
      tree[key] = { ...asMap(tree[key]), ...content };
      origins.set(key, path);
    }
  }
  for (const { dir: from, content } of nested) {
    for (const key of Object.keys(content)) {
      const taken = origins.get(key);
      if (taken !== undefined) {
        throw new OrbPackError(
          `${relative(root, taken)} and ${relative(root, join(from, `${key}.yml`))} both define "${key}": two files that pack into one section cannot share a name`,
        );
      }
      origins.set(key, join(from, `${key}.yml`));
    }
    tree = { ...tree, ...content };
  }
  return tree;
}

function readYamlMap(path: string, root: string): YamlMap {
  const where = relative(root, path);
  const document = parseDocument(readFileSync(path, 'utf8'), {
    uniqueKeys: true,
    prettyErrors: false,
    customTags: (tags) => [yesNoOnOff, ...tags],
  });
  const error = document.errors[0];
  if (error !== undefined) {
    throw new OrbPackError(`${where}: not valid YAML: ${error.message.split('\n')[0] ?? error.code}`);
  }
  let value: unknown;
  try {
    value = document.toJS({ maxAliasCount: 1000 }) as unknown;
  } catch (caught) {
    throw new OrbPackError(`${where}: ${(caught as Error).message}`);
  }
  if (value === null || value === undefined) return {};
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw new OrbPackError(`${where}: a file of an orb's source holds a YAML map at its root`);
  }
  return value as YamlMap;
}

function resolveIncludes(value: unknown, root: string): unknown {
  if (typeof value === 'string') {
    return value.replace(INCLUDE, (_directive, file: string) => {
      const path = join(root, file);
      let content: string;
      try {
        content = readFileSync(path, 'utf8');
      } catch (caught) {
        const code = (caught as NodeJS.ErrnoException).code ?? 'error';
        throw new OrbPackError(`<< include(${file}) >>: cannot read ${path} (${code})`);
      }
      return content.replaceAll('<<', '\\<<');
    });
  }
  if (Array.isArray(value)) return value.map((item) => resolveIncludes(item, root));
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, resolveIncludes(v, root)]));
  }
  return value;
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(
      Object.entries(value)
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
        .map(([k, v]) => [k, sortKeys(v)]),
    );
  }
  return value;
}

function asMap(value: unknown): YamlMap {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as YamlMap) : {};
}

function main(args: readonly string[]): void {
  let source = fileURLToPath(new URL('../orb/src', import.meta.url));
  let out: string | undefined;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === '--out') {
      out = args[++i];
      if (!out) throw new OrbPackError('--out needs a file name');
    } else if (arg.startsWith('-')) {
      throw new OrbPackError(`unknown option ${arg} (usage: pack-orb.ts [SOURCE_DIR] [--out FILE])`);
    } else {
      source = arg;
    }
  }
  const packed = packOrb(source);
  if (out) writeFileSync(out, packed.text);
  else process.stdout.write(packed.text);
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  try {
    main(process.argv.slice(2));
  } catch (error) {
    process.stderr.write(`pack-orb: ${(error as Error).message}\n`);
    process.exitCode = error instanceof OrbPackError ? 2 : 1;
  }
}
