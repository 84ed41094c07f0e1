// How an instance of a `real` fleet is confined, whichever program builds the sandbox. Two backends
// give the same layout: bubblewrap (Debian's `bubblewrap`, preferred when installed) and util-linux's
// `unshare`, `nsenter`, `setpriv` and `mount`, which every Debian, Ubuntu and Fedora machine has
// (bubblewrap.ts and unshare.ts build their command lines). Each instance gets its own mount, PID, IPC
// and UTS namespaces; the host's file system is mounted read-only and the instance's own directories
// (a copy of /etc taken at launch, /var, /opt, /srv, /home, /root, /run, /tmp) are bound over it, so
// hooks run unchanged and cannot write outside their instance. The network is the host's: an
// instance's processes bind its own loopback address.
//
// Users. As root no user namespace is used: root in the sandbox is root on the host with a reduced
// capability set (no CAP_SYS_ADMIN, so no remounting), and `runas`, `su` and a unit's `User=` switch to
// real uids that exist only in the instance's /etc/passwd. As any other user the sandbox lives in a
// user namespace where that user is root; the hooks' users exist there only if the namespace maps
// more uids than one, which takes a subordinate range (/etc/subuid, /etc/subgid) and the setuid
// helpers newuidmap/newgidmap (Debian's `uidmap`). Without them a single uid is mapped, and a hook
// that switches user or chowns a file to one fails; the instance then says why (see usersAdvice).
//
// One long-lived process per instance holds the namespaces (its command is the instance's service
// supervisor); hook scripts and the agent's file work join them with `nsenter` and `setpriv`, so a
// daemon a hook starts outlives the hook, and everything dies with the instance.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { bwrapArgs } from './bubblewrap.js';
import {
  INSTANCE_DIRS,
  SANDBOX_BACKENDS,
  type Confinement,
  type ConfinementCheck,
  type IdRange,
  type SandboxBackend,
  type SandboxLayout,
  type UserMapping,
} from './layout.js';
import { NEW_ROOT_DIR, unshareCommand } from './unshare.js';

export * from './layout.js';

/** The environment variable that picks a backend: `bubblewrap`, `unshare` or `auto` (the default). */
export const SANDBOX_VARIABLE = 'LOCALCLOUD_SANDBOX';

export interface CheckOptions {
  /** `bubblewrap`, `unshare` or `auto` (the default: $LOCALCLOUD_SANDBOX, else bubblewrap when installed, else unshare). */
  readonly backend?: string;
  /** The host user (default: this process's); tests of the advice give another. */
  readonly uid?: number;
}

const SEARCH_PATH = ['/usr/bin', '/bin', '/usr/sbin', '/sbin', '/usr/local/bin'];

function which(program: string): string | undefined {
  for (const dir of SEARCH_PATH) {
    const candidate = join(dir, program);
    if (existsSync(candidate)) return candidate;
  }
  return undefined;
}

/** The backend $LOCALCLOUD_SANDBOX asks for, or why its value is not one. */
export function requestedBackend(value: string | undefined): SandboxBackend | 'auto' | { invalid: string } {
  if (value === undefined || value === '' || value === 'auto') return 'auto';
  if ((SANDBOX_BACKENDS as readonly string[]).includes(value)) return value as SandboxBackend;
  return { invalid: value };
}

/** The first range /etc/subuid (or subgid) gives `name` or `id`, if any. */
export function subordinateRange(text: string, name: string, id: number): IdRange | undefined {
  for (const line of text.split('\n')) {
    const [owner, start, count] = line.trim().split(':');
    if (owner === undefined || start === undefined || count === undefined) continue;
    if (owner !== name && owner !== String(id)) continue;
    const range = { start: Number(start), count: Number(count) };
    if (Number.isInteger(range.start) && Number.isInteger(range.count) && range.count > 0) return range;
  }
  return undefined;
}

function readText(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}

function userName(uid: number): string {
  try {
    if (uid === process.getuid?.()) return userInfo().username;
  } catch {
    // No passwd entry for this uid.
  }
  return String(uid);
}

/**
 * What a non-root user's sandboxes can map: a subordinate range when the user has one and the helpers
 * exist, else one uid, with the words that say how to get the range.
 */
