// tier: unit
// What `greenlight --version`, `--help` and a usage error load: the modules reached from the CLI's
// entry by static imports. A command's own code (the domain, the SDK clients, the configuration
// schema, the local cloud) is imported inside its action, so none of it may be reached from here.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { DEFAULT_EVENTS } from '@greenlight/localcloud';
import ts from 'typescript';
import { HOOKS_RUN_DEFAULT_EVENTS } from '../../src/cli/commands/hooks.js';

const root = fileURLToPath(new URL('../../', import.meta.url));

/** Module specifiers a file loads when it is evaluated: no `import type`, no `import()`. */
function staticImports(file: string): string[] {
  const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.ES2022);
  const found: string[] = [];
  for (const statement of source.statements) {
    if (ts.isImportDeclaration(statement)) {
      if (statement.importClause?.isTypeOnly) continue;
      // Under verbatimModuleSyntax `import { type A } from 'a'` still loads 'a' (as `import {} from 'a'`).
      found.push((statement.moduleSpecifier as ts.StringLiteral).text);
    } else if (ts.isExportDeclaration(statement) && statement.moduleSpecifier && !statement.isTypeOnly) {
      found.push((statement.moduleSpecifier as ts.StringLiteral).text);
    }
  }
  return found;
}

/** Every module reached from `entry` by static imports: own files by path, packages by name. */
function reachable(entry: string): { files: string[]; packages: Map<string, string> } {
  const files = new Set<string>();
  const packages = new Map<string, string>();
  const visit = (file: string): void => {
    if (files.has(file)) return;
    files.add(file);
    for (const specifier of staticImports(file)) {
      if (specifier.startsWith('.')) {
        const target = resolve(dirname(file), specifier.replace(/\.js$/, '.ts'));
        assert.ok(existsSync(target), `${relative(root, file)} imports ${specifier}, which is not there`);
        visit(target);
      } else if (!specifier.startsWith('node:')) {
        packages.set(specifier, relative(root, file));
      }
    }
  };
  visit(entry);
  return { files: [...files].map((f) => relative(root, f)).sort(), packages };
}

describe('the CLI loads only what a command uses', () => {
  const { files, packages } = reachable(join(root, 'src/cli/main.ts'));

  it('reaches only commander among packages before a command runs', () => {
    assert.deepEqual(
      [...packages].filter(([name]) => name !== 'commander'),
      [],
      'imported at the top of a module the CLI loads for --version and --help: [package, by file]',
    );
  });

  it('reaches no domain module: each command imports its implementation in its action', () => {
    // The CLI's own modules, the exit codes, the clock and the argument parsers' small helpers.
    const allowed = [
      /^src\/cli\//,
      /^src\/(exit-codes|clock|version)\.ts$/,
      /^src\/aws\/endpoint\.ts$/,
      /^src\/log\/(output|format|events|width)\.ts$/,
      /^src\/config\/(duration|errors)\.ts$/,
      /^src\/codedeploy\/revision\.ts$/,
      /^src\/appspec\/lifecycle-events\.ts$/,
    ];
    assert.deepEqual(
      files.filter((f) => !allowed.some((pattern) => pattern.test(f))),
      [],
    );
    assert.ok(
      !files.includes('src/cli/context.ts'),
      'the context (configuration, clients) loads with a command',
    );
  });

  it('reads greenlight.yml (yaml, zod) only for a command that names an environment', () => {
    // `verify <id>` without --env checks the deployment alone: it needs no configuration.
    const context = reachable(join(root, 'src/cli/context.ts'));
    assert.deepEqual(
      [...context.packages.keys()].filter((name) => name === 'zod' || name === 'yaml'),
      [],
    );
    assert.deepEqual(
      context.files.filter((file) => file.startsWith('src/config/')),
      [],
    );
  });

  it('names the default events of hooks run without loading the local cloud, and they are its own', () => {
    assert.deepEqual(HOOKS_RUN_DEFAULT_EVENTS, DEFAULT_EVENTS);
  });
});
