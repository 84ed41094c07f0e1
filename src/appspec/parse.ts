import { describeValue, formatKeyPath } from '../config/problems.js';
import { didYouMean } from '../config/suggestion.js';
import {
  AppSpecError,
  type AppSpec,
  type AppSpecProblem,
  type FileExistsBehavior,
  type FileMapping,
  type HookScript,
  type Permission,
  type PermissionObjectType,
  type Severity,
} from './appspec.js';
import {
  ECS_ONLY_EVENTS,
  HOOK_EVENTS,
  MAX_EVENT_SECONDS,
  isHookEvent,
  isReservedEvent,
  type HookEvent,
} from './lifecycle-events.js';
import { readAppSpecYaml, type AppSpecYaml, type KeyPath } from './yaml-document.js';

// Reads an appspec the way the CodeDeploy agent does (application_specification.rb, script_info.rb,
// validate_app_spec_hooks) and says what the agent would reject, and what it would accept but probably
// not do what the author meant. Only the text: what the appspec names in the bundle is bundle.ts's.

export interface AppSpecCheck {
  /**
   * The appspec as far as it could be read; undefined when it is not a YAML map at all.
   * With errors among the problems it is partial: what was wrong is left out.
   */
  readonly spec: AppSpec | undefined;
  /** Errors and warnings, in file order. */
  readonly problems: readonly AppSpecProblem[];
  /** The 1-based line of a key path in the text (or of its deepest ancestor), for further problems. */
  lineOf(path: KeyPath): number | undefined;
}

const TOP_LEVEL_KEYS = ['version', 'os', 'files', 'file_exists_behavior', 'permissions', 'hooks'];
const FILE_KEYS = ['source', 'destination'];
const PERMISSION_KEYS = ['object', 'pattern', 'except', 'owner', 'group', 'mode', 'acls', 'context', 'type'];
const CONTEXT_KEYS = ['name', 'user', 'type', 'range'];
const SCRIPT_KEYS = ['location', 'timeout', 'runas', 'sudo'];
const FILE_EXISTS_BEHAVIORS: readonly FileExistsBehavior[] = ['DISALLOW', 'OVERWRITE', 'RETAIN'];
const OBJECT_TYPES: readonly PermissionObjectType[] = ['file', 'directory'];
/** What useradd accepts, which is what `su` can switch to. */
const USER_NAME = /^[a-z_][a-z0-9_.-]{0,31}\$?$/i;

export interface ParseOptions {
  /** Names the file in problems, e.g. `appspec.yml`. */
  readonly file: string;
  /**
   * false (default): read it as the CodeDeploy agent does, failing only on what the agent fails on and
   * otherwise returning what the agent would use (mode 0644 is "420", a 1.5 s timeout is 1 s).
   * true: fail on every error the linter reports.
   */
  readonly strict?: boolean;
}

/** Parses an appspec into value objects, or throws an AppSpecError listing the errors. */
export function parseAppSpec(text: string, options: ParseOptions): AppSpec {
  const { spec, problems } = checkAppSpec(text, options);
  const fatal = problems.filter(
    (problem) => problem.severity === 'error' && (options.strict === true || problem.rejectedByAgent),
  );
  if (spec === undefined || fatal.length > 0) throw new AppSpecError(options.file, fatal);
  return spec;
}

/** Every problem of an appspec's text, and the value objects as far as they could be read. */
export function checkAppSpec(text: string, options: { file: string }): AppSpecCheck {
  const { file } = options;
  const yaml = readAppSpecYaml(text);
  const problems: AppSpecProblem[] = [];
  const checker = new Checker(file, yaml, problems);

  for (const issue of yaml.fatal) {
    problems.push({
      severity: 'error',
      file,
      path: '',
      ...lineField(issue.line),
      message: issue.message,
      rejectedByAgent: true,
    });
  }
  for (const issue of yaml.duplicateKeys) {
    problems.push({
      severity: 'error',
      file,
      path: '',
      ...lineField(issue.line),
      message: `${issue.message}: the agent keeps only the last of the duplicate keys and ignores the others; merge them`,
      rejectedByAgent: false,
    });
  }
  const spec = yaml.fatal.length > 0 ? undefined : checker.appSpec(yaml.value);
  return { spec, problems: inFileOrder(problems), lineOf: (path) => yaml.lineOf(path) };
}

