// The part of systemd's unit file syntax the local cloud's systemctl understands (systemd.unit(5),
// systemd.service(5), systemd.exec(5)): sections of `Key=value` lines, comments, line continuations,
// repeated keys, quoted words, `$VAR`/`${VAR}` in command lines, and environment files.
// Runs inside instance sandboxes: imports node built-ins only.

export interface ServiceUnit {
  readonly name: string;
  readonly description: string;
  readonly execStart: readonly ExecCommand[];
  readonly execStartPre: readonly ExecCommand[];
  readonly execStop: readonly ExecCommand[];
  readonly user?: string;
  readonly group?: string;
  readonly workingDirectory?: string;
  /** Environment= assignments in order. */
  readonly environment: readonly [string, string][];
  /** EnvironmentFile= paths; `optional` when prefixed with `-`. */
  readonly environmentFiles: readonly { path: string; optional: boolean }[];
  readonly restart: 'no' | 'on-failure' | 'always' | 'on-abnormal' | 'on-success';
  readonly restartSeconds: number;
  readonly timeoutStopSeconds: number;
  readonly wantedBy: readonly string[];
}

export interface ExecCommand {
  /** `-` prefix: a failing exit code is ignored. */
  readonly ignoreFailure: boolean;
  /** The command line's words, before variable expansion. */
  readonly words: readonly string[];
}

export class UnitFileError extends Error {}

/** Sections → keys → values in order of appearance. An empty assignment resets a list, as in systemd. */
export function parseUnitText(text: string): Map<string, Map<string, string[]>> {
  const sections = new Map<string, Map<string, string[]>>();
  let current: Map<string, string[]> | undefined;
  const lines = text.replace(/\r\n/g, '\n').split('\n');
  for (let i = 0; i < lines.length; i++) {
    let line = (lines[i] ?? '').trim();
    while (line.endsWith('\\') && i + 1 < lines.length) {
      line = `${line.slice(0, -1)} ${(lines[++i] ?? '').trim()}`;
    }
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    const section = /^\[([^\]]+)\]$/.exec(line);
    if (section) {
      const name = section[1] as string;
      current = sections.get(name) ?? new Map<string, string[]>();
      sections.set(name, current);
      continue;
    }
    const eq = line.indexOf('=');
    if (eq <= 0 || !current)
      throw new UnitFileError(`line ${i + 1}: expected [Section] or Key=value: ${line}`);
    const key = line.slice(0, eq).trim();
    const value = line.slice(eq + 1).trim();
    if (value === '') current.set(key, []);
    else current.set(key, [...(current.get(key) ?? []), value]);
  }
  return sections;
}

/** Splits a command line or assignment list into words, honouring quotes and backslash escapes. */
export function splitWords(text: string): string[] {
  const words: string[] = [];
  let word = '';
  let inWord = false;
  let quote: '"' | "'" | undefined;
  for (let i = 0; i < text.length; i++) {
    const c = text[i] as string;
    if (quote) {
      if (c === quote) quote = undefined;
      else if (c === '\\' && quote === '"' && i + 1 < text.length) word += text[++i];
      else word += c;
      continue;
    }
    if (c === '"' || c === "'") {
      quote = c;
      inWord = true;
    } else if (c === '\\' && i + 1 < text.length) {
      word += text[++i];
      inWord = true;
    } else if (/\s/.test(c)) {
      if (inWord) words.push(word);
      word = '';
      inWord = false;
    } else {
      word += c;
      inWord = true;
    }
  }
  if (quote) throw new UnitFileError(`unbalanced quotes in: ${text}`);
  if (inWord) words.push(word);
  return words;
}

function execCommands(values: readonly string[] | undefined): ExecCommand[] {
  return (values ?? []).map((value) => {
    const prefix = /^[-@:+!]*/.exec(value)?.[0] ?? '';
    const words = splitWords(value.slice(prefix.length)).map((w) => w.replace(/%%/g, '%'));
    if (words.length === 0) throw new UnitFileError(`empty command line: ${value}`);
    return { ignoreFailure: prefix.includes('-'), words };
  });
}

