// The local cloud's stand-in for systemd inside one instance: a simulation, not systemd. It runs in
// the instance's sandbox for the instance's whole life, answers the local cloud's `systemctl` over a
// unix socket, reads the unit files hooks install in /etc/systemd/system, and supervises each unit's
// ExecStart (User, Group, Environment, EnvironmentFile, WorkingDirectory, Restart). A service's output
// goes to /run/log/journal/<unit>.log, never to the pipes of the hook that started it, so a hook that
// starts a service returns at once.
// Runs inside instance sandboxes: imports node built-ins and its sibling programs only.
import { spawn, type ChildProcess } from 'node:child_process';
import {
  closeSync,
  existsSync,
  lstatSync,
  mkdirSync,
  openSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeSync,
} from 'node:fs';
import { createServer, type Socket } from 'node:net';
import { dirname, join } from 'node:path';
import type { ServiceUnit } from './unit-file.js';
import { expandWords, parseEnvironmentFile, parseServiceUnit, unitName, UnitFileError } from './unit-file.js';

const SOCKET = process.argv[2] ?? '/run/localcloud/systemd.sock';
const UNIT_DIRS = ['/etc/systemd/system', '/run/systemd/system'];
const JOURNAL_DIR = '/run/log/journal';
const SETPRIV = '/usr/bin/setpriv';
const DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
/** systemd's default start limit: 5 starts within 10 s, then the unit fails. */
const START_LIMIT_BURST = 5;
const START_LIMIT_INTERVAL_MS = 10_000;
/** What the supervisor hands on to services from its own environment (the instance's, not the host's). */
const PASSED_ENV = [
  'AWS_EC2_METADATA_SERVICE_ENDPOINT',
  'AWS_ENDPOINT_URL',
  'AWS_REGION',
  'AWS_DEFAULT_REGION',
];

type ActiveState = 'inactive' | 'active' | 'activating' | 'deactivating' | 'failed';

interface ServiceState {
  state: ActiveState;
  result: string;
  since: Date;
  child?: ChildProcess;
  /** Set while a stop is in progress, so the exit does not trigger Restart=. */
  stopping: boolean;
  starts: number[];
  restartTimer?: NodeJS.Timeout;
}

interface Reply {
  exitCode: number;
  stdout: string;
  stderr: string;
}

const services = new Map<string, ServiceState>();

function unitPath(name: string): string | undefined {
  for (const dir of UNIT_DIRS) {
    const path = join(dir, name);
    if (existsSync(path)) return path;
  }
  return undefined;
}

function loadUnit(name: string): ServiceUnit {
  const path = unitPath(name);
  if (!path) throw new UnitNotFound(name);
  return parseServiceUnit(name, readFileSync(path, 'utf8'));
}

class UnitNotFound extends Error {
  constructor(readonly unit: string) {
    super(`Unit ${unit} not found.`);
  }
}

function stateOf(name: string): ServiceState {
  let state = services.get(name);
  if (!state) {
    state = { state: 'inactive', result: 'success', since: new Date(), stopping: false, starts: [] };
    services.set(name, state);
  }
  return state;
}

interface Account {
  readonly home: string;
  readonly shell: string;
}

function account(user: string): Account | undefined {
  for (const line of readFileSync('/etc/passwd', 'utf8').split('\n')) {
    const fields = line.split(':');
    if (fields[0] === user || (fields[2] === user && /^\d+$/.test(user)))
      return { home: fields[5] ?? '/', shell: fields[6] ?? '/bin/sh' };
  }
  return undefined;
}

function environmentOf(unit: ServiceUnit): Record<string, string> {
  const env: Record<string, string> = { PATH: DEFAULT_PATH, LANG: 'C.UTF-8' };
  for (const key of PASSED_ENV) {
    const value = process.env[key];
    if (value !== undefined) env[key] = value;
  }
  const user = unit.user ?? 'root';
  const found = account(user);
  env.USER = user;
  env.LOGNAME = user;
  env.HOME = found?.home ?? '/';
  env.SHELL = found?.shell ?? '/bin/sh';
  for (const [key, value] of unit.environment) env[key] = value;
  for (const file of unit.environmentFiles) {
    if (!existsSync(file.path)) {
      if (file.optional) continue;
      throw new Error(`Failed to load environment files: ${file.path}: No such file or directory`);
    }
    for (const [key, value] of parseEnvironmentFile(readFileSync(file.path, 'utf8'))) env[key] = value;
  }
  return env;
}

