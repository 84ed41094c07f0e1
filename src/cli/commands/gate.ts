import type { Command } from 'commander';
import { NotImplementedError } from '../errors.js';
import type { Runner } from '../program.js';
import { collect, parseDurationOption } from './arguments.js';

export function registerGate(program: Command, run: Runner): void {
  program
    .command('gate')
    .description(
      'bake a verified deployment: watch alarms, target health and the served version, fail the moment one goes bad',
    )
    .requiredOption('--bake <duration>', 'how long to watch, e.g. 10m', parseDurationOption)
    .option('--rollback-on-failure', 'roll back to the last verified revision when the gate fails')
    .option(
      '--ignore-alarms <name>',
      'an alarm already in ALARM that must not fail the gate (repeatable)',
      collect,
      [],
    )
    .option('--smoke <command>', 'run this command against the environment’s URL as part of the gate')
    .action(
      run((ctx) => {
        ctx.environment();
        throw new NotImplementedError('gate');
      }),
    );
}
