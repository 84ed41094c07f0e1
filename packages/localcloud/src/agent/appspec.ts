// The agent's own reading of appspec.yml, modelled on the CodeDeploy agent's Ruby
// (application_specification.rb with script_info.rb, file_info.rb, linux_permission_info.rb,
// mode_info.rb, ace_info.rb, context_info.rb, range_info.rb, and command_executor.rb's
// validate_app_spec_hooks). It is deliberately not greenlight's linter: it accepts what the agent
// accepts, with the agent's defaults, and fails with the agent's words where the agent fails, so that
// the linter can be checked against it (greenlight's test/appspec/agent-vs-linter.test.ts).
//
// The agent reads the file with Ruby's Psych (YAML 1.1) and then walks the Ruby values; a value of an
// unexpected type makes Ruby raise (NoMethodError, TypeError), which fails the deployment with Ruby's
// message. Those messages are modelled here as Ruby words them; they are marked [I] where the exact
// text is Ruby's, not the agent's.
import { parseAllDocuments } from 'yaml';
import { lifecycleEvents, type LifecycleEventName } from '../codedeploy/lifecycle.js';

/** The agent's default per-script timeout (script_info.rb). */
export const DEFAULT_SCRIPT_TIMEOUT_SECONDS = 3600;

export type FileExistsBehavior = 'DISALLOW' | 'OVERWRITE' | 'RETAIN';
export type PermissionObjectType = 'file' | 'directory';

export interface AgentFileMapping {
  /** As written: relative to the archive root ("/" is all of it). */
  readonly source: string;
  readonly destination: string;
}

export interface AgentPermission {
  readonly object: string;
  readonly pattern: string;
  readonly except: readonly string[];
  readonly type: readonly PermissionObjectType[];
  readonly owner?: string;
  readonly group?: string;
  /** The mode as mode_info.rb keeps it: 3 or 4 octal digits ("644", "0755"). */
  readonly mode?: string;
  /** ACL entries as ace_info.rb writes them back: `[default:]user|group|mask|other:name:rwx`. */
  readonly acls?: readonly string[];
  /** The SELinux context; the agent reads the user from `name`. */
  readonly context?: { readonly user?: string; readonly type: string; readonly range?: string };
}

export interface AgentScript {
  /** Relative to the archive root, stripped of surrounding white space. */
  readonly location: string;
  /** Seconds: `timeout.to_i`, 3600 when not given. */
  readonly timeoutSeconds: number;
  /** `su <runas> -c <script>`; an empty runas is root's (the agent's `su  -c …`). */
  readonly runas?: string;
  /** The undocumented `sudo` key, with Ruby's truthiness. */
  readonly sudo: boolean;
}

export interface AgentAppSpec {
  readonly version: number;
  readonly os: 'linux';
  readonly files: readonly AgentFileMapping[];
  /** Absent: the deployment's own setting applies. */
  readonly fileExistsBehavior?: FileExistsBehavior;
  readonly permissions: readonly AgentPermission[];
  /** Events with scripts, in appspec order; an event written with nothing under it is left out. */
  readonly hooks: ReadonlyMap<LifecycleEventName, readonly AgentScript[]>;
}

/** Why the agent fails a deployment on its appspec: the agent's (or Ruby's) message, as it reports it. */
export class AppSpecRejectedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AppSpecRejectedError';
  }
}

export interface AgentReadOptions {
  /** The appspec's file name, for the unknown-events message. Default appspec.yml. */
  readonly file?: string;
  /**
   * The deployment specification's AllPossibleLifecycleEvents. [I] The service does not document
   * what it sends for EC2 deployments; the local cloud sends every EC2 lifecycle event, reserved ones
   * included, so scripts under Install are accepted and never run, as under DownloadBundle.
   */
  readonly lifecycleEvents?: readonly string[];
}

const FILE_EXISTS_BEHAVIORS: readonly string[] = ['DISALLOW', 'OVERWRITE', 'RETAIN'];
const SUPPORTED_TYPES: readonly string[] = ['file', 'directory'];
/** Far above what an appspec uses, far below what makes an alias bomb expensive. */
const MAX_ALIAS_COUNT = 100;