function lineField(line: number | undefined): { line?: number } {
  return line === undefined ? {} : { line };
}

function inFileOrder(problems: readonly AppSpecProblem[]): AppSpecProblem[] {
  return [...problems].sort((a, b) => (a.line ?? 0) - (b.line ?? 0));
}

type Record_ = Record<string, unknown>;

function isRecord(value: unknown): value is Record_ {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Date);
}

function has(record: Record_, key: string): boolean {
  return Object.hasOwn(record, key);
}

function get(record: Record_, key: string): unknown {
  return has(record, key) ? record[key] : undefined;
}

class Checker {
  constructor(
    private readonly file: string,
    private readonly yaml: AppSpecYaml,
    private readonly problems: AppSpecProblem[],
  ) {}

  private report(severity: Severity, path: KeyPath, message: string, rejectedByAgent: boolean): void {
    this.problems.push({
      severity,
      file: this.file,
      path: formatKeyPath(path),
      ...lineField(this.yaml.lineOf(path)),
      message,
      rejectedByAgent,
    });
  }

  /** An error the agent fails the deployment on. */
  private error(path: KeyPath, message: string): void {
    this.report('error', path, message, true);
  }

  /** An error the agent lets through; the caller keeps the value the agent would use. */
  private lintError(path: KeyPath, message: string): void {
    this.report('error', path, message, false);
  }

  private warn(path: KeyPath, message: string): void {
    this.report('warning', path, message, false);
  }

  private unknownKeys(record: Record_, path: KeyPath, known: readonly string[], what: string): void {
    for (const key of Object.keys(record)) {
      if (known.includes(key)) continue;
      const hint = didYouMean(key, known);
      this.warn(
        [...path, key],
        `unknown key in ${what}; the agent ignores it${hint === '' ? ` (known keys: ${known.join(', ')})` : hint}`,
      );
    }
  }

  appSpec(root: unknown): AppSpec | undefined {
    if (root === null || root === undefined) {
      this.error([], 'the file is empty: an appspec needs at least "version: 0.0" and "os: linux"');
      return undefined;
    }
    if (!isRecord(root)) {
      this.error(
        [],
        `expected a map with version, os, files, permissions and hooks, found ${describeValue(root)}`,
      );
      return undefined;
    }
    if (has(root, 'Resources')) {
      // The agent ignores keys it does not know; this one says the appspec is for another platform.
      this.lintError(
        ['Resources'],
        'Resources belongs to ECS and Lambda appspecs; an EC2 appspec has files, permissions and hooks',
      );
    }
    this.unknownKeys(
      Object.fromEntries(Object.entries(root).filter(([key]) => key !== 'Resources')),
      [],
      TOP_LEVEL_KEYS,
      'an appspec',
    );
    const version = this.version(root);
    const os = this.os(root);
    const fileExistsBehavior = this.fileExistsBehavior(root);
    return {
      file: this.file,
      version: version ?? 0,
      os: os ?? 'linux',
      files: this.files(root),
      ...(fileExistsBehavior === undefined ? {} : { fileExistsBehavior }),
      permissions: this.permissions(root),
      hooks: this.hooks(root),
    };
  }

  private version(root: Record_): number | undefined {
    if (!has(root, 'version')) {
      this.error(['version'], 'required key is missing: add "version: 0.0"');
      return undefined;
    }
    const value = root.version;
    // The agent checks [0.0].include?(version): Ruby's 0 == 0.0, so only the number zero passes.
    if (value === 0) return 0;
    if (typeof value === 'string' && /^\s*0(\.0)?\s*$/.test(value)) {
      this.error(
        ['version'],
        `the version is the string ${JSON.stringify(value)}, and the agent accepts only the number 0.0: write version: 0.0 without quotes`,
      );
    } else {
      this.error(['version'], `unsupported version ${describeValue(value)}: the only appspec version is 0.0`);
    }
    return undefined;
  }

  private os(root: Record_): 'linux' | undefined {
    if (!has(root, 'os')) {
      this.error(['os'], 'required key is missing: add "os: linux"');
      return undefined;
    }
    const value = root.os;
    if (value === 'linux') return 'linux';
    if (value === 'windows') {
      this.error(['os'], 'windows is for Windows Server instances; the agent on Linux accepts only linux');
    } else {
      const hint = typeof value === 'string' ? didYouMean(value, ['linux']) : '';
      this.error(['os'], `expected linux (the agent compares exactly), found ${describeValue(value)}${hint}`);
    }
    return undefined;
  }

