import type { Command } from 'commander';
import { UsageError } from '../errors.js';
import type { Runner } from '../program.js';
import { InvalidArgumentError } from 'commander';
import { parsePortOption, parsePositiveNumberOption } from './arguments.js';

/** 12 digits, as AWS account ids are: the local cloud checks the same, but loading it here would make every command pay for the emulator. */
function parseAccountIdOption(value: string): string {
  if (!/^\d{12}$/.test(value))
    throw new InvalidArgumentError('expected an AWS account id: 12 digits, such as 123456789012');
  return value;
}

interface LocalCloudOptions {
  port: number;
  world?: string;
  timeScale: number;
  seed?: number;
  accountId?: string;
}

export function registerLocalCloud(program: Command, run: Runner): void {
  program
    .command('localcloud')
    .description(
      'serve the AWS APIs greenlight uses on 127.0.0.1, with fleets whose instances run the real hooks',
    )
    .option('--port <port>', 'port to listen on (0 picks a free one)', parsePortOption, 4566)
    .option('--world <file>', 'world file (YAML or JSON) to load at start')
    .option(
      '--time-scale <n>',
      'divide AWS durations by N (60: a minute of waiting takes a second)',
      parsePositiveNumberOption,
      1,
    )
    .option('--seed <n>', 'seed of the random numbers behind probabilistic faults', parsePositiveNumberOption)
    .option(
      '--account-id <id>',
      'the account (12 digits) every ARN and STS identity is in; a cloud per account stands for dev and prod apart',
      parseAccountIdOption,
    )
    .action(
      run(async (ctx, options: LocalCloudOptions) => {
        // Imported here: the other commands should not pay for loading the emulator.
        const { runLocalCloud, WorldError } = await import('@greenlight/localcloud');
        try {
          await runLocalCloud({
            port: options.port,
            timeScale: options.timeScale,
            ...(options.world ? { worldFile: options.world } : {}),
            ...(options.seed !== undefined ? { seed: options.seed } : {}),
            ...(options.accountId !== undefined ? { accountId: options.accountId } : {}),
            signal: ctx.signal,
          });
        } catch (error) {
          // A bad world file or a taken port is the person's to fix (exit 2), not a bug in greenlight.
          if (error instanceof WorldError) throw new UsageError(error.message);
          const code = (error as NodeJS.ErrnoException).code;
          if (code === 'EADDRINUSE' || code === 'EACCES') {
            throw new UsageError(
              `cannot listen on 127.0.0.1:${options.port} (${code}); pick another with --port, or --port 0 for a free one`,
            );
          }
          throw error;
        }
        return 0;
      }),
    );
}
