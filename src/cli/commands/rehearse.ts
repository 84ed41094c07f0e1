import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Option, type Command } from 'commander';
import type { Runner } from '../program.js';
import { UsageError } from '../errors.js';
import { collect, parsePositiveNumberOption } from './arguments.js';

interface RehearseFlags {
  branch?: string;
  workflow: string;
  circleciConfig: string;
  approve?: boolean;
  agent: 'real' | 'synthetic';
  timeScale: number;
  contexts?: string;
  skipJob?: string[];
  /** `--build WHAT`, or false for `--no-build`. */
  build: 'full' | 'cli' | 'none' | false;
  workDir?: string;
  secondCommit?: boolean;
  pushDuring?: string;
  pushBranch?: string;
  patch?: string[];
}

export function registerRehearse(program: Command, run: Runner): void {
  program
    .command('rehearse')
    .description(
      "rehearse the repository's CircleCI workflow on a local cloud that starts as an empty AWS account: the administrator's first sam deploy, then every job's steps as CircleCI runs them (exit 0: every job that ran passed; 1: a job failed)",
    )
    .option('--branch <name>', "the pipeline's branch (default: the checkout's)")
    .option('--workflow <name>', 'the workflow to run', 'deliver')
    .option('--circleci-config <file>', 'the CircleCI config', '.circleci/config.yml')
    .option('--approve', 'approve the approval jobs (without it the workflow holds there, as CircleCI does)')
    .addOption(
      new Option('--agent <kind>', 'real: instances run the hooks in sandboxes; synthetic: simulated events')
        .choices(['real', 'synthetic'])
        .default('real'),
    )
    .option('--time-scale <n>', 'AWS time runs N× faster than the wall clock', parsePositiveNumberOption, 60)
    .option('--contexts <file>', "the CircleCI contexts' variables (YAML: context → NAME: value)")
    .option('--skip-job <name>', 'a job not to rehearse, counted as passed (repeat)', collect)
    .addOption(
      new Option(
        '--build <what>',
        'build the checkout once before the first job: full (npm run build), cli (only the bundled CLI the jobs run, in seconds) or none (the CLI runs from its sources)',
      )
        .choices(['full', 'cli', 'none'])
        .default('full'),
    )
    .option('--no-build', 'the same as --build none')
    .option(
      '--work-dir <dir>',
      'where the checkout, job logs and artifacts go (default: a new directory under the system temp)',
    )
    .option(
      '--second-commit',
      'then a second pipeline: a new commit, every context on a new AMI (a stack update)',
    )
    .option(
      '--push-during <job>',
      "a second pipeline (a new commit) is pushed when the first pipeline's JOB starts; both then run as CircleCI's serial groups let them",
    )
    .option('--push-branch <name>', "the second pipeline's branch (default: --branch)")
    .option(
      '--patch <file>',
      "a patch applied (git apply) to the rehearsal's clone before the build, e.g. a finding's pre-fix shape under test/rehearse/findings/ (repeat)",
      collect,
    )
    .action(
      run(async (ctx, flags: RehearseFlags) => {
        const [{ rehearse }, { currentBranch }] = await Promise.all([
          import('../../rehearse/rehearsal.js'),
          import('../../rehearse/checkout.js'),
        ]);
        const root = ctx.cwd;
        const patches = (flags.patch ?? []).map((file) => resolve(root, file));
        for (const patch of patches)
          if (!existsSync(patch)) throw new UsageError(`--patch ${patch}: no such file`);
        if (flags.pushDuring && flags.secondCommit)
          throw new UsageError('--push-during and --second-commit each make the second pipeline: give one');
        const branch = flags.branch ?? (await currentBranch(root));
        if (!branch) throw new UsageError('the checkout is on no branch: name one with --branch');
        const result = await rehearse({
          root,
          configFile: resolve(root, flags.circleciConfig),
          workflow: flags.workflow,
          branch,
          approve: Boolean(flags.approve),
          agent: flags.agent,
          timeScale: flags.timeScale,
          ...(flags.contexts ? { contextsFile: resolve(root, flags.contexts) } : {}),
          // The test job runs the whole suite in docker: `npm test` is that job, here.
          skipJobs: flags.skipJob ?? ['test'],
          build: flags.build === false ? 'none' : flags.build,
          workDir: flags.workDir
            ? resolve(root, flags.workDir)
            : mkdtempSync(join(tmpdir(), 'greenlight-rehearsal-')),
          secondCommit: Boolean(flags.secondCommit),
          ...(flags.pushDuring ? { secondDuring: flags.pushDuring } : {}),
          ...(flags.pushBranch ? { secondBranch: flags.pushBranch } : {}),
          patches,
          logger: ctx.output,
          env: ctx.env,
          signal: ctx.signal,
        });
        ctx.setResult(result);
        return result.exitCode;
      }),
    );

  program
    .command('rehearse-sam', { hidden: true })
    .description("the rehearsal's stand-in for the SAM CLI (src/rehearse/sam-stand-in.ts)")
    .allowUnknownOption()
    .helpOption(false)
    .argument('[args...]')
    .action(
      run(async (ctx, args: string[]) => {
        const { runSamStandIn } = await import('../../rehearse/sam-stand-in.js');
        return runSamStandIn(args, {
          env: ctx.env,
          clock: ctx.clock,
          print: (line) => ctx.print(`${line}\n`),
          signal: ctx.signal,
        });
      }),
    );
}