/**
 * Reads an appspec as the agent does at Install: parse, then check its hook names against the
 * deployment's lifecycle events. Throws AppSpecRejectedError with the agent's message.
 */
export function readAppSpecAsAgent(text: string, options: AgentReadOptions = {}): AgentAppSpec {
  const root = loadYaml(text);
  const atInstall: AppSpecRejectedError[] = [];
  const spec = applicationSpecification(root, atInstall);
  const possible = options.lifecycleEvents ?? lifecycleEvents;
  const unknown = [...spec.hooks.keys()].filter((event) => !possible.includes(event as string));
  if (unknown.length > 0) {
    throw new AppSpecRejectedError(
      `${options.file ?? 'appspec.yml'} file contains unknown lifecycle events: ${inspect(unknown)}`,
    );
  }
  const [installError] = atInstall;
  if (installError !== undefined) throw installError;
  return { ...spec, hooks: spec.hooks as Map<LifecycleEventName, AgentScript[]> };
}

// ---- Ruby's values --------------------------------------------------------------------------------

/** What Psych hands the agent: nil, booleans, Integer (bigint), Float (number), String, Date, Array, Hash. */
type Ruby = null | boolean | bigint | number | string | Date | Ruby[] | Map<Ruby, Ruby>;

/** Psych's YAML.load: YAML 1.1, the first document, duplicate keys allowed (the last wins). */
function loadYaml(text: string): Ruby {
  const documents = parseAllDocuments(text, {
    version: '1.1',
    intAsBigInt: true,
    uniqueKeys: false,
    prettyErrors: false,
  });
  if (!Array.isArray(documents)) return false; // an empty stream: YAML.load gives false
  for (const document of documents) {
    const error = document.errors[0];
    if (error !== undefined) {
      const [line, column] = error.linePos?.[0] ? [error.linePos[0].line, error.linePos[0].col] : [0, 0];
      // [I] Psych's wording for its own parser; the agent passes it on as the event's message.
      throw new AppSpecRejectedError(
        `(<unknown>): ${error.message.split('\n')[0] ?? error.code} at line ${line} column ${column}`,
      );
    }
  }
  const first = documents[0];
  if (first === undefined) return false;
  try {
    return first.toJS({ mapAsMap: true, maxAliasCount: MAX_ALIAS_COUNT }) as Ruby;
  } catch (error) {
    throw new AppSpecRejectedError(`(<unknown>): ${(error as Error).message}`);
  }
}

function className(value: Ruby): string {
  if (value === null) return 'NilClass';
  if (value === true) return 'TrueClass';
  if (value === false) return 'FalseClass';
  if (typeof value === 'bigint') return 'Integer';
  if (typeof value === 'number') return 'Float';
  if (typeof value === 'string') return 'String';
  if (value instanceof Date) return 'Date';
  if (Array.isArray(value)) return 'Array';
  return 'Hash';
}

function floatToS(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (!Number.isFinite(value)) return value > 0 ? 'Infinity' : '-Infinity';
  if (Number.isInteger(value) && Math.abs(value) < 1e16) return Object.is(value, -0) ? '-0.0' : `${value}.0`;
  return String(value);
}

/** Ruby's #to_s. */
function toS(value: Ruby): string {
  if (value === null) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return floatToS(value);
  if (value instanceof Date) return value.toISOString().slice(0, 10);
  if (Array.isArray(value) || value instanceof Map) return inspect(value);
  return String(value);
}

/** Ruby's #inspect, near enough for messages. */
function inspect(value: Ruby): string {
  if (value === null) return 'nil';
  if (typeof value === 'string') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(inspect).join(', ')}]`;
  if (value instanceof Map)
    return `{${[...value].map(([k, v]) => `${inspect(k)}=>${inspect(v)}`).join(', ')}}`;
  return toS(value);
}

function truthy(value: Ruby | undefined): boolean {
  return value !== null && value !== undefined && value !== false;
}

/** [I] Ruby's NoMethodError message. */
function noMethod(method: string, receiver: Ruby): AppSpecRejectedError {
  return new AppSpecRejectedError(
    `undefined method \`${method}' for ${inspect(receiver)}:${className(receiver)}`,
  );
}

