import type { Command } from 'commander';
import { NotImplementedError } from '../errors.js';
import type { Runner } from '../program.js';
import { parsePortOption, parsePositiveNumberOption } from './arguments.js';

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
    .action(
      run(() => {
        throw new NotImplementedError('localcloud');
      }),
    );
}