  private fileExistsBehavior(root: Record_): FileExistsBehavior | undefined {
    if (!has(root, 'file_exists_behavior') || root.file_exists_behavior === null) return undefined;
    const value = root.file_exists_behavior;
    if (typeof value === 'string' && (FILE_EXISTS_BEHAVIORS as readonly string[]).includes(value)) {
      return value as FileExistsBehavior;
    }
    const hint = typeof value === 'string' ? didYouMean(value, FILE_EXISTS_BEHAVIORS) : '';
    this.error(
      ['file_exists_behavior'],
      `expected one of ${FILE_EXISTS_BEHAVIORS.join(', ')}, found ${describeValue(value)}${hint}`,
    );
    return undefined;
  }

  /** A list under `key`; null counts as empty (the agent's `|| []`). */
  private list(root: Record_, key: string, expected: string): readonly unknown[] {
    const value = get(root, key);
    if (value === undefined || value === null) return [];
    if (Array.isArray(value)) return value;
    this.error([key], `expected a list of ${expected}, found ${describeValue(value)}`);
    return [];
  }

  private files(root: Record_): FileMapping[] {
    const files: FileMapping[] = [];
    this.list(root, 'files', '{source, destination}').forEach((entry, index) => {
      const path = ['files', index];
      if (!isRecord(entry)) {
        this.error(path, `expected {source, destination}, found ${describeValue(entry)}`);
        return;
      }
      this.unknownKeys(entry, path, FILE_KEYS, 'a files entry');
      const source = this.bundlePath(
        entry,
        [...path, 'source'],
        'the file or directory of the bundle to copy',
      );
      const destination = this.absolutePath(
        entry,
        [...path, 'destination'],
        'where on the instance to copy it',
      );
      if (source !== undefined && destination !== undefined) files.push({ source, destination });
    });
    return files;
  }

  /** A required path relative to the bundle root that stays inside the bundle. */
  private bundlePath(record: Record_, path: KeyPath, what: string): string | undefined {
    const value = this.requiredString(record, path, what);
    if (value === undefined) return undefined;
    if (value.split('/').includes('..')) {
      this.lintError(
        path,
        `${JSON.stringify(value)} leaves the bundle: paths are relative to the bundle root, without ..`,
      );
    }
    return value;
  }

  private absolutePath(record: Record_, path: KeyPath, what: string): string | undefined {
    const value = this.requiredString(record, path, what);
    if (value === undefined) return undefined;
    if (!value.startsWith('/')) {
      // The agent takes it relative to its working directory, which is / under systemd.
      this.lintError(
        path,
        `${JSON.stringify(value)} is not an absolute path: write the full path on the instance, e.g. /opt/web`,
      );
    }
    return value;
  }

  private requiredString(record: Record_, path: KeyPath, what: string): string | undefined {
    const key = String(path.at(-1));
    const value = get(record, key);
    if (value === undefined || value === null) {
      this.error(path, `required key is missing: ${what}`);
      return undefined;
    }
    if (typeof value !== 'string' || value.trim() === '') {
      this.error(path, `expected ${what} as a non-empty string, found ${describeValue(value)}`);
      return undefined;
    }
    return value.trim();
  }

  private optionalString(record: Record_, path: KeyPath, what: string): string | undefined {
    const value = get(record, String(path.at(-1)));
    if (value === undefined || value === null) return undefined;
    if (typeof value === 'string') return value;
    this.error(path, `expected ${what} as a string, found ${describeValue(value)}`);
    return undefined;
  }

  private stringList(record: Record_, path: KeyPath, what: string): string[] | undefined {
    const value = get(record, String(path.at(-1)));
    if (value === undefined || value === null) return undefined;
    if (Array.isArray(value) && value.every((item) => typeof item === 'string')) return value;
    this.error(path, `expected a list of ${what}, found ${describeValue(value)}`);
    return undefined;
  }