/** "5", "5s", "500ms", "1min", "infinity" → seconds. */
export function parseTimespan(value: string, fallback: number): number {
  const match = /^(\d+(?:\.\d+)?)\s*(ms|s|sec|m|min|h)?$/.exec(value.trim());
  if (value.trim() === 'infinity') return Number.POSITIVE_INFINITY;
  if (!match) return fallback;
  const n = Number(match[1]);
  switch (match[2]) {
    case 'ms':
      return n / 1000;
    case 'm':
    case 'min':
      return n * 60;
    case 'h':
      return n * 3600;
    default:
      return n;
  }
}

const RESTART_VALUES = new Set(['no', 'on-failure', 'always', 'on-abnormal', 'on-success']);

export function parseServiceUnit(name: string, text: string): ServiceUnit {
  const sections = parseUnitText(text);
  const unit = sections.get('Unit');
  const service = sections.get('Service');
  const install = sections.get('Install');
  const last = (map: Map<string, string[]> | undefined, key: string): string | undefined => {
    const values = map?.get(key);
    return values?.[values.length - 1];
  };
  const execStart = execCommands(service?.get('ExecStart'));
  if (execStart.length === 0) throw new UnitFileError(`${name} has no ExecStart= in its [Service] section`);
  const restart = last(service, 'Restart') ?? 'no';
  if (!RESTART_VALUES.has(restart)) throw new UnitFileError(`${name}: Restart=${restart} is not supported`);
  const user = last(service, 'User');
  const group = last(service, 'Group');
  const workingDirectory = last(service, 'WorkingDirectory');
  return {
    name,
    description: last(unit, 'Description') ?? name,
    execStart,
    execStartPre: execCommands(service?.get('ExecStartPre')),
    execStop: execCommands(service?.get('ExecStop')),
    ...(user ? { user } : {}),
    ...(group ? { group } : {}),
    ...(workingDirectory ? { workingDirectory: workingDirectory.replace(/^-/, '') } : {}),
    environment: (service?.get('Environment') ?? []).flatMap((value) =>
      splitWords(value).flatMap((assignment): [string, string][] => {
        const eq = assignment.indexOf('=');
        return eq > 0 ? [[assignment.slice(0, eq), assignment.slice(eq + 1)]] : [];
      }),
    ),
    environmentFiles: (service?.get('EnvironmentFile') ?? []).map((value) =>
      value.startsWith('-') ? { path: value.slice(1), optional: true } : { path: value, optional: false },
    ),
    restart: restart as ServiceUnit['restart'],
    restartSeconds: parseTimespan(last(service, 'RestartSec') ?? '0.1', 0.1),
    timeoutStopSeconds: parseTimespan(last(service, 'TimeoutStopSec') ?? '10', 10),
    wantedBy: (install?.get('WantedBy') ?? []).flatMap(splitWords),
  };
}

/** An EnvironmentFile: `KEY=value` lines, `#`/`;` comments, optional quotes. */
export function parseEnvironmentFile(text: string): [string, string][] {
  const out: [string, string][] = [];
  for (const raw of text.replace(/\r\n/g, '\n').split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    const eq = line.indexOf('=');
    if (eq <= 0) continue;
    const key = line
      .slice(0, eq)
      .trim()
      .replace(/^export\s+/, '');
    let value = line.slice(eq + 1).trim();
    if (value.length >= 2 && (value[0] === '"' || value[0] === "'") && value.endsWith(value[0])) {
      value = value.slice(1, -1);
    }
    out.push([key, value]);
  }
  return out;
}

/** `${VAR}` becomes one word; a bare `$VAR` word splits on whitespace (systemd.service(5)). */
export function expandWords(words: readonly string[], env: Readonly<Record<string, string>>): string[] {
  return words.flatMap((word) => {
    const bare = /^\$([A-Za-z_][A-Za-z0-9_]*)$/.exec(word);
    if (bare) return (env[bare[1] as string] ?? '').split(/\s+/).filter((w) => w !== '');
    return [word.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (_m, key: string) => env[key] ?? '')];
  });
}

/** `web` → `web.service`. */
export function unitName(name: string): string {
  return /\.[a-z]+$/.test(name) ? name : `${name}.service`;
}