/** [I] Ruby's TypeError message for a value that is not a string where one is needed. */
function notAString(value: Ruby): AppSpecRejectedError {
  const what = value === null || typeof value === 'boolean' ? inspect(value) : className(value);
  return new AppSpecRejectedError(`no implicit conversion of ${what} into String`);
}

/** `value['key']`, as Ruby answers it for each type. */
function index(value: Ruby, key: string): Ruby {
  if (value instanceof Map) return value.has(key) ? (value.get(key) ?? null) : null;
  if (typeof value === 'string') return value.includes(key) ? key : null; // String#[] finds a substring
  if (Array.isArray(value) || typeof value === 'bigint') {
    throw new AppSpecRejectedError('no implicit conversion of String into Integer');
  }
  throw noMethod('[]', value);
}

function hasKey(value: Ruby, key: string): boolean {
  if (value instanceof Map) return value.has(key);
  throw noMethod('has_key?', value);
}

/** What `value.each` yields: an Array's items, a Hash's [key, value] pairs. */
function each(value: Ruby): Ruby[] {
  if (Array.isArray(value)) return value;
  if (value instanceof Map) return [...value].map(([k, v]) => [k, v]);
  throw noMethod('each', value);
}

/** Ruby's String#strip. */
function strip(text: string): string {
  return text.replace(/^[\s\0]+|[\s\0]+$/g, '');
}

/** Ruby's #to_i: Floats are cut, Strings count by their leading digits (0 when there are none). */
function toI(value: Ruby): bigint {
  if (typeof value === 'bigint') return value;
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new AppSpecRejectedError(floatToS(value));
    return BigInt(Math.trunc(value));
  }
  if (typeof value === 'string') {
    const digits = /^\s*([-+]?\d+(?:_\d+)*)/.exec(value)?.[1];
    return digits === undefined ? 0n : BigInt(digits.replace(/_/g, ''));
  }
  if (value === null) return 0n;
  throw noMethod('to_i', value);
}

/**
 * Problems the parse lets through that fail the Install, when the installer uses the value as a
 * path, glob or owner. They are kept until the parse and the hook check are done, as in the agent.
 */
type InstallErrors = AppSpecRejectedError[];

/** [I] A value the installer joins to a path or matches as a glob, where Ruby needs a String. */
function stringFor(value: Ruby, atInstall: InstallErrors): string {
  if (typeof value === 'string') return value;
  atInstall.push(notAString(value));
  return '';
}

// ---- application_specification.rb ----------------------------------------------------------------

const fail = (message: string): AppSpecRejectedError =>
  new AppSpecRejectedError(`The deployment failed because ${message}`);

interface ParsedSpec extends Omit<AgentAppSpec, 'hooks'> {
  readonly hooks: Map<Ruby, AgentScript[]>;
}

function applicationSpecification(root: Ruby, atInstall: InstallErrors): ParsedSpec {
  if (!truthy(root)) {
    throw fail(
      "the application specification file was empty. Make sure your AppSpec file defines at minimum the 'version' and 'os' properties.",
    );
  }
  const version = parseVersion(index(root, 'version'));
  parseOs(index(root, 'os'));
  const hooks = parseHooks(orDefault(index(root, 'hooks'), new Map()));
  const files = orDefault(index(root, 'files'), []);
  const parsedFiles = each(files).map((mapping) => fileInfo(mapping, atInstall));
  const permissions = each(orDefault(index(root, 'permissions'), [])).map((permission) =>
    permissionInfo(permission, atInstall),
  );
  const fileExistsBehavior = parseFileExistsBehavior(index(root, 'file_exists_behavior'));
  return {
    version,
    os: 'linux',
    files: parsedFiles,
    ...(fileExistsBehavior === undefined ? {} : { fileExistsBehavior }),
    permissions,
    hooks,
  };
}

/** Ruby's `value || fallback`. */
function orDefault(value: Ruby, fallback: Ruby): Ruby {
  return truthy(value) ? value : fallback;
}

