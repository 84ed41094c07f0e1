// The util-linux backend: `unshare`, `mount`, `umount`, `pivot_root`, `nsenter` and `setpriv`, which
// every Debian, Ubuntu and Fedora machine has, give an instance the same layout as bubblewrap (see
// confinement.ts). Used when bwrap is not installed, when a non-root user's subordinate uid range can
// be mapped (bubblewrap maps one uid), or when LOCALCLOUD_SANDBOX=unshare asks for it.
//
// The chain of processes, each dying with its parent:
//   setpriv --pdeathsig SIGKILL            (dies with the local cloud, like bwrap --die-with-parent)
//     [a launcher shell that maps a subordinate range with newuidmap/newgidmap once the namespace exists]
//     unshare --mount --pid --ipc --uts --fork --kill-child [--user]
//       /bin/sh INIT_SCRIPT: PID 1 of the instance; reports its host PID on descriptor 3, builds the
//       new root (the host's / bound read-only, the instance's directories bound read-write over it,
//       a fresh /proc and a minimal /dev), sets the hostname, pivots into it, then becomes
//         setpriv --bounding-set … --no-new-privs  /bin/sh -c '"$@" & wait $!'  (reaps orphans)
//           the command (the instance's service supervisor)
import { INSTANCE_DIRS, BOUNDING_SET, type Confinement, type SandboxLayout } from './layout.js';

/** Where the new root is assembled, inside the instance's directory on the host (an empty directory). */
export const NEW_ROOT_DIR = '.sandbox-root';

/**
 * PID 1 of an instance. Its arguments: new root, instance root, hostname, mount, umount, pivot_root,
 * setpriv, whether to wait for "go" on stdin (the user namespace being mapped), whether root is the
 * host's root, the number of read-only binds, then that many `source target` pairs, then the command.
 * Every value arrives as an argument; nothing is spliced into the script.
 */
const INIT_SCRIPT = String.raw`set -eu
newroot=$1 root=$2 host=$3 mount=$4 umount=$5 pivot=$6 setpriv=$7 wait=$8 privileged=$9
shift 9
nbinds=$1
shift
# Through the host's /proc (still mounted here) "self" is this shell's PID on the host.
read -r pid rest < /proc/self/stat
{ printf '{"child-pid": %s}\n' "$pid" >&3; } 2>/dev/null || true
exec 3>&-
if [ "$wait" = 1 ]; then
  read -r go || exit 70
  [ "$go" = go ] || exit 70
fi
exec </dev/null

# mountinfo writes a space, tab, newline or backslash in a path as a backslash and three octal digits.
decode() { printf '%b' "$1"; }
# Remounts a mount point read-only, keeping the flags a user namespace may not drop.
readonly_mount() {
  opts=
  # (Its own variable: $point belongs to the caller's loop, whose message names it.)
  while read -r _ _ _ _ line_point options _; do
    # Only an escaped point (a space, a tab, a backslash in its path) costs a subshell to decode.
    case $line_point in *\\*) line_point=$(decode "$line_point") ;; esac
    [ "$line_point" = "$1" ] && opts=$options
  done < /proc/self/mountinfo
  flags=remount,bind,ro
  for flag in nosuid nodev noexec noatime nodiratime relatime; do
    case ",$opts," in *",$flag,"*) flags=$flags,$flag ;; esac
  done
  "$mount" -o "$flags" "$1"
}

# The host's file system, every mount of it, read-only.
"$mount" --rbind / "$newroot"
points=$(while read -r _ _ _ _ point _; do decode "$point"; echo; done < /proc/self/mountinfo)
printf '%s\n' "$points" | while IFS= read -r point; do
  case $point in "$newroot" | "$newroot"/*) ;; *) continue ;; esac
  if ! readonly_mount "$point" 2>/dev/null; then
    # /proc and /dev are replaced below; anything else left writable would be a way out.
    case $point in "$newroot"/proc/* | "$newroot"/dev/*) ;; *)
      echo "localcloud: cannot make $point read-only in the sandbox" >&2
      exit 71 ;;
    esac
  fi
done

# The instance's own directories, read-write.
for dir in ${INSTANCE_DIRS.join(' ')}; do "$mount" --bind "$root/$dir" "$newroot/$dir"; done

# The local cloud's tools, read-only.
i=0
while [ "$i" -lt "$nbinds" ]; do
  "$mount" --bind "$1" "$newroot$2"
  readonly_mount "$newroot$2"
  shift 2
  i=$((i + 1))
done

# A minimal /dev, as bubblewrap's --dev.
"$mount" -t tmpfs -o mode=0755,nosuid tmpfs "$newroot/dev"
for node in null zero full random urandom tty; do
  : > "$newroot/dev/$node"
  "$mount" --bind "/dev/$node" "$newroot/dev/$node"
done
ln -s /proc/self/fd "$newroot/dev/fd"
ln -s /proc/self/fd/0 "$newroot/dev/stdin"
ln -s /proc/self/fd/1 "$newroot/dev/stdout"
ln -s /proc/self/fd/2 "$newroot/dev/stderr"
ln -s pts/ptmx "$newroot/dev/ptmx"
mkdir "$newroot/dev/pts" "$newroot/dev/shm"
"$mount" -t devpts -o newinstance,ptmxmode=0666,mode=620 devpts "$newroot/dev/pts"
"$mount" -t tmpfs -o mode=1777,nosuid,nodev tmpfs "$newroot/dev/shm"

# This PID namespace's /proc, with the kernel's knobs read-only, as bubblewrap's --proc.
"$mount" -t proc -o nosuid,nodev,noexec proc "$newroot/proc"
for knob in sys sysrq-trigger irq bus; do
  [ -e "$newroot/proc/$knob" ] || continue
  if ! { "$mount" --bind "$newroot/proc/$knob" "$newroot/proc/$knob" && readonly_mount "$newroot/proc/$knob"; } 2>/dev/null; then
    # In a user namespace the host root's files under /proc/sys are read-only to the sandbox's root anyway.
    [ "$privileged" = 1 ] && { echo "localcloud: cannot protect /proc/$knob" >&2; exit 72; }
  fi
done

hostname "$host" 2>/dev/null || printf '%s' "$host" > /proc/sys/kernel/hostname

cd "$newroot"
"$pivot" . .
"$umount" -l .
cd /
exec "$setpriv" ${BOUNDING_SET} --no-new-privs -- /bin/sh -c '"$@" & wait $!' localcloud-init "$@"
`;

