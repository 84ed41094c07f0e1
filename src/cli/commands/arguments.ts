import { InvalidArgumentError } from 'commander';
import { parseDuration } from '../../config/duration.js';
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
