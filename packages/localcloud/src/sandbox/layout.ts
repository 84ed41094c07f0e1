// What every sandbox backend shares: the instance's directories, the capabilities its processes keep,
// who exists inside it, and how a process joins a running instance (see confinement.ts).
/** The instance's own directories, each bound read-write over the host's. */
export const INSTANCE_DIRS = ['etc', 'var', 'opt', 'srv', 'home', 'root', 'run', 'tmp'] as const;

/** Where the local cloud's own tools appear inside an instance. */
export const SANDBOX_TOOLS_DIR = '/run/localcloud';

export const SANDBOX_BACKENDS = ['bubblewrap', 'unshare'] as const;
export type SandboxBackend = (typeof SANDBOX_BACKENDS)[number];

/** Capabilities root keeps inside an instance: enough for useradd, chown, su and signals, not for mounts. */
export const KEPT_CAPABILITIES = [
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

/** setpriv's bounding-set argument for KEPT_CAPABILITIES. */
export const BOUNDING_SET = `--bounding-set=-all,${KEPT_CAPABILITIES.map((cap) => `+${cap}`).join(',')}`;

/** A subordinate id range from /etc/subuid or /etc/subgid. */
export interface IdRange {
  readonly start: number;
  readonly count: number;
}

/** Who exists inside the sandbox. */
export type UserMapping =
  /** Root on the host: no user namespace, real uids. */
  | { readonly kind: 'host' }
  /** The host user is root inside and its subordinate range is uids (gids) 1…count. */
  | {
      readonly kind: 'subordinate';
      readonly uid: number;
      readonly gid: number;
      readonly uids: IdRange;
      readonly gids: IdRange;
      readonly newuidmap: string;
      readonly newgidmap: string;
    }
  /** Only the host user, as root: any other uid or gid is unmapped (chown and su fail). */
  | { readonly kind: 'single'; readonly uid: number; readonly gid: number; readonly advice: string };

export interface Confinement {
  readonly backend: SandboxBackend;
  /** True when the host user is root: real uids, no user namespace. */
  readonly privileged: boolean;
  readonly users: UserMapping;
  /** The program that starts an instance's namespaces: bwrap, or setpriv (which runs unshare). */
  readonly bwrap?: string;
  readonly unshare?: string;
  readonly nsenter: string;
  readonly setpriv: string;
  readonly mount?: string;
  readonly umount?: string;
  readonly pivotRoot?: string;
  /** What a person should know about this confinement (a single mapped uid, a backend chosen for it). */
  readonly note?: string;
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
    BOUNDING_SET,
    '--no-new-privs',
    '--',
    ...command,
  ];
}