export function userMapping(uid: number, gid: number, backend: SandboxBackend): UserMapping {
  const name = userName(uid);
  const uids = subordinateRange(readText('/etc/subuid'), name, uid);
  const gids = subordinateRange(readText('/etc/subgid'), name, uid);
  const newuidmap = which('newuidmap');
  const newgidmap = which('newgidmap');
  if (backend === 'unshare' && uids && gids && newuidmap && newgidmap)
    return { kind: 'subordinate', uid, gid, uids, gids, newuidmap, newgidmap };
  const missing: string[] = [];
  if (backend === 'bubblewrap')
    missing.push(
      `bubblewrap maps one uid only; the unshare backend (${SANDBOX_VARIABLE}=unshare, chosen by itself when what follows is in place) maps a subordinate range`,
    );
  if (!newuidmap || !newgidmap)
    missing.push('install newuidmap and newgidmap (Debian/Ubuntu package uidmap, Fedora shadow-utils)');
  const line = `${name}:${String(freeRangeStart())}:65536`;
  if (!uids) missing.push(`add the line "${line}" to /etc/subuid`);
  if (!gids) missing.push(`add the line "${line}" to /etc/subgid`);
  return {
    kind: 'single',
    uid,
    gid,
    advice:
      `the sandbox runs as ${name} (uid ${String(uid)}), mapped to root inside it, and no other user exists there, ` +
      `so a hook that runs as another user (runas, su, chown, install -o, a unit's User=) fails with "Invalid argument". ` +
      `To map the hooks' users: ${missing.join('; ')} (as root: usermod --add-subuids ${line.split(':')[1] ?? ''}-${String(freeRangeStart() + 65535)} --add-subgids ${line.split(':')[1] ?? ''}-${String(freeRangeStart() + 65535)} ${name})`,
  };
}

/** Where a new subordinate range would not overlap any in /etc/subuid or /etc/subgid. */
function freeRangeStart(): number {
  let end = 100_000;
  for (const line of `${readText('/etc/subuid')}\n${readText('/etc/subgid')}`.split('\n')) {
    const [, start, count] = line.trim().split(':');
    const last = Number(start) + Number(count);
    if (Number.isInteger(last) && last > end) end = last;
  }
  return end;
}

/** Why this kernel refuses unprivileged user namespaces, when its settings say so. */
function userNamespacesForbidden(): string | undefined {
  const setting = (path: string): string | undefined => {
    const text = readText(path).trim();
    return text === '' ? undefined : text;
  };
  if (setting('/proc/sys/user/max_user_namespaces') === '0')
    return 'the kernel allows no user namespaces (user.max_user_namespaces = 0); as root: sysctl -w user.max_user_namespaces=15000';
  if (setting('/proc/sys/kernel/unprivileged_userns_clone') === '0')
    return 'the kernel forbids user namespaces to non-root users (kernel.unprivileged_userns_clone = 0); as root: sysctl -w kernel.unprivileged_userns_clone=1, or run as root';
  if (setting('/proc/sys/kernel/apparmor_restrict_unprivileged_userns') === '1')
    return "AppArmor forbids user namespaces to non-root users (kernel.apparmor_restrict_unprivileged_userns = 1, Ubuntu 24.04's default); as root: sysctl -w kernel.apparmor_restrict_unprivileged_userns=0, or run as root";
  return undefined;
}

/**
 * Picks the backend, finds its programs and starts a confined `true` with the same options instances
 * get. Where this fails (macOS, a kernel without user namespaces for non-root users, a container
 * without namespaces) the reason says what to do.
 */
