// tier: unit
import assert from 'node:assert/strict';
import { readFile, readdir } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

// Process spawning never goes through a shell, statically: every call site of child_process in src/
// and in the local cloud's sources (packages/localcloud/src/, named `localcloud/…` below) is listed here with its file, passes an argument array, and never sets `shell`; a new call site
// fails this test until it is reviewed and added. (test/security/no-shell.test.ts runs hostile values
// through sam, zip and tar for real.)

const src = fileURLToPath(new URL('../../src/', import.meta.url));
const localCloud = fileURLToPath(new URL('../../packages/localcloud/src/', import.meta.url));

/** `codedeploy/bundle.ts` for greenlight's sources, `localcloud/agent/…` for the local cloud's. */
const siteOf = (file: string) =>
  file.startsWith(localCloud) ? `localcloud/${relative(localCloud, file)}` : relative(src, file);

/** Reviewed call sites: `file: function` → how many calls. Every one passes an argument array. */
const REVIEWED_CALL_SITES: Record<string, number> = {
  'codedeploy/bundle.ts: run (promisify(execFile))': 3,
  'codedeploy/revision.ts: execFile': 2, // git rev-parse HEAD; git (argument arrays) for --revision and the pushed check
  'demo/revisions.ts: run (promisify(execFile))': 1,
  'gate/smoke.ts: spawn': 1,
  'hooks/local-bundle.ts: run (promisify(execFile))': 2,
  'localcloud/agent/revision-bundle.ts: spawn': 1,
  'localcloud/aws-cli/driver.ts: spawn': 1, // /usr/bin/aws's interpreter on driver.py; each command's argv goes as JSON on stdin, never through a shell
  'localcloud/instance/sandboxed-instance.ts: spawn': 4,
  'localcloud/instance/sandboxed-instance.ts: spawnSync': 1,
  'localcloud/sandbox/confinement.ts: spawnSync': 1,
  'localcloud/sandbox/programs/installer.ts: spawnSync': 2,
  'localcloud/sandbox/programs/supervisor.ts: spawn': 2,
  'rehearse/aws-cli.ts: spawn': 1, // the rehearsal's /usr/bin/aws, an argument array
  'rehearse/checkout.ts: run (promisify(execFile))': 1, // git with argument arrays (the rehearsal's clone)
  'rehearse/rehearsal.ts: execFile': 2, // npm run build in the clone; git apply/add/commit of --patch
  'rehearse/circleci/runner.ts: spawn': 1, // a CircleCI run step: the config's own command, as a script argument to its shell (bash -eo pipefail)
  'sam/process.ts: spawn': 1,
};

/**
 * The only places a shell may run, and why. `greenlight gate --smoke CMD` runs the person's own
 * command line the way a CI step does (`/bin/sh -c CMD`); greenlight splices nothing into it, the
 * URL and version reach it as GREENLIGHT_* environment variables.
 */
const SHELL_BY_DESIGN: Record<string, string> = {
  'gate/smoke.ts: spawn':
    "--smoke runs the person's own command line; values reach it as environment variables",
};

async function sourceFiles(dir: string): Promise<string[]> {
  const files: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) files.push(...(await sourceFiles(path)));
    else if (entry.name.endsWith('.ts')) files.push(path);
  }
  return files;
}