/** `[0.0].include?(version)`: 0.0 == version holds for the numbers zero only, never for "0.0". */
function parseVersion(version: Ruby): number {
  if (version === 0 || version === 0n) return 0;
  throw fail(
    `an invalid version value (${toS(version)}) was entered in the application specification file. Make sure your AppSpec file specifies "0.0" as the version, and then try again.`,
  );
}

/** The Linux agent's supported_oses is ['linux'], compared exactly. */
function parseOs(os: Ruby): void {
  if (os === 'linux') return;
  throw fail(
    `the application specification file specifies an unsupported operating system (${toS(os)}). Specify either "linux" or "windows" in the os section of the AppSpec file, and then try again.`,
  );
}

function parseFileExistsBehavior(value: Ruby): FileExistsBehavior | undefined {
  if (value === null) return undefined;
  if (typeof value === 'string' && FILE_EXISTS_BEHAVIORS.includes(value)) return value as FileExistsBehavior;
  throw fail(
    `an invalid file_exists_behavior value (${toS(value)}) was entered in the application specification file. Make sure your AppSpec file specifies one of ${FILE_EXISTS_BEHAVIORS.join(',')} as the file_exists_behavior, and then try again.`,
  );
}

const NO_LOCATION =
  'the application specification file specifies a script with no location value. Specify the location in the hooks section of the AppSpec file, and then try again.';

function parseHooks(value: Ruby): Map<Ruby, AgentScript[]> {
  if (!(value instanceof Map)) throw noMethod('each_pair', value);
  const hooks = new Map<Ruby, AgentScript[]>();
  for (const [event, scripts] of value) {
    // "Ignore empty hooks": an event with nothing under it is not one.
    if (!truthy(scripts)) continue;
    hooks.set(event, each(scripts).map(scriptInfo));
  }
  return hooks;
}

/** script_info.rb, with parse_hooks' reading of the entry. */
function scriptInfo(entry: Ruby): AgentScript {
  if (!hasKey(entry, 'location') || index(entry, 'location') === null) throw fail(NO_LOCATION);
  const location = strip(toS(index(entry, 'location')));
  if (location === '') throw fail(NO_LOCATION);
  const runas =
    hasKey(entry, 'runas') && index(entry, 'runas') !== null ? strip(toS(index(entry, 'runas'))) : '';
  const timeout = toI(orDefault(index(entry, 'timeout'), BigInt(DEFAULT_SCRIPT_TIMEOUT_SECONDS)));
  if (timeout <= 0n) {
    throw fail(
      'an invalid timeout value was provided for a script in the application specification file. Make corrections in the hooks section of the AppSpec file, and then try again.',
    );
  }
  return {
    location,
    timeoutSeconds: Number(timeout),
    ...(runas === '' ? {} : { runas }),
    sudo: truthy(index(entry, 'sudo')),
  };
}

/** file_info.rb; [I] a source or destination that is not a string fails the Install, where Ruby joins it to a path. */
function fileInfo(mapping: Ruby, atInstall: InstallErrors): AgentFileMapping {
  const source = index(mapping, 'source');
  const destination = index(mapping, 'destination');
  if (source === null) {
    throw fail(
      'the application specification file specifies a destination file, but no source file. Update the files section of the AppSpec file, and then try again.',
    );
  }
  if (destination === null) {
    throw fail(
      `the application specification file specifies only a source file (${toS(source)}). Add the name of the destination file to the files section of the AppSpec file, and then try again.`,
    );
  }
  return { source: stringFor(source, atInstall), destination: stringFor(destination, atInstall) };
}

const NO_OBJECT =
  'a permission listed in the application specification file has no object value. Update the permissions section of the AppSpec file, and then try again.';

