// An instance's first boot, as cloud-init runs it: user data (user-data.ts says what it asks for)
// runs as root inside the instance, every stage's lines and every script's output go to
// /var/log/cloud-init-output.log, and the end is marked as cloud-init marks it
// (/var/lib/cloud/instance/boot-finished, /run/cloud-init/result.json). A failing script leaves the
// instance running with the failure in that log, as on EC2. CodeDeploy's agent starts after this
// (cloud-init's final stage): the real agent waits for it.
import type { ChildProcess } from 'node:child_process';
import { decodeUserData, parseUserData, shellQuote, type BootPlan, type WriteFile } from './user-data.js';

export const CLOUD_INIT_LOG = '/var/log/cloud-init-output.log';
const CLOUD_INIT_VERSION = '22.2.2';
const INSTANCE_DIR = '/var/lib/cloud/instance';
const SCRIPTS_DIR = `${INSTANCE_DIR}/scripts`;

/** What boot needs of an instance (SandboxedInstance). */
export interface BootableInstance {
  readonly instanceId: string;
  write(instancePath: string, text: string | Buffer): Promise<void>;
  append(instancePath: string, text: string): Promise<void>;
  spawn(command: readonly string[], env: Record<string, string>): ChildProcess;
  baseEnvironment(): Record<string, string>;
}

export interface BootResult {
  /** cloud-init's errors (result.json); empty when every stage succeeded. */
  readonly errors: readonly string[];
}

/** `Fri, 04 Dec 2026 23:10:52 +0000`, as cloud-init stamps its stage lines. */
function stageTime(now: Date): string {
  return now.toUTCString().replace('GMT', '+0000');
}

/** `2026-12-04 23:10:52,123`, as cloud-init's logger stamps warnings. */
function logTime(now: Date): string {
  return now.toISOString().replace('T', ' ').replace('.', ',').slice(0, 23);
}

/** Runs the instance's user data (EC2's base64) at first boot; never throws for what the data does. */
export async function runFirstBoot(
  instance: BootableInstance,
  storedUserData: string | undefined,
  now: () => Date,
): Promise<BootResult> {
  const started = now().getTime();
  const up = (): string => ((now().getTime() - started) / 1000 + 4).toFixed(2);
  const log = (line: string): Promise<void> => instance.append(CLOUD_INIT_LOG, `${line}\n`);
  const warn = (line: string): Promise<void> => log(`${logTime(now())} - ${line}`);
  const errors: string[] = [];
  const stage = (name: string): Promise<void> =>
    log(`Cloud-init v. ${CLOUD_INIT_VERSION} running '${name}' at ${stageTime(now())}. Up ${up()} seconds.`);

  await stage('init');
  const data = storedUserData ? decodeUserData(storedUserData) : Buffer.alloc(0);
  if (data.length > 0) await instance.write(`${INSTANCE_DIR}/user-data.txt`, data);
  const plan: BootPlan = parseUserData(data);
  if (plan.kind === 'unhandled') await warn(`__init__.py[WARNING]: ${plan.reason}`);
  if (plan.kind === 'cloud-config') {
    for (const warning of plan.warnings) await warn(`cloud-init[WARNING]: ${warning}`);
    if (
      !(await writeFiles(
        instance,
        plan.writeFiles.filter((f) => !f.defer),
        warn,
      ))
    )
      errors.push('Running module write-files failed');
  }
  await stage('modules:config');
  await stage('modules:final');
  if (plan.kind === 'cloud-config') {
    if (
      !(await writeFiles(
        instance,
        plan.writeFiles.filter((f) => f.defer),
        warn,
      ))
    )
      errors.push('Running module write-files-deferred failed');
  }
  const script =
    plan.kind === 'script'
      ? { name: 'part-001', text: plan.script }
      : plan.kind === 'cloud-config' && plan.runcmd !== undefined
        ? { name: 'runcmd', text: Buffer.from(plan.runcmd) }
        : undefined;
  if (script) {
    const path = `${SCRIPTS_DIR}/${script.name}`;
    await instance.write(path, script.text);
    const code = await run(instance, [
      '/bin/sh',
      '-c',
      `chmod 700 ${shellQuote(path)} && exec ${shellQuote(path)}`,
    ]);
    if (code !== 0) {
      await warn(`util.py[WARNING]: Failed running ${path} [${code}]`);
      await warn(
        `cc_scripts_user.py[WARNING]: Failed to run module scripts-user (scripts in ${SCRIPTS_DIR})`,
      );
      await warn(
        "util.py[WARNING]: Running module scripts-user (<module 'cloudinit.config.cc_scripts_user' from " +
          "'/usr/lib/python3.9/site-packages/cloudinit/config/cc_scripts_user.py'>) failed",
      );
      errors.push('Running module scripts-user failed');
    }
  }
  await instance.write(`${INSTANCE_DIR}/boot-finished`, `${up()} ${up()}\n`);
  await instance.write(
    '/run/cloud-init/result.json',
    `${JSON.stringify({ v1: { datasource: 'DataSourceEc2', errors } }, null, 1)}\n`,
  );
  await log(
    `Cloud-init v. ${CLOUD_INIT_VERSION} finished at ${stageTime(now())}. Datasource DataSourceEc2.  Up ${up()} seconds`,
  );
  return { errors };
}

/** Runs a command inside the instance, its output appended to cloud-init's log; its exit code. */
function run(instance: BootableInstance, command: readonly string[], stdin?: Buffer): Promise<number> {
  let child: ChildProcess;
  try {
    child = instance.spawn(command, instance.baseEnvironment());
  } catch {
    return Promise.resolve(1);
  }
  // One chain of appends keeps stdout and stderr in the order they came.
  let writes = Promise.resolve();
  const copy = (chunk: Buffer): void => {
    writes = writes
      .then(() => instance.append(CLOUD_INIT_LOG, chunk.toString('utf8')))
      .catch(() => undefined);
  };
  child.stdout?.on('data', copy);
  child.stderr?.on('data', copy);
  child.stdin?.on('error', () => undefined);
  child.stdin?.end(stdin ?? '');
  return new Promise((resolve) => {
    child.on('error', () => resolve(1));
    child.on('close', (code, signal) => void writes.then(() => resolve(code ?? (signal ? 128 : 1))));
  });
}

/** write_files, each inside the instance as root (so the sandbox's read-only paths stay read-only). */
async function writeFiles(
  instance: BootableInstance,
  files: readonly WriteFile[],
  warn: (line: string) => Promise<void>,
): Promise<boolean> {
  let ok = true;
  for (const file of files) {
    const code = await run(
      instance,
      [
        '/bin/sh',
        '-c',
        'set -e; mkdir -p "$(dirname "$1")"; if [ "$2" = 1 ]; then cat >> "$1"; else cat > "$1"; fi; chmod "$3" "$1"; chown "$4" "$1"',
        'write_files',
        file.path,
        file.append ? '1' : '0',
        file.permissions,
        file.owner,
      ],
      file.content,
    );
    if (code !== 0) {
      await warn(`cc_write_files.py[WARNING]: Failed writing ${file.path} [${code}]`);
      ok = false;
    }
  }
  return ok;
}