  private permissions(root: Record_): Permission[] {
    const permissions: Permission[] = [];
    this.list(root, 'permissions', '{object, owner, group, mode, …}').forEach((entry, index) => {
      const path = ['permissions', index];
      if (!isRecord(entry)) {
        this.error(path, `expected {object, owner, group, mode, …}, found ${describeValue(entry)}`);
        return;
      }
      this.unknownKeys(entry, path, PERMISSION_KEYS, 'a permissions entry');
      const object = this.absolutePath(entry, [...path, 'object'], 'the path on the instance it applies to');
      const pattern = this.optionalString(entry, [...path, 'pattern'], 'a glob such as "**"');
      const except = this.stringList(entry, [...path, 'except'], 'globs');
      const owner = this.account(entry, [...path, 'owner'], 'user');
      const group = this.account(entry, [...path, 'group'], 'group');
      const mode = this.mode(entry, [...path, 'mode']);
      const type = this.objectTypes(entry, [...path, 'type']);
      const acls = this.acls(entry, [...path, 'acls']);
      const context = this.context(entry, [...path, 'context']);
      if (object === undefined) return;
      permissions.push({
        object,
        pattern: pattern ?? '**',
        except: except ?? [],
        type: type ?? OBJECT_TYPES,
        ...(owner === undefined ? {} : { owner }),
        ...(group === undefined ? {} : { group }),
        ...(mode === undefined ? {} : { mode }),
        ...(acls === undefined ? {} : { acls }),
        ...(context === undefined ? {} : { context }),
      });
    });
    return permissions;
  }

  private account(record: Record_, path: KeyPath, kind: 'user' | 'group'): string | undefined {
    const value = get(record, String(path.at(-1)));
    if (value === undefined || value === null) return undefined;
    if (typeof value === 'number') {
      // chown takes a numeric id too, but a number here is more often a mistake than an id.
      this.lintError(path, `expected a ${kind} name as a string, found ${value} (quote a numeric id)`);
      return String(value);
    }
    if (typeof value !== 'string') {
      this.error(path, `expected a ${kind} name as a string, found ${describeValue(value)}`);
      return undefined;
    }
    if (!USER_NAME.test(value) && !/^\d+$/.test(value)) {
      this.lintError(path, `${JSON.stringify(value)} is not a valid ${kind} name`);
    }
    return value;
  }

  /** The agent turns the mode into a string and wants 1 to 4 octal digits (mode_info.rb). */
  private mode(record: Record_, path: KeyPath): string | undefined {
    const value = get(record, 'mode');
    if (value === undefined || value === null) return undefined;
    if (typeof value !== 'number' && typeof value !== 'string') {
      this.error(path, `expected octal digits such as 644 or 0755, found ${describeValue(value)}`);
      return undefined;
    }
    const digits = String(value).padStart(3, '0');
    const valid = /^[0-7]{3,4}$/.test(digits);
    const written = this.yaml.scalarAt(path);
    if (
      typeof value === 'number' &&
      written !== undefined &&
      !written.quoted &&
      /^0[0-7]+$/.test(written.source)
    ) {
      // 0644 becomes 420, which the agent applies without a word; 0755 becomes 493, which it rejects.
      const meant = written.source.replace(/^0+(?=\d{3})/, '');
      this.report(
        'error',
        path,
        `${written.source} is an octal number in YAML 1.1 (the agent's parser): it becomes ${value}, so the agent would ${valid ? `use mode "${digits}"` : `reject mode "${digits}"`} instead of "${meant}". Write it without the leading zero, or quote it ('${written.source}')`,
        !valid,
      );
      return valid ? digits : undefined;
    }
    if (!valid) {
      this.error(
        path,
        `${JSON.stringify(String(value))} is not a mode: expected 1 to 4 octal digits (0-7), such as 644 or 0755`,
      );
      return undefined;
    }
    return digits;
  }

  private objectTypes(record: Record_, path: KeyPath): PermissionObjectType[] | undefined {
    const value = get(record, 'type');
    if (value === undefined || value === null) return undefined;
    if (!Array.isArray(value)) {
      this.error(path, `expected a list such as [file] or [directory], found ${describeValue(value)}`);
      return undefined;
    }
    const types: PermissionObjectType[] = [];
    value.forEach((item, index) => {
      if (typeof item === 'string' && (OBJECT_TYPES as readonly string[]).includes(item)) {
        types.push(item as PermissionObjectType);
      } else {
        const hint = typeof item === 'string' ? didYouMean(item, OBJECT_TYPES) : '';
        this.error([...path, index], `expected file or directory, found ${describeValue(item)}${hint}`);
      }
    });
    return types.length === value.length ? types : undefined;
  }