/** The argv that runs `words` as the unit's user and group. */
function commandLine(unit: ServiceUnit, words: string[]): string[] {
  if (!unit.user && !unit.group) return words;
  const user = unit.user ?? 'root';
  if (!account(user)) throw new Error(`Failed to determine user credentials: No such process (User=${user})`);
  return [
    SETPRIV,
    `--reuid=${user}`,
    `--regid=${unit.group ?? user}`,
    ...(unit.group ? ['--clear-groups'] : ['--init-groups']),
    '--',
    ...words,
  ];
}

function journalFd(name: string): number {
  mkdirSync(JOURNAL_DIR, { recursive: true });
  return openSync(join(JOURNAL_DIR, `${name}.log`), 'a');
}

function journal(name: string, line: string): void {
  const fd = journalFd(name);
  try {
    writeSync(fd, `${new Date().toISOString()} localcloud-systemd: ${line}\n`);
  } finally {
    closeSync(fd);
  }
}

function runOnce(unit: ServiceUnit, words: string[], env: Record<string, string>): Promise<number> {
  return new Promise((resolve) => {
    const argv = commandLine(unit, expandWords(words, env));
    const fd = journalFd(unit.name);
    const child = spawn(argv[0] as string, argv.slice(1), {
      env,
      cwd: unit.workingDirectory ?? '/',
      stdio: ['ignore', fd, fd],
    });
    closeSync(fd);
    child.on('error', () => resolve(203));
    child.on('exit', (code, signal) => resolve(code ?? (signal ? 128 : 1)));
  });
}

async function start(name: string): Promise<void> {
  const state = stateOf(name);
  if (state.state === 'active' || state.state === 'activating') return;
  clearTimeout(state.restartTimer);
  const unit = loadUnit(name);
  const env = environmentOf(unit);
  const now = Date.now();
  state.starts = [...state.starts.filter((t) => now - t < START_LIMIT_INTERVAL_MS), now];
  if (state.starts.length > START_LIMIT_BURST) {
    setState(state, 'failed', 'start-limit-hit');
    journal(name, `Start request repeated too quickly; ${name} failed.`);
    throw new Error(`Job for ${name} failed. See "systemctl status ${name}" for details.`);
  }
  setState(state, 'activating', 'success');
  for (const pre of unit.execStartPre) {
    const code = await runOnce(unit, [...pre.words], env);
    if (code !== 0 && !pre.ignoreFailure) {
      setState(state, 'failed', 'exit-code');
      journal(name, `ExecStartPre exited with code ${code}; ${name} failed.`);
      throw new Error(`Job for ${name} failed because the control process exited with error code.`);
    }
  }
  const main = unit.execStart[0] as ServiceUnit['execStart'][number];
  const argv = commandLine(unit, expandWords(main.words, env));
  const fd = journalFd(name);
  let child: ChildProcess;
  try {
    child = spawn(argv[0] as string, argv.slice(1), {
      env,
      cwd: unit.workingDirectory ?? '/',
      stdio: ['ignore', fd, fd],
      // Its own process group: stop signals the whole service (KillMode=control-group).
      detached: true,
    });
  } finally {
    closeSync(fd);
  }
  state.child = child;
  state.stopping = false;
  setState(state, 'active', 'success');
  journal(name, `Started ${unit.description} (pid ${String(child.pid)}).`);
  child.on('error', (error) => journal(name, `Failed to execute ${argv[0] ?? ''}: ${error.message}`));
  child.on('exit', (code, signal) => exited(name, unit, child, code, signal));
}

function exited(
  name: string,
  unit: ServiceUnit,
  child: ChildProcess,
  code: number | null,
  signal: NodeJS.Signals | null,
): void {
  const state = stateOf(name);
  if (state.child !== child) return;
  delete state.child;
  journal(
    name,
    `Main process exited, ${signal ? `signal=${signal}` : `code=exited, status=${String(code)}`}`,
  );
  if (state.stopping) {
    setState(state, 'inactive', 'success');
    return;
  }
  const clean = code === 0;
  setState(state, clean ? 'inactive' : 'failed', clean ? 'success' : signal ? 'signal' : 'exit-code');
  const restart =
    unit.restart === 'always' ||
    (unit.restart === 'on-failure' && !clean) ||
    (unit.restart === 'on-abnormal' && signal !== null) ||
    (unit.restart === 'on-success' && clean);
  if (!restart) return;
  setState(state, 'activating', state.result);
  state.restartTimer = setTimeout(
    () => {
      start(name).catch((error: unknown) => journal(name, (error as Error).message));
    },
    Math.max(100, unit.restartSeconds * 1000),
  );
}

function signalGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // Already gone.
  }
}

async function stop(name: string): Promise<void> {
  const state = stateOf(name);
  clearTimeout(state.restartTimer);
  const child = state.child;
  if (!child) {
    if (state.state === 'activating') setState(state, 'inactive', 'success');
    return;
  }
  state.stopping = true;
  setState(state, 'deactivating', 'success');
  let unit: ServiceUnit | undefined;
  try {
    unit = loadUnit(name);
  } catch {
    unit = undefined;
  }
  if (unit) {
    const env = environmentOf(unit);
    for (const command of unit.execStop) await runOnce(unit, [...command.words], env);
  }
  const done = new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once('exit', () => resolve());
  });
  signalGroup(child, 'SIGTERM');
  const timeoutMs = Math.min(unit?.timeoutStopSeconds ?? 10, 30) * 1000;
  const timer = setTimeout(() => signalGroup(child, 'SIGKILL'), timeoutMs);
  await done;
  clearTimeout(timer);
  setState(state, 'inactive', 'success');
}

function setState(state: ServiceState, active: ActiveState, result: string): void {
  state.state = active;
  state.result = result;
  state.since = new Date();
}

function wantsLinks(name: string, unit: ServiceUnit): string[] {
  return unit.wantedBy.map((target) => join(UNIT_DIRS[0] as string, `${target}.wants`, name));
}

function enabled(name: string): boolean {
  const dir = UNIT_DIRS[0] as string;
  for (const target of ['multi-user.target', 'default.target', 'graphical.target']) {
    if (isLink(join(dir, `${target}.wants`, name))) return true;
  }
  try {
    return loadUnit(name).wantedBy.some((target) => isLink(join(dir, `${target}.wants`, name)));
  } catch {
    return false;
  }
}

function isLink(path: string): boolean {
  try {
    return lstatSync(path).isSymbolicLink() || existsSync(path);
  } catch {
    return false;
  }
}

function statusText(name: string): { text: string; code: number } {
  const path = unitPath(name);
  if (!path) return { text: `Unit ${name} could not be found.\n`, code: 4 };
  const state = stateOf(name);
  let description = name;
  try {
    description = loadUnit(name).description;
  } catch {
    // An unparsable unit still has a status.
  }
  const sub =
    state.state === 'active' ? 'running' : state.state === 'failed' ? `Result: ${state.result}` : 'dead';
  const lines = [
    `● ${name} - ${description}`,
    `     Loaded: loaded (${path}; ${enabled(name) ? 'enabled' : 'disabled'})`,
    `     Active: ${state.state} (${sub}) since ${state.since.toISOString()}`,
    ...(state.child?.pid !== undefined ? [`   Main PID: ${state.child.pid}`] : []),
    '',
  ];
  const journalPath = join(JOURNAL_DIR, `${name}.log`);
  if (existsSync(journalPath)) {
    const tail = readFileSync(journalPath, 'utf8').trimEnd().split('\n').slice(-10);
    lines.push(...tail, '');
  }
  return { text: lines.join('\n'), code: state.state === 'active' ? 0 : 3 };
}