export function checkConfinement(options: CheckOptions = {}): ConfinementCheck {
  if (process.platform !== 'linux')
    return {
      ok: false,
      reason: `sandboxed instances need Linux namespaces, and this is ${process.platform === 'darwin' ? 'macOS' : process.platform}; run it on Linux (a VM or container: Lima, Docker Desktop, WSL 2)`,
    };
  const requested = requestedBackend(options.backend ?? process.env[SANDBOX_VARIABLE]);
  if (typeof requested === 'object')
    return {
      ok: false,
      reason: `${SANDBOX_VARIABLE}=${requested.invalid} names no sandbox; use bubblewrap, unshare or auto`,
    };
  const uid = options.uid ?? process.getuid?.() ?? 0;
  const gid = uid === process.getuid?.() ? (process.getgid?.() ?? 0) : uid;
  const privileged = uid === 0;
  const nsenter = which('nsenter');
  const setpriv = which('setpriv');
  if (!nsenter || !setpriv)
    return { ok: false, reason: 'nsenter and setpriv are not installed (Debian package util-linux)' };
  if (!privileged) {
    const forbidden = userNamespacesForbidden();
    if (forbidden) return { ok: false, reason: forbidden };
  }
  const bwrap = which('bwrap');
  let backend: SandboxBackend;
  let note: string | undefined;
  if (requested === 'auto') {
    backend = bwrap ? 'bubblewrap' : 'unshare';
    // Bubblewrap maps one uid; a non-root user with a subordinate range gets the hooks' users with unshare.
    if (backend === 'bubblewrap' && !privileged && userMapping(uid, gid, 'unshare').kind === 'subordinate') {
      backend = 'unshare';
      note = "unshare rather than bubblewrap: it maps your subordinate uid range, so the hooks' users exist";
    }
  } else backend = requested;
  const users: UserMapping = privileged ? { kind: 'host' } : userMapping(uid, gid, backend);
  if (users.kind === 'single') note = users.advice;
  let confinement: Confinement;
  if (backend === 'bubblewrap') {
    if (!bwrap)
      return {
        ok: false,
        reason: `${SANDBOX_VARIABLE}=bubblewrap, but bwrap is not installed (Debian package bubblewrap); unset it to use unshare (util-linux)`,
      };
    confinement = { backend, privileged, users, bwrap, nsenter, setpriv, ...(note ? { note } : {}) };
  } else {
    const unshare = which('unshare');
    const mount = which('mount');
    const umount = which('umount');
    const pivotRoot = which('pivot_root');
    if (!unshare || !mount || !umount || !pivotRoot)
      return {
        ok: false,
        reason:
          'unshare, mount, umount and pivot_root are not installed (Debian packages util-linux and mount)',
      };
    confinement = {
      backend,
      privileged,
      users,
      unshare,
      nsenter,
      setpriv,
      mount,
      umount,
      pivotRoot,
      ...(note ? { note } : {}),
    };
  }
  const failure = selfTest(confinement);
  return failure ? { ok: false, reason: failure } : { ok: true, confinement };
}

/** The program and arguments that start an instance's namespaces and run `command` as its service. */
export function sandboxCommand(
  confinement: Confinement,
  layout: SandboxLayout,
  command: readonly string[],
): { file: string; args: string[] } {
  if (confinement.backend === 'unshare') return unshareCommand(confinement, layout, command);
  if (!confinement.bwrap) throw new Error('the bubblewrap backend lacks bwrap');
  return { file: confinement.bwrap, args: bwrapArgs(confinement, layout, command) };
}

/** Starts a sandbox running `true`, the way instances start; the reason it failed, if it did. */
function selfTest(confinement: Confinement): string | undefined {
  const root = mkdtempSync(join(tmpdir(), 'greenlight-localcloud-selftest-'));
  try {
    for (const dir of [...INSTANCE_DIRS, NEW_ROOT_DIR]) mkdirSync(join(root, dir));
    const { file, args } = sandboxCommand(confinement, { root, hostname: 'selftest', readOnlyBinds: [] }, [
      'true',
    ]);
    // Descriptor 3 is where the sandbox reports its init's PID; give it a pipe nobody reads.
    const result = spawnSync(file, args, {
      stdio: ['ignore', 'ignore', 'pipe', 'pipe'],
      timeout: 20_000,
      encoding: 'utf8',
    });
    const name = confinement.backend === 'bubblewrap' ? 'bwrap' : 'unshare';
    if (result.error) return `${name} could not run: ${result.error.message}`;
    if (result.status === 0) return undefined;
    const said =
      (result.stderr ?? '').trim().split('\n').slice(-3).join(' ') || `exit code ${String(result.status)}`;
    if (!confinement.privileged && /permission|not permitted|EPERM|EACCES/i.test(said))
      return `${name} cannot create a user namespace here (${said}); the kernel or a security policy forbids them to non-root users: run as root`;
    return `${name} cannot create namespaces here: ${said}`;
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

/**
 * With a subordinate range, files the hooks' users own (a 0700 /home/web) cannot be removed by the
 * host user; root of the instance's user namespace can. `userNamespace` is an open descriptor of that
 * namespace (kept from the instance's start), passed to the command as its descriptor 3.
 */
export function removeTreeArgs(
  confinement: Confinement,
  path: string,
  userNamespace: number | undefined,
): string[] | undefined {
  if (confinement.users.kind !== 'subordinate' || userNamespace === undefined) return undefined;
  return [confinement.nsenter, '--user=/proc/self/fd/3', '--', 'rm', '-rf', '--', path];
}
