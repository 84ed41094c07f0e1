// One instance of a `real` fleet: its root directory on the host, its namespaces (one bwrap or
// unshare process whose command is the instance's service supervisor; sandbox/confinement.ts), its
// metadata service, and the way to run a command inside it. Stopping it kills the namespace's init, which takes every process of
// the instance with it, and removes the root directory.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, openSync, realpathSync, rmSync } from 'node:fs';
import { appendFile, chmod, mkdir, rm, symlink, writeFile } from 'node:fs/promises';
import { dirname, join, relative, resolve as resolvePath, sep } from 'node:path';
import {
  INSTANCE_DIRS,
  nsenterArgs,
  removeTreeArgs,
  sandboxCommand,
  SANDBOX_TOOLS_DIR,
  type Confinement,
} from '../sandbox/confinement.js';
import { NEW_ROOT_DIR } from '../sandbox/unshare.js';
import { SANDBOX_BIN, SANDBOX_NODE, SANDBOX_PROGRAMS, type SandboxPrograms } from '../sandbox/programs.js';
import { prepareHiddenPaths } from '../sandbox/hidden-paths.js';
import { runFirstBoot, type BootResult } from './boot.js';
import { installPackageManager, prepareNodeAlternative } from './packages.js';
import { startMetadataService, type MetadataIdentity, type RunningMetadataService } from './metadata.js';

/** Names every process of the local cloud's sandboxes (tests look for it to prove nothing is left). */
export const SANDBOX_MARKER_VARIABLE = 'GREENLIGHT_LOCALCLOUD_SANDBOX';

const SANDBOX_PATH = `${SANDBOX_BIN}:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin`;
const SUPERVISOR_SOCKET = `${SANDBOX_TOOLS_DIR}/systemd.sock`;
const READY_TIMEOUT_MS = 15_000;
/** Where the local cloud's systemctl is bound over the host's (hooks call it by either path). */
const SYSTEMCTL_TARGETS = ['/usr/bin/systemctl'] as const;

export interface SandboxedInstanceDeps {
  readonly confinement: Confinement;
  readonly programs: Promise<SandboxPrograms>;
  /** The instance's root directory on the host (created by start()). */
  readonly root: string;
  /** The cloud's directory: the marker every sandbox process carries. */
  readonly marker: string;
  readonly identity: MetadataIdentity;
  readonly now: () => Date;
  /** The local cloud's URL once it listens (AWS_ENDPOINT_URL for the instance's processes). */
  readonly endpoint: () => string | undefined;
  /** The launch template's UserData as EC2 stores it (base64): run at first boot. */
  readonly userData?: string;
  /** Host paths the instance's image lacks (instance/images.ts): hidden in its sandbox. */
  readonly lacks?: readonly string[];
}

export class InstanceGoneError extends Error {}

export class SandboxedInstance {
  private init?: ChildProcess;
  private initPid?: number;
  /** The copy of /etc under way while the instance starts. */
  private copying?: ChildProcess;
  /** An open descriptor of the instance's user namespace, kept to remove files its users own. */
  private userNamespace?: number;
  private metadata?: RunningMetadataService;
  private stopped = false;
  /** Binds that hide what the image lacks, made while the root is created. */
  private hiddenPaths: { source: string; target: string }[] = [];
  private readonly started: Promise<void>;
  private readonly booted: Promise<BootResult>;

  constructor(private readonly deps: SandboxedInstanceDeps) {
    this.started = this.start();
    // A failed start is reported to whoever asks (the agent), not as an unhandled rejection.
    this.started.catch(() => undefined);
    this.booted = this.started.then(() => runFirstBoot(this, deps.userData, deps.now));
    this.booted.catch(() => undefined);
  }

  get instanceId(): string {
    return this.deps.identity.instanceId;
  }

  get root(): string {
    return this.deps.root;
  }

  /** Resolves once the instance's namespaces, supervisor and metadata service are up. */
  ready(): Promise<void> {
    return this.started;
  }

  /**
   * Resolves once first boot has finished (cloud-init's final stage: user data run, whatever it
   * did), when the CodeDeploy agent starts; rejects only when the instance itself did not start.
   */
  bootFinished(): Promise<BootResult> {
    return this.booted;
  }

