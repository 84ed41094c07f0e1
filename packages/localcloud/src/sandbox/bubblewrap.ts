// The bubblewrap backend (Debian's `bubblewrap`): one `bwrap` per instance makes its namespaces and
// layout (see confinement.ts for what both backends give) and reports the PID of the namespace's
// init on descriptor 3 (`--info-fd`), which `nsenter` joins. Preferred when installed.
import { join } from 'node:path';
import { INSTANCE_DIRS, KEPT_CAPABILITIES, type Confinement, type SandboxLayout } from './layout.js';

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
    // One uid: bubblewrap maps the host user to root and cannot map a subordinate range.
    args.push('--unshare-user', '--uid', '0', '--gid', '0');
    for (const cap of KEPT_CAPABILITIES) args.push('--cap-add', `CAP_${cap.toUpperCase()}`);
  }
  args.push('--chdir', '/', '--info-fd', '3', '--', ...command);
  return args;
}
