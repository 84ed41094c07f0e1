import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import {
  HOOK_EVENTS,
  INSTALL_HOOK_EVENTS,
  isHookEvent,
  type HookEvent,
} from '../../appspec/lifecycle-events.js';
import type { CommandContext } from '../context.js';
import { ExitCode, UsageError } from '../errors.js';
import type { Runner } from '../program.js';
import { collect } from './arguments.js';

/** Where the instance of `hooks run` is kept between runs, relative to the working directory. */
export const HOOKS_RUN_STATE_DIR = join('.greenlight', 'hooks-run');

/**
 * What runs without --event: the hooks a replacement instance runs before any traffic event — the
 * local cloud's DEFAULT_EVENTS, named here from the product's own list so that `--help` does not load
 * the emulator.
 */
export const HOOKS_RUN_DEFAULT_EVENTS: readonly HookEvent[] = INSTALL_HOOK_EVENTS;

interface HooksRunFlags {
  event?: string[];
  bundle: string;
  fresh?: boolean;
}

export function registerHooks(program: Command, run: Runner): void {
  const hooks = program.command('hooks').description('run lifecycle hooks locally');
  hooks
    .command('run')
    .description(
      'run the appspec’s hooks for one instance in a local-cloud sandbox, as the CodeDeploy agent would',
    )
    // No commander default: commander would print its own `(default: [])` after ours.
    .option(
      '--event <name>',
      `run only this lifecycle event (repeatable; default: ${HOOKS_RUN_DEFAULT_EVENTS.join(', ')})`,
      collect,
    )
    .option('--bundle <dir>', 'the revision to run', '.')
    .option('--fresh', `forget the instance earlier runs left in ${HOOKS_RUN_STATE_DIR}/ and start over`)
    .addHelpText(
      'after',
      `
The bundle's appspec and the files it references are installed on a sandboxed instance (bubblewrap),
and the events run in lifecycle order, with DownloadBundle, and Install when a later event needs it.
The hooks get the agent's environment: DEPLOYMENT_ID=d-LOCAL…, and BUNDLE_COMMIT from git rev-parse
HEAD when the bundle is in a git work tree. The instance is kept in ${HOOKS_RUN_STATE_DIR}/, so the
next run's ApplicationStop comes from this run's revision, as on EC2.
Exit codes: 0 every event succeeded, 1 one failed, 2 a bad bundle or appspec, or no sandbox here
(hooks are never run unconfined).`,
    )
    .action(run((ctx, flags: HooksRunFlags) => runHooks(ctx, flags)));
}

function chosenEvents(names: readonly string[]): HookEvent[] {
  if (names.length === 0) return [...HOOKS_RUN_DEFAULT_EVENTS];
  for (const name of names) {
    if (!isHookEvent(name)) {
      throw new UsageError(
        `--event ${name}: not a lifecycle event with hooks; use one of ${HOOK_EVENTS.join(', ')}`,
      );
    }
  }
  return names as HookEvent[];
}

async function runHooks(ctx: CommandContext, flags: HooksRunFlags): Promise<number> {
  const events = chosenEvents(flags.event ?? []);
  // Imported here: only `hooks run` pays for loading the local cloud and the appspec checks.
  const [{ formatProblem }, { packLocalBundle }, { checkConfinement, eventPlan, runHooksInSandbox }] =
    await Promise.all([
      import('../../appspec/appspec.js'),
      import('../../hooks/local-bundle.js'),
      import('@greenlight/localcloud'),
    ]);
  const say = (text: string, level: 'info' | 'warn' = 'info') =>
    ctx.output.emit({ kind: 'message', level, text });
  const bundle = await packLocalBundle(flags.bundle, ctx.cwd);
  for (const warning of bundle.warnings) say(formatProblem(warning), 'warn');
  say(
    `bundle ${bundle.dir}: ${bundle.paths.join(', ')}` +
      (bundle.commit ? ` (BUNDLE_COMMIT ${bundle.commit})` : ' (not a git work tree: no BUNDLE_COMMIT)'),
  );
  say(`events: ${eventPlan(events).join(' → ')}`);
  const stateDir = resolve(ctx.cwd, HOOKS_RUN_STATE_DIR);
  let instanceId = '';
  let deploymentId = '';
  const result = await runHooksInSandbox({
    bundle,
    events,
    // The sandbox backend comes from the command's environment, like everything else it reads.
    confinement: () => checkConfinement({ backend: ctx.env.LOCALCLOUD_SANDBOX ?? 'auto' }),
    stateDir,
    fresh: Boolean(flags.fresh),
    signal: ctx.signal,
    onEventStart: (event) => ctx.output.emit({ kind: 'step', step: event, status: 'started' }),
    onScriptOutput: (entry) => say(`  ${entry}`),
    onEventEnd: (outcome) => {
      const d = outcome.diagnostics;
      if (outcome.status === 'Failed' && d) {
        ctx.output.emit({
          kind: 'instance-failed',
          deploymentId,
          instanceId,
          lifecycleEvent: outcome.event,
          scriptName: d.scriptName,
          errorCode: d.errorCode,
          message: d.message,
          logTail: d.logTail,
        });
      }
      ctx.output.emit({
        kind: 'step',
        step: outcome.event,
        status: outcome.status === 'Succeeded' ? 'done' : outcome.status === 'Skipped' ? 'skipped' : 'failed',
        ...(d && outcome.status === 'Failed' ? { detail: `${d.errorCode}: ${d.message}` } : {}),
      });
    },
    onStart: (ids) => {
      instanceId = ids.instanceId;
      deploymentId = ids.deploymentId;
      say(
        `instance ${ids.instanceId} (${ids.privateIpAddress}), deployment ${ids.deploymentId}` +
          (ids.previousDeploymentId
            ? `; ApplicationStop runs from the previous revision, ${ids.previousDeploymentId}`
            : '; a fresh instance: no previous revision'),
      );
    },
  });
  ctx.setResult(result);
  const failed = result.events.find((e) => e.status === 'Failed');
  say(
    failed
      ? `${failed.event} failed on ${result.instanceId} (${result.deploymentId}); later events skipped`
      : `every event succeeded on ${result.instanceId} (${result.deploymentId})`,
  );
  return failed ? ExitCode.Failed : ExitCode.Ok;
}
