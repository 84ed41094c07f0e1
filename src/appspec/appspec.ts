import type { HookEvent } from './lifecycle-events.js';

// An appspec.yml as the CodeDeploy agent reads it (the agent's application_specification.rb and
// script_info.rb), as small immutable values. Defaults are the agent's.

export type FileExistsBehavior = 'DISALLOW' | 'OVERWRITE' | 'RETAIN';

/** One entry of `files`: `source` relative to the bundle root ("/" is all of it), `destination` absolute. */
export interface FileMapping {
  readonly source: string;
  readonly destination: string;
}

export type PermissionObjectType = 'file' | 'directory';

/** One entry of `permissions` (Linux). */
export interface Permission {
  readonly object: string;
  /** A glob of what under `object` it applies to; `**` (everything) by default. */
  readonly pattern: string;
  readonly except: readonly string[];
  readonly type: readonly PermissionObjectType[];
  readonly owner?: string;
  readonly group?: string;
  /** Octal digits as the agent keeps them: 3 or 4 characters, e.g. "644", "0755", "4755". */
  readonly mode?: string;
  readonly acls?: readonly string[];
  readonly context?: { readonly user?: string; readonly type?: string; readonly range?: string };
}

/** One script of a lifecycle event. */
export interface HookScript {
  /** As written in the appspec: relative to the bundle root. */
  readonly location: string;
  /** Per-script timeout; the agent's default is 3600. */
  readonly timeoutSeconds: number;
  /** Whether `timeout` was written, or the default applies. */
  readonly timeoutGiven: boolean;
  /** Runs as `su <runas> -c <script>` when set. */
  readonly runas?: string;
  /** Undocumented agent key: prefixes the command with sudo. */
  readonly sudo: boolean;
}

export interface AppSpec {
  /** The file it was read from, for messages (e.g. `appspec.yml`). */
  readonly file: string;
  readonly version: number;
  readonly os: 'linux';
  readonly files: readonly FileMapping[];
  /** Absent: the deployment's own setting (DISALLOW by default) applies. */
  readonly fileExistsBehavior?: FileExistsBehavior;
  readonly permissions: readonly Permission[];
  /** Lifecycle event → its scripts, in the order they run; events in appspec order. */
  readonly hooks: ReadonlyMap<HookEvent, readonly HookScript[]>;
}

export type Severity = 'error' | 'warning';

/** One thing wrong with an appspec or its bundle. */
export interface AppSpecProblem {
  readonly severity: Severity;
  /** The file the problem was found in (the appspec, as named to the linter). */
  readonly file: string;
  /** Key path in the appspec, e.g. `hooks.AfterInstall[0].timeout`; empty for the file as a whole. */
  readonly path: string;
  /** 1-based line in the appspec, when the YAML document can place the key. */
  readonly line?: number;
  /** What is wrong and what to do about it. */
  readonly message: string;
  /**
   * Whether the CodeDeploy agent itself fails the deployment on it. Other errors are ones the agent lets
   * through but that break or misconfigure the deployment later (a mode 0644 that becomes 420, a
   * timeout CodeDeploy cuts at 3600 s): the linter rejects them, an emulated agent must not.
   */
  readonly rejectedByAgent: boolean;
}

/** `appspec.yml:12: hooks.AfterInstall[0].timeout: …`, the form editors and CI logs turn into links. */
export function formatProblem(problem: AppSpecProblem): string {
  const where = problem.line === undefined ? problem.file : `${problem.file}:${problem.line}`;
  const key = problem.path === '' ? '' : `${problem.path}: `;
  return `${where}: ${key}${problem.message}`;
}

export function hasErrors(problems: readonly AppSpecProblem[]): boolean {
  return problems.some((problem) => problem.severity === 'error');
}

/** An invalid appspec. Exit code 2, like every invalid input; `problems` are the errors it was thrown for. */
export class AppSpecError extends Error {
  readonly exitCode = 2;
  readonly file: string;
  readonly problems: readonly AppSpecProblem[];

  constructor(file: string, errors: readonly AppSpecProblem[]) {
    const count = errors.length === 1 ? '1 problem' : `${errors.length} problems`;
    const lines = errors.map((problem) => `  ${formatProblem(problem)}`);
    super([`${file}: invalid appspec (${count}):`, ...lines].join('\n'));
    this.name = 'AppSpecError';
    this.file = file;
    this.problems = errors;
  }
}
