// The CodeDeploy agent's file work, run inside an instance's sandbox so that every path (and every
// symlink in a bundle) resolves in the instance, never on the host:
//   installer.js unpack <bundle> <archive-dir>   unpack a zip, tar or tar.gz; strip a lone top-level
//                                                directory that holds the appspec (spec §6.1)
//   installer.js install < plan.json             the Install event: remove what the last install left
//                                                (the cleanup file), copy `files` with the file-exists
//                                                behaviour, apply `permissions`, write the new cleanup file
// Prints one JSON line {"ok": true} or {"ok": false, "message": "..."}.
// Runs inside instance sandboxes: imports node built-ins only.
import { spawnSync } from 'node:child_process';
import {
  chmodSync,
  chownSync,
  copyFileSync,
  existsSync,
  lstatSync,
  mkdirSync,
  openSync,
  readFileSync,
  readSync,
  closeSync,
  readdirSync,
  readlinkSync,
  renameSync,
  rmdirSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { basename, dirname, join, relative } from 'node:path';

interface FileMapping {
  readonly source: string;
  readonly destination: string;
}

interface Permission {
  readonly object: string;
  readonly pattern?: string;
  readonly except?: readonly string[];
  readonly owner?: string;
  readonly group?: string;
  readonly mode?: string;
  readonly type?: readonly ('file' | 'directory')[];
}

export interface InstallPlan {
  readonly archiveDir: string;
  readonly files: readonly FileMapping[];
  readonly fileExistsBehavior: 'DISALLOW' | 'OVERWRITE' | 'RETAIN';
  readonly permissions: readonly Permission[];
  /** Paths the previous install created, removed first; rewritten with what this install creates. */
  readonly cleanupFile: string;
}

class InstallError extends Error {}

function bundleKind(path: string): 'zip' | 'tgz' | 'tar' {
  const fd = openSync(path, 'r');
  const head = Buffer.alloc(4);
  try {
    readSync(fd, head, 0, 4, 0);
  } finally {
    closeSync(fd);
  }
  if (head[0] === 0x50 && head[1] === 0x4b) return 'zip';
  if (head[0] === 0x1f && head[1] === 0x8b) return 'tgz';
  return 'tar';
}

function unpack(bundle: string, archiveDir: string): void {
  rmSync(archiveDir, { recursive: true, force: true });
  mkdirSync(archiveDir, { recursive: true });
  const kind = bundleKind(bundle);
  const result =
    kind === 'zip'
      ? spawnSync('unzip', ['-q', '-o', bundle, '-d', archiveDir], { encoding: 'utf8' })
      : spawnSync('tar', [kind === 'tgz' ? '-xzf' : '-xf', bundle, '-C', archiveDir, '--no-same-owner'], {
          encoding: 'utf8',
        });
  if (result.error || result.status !== 0) {
    throw new InstallError(
      `The bundle could not be unpacked as ${kind}: ${(result.stderr || result.error?.message || '').trim()}`,
    );
  }
  const entries = readdirSync(archiveDir);
  const only = entries.length === 1 ? join(archiveDir, entries[0] as string) : undefined;
  const holdsAppSpec =
    only !== undefined &&
    lstatSync(only).isDirectory() &&
    (existsSync(join(only, 'appspec.yml')) || existsSync(join(only, 'appspec.yaml')));
  if (only && holdsAppSpec) {
    const lifted = `${archiveDir}.lift`;
    renameSync(only, lifted);
    rmSync(archiveDir, { recursive: true, force: true });
    renameSync(lifted, archiveDir);
  }
}

function idOf(file: '/etc/passwd' | '/etc/group', name: string): number {
  if (/^\d+$/.test(name)) return Number(name);
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const fields = line.split(':');
    if (fields[0] === name) return Number(fields[2]);
  }
  throw new InstallError(
    `${file === '/etc/passwd' ? 'user' : 'group'} ${name} does not exist on the instance`,
  );
}