  /** ACL entries as setfacl takes them, which the agent checks one by one (ace_info.rb). */
  private acls(record: Record_, path: KeyPath): string[] | undefined {
    const entries = this.stringList(record, path, 'ACL entries such as "u:web:rw"');
    entries?.forEach((entry, index) => {
      const problem = aclEntryProblem(entry);
      if (problem !== undefined) this.error([...path, index], problem);
    });
    return entries;
  }

  private context(record: Record_, path: KeyPath): Permission['context'] {
    const value = get(record, 'context');
    if (value === undefined || value === null) return undefined;
    if (!isRecord(value)) {
      this.error(path, `expected an SELinux context {name, type, range}, found ${describeValue(value)}`);
      return undefined;
    }
    this.unknownKeys(value, path, CONTEXT_KEYS, 'an SELinux context');
    const name = this.optionalString(value, [...path, 'name'], 'the SELinux user');
    const user = this.optionalString(value, [...path, 'user'], 'the SELinux user');
    const type = this.optionalString(value, [...path, 'type'], 'the SELinux type');
    const range = this.optionalString(value, [...path, 'range'], 'the SELinux range');
    if (user !== undefined && name === undefined) {
      this.warn(
        [...path, 'user'],
        `the agent reads the SELinux user from name and ignores user: write name: ${user}`,
      );
    }
    if (get(value, 'type') === undefined || get(value, 'type') === null) {
      this.error([...path, 'type'], 'required key is missing: the SELinux type, e.g. httpd_sys_content_t');
    }
    if (range !== undefined) {
      const problem = selinuxRangeProblem(range);
      if (problem !== undefined) this.error([...path, 'range'], problem);
    }
    return {
      ...(name === undefined ? {} : { user: name }),
      ...(type === undefined ? {} : { type }),
      ...(range === undefined ? {} : { range }),
    };
  }

  private hooks(root: Record_): Map<HookEvent, HookScript[]> {
    const hooks = new Map<HookEvent, HookScript[]>();
    const value = get(root, 'hooks');
    if (value === undefined || value === null) return hooks;
    if (!isRecord(value)) {
      this.error(['hooks'], `expected a map of lifecycle event → scripts, found ${describeValue(value)}`);
      return hooks;
    }
    for (const [event, scripts] of Object.entries(value)) {
      const path = ['hooks', event];
      if (!this.knownEvent(event, path)) continue;
      const list = this.scripts(scripts, path);
      if (list !== undefined) hooks.set(event as HookEvent, list);
    }
    return hooks;
  }

  private knownEvent(event: string, path: KeyPath): boolean {
    if (isHookEvent(event)) return true;
    if (isReservedEvent(event)) {
      const around =
        event === 'DownloadBundle' || event === 'Install'
          ? 'BeforeInstall or AfterInstall'
          : `Before${event} or After${event}`;
      this.lintError(
        path,
        `${event} is done by CodeDeploy itself and cannot run scripts: put them in ${around}`,
      );
    } else if ((ECS_ONLY_EVENTS as readonly string[]).includes(event)) {
      this.error(path, `${event} is an event of ECS deployments; EC2 deployments have no test traffic`);
    } else {
      const hint = didYouMean(event, HOOK_EVENTS);
      this.error(
        path,
        `unknown lifecycle event, and the agent fails the deployment on it${hint === '' ? `; the events are ${HOOK_EVENTS.join(', ')}` : hint}`,
      );
    }
    return false;
  }

  private scripts(value: unknown, path: KeyPath): HookScript[] | undefined {
    if (value === null || value === undefined) {
      // The agent skips an event with nothing under it; whoever wrote it meant something to run.
      this.lintError(path, 'no scripts: list at least one "- location: …" under it, or remove the event');
      return undefined;
    }
    if (!Array.isArray(value)) {
      this.error(path, `expected a list of scripts ("- location: …"), found ${describeValue(value)}`);
      return undefined;
    }
    if (value.length === 0) {
      this.warn(path, 'no scripts: remove the event, or list a script under it');
      return [];
    }
    const scripts: HookScript[] = [];
    value.forEach((entry, index) => {
      const script = this.script(entry, [...path, index]);
      if (script !== undefined) scripts.push(script);
    });
    if (scripts.length === value.length) this.eventTotal(scripts, path);
    return scripts;
  }

