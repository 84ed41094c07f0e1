import { InvalidArgumentError, Option } from 'commander';
import { isLoopbackEndpoint } from '../../aws/endpoint.js';
import { systemClock, type Clock } from '../../clock.js';
import { formatDuration, parseDuration } from '../../config/duration.js';
import { parseDeploymentId } from '../../codedeploy/revision.js';

// Flag parsers for commander: a bad value becomes commander's own "option … argument … is invalid"
// error (exit 2) with our explanation.

export function parseDurationOption(value: string): number {
  try {
    return parseDuration(value);
  } catch (error) {
    throw new InvalidArgumentError((error as Error).message);
  }
}

export function parseDeploymentIdArgument(value: string): string {
  try {
    return parseDeploymentId(value);
  } catch (error) {
    throw new InvalidArgumentError((error as Error).message);
  }
}

export function parsePortOption(value: string): number {
  const port = Number(value);
  if (!/^\d+$/.test(value) || port > 65535)
    throw new InvalidArgumentError('expected a port number from 0 to 65535');
  return port;
}

export function parsePositiveNumberOption(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError('expected a positive number');
  return n;
}

export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

/**
 * A duration flag whose help shows its default as a duration (`(default: 1h)`), not in milliseconds.
 */
export function durationOption(flags: string, description: string, defaultMs?: number): Option {
  const option = new Option(flags, description).argParser(parseDurationOption);
  return defaultMs === undefined ? option : option.default(defaultMs, formatDuration(defaultMs));
}

/** How often a command asks AWS by default. */
export const AWS_POLL_MS = 15_000;
/** …and a local cloud on this machine, in real time: progress moves every second, calls cost nothing. */
export const LOCAL_POLL_MS = 1_000;

/** `--poll`: no commander default, since the default depends on where the endpoint is (see pollMs). */
export function pollOption(what = 'how often to ask CodeDeploy'): Option {
  return new Option(
    '--poll <duration>',
    `${what} (default: ${formatDuration(AWS_POLL_MS)}; ${formatDuration(LOCAL_POLL_MS)} against a local cloud)`,
  ).argParser(parseDurationOption);
}

/** Whether the SDK's endpoint (AWS_ENDPOINT_URL, or CodeDeploy's own) is on this machine. */
export function isLocalEndpoint(env: Readonly<Record<string, string | undefined>>): boolean {
  const url = env.AWS_ENDPOINT_URL_CODEDEPLOY ?? env.AWS_ENDPOINT_URL;
  return url !== undefined && isLoopbackEndpoint(url);
}

/**
 * The poll interval: `--poll` when given; else 1 s against a local cloud when the command runs on the
 * system clock (a kept cloud's time runs faster than AWS's: 15 s of wall time is half an hour of its
 * time, and progress would sit still), else AWS's 15 s. A virtual clock (the tests') is AWS time
 * already, so it keeps AWS's default and the tests their call counts.
 */
export function pollMs(
  flag: number | undefined,
  context: { env: Readonly<Record<string, string | undefined>>; realTime: boolean },
): number {
  if (flag !== undefined) return flag;
  return context.realTime && isLocalEndpoint(context.env) ? LOCAL_POLL_MS : AWS_POLL_MS;
}

/** pollMs for a command: real time when it runs on the system clock. */
export function commandPollMs(
  flag: number | undefined,
  ctx: { env: Readonly<Record<string, string | undefined>>; clock: Clock },
): number {
  return pollMs(flag, { env: ctx.env, realTime: ctx.clock === systemClock });
}
