import type { Command } from 'commander';
import type { Runner } from '../program.js';
import { parsePortOption, parsePositiveNumberOption } from './arguments.js';

interface LocalCloudOptions {
  port: number;
  world?: string;
  timeScale: number;
  seed?: number;
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
    .action(
      run(async (ctx, options: LocalCloudOptions) => {
        // Imported here: the other commands should not pay for loading the emulator.
        const { runLocalCloud } = await import('../../localcloud/main.js');
        await runLocalCloud({
          port: options.port,
          timeScale: options.timeScale,
          ...(options.world ? { worldFile: options.world } : {}),
          ...(options.seed !== undefined ? { seed: options.seed } : {}),
          signal: ctx.signal,
        });
        return 0;
      }),
    );
}