  /** The environment every process of the instance starts from (an agent adds its own variables). */
  baseEnvironment(): Record<string, string> {
    const endpoint = this.deps.endpoint();
    return {
      PATH: SANDBOX_PATH,
      HOME: '/root',
      USER: 'root',
      LOGNAME: 'root',
      LANG: 'C.UTF-8',
      HOSTNAME: hostnameOf(this.deps.identity.privateIpAddress),
      AWS_REGION: this.deps.identity.region,
      AWS_DEFAULT_REGION: this.deps.identity.region,
      ...(this.metadata ? { AWS_EC2_METADATA_SERVICE_ENDPOINT: this.metadata.endpoint } : {}),
      ...(endpoint ? { AWS_ENDPOINT_URL: endpoint } : {}),
      LOCALCLOUD_SYSTEMD_SOCKET: SUPERVISOR_SOCKET,
      [SANDBOX_MARKER_VARIABLE]: this.deps.marker,
    };
  }

  /**
   * Starts `command` inside the instance, in its own process group (so a timeout can kill the whole
   * group). Throws InstanceGoneError when the instance is stopped or never started.
   */
  spawn(command: readonly string[], env: Record<string, string>): ChildProcess {
    if (this.stopped || this.initPid === undefined)
      throw new InstanceGoneError(`instance ${this.instanceId} is not running`);
    const { confinement } = this.deps;
    const child = spawn(confinement.nsenter, nsenterArgs(confinement, this.initPid, command), {
      env: { ...env, [SANDBOX_MARKER_VARIABLE]: this.deps.marker },
      detached: true,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    if (confinement.users.kind === 'single') explainUnmappedUsers(child, confinement.users.advice);
    return child;
  }

  /**
   * Runs a command on the host as the instance's root (in its user namespace when it has one, so
   * files the hooks' users own are its to copy or remove): `cp -a` of the instance's directories.
   */
  async asInstanceRoot(command: readonly string[]): Promise<void> {
    const [file, ...args] = this.hostCommand(command);
    const child = spawn(file ?? 'true', args, { stdio: this.hostStdio('pipe') });
    let stderr = '';
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (chunk: string) => (stderr += chunk));
    await new Promise<void>((resolve, reject) => {
      child.on('error', reject);
      child.on('close', (code) =>
        code === 0 ? resolve() : reject(new Error(`${command.join(' ')} failed: ${stderr.trim()}`)),
      );
    });
  }

  private hostCommand(command: readonly string[]): string[] {
    const { confinement } = this.deps;
    if (confinement.users.kind !== 'subordinate' || this.userNamespace === undefined) return [...command];
    return [confinement.nsenter, '--user=/proc/self/fd/3', '--', ...command];
  }

  private hostStdio(output: 'pipe' | 'ignore'): ('ignore' | 'pipe' | number)[] {
    return ['ignore', 'ignore', output, ...(this.userNamespace !== undefined ? [this.userNamespace] : [])];
  }

  /** Runs a command inside the instance to completion and collects its output. */
  async exec(
    command: readonly string[],
    options: { stdin?: Buffer | string } = {},
  ): Promise<{ code: number; stdout: string; stderr: string }> {
    await this.ready();
    const child = this.spawn(command, this.baseEnvironment());
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    child.stdout?.on('data', (chunk: Buffer) => stdout.push(chunk));
    child.stderr?.on('data', (chunk: Buffer) => stderr.push(chunk));
    child.stdin?.on('error', () => undefined);
    child.stdin?.end(options.stdin ?? '');
    return new Promise((resolve, reject) => {
      child.on('error', reject);
      child.on('close', (code, signal) =>
        resolve({
          code: code ?? (signal ? 128 : 1),
          stdout: Buffer.concat(stdout).toString('utf8'),
          stderr: Buffer.concat(stderr).toString('utf8'),
        }),
      );
    });
  }

  /** The installer program (programs/installer.ts) inside the instance. */
  installer(
    args: readonly string[],
    stdin?: string,
  ): Promise<{ code: number; stdout: string; stderr: string }> {
    return this.exec(
      [SANDBOX_NODE, `${SANDBOX_PROGRAMS}/installer.js`, ...args],
      stdin === undefined ? {} : { stdin },
    );
  }

  /**
   * The host path of a path inside the instance, for the agent's own bookkeeping (logs, deployment
   * instructions). Refuses a path that is not in one of the instance's own directories or that leads
   * out of the instance's root through a symlink.
   */
  hostPath(instancePath: string): string {
    const normal = resolvePath('/', instancePath);
    const top = normal.split('/')[1] ?? '';
    if (!(INSTANCE_DIRS as readonly string[]).includes(top)) {
      throw new Error(`${instancePath} is read-only on instance ${this.instanceId}`);
    }
    const host = join(this.deps.root, normal);
    let existing = host;
    while (!existsSync(existing)) existing = dirname(existing);
    const real = realpathSync(existing);
    const rootReal = realpathSync(this.deps.root);
    if (real !== rootReal && !real.startsWith(rootReal + sep)) {
      throw new Error(`${instancePath} leads outside instance ${this.instanceId}`);
    }
    return host;
  }

  /** Appends to a file inside the instance (creating its directory). */
  async append(instancePath: string, text: string): Promise<void> {
    const host = this.hostPath(instancePath);
    await mkdir(dirname(host), { recursive: true });
    await appendFile(host, text);
  }

  async write(instancePath: string, text: string | Buffer): Promise<void> {
    const host = this.hostPath(instancePath);
    await mkdir(dirname(host), { recursive: true });
    await writeFile(host, text);
  }

  /** Kills every process of the instance, closes its metadata service and removes its root. */
  async stop(): Promise<void> {
    const init = this.killNow();
    if (init && init.exitCode === null && init.signalCode === null) {
      await new Promise<void>((resolve) => init.once('exit', () => resolve()));
    }
    await this.started.catch(() => undefined);
    await this.metadata?.close();
    // The namespace's processes die with its init; give the kernel a moment to reap them first.
    const removal = removeTreeArgs(this.deps.confinement, this.deps.root, this.userNamespace);
    if (removal) await this.asInstanceRoot(removal.slice(3)).catch(() => undefined);
    await rm(this.deps.root, { recursive: true, force: true, maxRetries: 5, retryDelay: 50 });
    this.closeUserNamespace();
  }

  private closeUserNamespace(): void {
    if (this.userNamespace === undefined) return;
    closeSync(this.userNamespace);
    this.userNamespace = undefined;
  }

  /** The synchronous part of stop(), for process exit. */
  killNow(): ChildProcess | undefined {
    this.stopped = true;
    this.copying?.kill('SIGKILL');
    const init = this.init;
    if (init?.pid !== undefined && init.exitCode === null && init.signalCode === null) {
      try {
        process.kill(-init.pid, 'SIGKILL');
      } catch {
        // Already gone.
      }
    }
    return init;
  }

  removeNow(): void {
    const removal = removeTreeArgs(this.deps.confinement, this.deps.root, this.userNamespace);
    if (removal) {
      const [file, ...args] = this.hostCommand(removal.slice(3));
      spawnSync(file ?? 'true', args, { stdio: this.hostStdio('ignore') });
    }
    rmSync(this.deps.root, { recursive: true, force: true });
    this.closeUserNamespace();
  }

  private async start(): Promise<void> {
    await this.createRoot();
    if (this.stopped) throw new InstanceGoneError(`instance ${this.instanceId} was stopped while starting`);
    this.metadata = await startMetadataService(this.deps.identity, this.deps.now);
    if (this.stopped) throw new InstanceGoneError(`instance ${this.instanceId} was stopped while starting`);
    await this.startInit();
  }

  private async createRoot(): Promise<void> {
    const { root, identity } = this.deps;
    for (const dir of [...INSTANCE_DIRS, NEW_ROOT_DIR]) await mkdir(join(root, dir), { recursive: true });
    await this.copyEtc(join(root, 'etc'));
    const host = hostnameOf(identity.privateIpAddress);
    await writeFile(join(root, 'etc/hostname'), `${host}\n`);
    await appendFile(join(root, 'etc/hosts'), `${identity.privateIpAddress}\t${host}\n`).catch(
      () => undefined,
    );
    for (const dir of ['var/log', 'var/lib', 'var/cache', 'var/spool', 'var/mail', 'var/tmp', 'run/lock']) {
      await mkdir(join(root, dir), { recursive: true });
    }
    await symlink('/run', join(root, 'var/run')).catch(() => undefined);
    await symlink('/run/lock', join(root, 'var/lock')).catch(() => undefined);
    for (const dir of ['tmp', 'var/tmp']) await chmod(join(root, dir), 0o1777);
    await chmod(join(root, 'root'), 0o700);
    if (this.deps.lacks && this.deps.lacks.length > 0) {
      this.hiddenPaths = await prepareHiddenPaths(root, this.deps.lacks, [...SYSTEMCTL_TARGETS]);
      await prepareNodeAlternative(this.hiddenPaths, this.deps.lacks, root);
    }
    // Mount points of the local cloud's tools.
    await mkdir(join(root, relative('/', SANDBOX_PROGRAMS)), { recursive: true });
    await mkdir(join(root, relative('/', SANDBOX_BIN)), { recursive: true });
    await writeFile(join(root, relative('/', SANDBOX_NODE)), '');
    await writeFile(join(root, relative('/', SANDBOX_BIN), 'systemctl'), '');
    // What user data installs with dnf, as far as the local cloud can give it (packages.ts).
    await installPackageManager(root);
  }

  /**
   * The instance's /etc starts as a copy of the host's; unreadable files (without root) are left out.
   * The copy dies with the local cloud and with the instance, so none writes into a removed root.
   */
  private copyEtc(target: string): Promise<void> {
    return new Promise((resolve) => {
      const child = spawn(
        this.deps.confinement.setpriv,
        ['--pdeathsig', 'SIGKILL', '--', 'cp', '-a', '/etc/.', `${target}/`],
        {
          stdio: 'ignore',
        },
      );
      this.copying = child;
      child.on('error', () => resolve());
      child.on('close', () => {
        this.copying = undefined;
        resolve();
      });
    });
  }

  private async startInit(): Promise<void> {
    const { confinement, root, identity } = this.deps;
    const programs = await this.deps.programs;
    const binds = [
      // First, so the local cloud's own tools are bound over the image's directories.
      ...this.hiddenPaths,
      { source: process.execPath, target: SANDBOX_NODE },
      { source: programs.dir, target: SANDBOX_PROGRAMS },
      { source: programs.systemctlShim, target: `${SANDBOX_BIN}/systemctl` },
      // Hooks that call systemctl by its absolute path get the local cloud's too.
      ...(existsSync('/usr/bin/systemctl')
        ? [{ source: programs.systemctlShim, target: '/usr/bin/systemctl' }]
        : []),
    ];
    const { file, args } = sandboxCommand(
      confinement,
      { root, hostname: hostnameOf(identity.privateIpAddress), readOnlyBinds: binds },
      [SANDBOX_NODE, `${SANDBOX_PROGRAMS}/supervisor.js`, SUPERVISOR_SOCKET],
    );
    const log = openSync(join(root, 'run/localcloud/supervisor.log'), 'a');
    let init: ChildProcess;
    try {
      init = spawn(file, args, {
        env: { ...this.baseEnvironment(), [SANDBOX_MARKER_VARIABLE]: this.deps.marker },
        detached: true,
        stdio: ['ignore', 'pipe', log, 'pipe'],
      });
    } finally {
      closeSync(log);
    }
    this.init = init;
    const info = init.stdio[3] as NodeJS.ReadableStream;
    const stdout = init.stdout as NodeJS.ReadableStream;
    let infoText = '';
    let out = '';
    info.setEncoding('utf8');
    stdout.setEncoding('utf8');
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () =>
          reject(new Error(`the sandbox of ${this.instanceId} did not start within ${READY_TIMEOUT_MS} ms`)),
        READY_TIMEOUT_MS,
      );
      const check = (): void => {
        if (this.initPid === undefined) {
          const pid = /"child-pid"\s*:\s*(\d+)/.exec(infoText)?.[1];
          if (pid) {
            this.initPid = Number(pid);
            // Held open, the namespace outlives the instance's processes long enough to remove its files.
            if (confinement.users.kind === 'subordinate')
              this.userNamespace = openSync(`/proc/${pid}/ns/user`, 'r');
          }
        }
        if (this.initPid !== undefined && out.includes('ready\n')) {
          clearTimeout(timer);
          resolve();
        }
      };
      info.on('data', (chunk: string) => {
        infoText += chunk;
        check();
      });
      stdout.on('data', (chunk: string) => {
        out += chunk;
        check();
      });
      init.once('error', (error) => {
        clearTimeout(timer);
        reject(error);
      });
      init.once('exit', (code, signal) => {
        clearTimeout(timer);
        reject(
          new Error(
            `the sandbox of ${this.instanceId} exited while starting (${signal ?? `exit code ${String(code)}`}); see ${join(root, 'run/localcloud/supervisor.log')}`,
          ),
        );
      });
    });
    // Keep draining: the supervisor says nothing more, but a full pipe must never block it.
    stdout.resume();
    info.resume();
  }
}

/**
 * With one uid mapped, a hook that switches to another user or chowns a file to one gets EINVAL (or
 * EPERM from setgroups) and says "Invalid argument". After the first such line on its stderr, the
 * instance adds a line of its own that says why and what to install.
 */
function explainUnmappedUsers(child: ChildProcess, advice: string): void {
  const stderr = child.stderr;
  if (!stderr) return;
  let explained = false;
  stderr.on('data', (chunk: Buffer | string) => {
    if (explained) return;
    if (
      !/Invalid argument|cannot set groups|cannot set (user|group) id|setgroups|Operation not permitted/i.test(
        chunk.toString(),
      )
    )
      return;
    explained = true;
    const line = `local cloud: ${advice}\n`;
    // After every listener has this chunk, so the explanation follows the line it explains.
    process.nextTick(() => stderr.emit('data', stderr.readableEncoding ? line : Buffer.from(line)));
  });
}

function hostnameOf(ip: string): string {
  return `ip-${ip.replace(/\./g, '-')}`;
}