  private script(entry: unknown, path: KeyPath): HookScript | undefined {
    if (!isRecord(entry)) {
      this.error(path, `expected {location, timeout, runas}, found ${describeValue(entry)}`);
      return undefined;
    }
    this.unknownKeys(entry, path, SCRIPT_KEYS, 'a script');
    const location = this.bundlePath(
      entry,
      [...path, 'location'],
      'the script’s path in the bundle, e.g. hooks/start.sh',
    );
    const timeout = this.timeout(entry, [...path, 'timeout']);
    const runas = this.runas(entry, [...path, 'runas']);
    const sudo = get(entry, 'sudo');
    if (sudo !== undefined && sudo !== null) {
      if (typeof sudo === 'boolean') {
        this.warn(
          [...path, 'sudo'],
          'sudo is an undocumented agent key; prefer runas, or run the script as root',
        );
      } else {
        this.lintError([...path, 'sudo'], `expected true or false, found ${describeValue(sudo)}`);
      }
    }
    if (location === undefined || timeout === undefined || runas === null) return undefined;
    return {
      location,
      timeoutSeconds: timeout.seconds,
      timeoutGiven: timeout.given,
      ...(runas === undefined ? {} : { runas }),
      // Ruby's truthiness: anything but nil and false.
      sudo: sudo !== undefined && sudo !== null && sudo !== false,
    };
  }

  /** The agent's `timeout.to_i`: fractions are cut, a string counts by its leading digits. */
  private timeout(entry: Record_, path: KeyPath): { seconds: number; given: boolean } | undefined {
    const value = get(entry, 'timeout');
    if (value === undefined || value === null) {
      this.warn(
        path,
        `no timeout: the agent waits up to ${MAX_EVENT_SECONDS} s for this script; give it one a little above the script's own deadline`,
      );
      return { seconds: MAX_EVENT_SECONDS, given: false };
    }
    const aboveZero = `expected a whole number of seconds above 0, found ${describeValue(value)}`;
    let seconds: number;
    if (typeof value === 'number' && Number.isFinite(value)) {
      seconds = Math.trunc(value);
      if (seconds > 0 && seconds !== value)
        this.lintError(path, `${aboveZero}; the agent would use ${seconds}`);
    } else if (typeof value === 'string' && /^\s*[-+]?\d+/.test(value)) {
      seconds = Number.parseInt(value, 10);
      if (seconds > 0 && /^\s*\d+\s*$/.test(value)) {
        this.warn(
          path,
          `the timeout is the string ${JSON.stringify(value)}; the agent converts it, but write it as a number`,
        );
      } else if (seconds > 0) {
        this.lintError(path, `${aboveZero}; the agent would use ${seconds}`);
      }
    } else {
      this.error(path, `expected a whole number of seconds, found ${describeValue(value)}`);
      return undefined;
    }
    if (seconds <= 0) {
      this.error(path, aboveZero);
      return undefined;
    }
    if (seconds > MAX_EVENT_SECONDS) {
      this.lintError(
        path,
        `${seconds} s is longer than a lifecycle event may take (${MAX_EVENT_SECONDS} s): CodeDeploy fails the event at ${MAX_EVENT_SECONDS} s`,
      );
    }
    return { seconds, given: true };
  }

  /** undefined: no runas (root); null: one the agent cannot use (reported). */
  private runas(entry: Record_, path: KeyPath): string | undefined | null {
    const value = get(entry, 'runas');
    if (value === undefined || value === null) return undefined;
    const expected = `expected a user name (the agent runs su <runas> -c <script>), found ${describeValue(value)}`;
    if (typeof value !== 'string') {
      this.error(path, expected);
      return null;
    }
    const user = value.trim();
    // The agent runs `su <user> -c …` with whatever it is; su then fails, or, for "", switches to root.
    if (!USER_NAME.test(user)) this.lintError(path, expected);
    return user === '' ? undefined : user;
  }

