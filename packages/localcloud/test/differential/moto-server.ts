// moto's server for the differential tests: whether it can run here (python3 with boto3 and moto),
// and one started on a free port, waited for until it answers.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';

/** Why moto cannot run here, or undefined when it can. */
export function motoUnavailable(): string | undefined {
  const probe = spawnSync('python3', ['-c', 'import boto3, moto.server'], { encoding: 'utf8' });
  if (probe.error) return `python3 is not runnable (${probe.error.message})`;
  if (probe.status !== 0)
    return `moto or boto3 is not importable: ${probe.stderr.trim().split('\n').pop() ?? ''}`;
  return undefined;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

/** moto's server on a free port, answering; its startup is a real process's, so it is waited for in real time. */
export async function startMoto(): Promise<{ url: string; process: ChildProcess }> {
  const port = await freePort();
  const child = spawn('python3', ['-m', 'moto.server', '-H', '127.0.0.1', '-p', String(port)], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 15_000;
  for (;;) {
    try {
      const answer = await fetch(`${url}/moto-api/`);
      if (answer.ok) return { url, process: child };
    } catch {
      // not listening yet
    }
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`moto did not start on ${url}: ${stderr.slice(-500)}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
