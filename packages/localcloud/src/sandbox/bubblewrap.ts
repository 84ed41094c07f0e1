// How an instance of a `real` fleet is confined: bubblewrap (Debian's `bubblewrap`) gives each
// instance its own mount, PID, IPC and UTS namespaces. The host's file system is mounted read-only and
// the instance's own directories (a copy of /etc taken at launch, /var, /opt, /srv, /home, /root,
// /run, /tmp) are bound over it, so hooks run unchanged and cannot write outside their instance.
// The network is the host's: an instance's processes bind its own loopback address.
//
// Users. When the local cloud runs as root (as here and in CI) no user namespace is used: root in the
// sandbox is root on the host with a reduced capability set (no CAP_SYS_ADMIN, so no remounting), and
// `runas`, `su` and a unit's `User=` switch to real uids that exist only in the instance's /etc/passwd.
// Without root, bubblewrap maps the host user to root in a user namespace; only that one uid exists
// there, so `runas` (and `User=`) of any other user fails the way `su` fails.
//
// One long-lived bubblewrap process per instance holds the namespaces (its command is the instance's
// service supervisor); hook scripts and the agent's file work join them with `nsenter`, so a daemon a
// hook starts outlives the hook, and everything dies with the instance.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** The instance's own directories, each bound read-write over the host's. */
export const INSTANCE_DIRS = ['etc', 'var', 'opt', 'srv', 'home', 'root', 'run', 'tmp'] as const;

/** Where the local cloud's own tools appear inside an instance. */
export const SANDBOX_TOOLS_DIR = '/run/localcloud';

/** Capabilities root keeps inside an instance: enough for useradd, chown, su and signals, not for mounts. */
const KEPT_CAPABILITIES = [
  'chown',
  'dac_override',
  'dac_read_search',
  'fowner',
  'fsetid',
  'kill',
  'setgid',
  'setuid',
  'setpcap',
  'net_bind_service',
  'audit_write',
  'sys_chroot',
] as const;

export interface Confinement {
  /** True when the host user is root: real uids, no user namespace. */
  readonly privileged: boolean;
  readonly bwrap: string;
  readonly nsenter: string;
  readonly setpriv: string;
}

export type ConfinementCheck = { ok: true; confinement: Confinement } | { ok: false; reason: string };

export interface SandboxLayout {
  /** The instance's root directory on the host, holding one directory per INSTANCE_DIRS entry. */
  readonly root: string;
  /** `ip-127-0-1-1`, as EC2 names hosts after their private IP. */
  readonly hostname: string;
  /** Extra read-only binds: host path → path inside the sandbox (the mount point must exist). */
  readonly readOnlyBinds: readonly { source: string; target: string }[];
}

/** The bubblewrap command line that starts an instance's namespaces and runs `command` in them. */
export function bwrapArgs(
  confinement: Confinement,
  layout: SandboxLayout,
  command: readonly string[],
): string[] {
  const args = [
    '--die-with-parent',
    '--unshare-pid',
    '--unshare-ipc',
    '--unshare-uts',
    '--hostname',
    layout.hostname,
    '--ro-bind',
    '/',
    '/',
    '--dev',
    '/dev',
    '--proc',
    '/proc',
  ];
  for (const dir of INSTANCE_DIRS) args.push('--bind', join(layout.root, dir), `/${dir}`);
  for (const bind of layout.readOnlyBinds) args.push('--ro-bind', bind.source, bind.target);
  if (confinement.privileged) {
    args.push('--cap-drop', 'ALL');
    for (const cap of KEPT_CAPABILITIES) args.push('--cap-add', `CAP_${cap.toUpperCase()}`);
  } else {
    args.push('--unshare-user', '--uid', '0', '--gid', '0');
    for (const cap of KEPT_CAPABILITIES) args.push('--cap-add', `CAP_${cap.toUpperCase()}`);
  }
  args.push('--chdir', '/', '--info-fd', '3', '--', ...command);
  return args;
}

/**
 * The command line that runs `command` inside a running instance whose namespace init has host PID
 * `initPid`, with the same reduced capabilities as the instance's other processes.
 */
export function nsenterArgs(confinement: Confinement, initPid: number, command: readonly string[]): string[] {
  return [
    '--target',
    String(initPid),
    '--mount',
    '--pid',
    '--uts',
    '--ipc',
    ...(confinement.privileged ? [] : ['--user', '--preserve-credentials']),
    '--root',
    '--wd',
    '--',
    confinement.setpriv,
    `--bounding-set=-all,${KEPT_CAPABILITIES.map((cap) => `+${cap}`).join(',')}`,
    '--no-new-privs',
    '--',
    ...command,
  ];
}

function which(program: string): string | undefined {
  for (const dir of ['/usr/bin', '/bin', '/usr/sbin', '/sbin', '/usr/local/bin']) {
    const candidate = join(dir, program);
    const result = spawnSync(candidate, ['--version'], { stdio: 'ignore', timeout: 5_000 });
    if (!result.error) return candidate;
  }
  return undefined;
}

/**
 * Finds bubblewrap, nsenter and setpriv and runs a confined `true` with the same options instances
 * get. A host without them or without namespaces (some containers) fails here, with the reason.
 */
export function checkConfinement(): ConfinementCheck {
  const bwrap = which('bwrap');
  if (!bwrap) return { ok: false, reason: 'bwrap (Debian package bubblewrap) is not installed' };
  const nsenter = which('nsenter');
  const setpriv = which('setpriv');
  if (!nsenter || !setpriv)
    return { ok: false, reason: 'nsenter and setpriv (util-linux) are not installed' };
  const confinement: Confinement = {
    privileged: process.getuid?.() === 0,
    bwrap,
    nsenter,
    setpriv,
  };
  const root = mkdtempSync(join(tmpdir(), 'greenlight-localcloud-selftest-'));
  try {
    for (const dir of INSTANCE_DIRS) mkdirSync(join(root, dir));
    const args = bwrapArgs(confinement, { root, hostname: 'selftest', readOnlyBinds: [] }, ['true']);
    // --info-fd 3 needs a descriptor 3; give it a pipe nobody reads.
    const result = spawnSync(bwrap, args, {
      stdio: ['ignore', 'ignore', 'pipe', 'pipe'],
      timeout: 10_000,
      encoding: 'utf8',
    });
    if (result.error) return { ok: false, reason: `bwrap could not run: ${result.error.message}` };
    if (result.status !== 0) {
      const said = (result.stderr ?? '').trim() || `exit code ${String(result.status)}`;
      return { ok: false, reason: `bwrap cannot create namespaces here: ${said}` };
    }
    return { ok: true, confinement };
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}
