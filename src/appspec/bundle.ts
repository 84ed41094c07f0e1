import { readdir, readFile, stat } from 'node:fs/promises';
import type { Stats } from 'node:fs';
import { basename, dirname, join, posix, resolve } from 'node:path';
import { formatKeyPath } from '../config/problems.js';
import type { AppSpec, AppSpecProblem, HookScript, Severity } from './appspec.js';
import { checkHookScript } from './hook-script.js';
import { checkAppSpec } from './parse.js';
import { STANDARD_USERS, usersCreatedBy } from './run-as.js';

// Lints a revision bundle (a directory, as `greenlight deploy --bundle` packs it) the way the agent
// would meet it on an instance: which appspec it reads, the files and scripts that appspec names.

/** The names the agent looks for, in its order (command_executor.rb#app_spec_real_path). */
const APPSPEC_NAMES = ['appspec.yml', 'appspec.yaml'];
/** Larger scripts are not read for the text checks; nobody writes a hook that long. */
const MAX_SCRIPT_BYTES = 1024 * 1024;

export interface BundleLint {
  /** The bundle root the appspec's paths resolve against (after stripping a lone top-level directory). */
  readonly bundleDir: string;
  /** The appspec as named in problems, or undefined when the bundle has none. */
  readonly appSpecFile: string | undefined;
  readonly spec: AppSpec | undefined;
  readonly problems: readonly AppSpecProblem[];
}

export interface LintOptions {
  /** Resolves relative paths; problems keep naming files as given. Default: the process's cwd. */
  readonly cwd?: string;
}

/** Every problem of the bundle in `dir`: its appspec, and the files and scripts the appspec names. */
export async function lintBundle(dir: string, options: LintOptions = {}): Promise<AppSpecProblem[]> {
  return [...(await lintBundleDetailed(dir, options)).problems];
}

/**
 * Lints `path`, an appspec file or a bundle directory. For a file, the bundle is its directory (a
 * bundle's appspec is at its root), whatever the file is called.
 */
export async function lintAppSpecPath(path: string, options: LintOptions = {}): Promise<BundleLint> {
  const cwd = options.cwd ?? process.cwd();
  const info = await statOrUndefined(resolve(cwd, path));
  if (info === undefined) {
    return {
      bundleDir: path,
      appSpecFile: undefined,
      spec: undefined,
      problems: [problem('error', path, `no such file or directory`)],
    };
  }
  if (info.isDirectory()) return lintBundleDetailed(path, options);
  return lintWithAppSpec(dirname(path), path, options);
}

export async function lintBundleDetailed(dir: string, options: LintOptions = {}): Promise<BundleLint> {
  const cwd = options.cwd ?? process.cwd();
  const absolute = resolve(cwd, dir);
  const problems: AppSpecProblem[] = [];

  const found = await findAppSpec(absolute);
  if (found !== undefined) {
    const [name, ...ignored] = found;
    for (const other of ignored) {
      problems.push(
        problem('warning', join(dir, other), `ignored: the agent reads ${name} when both exist; delete one`),
      );
    }
    const linted = await lintWithAppSpec(dir, join(dir, name), options);
    return { ...linted, problems: [...problems, ...linted.problems] };
  }

  // A bundle whose only top-level entry is a directory holding the appspec is unpacked one level down.
  const entries = await readdir(absolute, { withFileTypes: true }).catch(() => undefined);
  const only = entries?.length === 1 ? entries[0] : undefined;
  if (only?.isDirectory() === true && (await findAppSpec(join(absolute, only.name))) !== undefined) {
    const inner = join(dir, only.name);
    const linted = await lintBundleDetailed(inner, options);
    const note = problem(
      'warning',
      dir,
      `the bundle's only top-level entry is the directory ${only.name}/: the agent strips it and reads ${only.name}/ as the bundle root, so every path in the appspec is relative to it`,
    );
    return { ...linted, problems: [note, ...linted.problems] };
  }

  const lookalike = entries?.find((entry) => APPSPEC_NAMES.includes(entry.name.toLowerCase()));
  const hint = lookalike === undefined ? '' : ` (found ${lookalike.name}: the name is case-sensitive)`;
  problems.push(
    problem(
      'error',
      join(dir, 'appspec.yml'),
      entries === undefined
        ? 'cannot read the bundle directory'
        : `no appspec.yml (or appspec.yaml) at the bundle root${hint}: the agent fails every deployment of this bundle`,
    ),
  );
  return { bundleDir: dir, appSpecFile: undefined, spec: undefined, problems };
}

async function lintWithAppSpec(dir: string, file: string, options: LintOptions): Promise<BundleLint> {
  const cwd = options.cwd ?? process.cwd();
  const root = resolve(cwd, dir);
  let text: string;
  try {
    text = await readFile(resolve(cwd, file), 'utf8');
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? String(error);
    return {
      bundleDir: dir,
      appSpecFile: file,
      spec: undefined,
      problems: [problem('error', file, `cannot read it (${reason})`)],
    };
  }
  const checked = checkAppSpec(text, { file });
  const problems = [...checked.problems];
  const spec = checked.spec;
  if (spec !== undefined) {
    const report: Report = (severity, path, message, rejectedByAgent = severity === 'error') => {
      const line = checked.lineOf(path);
      problems.push({
        severity,
        file,
        path: formatKeyPath(path),
        ...(line === undefined ? {} : { line }),
        message,
        rejectedByAgent,
      });
    };
    await checkFiles(spec, root, report);
    await checkScripts(spec, root, report);
  }
  return {
    bundleDir: dir,
    appSpecFile: file,
    spec,
    problems: problems.sort((a, b) => (a.line ?? 0) - (b.line ?? 0)),
  };
}

