// AWS-RunShellScript on a real instance, as SSM Agent runs it: the commands written, one per line,
// to `_script.sh` in the command's orchestration directory
// (/var/lib/amazon/ssm/<instance id>/document/orchestration/<command id>/awsrunShellScript/0.awsrunShellScript/),
// run by `sh` as root inside the instance's sandbox, in that directory or the document's
// workingDirectory; stdout and stderr kept there too. The execution timeout (the document's
// executionTimeout) kills the script's whole process group; like the agent's script timeouts, it is
// real seconds: real processes cannot be sped up.
import type { ChildProcess } from 'node:child_process';
import type { SandboxedInstance } from '../instance/sandboxed-instance.js';

/** What is kept of each stream: far more than GetCommandInvocation returns (24,000 and 8,000 characters). */
const KEEP_BYTES = 1024 * 1024;

export interface SandboxRunRequest {
  readonly instance: SandboxedInstance;
  readonly commandId: string;
  readonly commands: readonly string[];
  readonly workingDirectory?: string;
  /** Real milliseconds. */
  readonly executionTimeoutMs: number;
}

export interface SandboxRunResult {
  readonly exitCode: number;
  readonly stdout: string;
  readonly stderr: string;
  readonly timedOut: boolean;
}

export function orchestrationDir(instanceId: string, commandId: string): string {
  return `/var/lib/amazon/ssm/${instanceId}/document/orchestration/${commandId}/awsrunShellScript/0.awsrunShellScript`;
}

function shellQuote(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}

export async function runInSandbox(request: SandboxRunRequest): Promise<SandboxRunResult> {
  const { instance } = request;
  await instance.ready();
  const dir = orchestrationDir(instance.instanceId, request.commandId);
  await instance.write(`${dir}/_script.sh`, `${request.commands.join('\n')}\n`);
  const cwd = request.workingDirectory || dir;
  // A working directory that is not there fails the plugin, as the agent does before running anything.
  const script = `cd ${shellQuote(cwd)} || exit 1\nexec /bin/sh ${shellQuote(`${dir}/_script.sh`)}`;
  const child = instance.spawn(['/bin/sh', '-c', script], instance.baseEnvironment());
  const result = await collect(child, request.executionTimeoutMs);
  await instance.write(`${dir}/stdout`, result.stdout).catch(() => undefined);
  await instance.write(`${dir}/stderr`, result.stderr).catch(() => undefined);
  return result;
}

function collect(child: ChildProcess, timeoutMs: number): Promise<SandboxRunResult> {
  const keep = (chunks: Buffer[], size: { n: number }) => (chunk: Buffer) => {
    if (size.n >= KEEP_BYTES) return;
    chunks.push(chunk.subarray(0, KEEP_BYTES - size.n));
    size.n += chunk.length;
  };
  const stdout: Buffer[] = [];
  const stderr: Buffer[] = [];
  child.stdout?.on('data', keep(stdout, { n: 0 }));
  child.stderr?.on('data', keep(stderr, { n: 0 }));
  child.stdin?.on('error', () => undefined);
  child.stdin?.end();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    if (child.pid !== undefined) {
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        // Already gone.
      }
    }
  }, timeoutMs);
  // A command still running holds no cloud open: the sandbox's stop kills it.
  timer.unref();
  return new Promise((resolve) => {
    const done = (code: number) => {
      clearTimeout(timer);
      resolve({
        exitCode: code,
        stdout: Buffer.concat(stdout).toString('utf8'),
        stderr: Buffer.concat(stderr).toString('utf8'),
        timedOut,
      });
    };
    child.on('error', (error) => {
      stderr.push(Buffer.from(`${error.message}\n`));
      done(1);
    });
    child.on('close', (code, signal) => done(code ?? (signal ? 128 + 9 : 1)));
  });
}