  private eventTotal(scripts: readonly HookScript[], path: KeyPath): void {
    const total = scripts.reduce((sum, script) => sum + script.timeoutSeconds, 0);
    if (total <= MAX_EVENT_SECONDS || scripts.length < 2) return;
    const defaults = scripts.filter((script) => !script.timeoutGiven).length;
    const detail = `the scripts' timeouts add up to ${total} s, more than the ${MAX_EVENT_SECONDS} s a lifecycle event may take`;
    if (defaults === 0) {
      this.lintError(path, `${detail}: lower them or move scripts to another event`);
    } else {
      this.warn(
        path,
        `${detail} (${defaults} of them default to ${MAX_EVENT_SECONDS} s): give every script a timeout`,
      );
    }
  }
}

const ACL_TAGS: Record<string, 'user' | 'group' | 'mask' | 'other'> = {
  u: 'user',
  user: 'user',
  g: 'group',
  group: 'group',
  m: 'mask',
  mask: 'mask',
  o: 'other',
  other: 'other',
};

/** What is wrong with an ACL entry, `[d[efault]:][u|g|m|o:]name:perms`; undefined when nothing is. */
export function aclEntryProblem(entry: string): string | undefined {
  const shape = `${JSON.stringify(entry)} is not an ACL entry: expected [d:][u|g|m|o:]name:perms, such as u:web:rwx or d:g:web:r-x`;
  const fields = entry.split(':');
  if (fields.length < 2 || fields.length > 4) return shape;
  const perms = fields.pop() as string;
  const name = fields.pop() as string;
  const [first, second] = fields;
  const isDefault = (field: string | undefined): boolean => field === 'd' || field === 'default';
  let tag: string | undefined;
  if (fields.length === 2) {
    if (!isDefault(first) || second === undefined || ACL_TAGS[second] === undefined) return shape;
    tag = ACL_TAGS[second];
  } else if (fields.length === 1 && !isDefault(first)) {
    tag = first === undefined ? undefined : ACL_TAGS[first];
    if (tag === undefined) return shape;
  }
  const defaulted = fields.length === 2 || isDefault(first);
  // A bare mask or other names no one: "m:rw" is the mask entry, "u:mask:rw" the user called mask.
  const special = ACL_TAGS[name] === 'mask' || ACL_TAGS[name] === 'other' ? ACL_TAGS[name] : undefined;
  const kind = tag ?? special ?? 'user';
  const named = tag !== undefined ? name !== '' : special === undefined && name !== '';
  if ((kind === 'mask' || kind === 'other') && named) return shape;
  if (!defaulted && kind !== 'mask' && !named) {
    return `${JSON.stringify(entry)} sets a base entry, which the agent refuses: set the owner's, group's and others' bits with mode, and name a user or group here (u:web:rw)`;
  }
  if (!/^[0-7]$/.test(perms)) {
    const bad = [...perms].find((char) => !'rwx-'.includes(char));
    if (bad !== undefined) {
      return `${JSON.stringify(entry)}: invalid permission ${JSON.stringify(bad)}; write r, w, x and -, or one octal digit`;
    }
  }
  return undefined;
}

/** What is wrong with an SELinux MLS range, `s0[-s1][:c0[.c3](,c5)*]`; undefined when nothing is. */
export function selinuxRangeProblem(range: string): string | undefined {
  const match = /^s(\d+)(?:-s(\d+))?(?::(.+))?$/.exec(range);
  const shape = `${JSON.stringify(range)} is not an SELinux range: expected s0, s0-s1 or s0:c0.c3,c5`;
  if (match === null) return shape;
  if (match[2] !== undefined && Number(match[2]) < Number(match[1])) {
    return `${JSON.stringify(range)}: the high sensitivity is below the low one`;
  }
  if (match[3] === undefined) return undefined;
  const seen = new Set<number>();
  for (const part of match[3].split(',')) {
    const bounds = /^c(\d+)(?:\.c(\d+))?$/.exec(part);
    if (bounds === null) return shape;
    const low = Number(bounds[1]);
    const high = Number(bounds[2] ?? bounds[1]);
    if (high > 1023) return `${JSON.stringify(range)}: categories go from c0 to c1023`;
    if (high < low) return `${JSON.stringify(range)}: the category range ${part} runs backwards`;
    for (let category = low; category <= high; category++) {
      if (seen.has(category)) return `${JSON.stringify(range)}: category c${category} is given twice`;
      seen.add(category);
    }
  }
  return undefined;
}
