// `localcloud`: the local cloud as a command of its own (bin/localcloud.js). Flags as `greenlight
// localcloud` has them; a bad flag or world file says what is wrong and exits 2, SIGINT/SIGTERM stop
// the cloud cleanly.
import { parseArgs } from 'node:util';
import { runLocalCloud } from './main.js';
import { accountIdProblem } from './server.js';
import { WorldError } from './world.js';

const USAGE =
  'usage: localcloud [--port N] [--world FILE] [--time-scale N] [--clock scaled|accelerated] [--seed N] [--account-id 123456789012]';

class UsageError extends Error {}

function number(flag: string, value: string | undefined, check: (n: number) => boolean, what: string) {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || !check(n)) {
    throw new UsageError(`--${flag} ${JSON.stringify(value)}: expected ${what}`);
  }
  return n;
}

async function main(argv: readonly string[]): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      options: {
        port: { type: 'string' },
        world: { type: 'string' },
        'time-scale': { type: 'string' },
        clock: { type: 'string' },
        seed: { type: 'string' },
        'account-id': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const port =
    number('port', values.port, (n) => Number.isInteger(n) && n >= 0 && n <= 65535, 'a port, 0–65535') ??
    4566;
  const timeScale = number('time-scale', values['time-scale'], (n) => n > 0, 'a positive number');
  const clock = values.clock;
  if (clock !== undefined && clock !== 'scaled' && clock !== 'accelerated') {
    throw new UsageError(
      `--clock ${JSON.stringify(clock)}: expected scaled (AWS durations divided by --time-scale, wall-clock timestamps) or accelerated (AWS time, timestamps included, runs --time-scale times faster)`,
    );
  }
  const seed = number('seed', values.seed, (n) => Number.isInteger(n) && n >= 0, 'a whole number');
  const accountId = values['account-id'];
  const badAccount = accountId === undefined ? undefined : accountIdProblem(accountId);
  if (badAccount !== undefined)
    throw new UsageError(`--account-id ${JSON.stringify(accountId)}: ${badAccount}`);
  const stop = new AbortController();
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => stop.abort());
  try {
    await runLocalCloud({
      port,
      signal: stop.signal,
      ...(values.world !== undefined ? { worldFile: values.world } : {}),
      ...(timeScale !== undefined ? { timeScale } : {}),
      ...(clock !== undefined ? { clock } : {}),
      ...(seed !== undefined ? { seed } : {}),
      ...(accountId !== undefined ? { accountId } : {}),
    });
  } catch (error) {
    if (error instanceof WorldError) throw new UsageError(error.message);
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE' || code === 'EACCES') {
      throw new UsageError(
        `cannot listen on 127.0.0.1:${port} (${code}); pick another with --port, or --port 0 for a free one`,
      );
    }
    throw error;
  }
  return 0;
}

try {
  process.exitCode = await main(process.argv.slice(2));
} catch (error) {
  if (!(error instanceof UsageError)) throw error;
  process.stderr.write(`localcloud: ${error.message}\n${USAGE}\n`);
  process.exitCode = 2;
}
