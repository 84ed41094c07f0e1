// A package manager for real instances: Amazon Linux's `dnf`, as far as the local cloud can honour it.
// An instance's image may lack Node.js (images.ts `lacks`), and user data installs it the way it
// would on EC2 (`dnf install -y nodejs20`). The one package the local cloud can give is the Node.js it
// runs on itself, as `nodejs<major>` of that version, installed as Amazon Linux 2023 installs its
// namespaced Node.js: `node` on PATH is a link to /etc/alternatives/node, which the package makes. The
// image's read-only directories cannot change after boot, so the link where the image lacks `node`
// (/usr/bin/node on this host) is there from the start, dangling — absent to PATH lookups, `command
// -v` and exec — until dnf makes /etc/alternatives/node. Every other package fails as dnf fails for a
// package no repository has, so a script that needs more than the local cloud can give says so in
// cloud-init's log instead of seeming to work.
import { chmod, symlink, writeFile } from 'node:fs/promises';
import { join, posix, relative } from 'node:path';
import { SANDBOX_BIN, SANDBOX_NODE } from '../sandbox/programs.js';

/** Where Amazon Linux's alternatives system points `node`. */
export const NODE_ALTERNATIVE = '/etc/alternatives/node';

/** The directories systemd and login shells search for programs, where an installed `node` must be. */
const PROGRAM_DIRS = ['/usr/local/sbin', '/usr/local/bin', '/usr/sbin', '/usr/bin', '/sbin', '/bin'];

/** The shell script installed as `dnf` (and `yum`) in an instance's tools directory. */
export function dnfScript(): string {
  return `#!/bin/sh
# The local cloud's dnf (packages/localcloud/src/instance/packages.ts): it installs only nodejs<major>,
# the Node.js the local cloud runs on; anything else fails as a package no repository has.
node_major=$(${SANDBOX_NODE} -p 'process.versions.node.split(".")[0]')
command=""
packages=""
for argument in "$@"; do
  case $argument in
    -*) ;;
    *) if [ -z "$command" ]; then command=$argument; else packages="$packages $argument"; fi ;;
  esac
done
case $command in
  install) ;;
  *) echo "dnf: the local cloud's dnf runs only 'install' (asked: \${command:-nothing})" >&2; exit 1 ;;
esac
missing=""
for package in $packages; do
  [ "$package" = "nodejs$node_major" ] || missing="$missing $package"
done
if [ -n "$missing" ]; then
  echo "Error: Unable to find a match:$missing (the local cloud's dnf has only nodejs$node_major)" >&2
  exit 1
fi
for package in $packages; do
  mkdir -p ${posix.dirname(NODE_ALTERNATIVE)}
  ln -sfn ${SANDBOX_NODE} ${NODE_ALTERNATIVE}
  echo "Installed: $package (node $(${SANDBOX_NODE} --version), ${NODE_ALTERNATIVE})"
done
echo "Complete!"
`;
}

/** Puts `dnf` and `yum` into the tools directory of an instance whose root is `root` (on the host). */
export async function installPackageManager(root: string): Promise<void> {
  const bin = join(root, relative('/', SANDBOX_BIN));
  for (const name of ['dnf', 'yum']) {
    const path = join(bin, name);
    await writeFile(path, dnfScript());
    await chmod(path, 0o755);
  }
}

/**
 * In the replacement directories that hide an image's `node` (sandbox/hidden-paths.ts: `source` built
 * on the host, bound at `target`), the link a nodejs package will complete: `node` →
 * /etc/alternatives/node, in the directories programs are searched in.
 */
export async function prepareNodeAlternative(
  binds: readonly { source: string; target: string }[],
  lacks: readonly string[],
  root: string,
): Promise<void> {
  for (const { source, target } of binds) {
    if (!source.startsWith(`${root}/`) || !PROGRAM_DIRS.includes(target)) continue;
    if (!lacks.includes(posix.join(target, 'node'))) continue;
    await symlink(NODE_ALTERNATIVE, join(source, 'node'));
  }
}