/**
 * Maps a subordinate range into the namespace unshare makes: starts unshare with a FIFO as its stdin,
 * waits until it has its own user namespace, maps it with newuidmap/newgidmap, then says "go".
 */
const MAP_SCRIPT = String.raw`set -eu
newuidmap=$1 newgidmap=$2 uids=$3 gids=$4 fifo=$5
shift 5
rm -f "$fifo"
mkfifo -m 600 "$fifo"
"$@" 0<>"$fifo" &
child=$!
mine=$(readlink /proc/self/ns/user)
tries=0
until [ "$(readlink "/proc/$child/ns/user" 2>/dev/null || echo "$mine")" != "$mine" ]; do
  kill -0 "$child" 2>/dev/null || { wait "$child"; exit $?; }
  tries=$((tries + 1))
  [ "$tries" -lt 3000 ] || { echo "localcloud: unshare made no user namespace" >&2; exit 73; }
  sleep 0.01
done
set -f
# shellcheck disable=SC2086
"$newuidmap" "$child" $uids
# shellcheck disable=SC2086
"$newgidmap" "$child" $gids
echo go > "$fifo"
rm -f "$fifo"
wait "$child"
`;

/** The program and arguments that start an instance with the unshare backend and run `command` in it. */
export function unshareCommand(
  confinement: Confinement,
  layout: SandboxLayout,
  command: readonly string[],
): { file: string; args: string[] } {
  const { unshare, mount, umount, pivotRoot, setpriv, users } = confinement;
  if (!unshare || !mount || !umount || !pivotRoot) throw new Error('the unshare backend lacks its programs');
  const mapsLater = users.kind === 'subordinate';
  const unshareArgs = [
    '--mount',
    '--pid',
    '--ipc',
    '--uts',
    '--fork',
    '--kill-child=SIGKILL',
    '--propagation',
    'private',
    ...(users.kind === 'single' ? ['--map-root-user'] : []),
    ...(mapsLater ? ['--user'] : []),
    '--',
    '/bin/sh',
    '-c',
    INIT_SCRIPT,
    'localcloud-init',
    `${layout.root}/${NEW_ROOT_DIR}`,
    layout.root,
    layout.hostname,
    mount,
    umount,
    pivotRoot,
    setpriv,
    mapsLater ? '1' : '0',
    confinement.privileged ? '1' : '0',
    String(layout.readOnlyBinds.length),
    ...layout.readOnlyBinds.flatMap((bind) => [bind.source, bind.target]),
    ...command,
  ];
  // unshare dies with whoever started it; its --kill-child takes the instance's PID 1 with it.
  const dying = [setpriv, '--pdeathsig', 'SIGKILL', '--'];
  if (users.kind !== 'subordinate')
    return { file: setpriv, args: [...dying.slice(1), unshare, ...unshareArgs] };
  const uids = `0 ${String(users.uid)} 1 1 ${String(users.uids.start)} ${String(users.uids.count)}`;
  const gids = `0 ${String(users.gid)} 1 1 ${String(users.gids.start)} ${String(users.gids.count)}`;
  return {
    file: setpriv,
    args: [
      ...dying.slice(1),
      '/bin/sh',
      '-c',
      MAP_SCRIPT,
      'localcloud-map',
      users.newuidmap,
      users.newgidmap,
      uids,
      gids,
      `${layout.root}/.sandbox-go`,
      ...dying,
      unshare,
      ...unshareArgs,
    ],
  };
}
