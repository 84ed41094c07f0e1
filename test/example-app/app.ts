import { spawn, type ChildProcess } from 'node:child_process';
import { request } from 'node:http';
import { fileURLToPath } from 'node:url';

// The example app, started as the instance starts it: its own process, configured by environment.

export const serverPath = fileURLToPath(new URL('../../example-app/server.mjs', import.meta.url));

export interface RunningApp {
  readonly process: ChildProcess;
  readonly host: string;
  readonly port: number;
  /** Everything the app printed so far. */
  output(): string;
  /** Resolves when the app prints a line matching `pattern` (or already has). */
  printed(pattern: RegExp): Promise<string>;
  /** Resolves with the exit code once the process has ended. */
  readonly exited: Promise<number | null>;
  /** SIGKILLs the app if it still runs. */
  kill(): void;
}

export async function startApp(env: Record<string, string>): Promise<RunningApp> {
  const child = spawn(process.execPath, [serverPath], {
    env: { PATH: process.env.PATH, HOST: '127.0.0.1', PORT: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const waiters: (() => void)[] = [];
  const onData = (chunk: string): void => {
    output += chunk;
    for (const waiter of waiters.splice(0)) waiter();
  };
  child.stdout.setEncoding('utf8').on('data', onData);
  child.stderr.setEncoding('utf8').on('data', onData);
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  let ended = false;
  void exited.then(() => {
    ended = true;
    for (const waiter of waiters.splice(0)) waiter();
  });

  const printed = (pattern: RegExp): Promise<string> =>
    new Promise((resolve, reject) => {
      const check = (): void => {
        const match = pattern.exec(output);
        if (match) resolve(match[0]);
        else if (ended)
          reject(new Error(`the app exited without printing ${pattern}; it printed:\n${output}`));
        else waiters.push(check);
      };
      check();
    });

  const started = /listening on http:\/\/([\d.]+):(\d+) /.exec(await printed(/listening on http:\/\/\S+ /));
  return {
    process: child,
    host: started?.[1] ?? '127.0.0.1',
    port: Number(started?.[2]),
    output: () => output,
    printed,
    exited,
    kill: () => {
      if (!ended) child.kill('SIGKILL');
    },
  };
}

export interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** One GET on a fresh connection, bypassing any proxy. */
export function get(app: { host: string; port: number }, path: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request({ host: app.host, port: app.port, path, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}