/** parse_permissions and linux_permission_info.rb. */
function permissionInfo(permission: Ruby, atInstall: InstallErrors): AgentPermission {
  if (!hasKey(permission, 'object') || index(permission, 'object') === null) throw fail(NO_OBJECT);
  const object = strip(toS(index(permission, 'object')));
  if (object === '') throw fail(NO_OBJECT);
  const pattern = index(permission, 'pattern');
  const except = each(orDefault(index(permission, 'except'), []));
  const type = parseTypes(orDefault(index(permission, 'type'), [...SUPPORTED_TYPES]));
  const owner = index(permission, 'owner');
  const group = index(permission, 'group');
  const mode = index(permission, 'mode');
  const acls = index(permission, 'acls');
  const context = index(permission, 'context');
  const parsed: AgentPermission = {
    object,
    pattern: '**',
    except: [],
    type,
    ...(mode === null ? {} : { mode: modeInfo(mode) }),
    ...(acls === null ? {} : { acls: each(acls).map(aceInfo) }),
    ...(context === null ? {} : { context: contextInfo(context) }),
  };
  const ownerName = account(owner, atInstall);
  const groupName = account(group, atInstall);
  return {
    ...parsed,
    pattern: pattern === null || pattern === '**' ? '**' : stringFor(pattern, atInstall),
    except: except.map((glob) => stringFor(glob, atInstall)),
    ...(ownerName === undefined ? {} : { owner: ownerName }),
    ...(groupName === undefined ? {} : { group: groupName }),
  };
}

function parseTypes(value: Ruby): PermissionObjectType[] {
  const types = each(value);
  for (const type of types) {
    if (typeof type !== 'string' || !SUPPORTED_TYPES.includes(type)) {
      throw fail(
        `the application specification filespecifies a permission for an object type not supported for permissions (${toS(type)}). Update the permissions section of the AppSpec file, and then try again.`,
      );
    }
  }
  return types as PermissionObjectType[];
}

/** [I] chown takes a name or a numeric id; anything else fails the Install. */
function account(value: Ruby, atInstall: InstallErrors): string | undefined {
  if (value === null) return undefined;
  if (typeof value === 'string' || typeof value === 'bigint') return String(value);
  atInstall.push(notAString(value));
  return undefined;
}

/** mode_info.rb: `mode.to_s`, padded to 3 with zeros, at most 4 characters, all octal digits. */
function modeInfo(value: Ruby): string {
  const mode = toS(value).padStart(3, '0');
  if (mode.length > 4) {
    throw fail(
      `the length of a permissions mode (${mode}) in the application specification file is invalid. Permissions modes must be between one and four characters long. Update the permissions section of the AppSpec file, and then try again.`,
    );
  }
  for (const char of mode) {
    if (char < '0' || char > '7') {
      throw fail(
        `the permissions mode (${mode}) in the application specification file contains an invalid character (${char}). Update the permissions section of the AppSpec file, and then try again.`,
      );
    }
  }
  return mode;
}

/** ace_info.rb: `[d[efault]:][u[ser]|g[roup]|m[ask]|o[ther]:]name:perms`, written back in full. */
function aceInfo(value: Ruby): string {
  if (typeof value !== 'string') throw noMethod('split', value);
  const ace = value;
  const invalid = (): AppSpecRejectedError =>
    fail(
      `of a problem with the acls permission settings in the application specification file. Invalid acl entry (${ace}).`,
    );
  const parts = ace.split(':').reverse();
  if (parts.length < 2 || parts.length > 4) throw invalid();
  const [perms = '', name = '', kind, prefix] = parts;
  const isDefault = (part: string): boolean => part === 'd' || part === 'default';
  const KINDS: Record<string, string> = {
    m: 'mask',
    mask: 'mask',
    o: 'other',
    other: 'other',
    g: 'group',
    group: 'group',
    u: 'user',
    user: 'user',
  };
  let defaulted = false;
  let type: string | undefined;
  if (prefix !== undefined) {
    if (!isDefault(prefix)) throw invalid();
    defaulted = true;
  }
  if (kind !== undefined) {
    if (isDefault(kind)) {
      if (defaulted) throw invalid();
      defaulted = true;
    } else {
      type = KINDS[kind];
      if (type === undefined) throw invalid();
    }
  }
  let user = '';
  const named = KINDS[name];
  if (named === 'mask' || named === 'other') {
    if (type === undefined) type = named;
    else user = named;
  } else {
    type ??= 'user';
    user = name;
  }
  if ((type === 'mask' || type === 'other') && user !== '') throw invalid();
  if (!defaulted && type !== 'mask' && user === '') {
    throw fail(
      `of a problem with the acls permission settings in the application specification file. Use mode to set the base acl entry (${ace}). Update the permissions section of the AppSpec file, and then try again.`,
    );
  }
  let bits: string;
  if (/^[0-7]$/.test(perms)) {
    const n = Number(perms);
    bits = `${n & 4 ? 'r' : '-'}${n & 2 ? 'w' : '-'}${n & 1 ? 'x' : '-'}`;
  } else {
    for (const char of perms) {
      if (!'rwx-'.includes(char)) {
        throw fail(
          `the access control list (ACL) named ${ace} in the application specification file contains an invalid character (${char}). Correct the ACL in the hooks section of the AppSpec file, and then try again.`,
        );
      }
    }
    bits = `${perms.includes('r') ? 'r' : '-'}${perms.includes('w') ? 'w' : '-'}${perms.includes('x') ? 'x' : '-'}`;
  }
  return `${defaulted ? 'default:' : ''}${type}:${user}:${bits}`;
}