/** Source text with comments and string contents blanked, so neither can look like a call. */
function codeOnly(text: string): string {
  return text
    .replace(/\/\*[\s\S]*?\*\//g, (m) => m.replace(/[^\n]/g, ' '))
    .replace(/(^|[^:'"`\\])\/\/[^\n]*/g, (m, lead: string) => lead + ' '.repeat(m.length - lead.length));
}

/** The text of the argument list of the call whose `(` is at `open`, and the index after its `)`. */
function argumentsAt(text: string, open: number): { args: string[]; end: number } {
  let depth = 0;
  let quote: string | undefined;
  let current = '';
  const args: string[] = [];
  for (let i = open; i < text.length; i++) {
    const char = text[i] as string;
    if (quote) {
      current += char;
      if (char === '\\') current += text[++i] ?? '';
      else if (char === quote) quote = undefined;
      continue;
    }
    if (char === "'" || char === '"' || char === '`') quote = char;
    if ('([{'.includes(char)) depth++;
    if (')]}'.includes(char)) depth--;
    if (depth === 0) {
      args.push(current.slice(1).trim());
      return { args: args.filter((a) => a !== ''), end: i + 1 };
    }
    if (char === ',' && depth === 1) {
      args.push(current.slice(current.startsWith('(') && args.length === 0 ? 1 : 0).trim());
      current = args.length === 1 ? '(' : '';
      continue;
    }
    current += char;
  }
  throw new Error(`unbalanced call at ${open}`);
}

interface CallSite {
  readonly site: string;
  readonly args: string[];
  readonly text: string;
  readonly line: number;
}

function callSites(file: string, text: string): CallSite[] {
  const code = codeOnly(text);
  const imported = new Map<string, string>();
  const importPattern =
    /import\s*(type\s+)?\{([^}]*)\}\s*from\s*'(?:node:)?child_process'|const\s*\{([^}]*)\}\s*=\s*await\s+import\('(?:node:)?child_process'\)/g;
  for (const match of code.matchAll(importPattern)) {
    if (match[1]) continue;
    for (const part of (match[2] ?? match[3] ?? '').split(',')) {
      const name = part.trim();
      if (name === '' || name.startsWith('type ')) continue;
      const [original, alias] = name.split(/\s+as\s+/) as [string, string | undefined];
      imported.set(alias ?? original, original);
    }
  }
  for (const match of code.matchAll(/const\s+(\w+)\s*=\s*promisify\((\w+)\)/g)) {
    if (imported.has(match[2] as string))
      imported.set(match[1] as string, `${match[1]} (promisify(${match[2]}))`);
  }
  const sites: CallSite[] = [];
  for (const [name, label] of imported) {
    for (const match of code.matchAll(new RegExp(`(?<![.\\w])${name}\\s*\\(`, 'g'))) {
      const open = (match.index ?? 0) + match[0].length - 1;
      const { args, end } = argumentsAt(code, open);
      // A method of the same name (`spawn(command: …): ChildProcess {`) is a definition, not a call.
      const linePrefix = code.slice(code.lastIndexOf('\n', match.index) + 1, match.index);
      if (/^\s*(async\s+)?$/.test(linePrefix) && /^\s*[:{]/.test(code.slice(end))) continue;
      if (/promisify\($/.test(code.slice(0, match.index))) continue;
      sites.push({
        site: `${siteOf(file)}: ${label === name ? name : label}`,
        args,
        text: code.slice(match.index, end),
        line: code.slice(0, match.index).split('\n').length,
      });
    }
  }
  return sites;
}

describe('process spawning never uses a shell', () => {
  it('every child_process call site in src/ and packages/localcloud/src/ is reviewed, passes an argument array and leaves shell unset', async () => {
    const found: Record<string, number> = {};
    for (const file of [...(await sourceFiles(src)), ...(await sourceFiles(localCloud))]) {
      const text = await readFile(file, 'utf8');
      const code = codeOnly(text);
      const where = siteOf(file);
      assert.doesNotMatch(code, /shell\s*:\s*true/, `${where} sets shell: true`);
      assert.doesNotMatch(
        code,
        /import[^;]*\b(exec|execSync)\b[^;]*from\s*'(node:)?child_process'|\{[^}]*\b(exec|execSync)\b[^}]*\}\s*=\s*await\s+import\('(node:)?child_process'\)/,
        `${where} imports exec/execSync, which run a shell`,
      );
      assert.doesNotMatch(
        code,
        /require\(\s*'(node:)?child_process'\s*\)/,
        `${where} requires child_process`,
      );
      for (const call of callSites(file, text)) {
        const at = `${call.site} (line ${call.line}): ${call.text.slice(0, 160)}`;
        found[call.site] = (found[call.site] ?? 0) + 1;
        assert.ok(call.args.length >= 2, `an argument list is passed: ${at}`);
        const [command = '', argv = ''] = call.args;
        assert.doesNotMatch(
          command,
          /^(['"`]).*\s.*\1$/s,
          `the command is one program, not a command line: ${at}`,
        );
        assert.doesNotMatch(argv, /^['"`]/, `the arguments are an array, not a string: ${at}`);
        if (/^['"`](\/usr)?(\/bin\/)?(ba|da|z)?sh['"`]$/.test(command)) {
          assert.ok(call.site in SHELL_BY_DESIGN, `a shell is started outside SHELL_BY_DESIGN: ${at}`);
        }
        assert.doesNotMatch(call.text, /shell\s*:\s*true/, `shell is not set: ${at}`);
      }
    }
    assert.deepEqual(
      found,
      REVIEWED_CALL_SITES,
      'the call sites changed: review the new one (argument array, no shell) and list it in REVIEWED_CALL_SITES',
    );
  });
});