/** Errors fail the deployment on the instance unless `rejectedByAgent` says otherwise. */
type Report = (
  severity: Severity,
  path: (string | number)[],
  message: string,
  rejectedByAgent?: boolean,
) => void;

async function checkFiles(spec: AppSpec, root: string, report: Report): Promise<void> {
  for (const [index, mapping] of spec.files.entries()) {
    const source = inBundle(root, mapping.source);
    const info = await statOrUndefined(source);
    if (info === undefined) {
      report(
        'error',
        ['files', index, 'source'],
        `${mapping.source} does not exist in the bundle: the agent fails the Install event`,
      );
      continue;
    }
    if (info.isFile() && posix.basename(mapping.destination.replace(/\/+$/, '')) === basename(source)) {
      report(
        'warning',
        ['files', index, 'destination'],
        `destination is the directory to copy into: the agent would install this file as ${posix.join(mapping.destination, basename(source))}; write destination: ${posix.dirname(mapping.destination)}`,
      );
    }
  }
}

async function checkScripts(spec: AppSpec, root: string, report: Report): Promise<void> {
  const texts = new Map<string, string>();
  const scripts: { event: string; index: number; script: HookScript }[] = [];
  for (const [event, list] of spec.hooks) {
    list.forEach((script, index) => scripts.push({ event, index, script }));
  }

  for (const { event, index, script } of scripts) {
    const path = ['hooks', event, index, 'location'];
    const absolute = inBundle(root, script.location);
    const info = await statOrUndefined(absolute);
    if (info === undefined) {
      report(
        'error',
        path,
        `${script.location} does not exist in the bundle: the event fails with ScriptMissing`,
      );
      continue;
    }
    if (!info.isFile()) {
      report('error', path, `${script.location} is not a file: the event fails with ScriptMissing`);
      continue;
    }
    if ((info.mode & 0o111) === 0) {
      report(
        'warning',
        path,
        `${script.location} is not executable: the agent tries chmod +x and fails with ScriptNotExecutable if it cannot; make it executable in the repository (git update-index --chmod=+x ${script.location})`,
      );
    }
    if (info.size > MAX_SCRIPT_BYTES) continue;
    const text = texts.get(absolute) ?? (await readFile(absolute, 'latin1'));
    texts.set(absolute, text);
    for (const finding of checkHookScript(text)) {
      const where = finding.line === undefined ? script.location : `${script.location}:${finding.line}`;
      // The agent runs such a script all the same; it is the script that then misbehaves.
      report(finding.severity, path, `${where} ${finding.message}`, false);
    }
  }

  const runas = scripts.filter(({ script }) => script.runas !== undefined);
  if (runas.length === 0) return;
  // Users may be created by any script next to the hooks, such as a sourced library.
  for (const dir of new Set(scripts.map(({ script }) => dirname(inBundle(root, script.location))))) {
    for (const sibling of await scriptFilesIn(dir)) {
      if (!texts.has(sibling)) texts.set(sibling, await readFile(sibling, 'latin1'));
    }
  }
  const created = usersCreatedBy([...texts.values()]);
  for (const { event, index, script } of runas) {
    const user = script.runas as string;
    if (STANDARD_USERS.includes(user) || created.has(user)) continue;
    report(
      'warning',
      ['hooks', event, index, 'runas'],
      `user ${user} is not a standard system user and no hook of the bundle creates it (useradd ${user}): su fails if the instance does not have it; create it in a BeforeInstall hook or in the AMI`,
    );
  }
}

/** The appspec names present in `dir`, the one the agent reads first; undefined when there is none. */
async function findAppSpec(dir: string): Promise<[string, ...string[]] | undefined> {
  const present: string[] = [];
  for (const name of APPSPEC_NAMES) {
    if ((await statOrUndefined(join(dir, name)))?.isFile() === true) present.push(name);
  }
  const [first, ...rest] = present;
  return first === undefined ? undefined : [first, ...rest];
}

async function scriptFilesIn(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  const files: string[] = [];
  for (const entry of entries) {
    if (!entry.isFile()) continue;
    const path = join(dir, entry.name);
    const info = await statOrUndefined(path);
    if (info !== undefined && info.size <= MAX_SCRIPT_BYTES) files.push(path);
  }
  return files;
}

/** A path of the appspec (relative to the bundle root; the agent joins even a leading /). */
function inBundle(root: string, path: string): string {
  return join(root, path.replace(/^\/+/, '') || '.');
}

async function statOrUndefined(path: string): Promise<Stats | undefined> {
  try {
    return await stat(path);
  } catch {
    return undefined;
  }
}

function problem(severity: Severity, file: string, message: string): AppSpecProblem {
  return { severity, file, path: '', message, rejectedByAgent: severity === 'error' };
}