/** Minimal glob for `pattern`/`except`: `*`, `?` and `**`. */
function globToRegex(glob: string): RegExp {
  let out = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i] as string;
    if (c === '*') {
      if (glob[i + 1] === '*') {
        out += '.*';
        i++;
      } else out += '[^/]*';
    } else if (c === '?') out += '[^/]';
    else out += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${out}$`);
}

function walk(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir)) {
    const path = join(dir, entry);
    out.push(path);
    if (lstatSync(path).isDirectory()) out.push(...walk(path));
  }
  return out;
}

function copyTree(
  source: string,
  destination: string,
  behavior: InstallPlan['fileExistsBehavior'],
  created: string[],
): void {
  const makeDir = (dir: string): void => {
    if (existsSync(dir)) return;
    makeDir(dirname(dir));
    mkdirSync(dir);
    created.push(dir);
  };
  const copyOne = (from: string, to: string): void => {
    const stat = lstatSync(from);
    if (stat.isDirectory()) {
      makeDir(to);
      for (const entry of readdirSync(from)) copyOne(join(from, entry), join(to, entry));
      return;
    }
    makeDir(dirname(to));
    let exists: boolean;
    try {
      lstatSync(to);
      exists = true;
    } catch {
      exists = false;
    }
    if (exists) {
      if (behavior === 'DISALLOW')
        throw new InstallError(
          `The deployment failed because a specified file already exists at this location: ${to}`,
        );
      if (behavior === 'RETAIN') return;
      rmSync(to, { force: true });
    }
    if (stat.isSymbolicLink()) symlinkSync(readlinkSync(from), to);
    else copyFileSync(from, to);
    created.push(to);
  };
  if (lstatSync(source).isDirectory()) {
    makeDir(destination);
    for (const entry of readdirSync(source)) copyOne(join(source, entry), join(destination, entry));
  } else {
    copyOne(source, join(destination, basename(source)));
  }
}

function applyPermission(permission: Permission): void {
  const object = permission.object;
  if (!existsSync(object)) throw new InstallError(`permissions: ${object} does not exist on the instance`);
  const types = permission.type ?? ['file', 'directory'];
  const pattern = globToRegex(permission.pattern ?? '**');
  const except = (permission.except ?? []).map(globToRegex);
  const uid = permission.owner !== undefined ? idOf('/etc/passwd', permission.owner) : -1;
  const gid = permission.group !== undefined ? idOf('/etc/group', permission.group) : -1;
  const mode = permission.mode !== undefined ? parseInt(permission.mode, 8) : undefined;
  const targets = statSync(object).isDirectory() ? [object, ...walk(object)] : [object];
  for (const path of targets) {
    const stat = lstatSync(path);
    if (stat.isSymbolicLink()) continue;
    const kind = stat.isDirectory() ? 'directory' : 'file';
    if (!types.includes(kind)) continue;
    const rel = path === object ? basename(object) : relative(object, path);
    if (path !== object && !pattern.test(rel)) continue;
    if (except.some((re) => re.test(rel))) continue;
    if (uid !== -1 || gid !== -1) chownSync(path, uid, gid);
    if (mode !== undefined) chmodSync(path, mode);
  }
}

function install(plan: InstallPlan): void {
  if (existsSync(plan.cleanupFile)) {
    const previous = readFileSync(plan.cleanupFile, 'utf8').split('\n').filter(Boolean);
    // Files first, then the directories that were created, deepest first, when left empty.
    for (const path of previous) {
      try {
        if (!lstatSync(path).isDirectory()) rmSync(path, { force: true });
      } catch {
        // Already gone.
      }
    }
    for (const path of [...previous].reverse()) {
      try {
        rmdirSync(path);
      } catch {
        // Not empty, not a directory, or gone.
      }
    }
  }
  const created: string[] = [];
  try {
    for (const mapping of plan.files) {
      const source = join(plan.archiveDir, mapping.source === '/' ? '' : mapping.source);
      if (!existsSync(source))
        throw new InstallError(`The specified source ${mapping.source} does not exist in the bundle`);
      copyTree(source, mapping.destination, plan.fileExistsBehavior, created);
    }
    for (const permission of plan.permissions) applyPermission(permission);
  } finally {
    mkdirSync(dirname(plan.cleanupFile), { recursive: true });
    writeFileSync(plan.cleanupFile, created.map((p) => `${p}\n`).join(''));
  }
}

function main(): void {
  const [verb, ...rest] = process.argv.slice(2);
  try {
    if (verb === 'unpack') unpack(rest[0] as string, rest[1] as string);
    else if (verb === 'install') install(JSON.parse(readFileSync(0, 'utf8')) as InstallPlan);
    else throw new InstallError(`unknown installer command ${verb ?? ''}`);
    process.stdout.write(`${JSON.stringify({ ok: true })}\n`);
  } catch (error) {
    process.stdout.write(`${JSON.stringify({ ok: false, message: (error as Error).message })}\n`);
    process.exitCode = 1;
  }
}

main();