async function command(argv: readonly string[]): Promise<Reply> {
  const flags = argv.filter((a) => a.startsWith('-'));
  const words = argv.filter((a) => !a.startsWith('-'));
  const quiet = flags.includes('--quiet') || flags.includes('-q');
  const now = flags.includes('--now');
  const verb = words[0];
  const names = words.slice(1).map(unitName);
  const out: string[] = [];
  const err: string[] = [];
  let exitCode = 0;
  const need = (): boolean => {
    if (names.length > 0) return true;
    err.push(`Too few arguments.`);
    exitCode = 1;
    return false;
  };
  try {
    switch (verb) {
      case 'daemon-reload':
      case 'daemon-reexec':
      case 'reset-failed':
        // Unit files are read afresh on every command; a reload has nothing left to do.
        break;
      case 'start':
        if (need()) for (const name of names) await start(name);
        break;
      case 'stop':
        if (need()) for (const name of names) await stop(name);
        break;
      case 'restart':
      case 'reload-or-restart':
      case 'try-restart':
        if (need())
          for (const name of names) {
            loadUnit(name);
            if (verb === 'try-restart' && stateOf(name).state !== 'active') continue;
            await stop(name);
            await start(name);
          }
        break;
      case 'enable':
        if (need())
          for (const name of names) {
            const unit = loadUnit(name);
            const links = wantsLinks(name, unit);
            if (links.length === 0) {
              err.push(`The unit files have no installation config (WantedBy=, RequiredBy=, Also=, Alias=).`);
            }
            for (const link of links) {
              if (isLink(link)) continue;
              mkdirSync(dirname(link), { recursive: true });
              symlinkSync(unitPath(name) as string, link);
              err.push(`Created symlink ${link} → ${unitPath(name) as string}.`);
            }
            if (now) await start(name);
          }
        break;
      case 'disable':
        if (need())
          for (const name of names) {
            if (now) await stop(name);
            for (const target of ['multi-user.target', 'default.target', 'graphical.target']) {
              const link = join(UNIT_DIRS[0] as string, `${target}.wants`, name);
              if (!isLink(link)) continue;
              rmSync(link, { force: true });
              err.push(`Removed ${link}.`);
            }
          }
        break;
      case 'is-active':
        if (need())
          for (const name of names) {
            const state = services.get(name)?.state ?? 'inactive';
            out.push(state);
            if (state !== 'active') exitCode = 3;
          }
        break;
      case 'is-failed':
        if (need())
          for (const name of names) {
            const state = services.get(name)?.state ?? 'inactive';
            out.push(state === 'failed' ? 'failed' : state);
            if (state !== 'failed') exitCode = 1;
          }
        break;
      case 'is-enabled':
        if (need())
          for (const name of names) {
            if (!unitPath(name)) {
              err.push(`Failed to get unit file state for ${name}: No such file or directory`);
              exitCode = 1;
              continue;
            }
            const on = enabled(name);
            out.push(on ? 'enabled' : 'disabled');
            if (!on) exitCode = 1;
          }
        break;
      case 'status':
        for (const name of names) {
          const status = statusText(name);
          out.push(status.text);
          exitCode = Math.max(exitCode, status.code);
        }
        break;
      default:
        err.push(
          `Unknown command verb '${verb ?? ''}' (the local cloud's systemctl is a simulation of systemd).`,
        );
        exitCode = 1;
    }
  } catch (error) {
    if (error instanceof UnitNotFound) {
      err.push(`Failed to ${verb ?? 'run'} ${error.unit}: Unit ${error.unit} not found.`);
      exitCode = 5;
    } else if (error instanceof UnitFileError) {
      err.push(`Failed to ${verb ?? 'run'}: bad unit file: ${error.message}`);
      exitCode = 1;
    } else {
      err.push((error as Error).message);
      exitCode = 1;
    }
  }
  const text = (lines: string[]): string => (lines.length > 0 ? `${lines.join('\n')}\n` : '');
  return { exitCode, stdout: quiet ? '' : text(out), stderr: text(err) };
}

function serve(socket: Socket): void {
  let buffer = '';
  socket.setEncoding('utf8');
  socket.on('data', (chunk: string) => {
    buffer += chunk;
    const newline = buffer.indexOf('\n');
    if (newline < 0) return;
    const line = buffer.slice(0, newline);
    buffer = '';
    let argv: string[];
    try {
      argv = (JSON.parse(line) as { argv: string[] }).argv;
    } catch {
      socket.end(`${JSON.stringify({ exitCode: 1, stdout: '', stderr: 'bad request\n' })}\n`);
      return;
    }
    command(argv)
      .then((reply) => socket.end(`${JSON.stringify(reply)}\n`))
      .catch((error: unknown) =>
        socket.end(
          `${JSON.stringify({ exitCode: 1, stdout: '', stderr: `${(error as Error).message}\n` })}\n`,
        ),
      );
  });
  socket.on('error', () => undefined);
}

function main(): void {
  mkdirSync(dirname(SOCKET), { recursive: true });
  rmSync(SOCKET, { force: true });
  const server = createServer(serve);
  server.listen(SOCKET, () => process.stdout.write('ready\n'));
}

main();
