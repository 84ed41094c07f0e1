import { Command, Option } from 'commander';
import { greenlightVersion } from '../version.js';
import type { CommandContext } from './context.js';
import { registerAppspec } from './commands/appspec.js';
import { registerAssumeRole } from './commands/assume-role.js';
import { registerDemo } from './commands/demo.js';
import { registerDeploy } from './commands/deploy.js';
import { registerGate } from './commands/gate.js';
import { registerGroup } from './commands/group.js';
import { registerHooks } from './commands/hooks.js';
import { registerInit } from './commands/init.js';
import { registerLocalCloud } from './commands/localcloud.js';
import { registerRehearse } from './commands/rehearse.js';
import { registerRollback } from './commands/rollback.js';
import { registerSam } from './commands/sam.js';
import { registerPreflight } from './commands/preflight.js';
import { registerStatus } from './commands/status.js';
import { registerVerify } from './commands/verify.js';
import { registerWait } from './commands/wait.js';

/**
 * What a command does once commander has parsed it: gets the context, the positional arguments
 * and its own options (commander's order), and returns the exit code.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type CommandAction = (ctx: CommandContext, ...args: any[]) => Promise<number> | number;

/** Wraps an action for commander: builds the context from the merged global options, runs it. */
export type Runner = (action: CommandAction) => (...commanderArgs: unknown[]) => Promise<void>;

/** Global flags, accepted before or after the sub-command. */
export function addGlobalOptions(command: Command): Command {
  return command
    .option('-e, --env <name>', 'environment of greenlight.yml to act on (env: GREENLIGHT_ENV)')
    .option('-c, --config <file>', 'path to greenlight.yml (env: GREENLIGHT_CONFIG)')
    .option(
      '--json',
      'write the result as one JSON document on stdout (--json=lines: one JSON object per event)',
    )
    .addOption(new Option('--json-lines', 'one JSON object per event on stdout').hideHelp())
    .option('--region <region>', 'AWS region (default: the environment’s, then AWS_REGION)')
    .option('--profile <name>', 'AWS profile from the shared config files (default: AWS_PROFILE)')
    .option('-v, --verbose', 'print debug output and stack traces of internal errors');
}

export function buildProgram(
  run: Runner,
  write: { out: (s: string) => void; err: (s: string) => void },
): Command {
  const program = new Command('greenlight')
    .description(
      'Blue/green deployments of EC2 web apps through AWS CodeDeploy, green-lit only when every instance is verified.',
    )
    .version(greenlightVersion, '-V, --version')
    .showSuggestionAfterError(true)
    .showHelpAfterError('(run greenlight --help for usage)')
    .configureOutput({ writeOut: write.out, writeErr: write.err })
    .addHelpText(
      'after',
      `
Exit codes: 0 done and verified · 1 deployment or verification failed · 2 usage or configuration error
            3 AWS error that retries could not get past · 4 timed out · 5 failed, rolled back, rollback verified
            130/143 interrupted by SIGINT/SIGTERM

Point greenlight at the local cloud with AWS_ENDPOINT_URL=http://127.0.0.1:4566 (see greenlight localcloud).`,
    );
  addGlobalOptions(program);
  program.exitOverride();

  registerInit(program, run);
  registerGroup(program, run);
  registerDeploy(program, run);
  registerWait(program, run);
  registerVerify(program, run);
  registerRollback(program, run);
  registerGate(program, run);
  registerStatus(program, run);
  registerPreflight(program, run);
  registerAppspec(program, run);
  registerSam(program, run);
  registerAssumeRole(program, run);
  registerHooks(program, run);
  registerLocalCloud(program, run);
  registerDemo(program, run);
  registerRehearse(program, run);

  // Every sub-command inherits the program's output, error handling and global flags.
  const configure = (command: Command): void => {
    for (const sub of command.commands) {
      sub
        .exitOverride()
        .configureOutput({ writeOut: write.out, writeErr: write.err })
        .showSuggestionAfterError(true);
      if (sub.commands.length === 0) addGlobalOptions(sub);
      configure(sub);
    }
  };
  configure(program);
  return program;
}