/** context_info.rb: `type` is required; the user comes from `name`. */
function contextInfo(context: Ruby): NonNullable<AgentPermission['context']> {
  const type = index(context, 'type');
  if (type === null) {
    throw fail(
      `the application specification file specifies an invalid context type (${inspect(context)}). Update the permissions section of the AppSpec file, and then try again.`,
    );
  }
  const user = index(context, 'name');
  const range = index(context, 'range');
  return {
    type: toS(type),
    ...(user === null ? {} : { user: toS(user) }),
    ...(range === null ? {} : { range: rangeInfo(range) }),
  };
}

/** range_info.rb: `s<n>[-s<n>][:c<n>[.c<n>](,c<n>[.c<n>])*]`, with its own terse messages. */
function rangeInfo(value: Ruby): string {
  if (typeof value !== 'string') throw noMethod('include?', value);
  const range = value;
  const parts = ensureParts(range, ':');
  const sensitivities = ensureParts(parts[0] ?? '', '-');
  const low = level(sensitivities[0], 's', 'sensitivity');
  if (sensitivities.length === 2 && level(sensitivities[1], 's', 'sensitivity') < low) {
    throw fail(
      `of a problem with the SELinux range specified (${range}) for the context parameter in the permissions section of the application specification file. Make corrections in the permissions section of the AppSpec file, and then try again.`,
    );
  }
  if (parts.length === 2) {
    const categories: number[] = [];
    for (const part of (parts[1] ?? '').split(',')) {
      if (part.includes('.')) {
        const [from, to] = ensureParts(part, '.');
        const first = category(from);
        const last = category(to);
        if (last < first) throw new AppSpecRejectedError(`invalid category range ${from}.${to}`);
        for (let c = first; c <= last; c++) categories.push(c);
      } else {
        categories.push(category(part));
      }
    }
    if (new Set(categories).size !== categories.length)
      throw new AppSpecRejectedError('duplicate categories');
  }
  return range;
}

function ensureParts(input: string, separator: string): string[] {
  const at = input.indexOf(separator);
  const parts = at < 0 ? [input] : [input.slice(0, at), input.slice(at + separator.length)];
  if (parts.some((part) => part === '')) throw new AppSpecRejectedError(`invalid range part ${input}`);
  return parts;
}

function level(part: string | undefined, letter: 's', what: string): number {
  if (part === undefined || part.length < 2 || !part.startsWith(letter) || !/^\d+$/.test(part.slice(1))) {
    throw new AppSpecRejectedError(`invalid ${what} ${part ?? ''}`);
  }
  return Number(part.slice(1));
}

function category(part: string | undefined): number {
  if (part === undefined || part.length < 2 || !part.startsWith('c') || !/^\d+$/.test(part.slice(1))) {
    throw new AppSpecRejectedError(`invalid category ${part ?? ''}`);
  }
  const n = Number(part.slice(1));
  if (n > 1023) throw new AppSpecRejectedError(`invalid category ${part}`);
  return n;
}
