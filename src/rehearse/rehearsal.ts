// `greenlight rehearse`: the repository's CircleCI workflow, run on this machine against a local cloud
// that starts as an empty AWS account. The administrator's first `sam deploy` of each environment
// (README: "The first sam deploy is an administrator's") makes the stacks; then every job of the
// workflow runs its steps as CircleCI would (circleci/: plan, runner), with the job's contexts, the
// CIRCLE_* variables and a CircleCI OIDC token minted by the local cloud's issuer, in a checkout of
// the working tree. AWS time runs faster than the wall clock (an accelerated clock), the same for the
// cloud and every greenlight process (GREENLIGHT_CLOCK): a 60-minute wait takes a minute at 60×.
import { randomUUID } from 'node:crypto';
import { appendFileSync, cpSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { isAbsolute, join, relative } from 'node:path';
import { controlClient, startLocalCloud, type RunningLocalCloud } from '@greenlight/localcloud';
import { UsageError } from '../exit-codes.js';
import type { Logger } from '../log/events.js';
import { systemClock } from '../clock.js';
import {
  emptyAccountWorld,
  fleetImages,
  readAccountFacts,
  REHEARSAL_REGION,
  SYNTHETIC_AGENT_START_SECONDS,
  type AccountFacts,
} from './account.js';
import { awsCli, type AwsCli } from './aws-cli.js';
import {
  builtinEnvironment,
  layerEnvironment,
  nextJobs,
  planWorkflow,
  readCircleConfig,
  runJob,
  type BuildJob,
  type JobOutcome,
  type PlannedJob,
  type ServiceStepHandler,
  type StepOutput,
  type WorkflowPlan,
} from './circleci/index.js';
import {
  githubRepositories,
  nextCommit,
  prepareCheckout,
  resetCheckout,
  moveCheckout,
  snapshotRevision,
  type Checkout,
} from './checkout.js';
import { readContextsFile, type ContextValues } from './contexts.js';
import { substituteSteps } from './substitutions.js';
import { formatRoleReports, roleReports, type RoleReport } from './least-privilege.js';

export interface RehearsalOptions {
  /** The repository: its .circleci/config.yml, greenlight.yml and working tree. */
  readonly root: string;
  readonly configFile: string;
  readonly workflow: string;
  readonly branch: string;
  /** Approve every approval job (else the workflow holds there). */
  readonly approve: boolean;
  readonly agent: 'synthetic' | 'real';
  /** AWS time runs this many times faster than the wall clock. */
  readonly timeScale: number;
  readonly contextsFile?: string;
  /** Jobs (by workflow name or job name) not run, counted as passed, each said on screen. */
  readonly skipJobs: readonly string[];
  /** Build the checkout once before the first job (else the CLI runs from its sources). */
  readonly build: boolean;
  /** Where job directories, logs and artifacts go. */
  readonly workDir: string;
  /**
   * A second pipeline after the first, on the same account: a new commit with the same tree, and
   * each context's AMI_ID changed to a new image (a stack update that must reach the fleet).
   */
  readonly secondCommit: boolean;
  /**
   * Patches (`git apply`) committed onto the rehearsal's revision in its clone before the build: a
   * finding's scenario (test/rehearse/findings/) puts a pre-fix shape of the pipeline back.
   */
  readonly patches?: readonly string[];
  readonly logger: Logger;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly signal: AbortSignal;
}

export interface JobReport {
  readonly name: string;
  readonly outcome: JobOutcome | 'held' | 'skipped';
  readonly detail?: string;
  readonly failedSteps?: readonly string[];
}

export interface PipelineReport {
  readonly number: number;
  readonly revision: string;
  readonly jobs: readonly JobReport[];
  readonly filtered: readonly { name: string; reason: string }[];
  readonly passed: boolean;
  /** Once the pipeline has ended: the images each environment's running instances boot (tag `environment`). */
  readonly fleets: Readonly<Record<string, readonly string[]>>;
}

export interface RehearsalResult {
  readonly pipelines: readonly PipelineReport[];
  readonly workDir: string;
  /** Per role the jobs assumed: the actions used, refused, and allowed but never asked for. */
  readonly roles: readonly RoleReport[];
  /** 0: every job that ran passed; 1: a job failed. */
  readonly exitCode: number;
}

/** The administrator's credentials in the local cloud (static keys: the account's root). */
const ADMIN = { AWS_ACCESS_KEY_ID: 'rehearsal-admin', AWS_SECRET_ACCESS_KEY: 'rehearsal-admin' };
const CIRCLECI_ORG_ID = '5a3e4c2b-1d0f-4e9a-8b7c-6d5e4f3a2b10';
const CIRCLECI_PROJECT_ID = '7c6b5a49-3827-4165-9f4e-3d2c1b0a9f80';
/** The image the second commit moves each environment to: Amazon Linux with Node baked in, say. */
const SECOND_IMAGE_ID = 'ami-0b0de0c0ffee00042';

export async function rehearse(options: RehearsalOptions): Promise<RehearsalResult> {
  const say = (text: string) => options.logger.emit({ kind: 'message', level: 'info', text });
  const configName = relative(options.root, options.configFile) || options.configFile;
  let config = readCircleConfig(await readFile(options.configFile, 'utf8'), configName);
  const contextsFromFile = options.contextsFile ? await readContextsFile(options.contextsFile) : {};
  const { revision, uncommitted } = await snapshotRevision(options.root);
  say(
    `rehearsal of workflow ${options.workflow} for branch ${options.branch} at ${revision.slice(0, 12)}${uncommitted ? ' (the working tree, with its uncommitted changes)' : ''}`,
  );
  mkdirSync(options.workDir, { recursive: true });
  let checkout = await prepareCheckout(options.root, join(options.workDir, 'checkout'), revision);
  if (options.patches && options.patches.length > 0) {
    checkout = await applyPatches(checkout, options.patches);
    for (const patch of options.patches)
      say(
        `rehearsal: --patch ${relative(options.root, patch) || patch} applied to the clone (git apply), not to this checkout`,
      );
    say(`rehearsal: the patched revision is ${checkout.revision.slice(0, 12)}`);
    // The workflow is the patched revision's, like everything else the jobs see.
    if (!configName.startsWith('..') && !isAbsolute(configName))
      config = readCircleConfig(await readFile(join(checkout.dir, configName), 'utf8'), configName);
  }
  if (options.build) await buildOnce(checkout, options, say);

  const greenlightYml = await readFile(join(checkout.dir, 'greenlight.yml'), 'utf8');
  const github = Object.fromEntries(githubRepositories(greenlightYml).map((repo) => [repo, checkout.dir]));
  const cloud = await startLocalCloud({
    port: 0,
    clock: 'accelerated',
    timeScale: options.timeScale,
    world: emptyAccountWorld({ github, agent: options.agent }),
    syntheticAgentStartSeconds: SYNTHETIC_AGENT_START_SECONDS,
  });
  say(
    `local cloud: ${cloud.url}, an empty account; AWS time runs ${options.timeScale}× faster (an hour takes ${formatSeconds(3600 / options.timeScale)})`,
  );
  try {
    const greenlightClock = await controlClient(cloud.url).greenlightClock();
    const standInDir = writeStandIn(options.workDir, checkout);
    const machine = machineEnvironment(options.env);
    const cloudEnv = {
      AWS_ENDPOINT_URL: cloud.url,
      AWS_REGION: REHEARSAL_REGION,
      AWS_DEFAULT_REGION: REHEARSAL_REGION,
      AWS_EC2_METADATA_DISABLED: 'true',
      GREENLIGHT_CLOCK: greenlightClock,
    };
    const admin = awsCli({
      endpoint: cloud.url,
      env: { ...machine, ...cloudEnv, ...ADMIN },
      signal: options.signal,
    });
    const facts = await readAccountFacts(admin);
    const first = planFor(config, options, revision, 1);
    const used = [...new Set(first.jobs.flatMap((job) => job.contexts))];
    const contexts = new Contexts(contextsFromFile, defaultContextValues(facts), used);
    const host: JobHost = { options, cloud, checkout, standInDir, machine, cloudEnv, contexts, admin, say };

    const pipelines: PipelineReport[] = [];
    await bootstrap(first, host);
    pipelines.push(await runPipeline(first, 1, host));
    if (options.secondCommit && pipelines[0]?.passed) {
      // On top of what the first pipeline ran: with --patch, the patched commit, which only the clone has.
      const second = await nextCommit(
        checkout.dir,
        checkout.revision,
        'greenlight rehearse: a second commit',
      );
      checkout = await moveCheckout(checkout, second);
      host.checkout = checkout;
      await registerImage(host, SECOND_IMAGE_ID);
      contexts.setEverywhere('AMI_ID', SECOND_IMAGE_ID);
      say(
        `second pipeline: commit ${second.slice(0, 12)}, and every context's AMI_ID is now ${SECOND_IMAGE_ID}`,
      );
      pipelines.push(await runPipeline(planFor(config, options, second, 2), 2, host));
    }
    const exitCode = pipelines.every((p) => p.passed) ? 0 : 1;
    // Least privilege by running: what each assumed role used, was refused, and was never asked for.
    const roles = roleReports(await controlClient(cloud.url).iamUsage());
    for (const line of formatRoleReports(roles)) say(line);
    return { pipelines, workDir: options.workDir, exitCode, roles };
  } finally {
    await cloud.close();
  }
}

function planFor(
  config: ReturnType<typeof readCircleConfig>,
  options: RehearsalOptions,
  revision: string,
  number: number,
): WorkflowPlan {
  return planWorkflow(config, {
    workflow: options.workflow,
    pipeline: {
      id: randomUUID(),
      number,
      branch: options.branch,
      tag: undefined,
      revision,
      projectType: 'github',
      projectSlug: 'gh/example/greenlight',
      triggerSource: 'webhook',
    },
  });
}

interface JobHost {
  readonly options: RehearsalOptions;
  readonly cloud: RunningLocalCloud;
  checkout: Checkout;
  readonly standInDir: string;
  readonly machine: Readonly<Record<string, string>>;
  readonly cloudEnv: Readonly<Record<string, string>>;
  readonly contexts: Contexts;
  readonly admin: AwsCli;
  readonly say: (text: string) => void;
}

/** The contexts' variables: the file's, over defaults read from the account, plus what the stacks give. */
class Contexts {
  private readonly learned = new Map<string, Record<string, string>>();

  constructor(
    private readonly file: Readonly<Record<string, ContextValues>>,
    private readonly defaults: ContextValues,
    /** The contexts the workflow's jobs use. */
    private readonly used: readonly string[],
  ) {}

  /** A context the workflow uses, or the file defines: CircleCI refuses a job whose context is neither. */
  known(context: string): boolean {
    return this.used.includes(context) || this.file[context] !== undefined;
  }

  /** The workflow's other contexts that have no deploy role yet (their stacks come later). */
  others(context: string): string[] {
    return this.used.filter((c) => c !== context && !this.has(c, 'AWS_DEPLOY_ROLE_ARN'));
  }

  has(context: string, name: string): boolean {
    return this.values(context)[name] !== undefined;
  }

  /** What a stack told the administrator (unless the file sets it). */
  learn(context: string, name: string, value: string): void {
    if (this.file[context]?.[name] !== undefined) return;
    const values = this.learned.get(context) ?? {};
    values[name] = value;
    this.learned.set(context, values);
  }

  setEverywhere(name: string, value: string): void {
    for (const context of new Set([...Object.keys(this.file), ...this.learned.keys()])) {
      const values = this.learned.get(context) ?? {};
      values[name] = value;
      this.learned.set(context, values);
    }
    this.defaults[name] = value;
  }

  values(context: string): Record<string, string> {
    return { ...this.defaults, ...this.learned.get(context), ...this.file[context] };
  }
}

function defaultContextValues(facts: AccountFacts): Record<string, string> {
  const subnets = facts.subnetIds.slice(0, 2).join(',');
  return {
    VPC_ID: facts.vpcId,
    PUBLIC_SUBNET_IDS: subnets,
    PRIVATE_SUBNET_IDS: subnets,
    AMI_ID: facts.stockImageId,
    CIRCLECI_ORG_ID,
    CIRCLECI_PROJECT_ID,
  };
}

/**
 * The administrator's first `sam deploy` of each environment whose context has no deploy role yet:
 * the pipeline's own sam step, run with the account's root credentials, as the README asks. What the
 * stack makes goes into the context: the deploy role, and the URL its load balancer serves.
 */
async function bootstrap(plan: WorkflowPlan, host: JobHost): Promise<void> {
  for (const job of plan.jobs) {
    if (job.type !== 'build') continue;
    const step = job.steps.find((s) => s.type === 'run' && /\bsam deploy\b/.test(s.command));
    if (!step || step.type !== 'run') continue;
    const context = job.contexts[0];
    if (context === undefined || host.contexts.has(context, 'AWS_DEPLOY_ROLE_ARN')) continue;
    host.say(
      `administrator: the first sam deploy of ${job.name}'s stack, with the account's own credentials (CI cannot create the role it runs as)`,
    );
    const before = new Set((await listStacks(host.admin)).map((s) => s.StackName));
    await resetCheckout(host.checkout);
    const run = await runJob({
      steps: [{ ...step, noOutputTimeoutMs: step.noOutputTimeoutMs }],
      workingDirectory: host.checkout.dir,
      env: {
        ...host.machine,
        ...host.contexts.values(context),
        ...host.cloudEnv,
        ...ADMIN,
        PATH: `${host.standInDir}:${host.machine.PATH ?? ''}`,
      },
      clock: systemClock,
      output: printer(host, `admin ${job.name}`, undefined),
      handleStep: () => Promise.resolve(),
      signal: host.options.signal,
    });
    if (run.status !== 'success')
      throw new RehearsalError(`the administrator's first sam deploy for ${job.name} failed`);
    const made = (await listStacks(host.admin)).filter((s) => !before.has(s.StackName));
    for (const stack of made) await learnFromStack(stack, context, host);
  }
}

export class RehearsalError extends Error {}

interface StackSummary {
  StackName: string;
  Outputs?: { OutputKey: string; OutputValue: string }[];
}

async function listStacks(admin: AwsCli): Promise<StackSummary[]> {
  const out = (await admin.call(['cloudformation', 'describe-stacks'])) as { Stacks?: StackSummary[] };
  return out.Stacks ?? [];
}

async function learnFromStack(stack: StackSummary, context: string, host: JobHost): Promise<void> {
  const output = (key: string) => stack.Outputs?.find((o) => o.OutputKey === key)?.OutputValue;
  const role = output('DeployRoleArn');
  if (role) host.contexts.learn(context, 'AWS_DEPLOY_ROLE_ARN', role);
  const dns = output('LoadBalancerDnsName');
  if (dns) {
    const served = (await controlClient(host.cloud.url).listeners()).find((l) => l.dnsName === dns);
    if (served) {
      host.contexts.learn(context, 'GREENLIGHT_HEALTH_URL', `${served.url}/healthcheck`);
      host.say(
        `${context}: GREENLIGHT_HEALTH_URL=${served.url}/healthcheck — the stack's load balancer (greenlight.yml names the environment's public URL, which is not this machine)`,
      );
    }
  }
  // A second environment in the same account shares the account's OIDC provider and CodeDeploy
  // application (README, contexts table).
  const providers = (await host.admin.call(['iam', 'list-open-id-connect-providers'])) as {
    OpenIDConnectProviderList?: { Arn: string }[];
  };
  const provider = providers.OpenIDConnectProviderList?.[0]?.Arn;
  if (provider) {
    for (const other of host.contexts.others(context)) {
      host.contexts.learn(other, 'EXISTING_OIDC_PROVIDER_ARN', provider);
      host.contexts.learn(other, 'CREATE_CODEDEPLOY_APPLICATION', 'false');
    }
  }
  host.say(`${context}: AWS_DEPLOY_ROLE_ARN=${role ?? '(none)'} from stack ${stack.StackName}`);
}

/** Runs one pipeline of the workflow: jobs in the order their requirements allow, one at a time. */
async function runPipeline(plan: WorkflowPlan, number: number, host: JobHost): Promise<PipelineReport> {
  const { options, say } = host;
  const filtered = plan.skipped.map((s) => ({ name: s.name, reason: s.reason }));
  for (const skipped of filtered) say(`pipeline ${number}: ${skipped.name} does not run: ${skipped.reason}`);
  const outcomes = new Map<string, JobOutcome>();
  const reports: JobReport[] = [];
  const held = new Set<string>();
  let buildNumber = number * 100;
  for (;;) {
    const { ready, blocked } = nextJobs(plan, outcomes);
    for (const job of blocked) {
      outcomes.set(job.name, 'not_run');
      reports.push({ name: job.name, outcome: 'not_run', detail: 'a job it requires did not pass' });
      say(`pipeline ${number}: ${job.name} does not run: a job it requires did not pass`);
    }
    const runnable = ready.filter((job) => !held.has(job.name));
    if (runnable.length === 0) {
      if (blocked.length === 0) break;
      continue;
    }
    for (const job of runnable) {
      if (options.signal.aborted) throw options.signal.reason;
      const report = await runPlannedJob(job, plan, number, ++buildNumber, host);
      reports.push(report);
      if (report.outcome === 'held') held.add(job.name);
      else outcomes.set(job.name, report.outcome === 'skipped' ? 'success' : report.outcome);
    }
  }
  const passed = reports.every(
    (r) => r.outcome === 'success' || r.outcome === 'skipped' || r.outcome === 'held',
  );
  const line = reports.map((r) => `${r.name} ${r.outcome}`).join(', ');
  say(`pipeline ${number} ${passed ? 'passed' : 'FAILED'}: ${line}`);
  const fleets = await fleetImages(host.admin);
  for (const [environment, images] of Object.entries(fleets)) {
    say(`pipeline ${number}: the ${environment} fleet's running instances boot ${images.join(', ')}`);
  }
  return { number, revision: host.checkout.revision, jobs: reports, filtered, passed, fleets };
}

async function runPlannedJob(
  job: PlannedJob,
  plan: WorkflowPlan,
  pipeline: number,
  buildNumber: number,
  host: JobHost,
): Promise<JobReport> {
  const { options, say } = host;
  if (job.type === 'approval') {
    if (options.approve) {
      say(`${job.name}: approved (--approve), as a person would in CircleCI's UI`);
      return { name: job.name, outcome: 'success', detail: 'approved with --approve' };
    }
    say(`${job.name}: on hold — CircleCI waits here for a person; rehearse again with --approve to go on`);
    return { name: job.name, outcome: 'held' };
  }
  if (options.skipJobs.includes(job.name) || options.skipJobs.includes(job.job)) {
    say(`${job.name}: not rehearsed (--skip-job), counted as passed`);
    return { name: job.name, outcome: 'skipped' };
  }
  return runBuildJob(job, plan, pipeline, buildNumber, host);
}

async function runBuildJob(
  job: BuildJob,
  plan: WorkflowPlan,
  pipeline: number,
  buildNumber: number,
  host: JobHost,
): Promise<JobReport> {
  const { options, say } = host;
  const jobDir = join(options.workDir, `pipeline-${pipeline}`, `${String(buildNumber)}-${job.name}`);
  const home = join(jobDir, 'home');
  mkdirSync(home, { recursive: true });
  const substituted = substituteSteps(job, { standInDir: host.standInDir, built: options.build });
  say(
    `── ${job.name} (${job.executor.kind} ${job.executor.image}${job.contexts.length ? `, contexts ${job.contexts.join(', ')}` : ''})`,
  );
  for (const note of [...job.notes, ...substituted.notes]) say(`   rehearsal: ${note}`);
  const missing = job.contexts.filter((c) => !host.contexts.known(c));
  if (missing.length > 0) {
    say(`${job.name}: context ${missing.join(', ')} is not defined (give it in --contexts)`);
    return { name: job.name, outcome: 'failed', detail: `context ${missing.join(', ')} is not defined` };
  }
  const oidc = job.contexts.length > 0 ? await mintTokens(host, options.branch) : undefined;
  const workflowJobId = randomUUID();
  const builtins = builtinEnvironment({
    job,
    pipeline: {
      id: randomUUID(),
      number: pipeline,
      branch: options.branch,
      tag: undefined,
      revision: host.checkout.revision,
    },
    workflowId: randomUUID(),
    workflowJobId,
    buildNumber,
    buildUrl: `https://app.circleci.com/pipelines/github/example/greenlight/${pipeline}/workflows/rehearsal/jobs/${buildNumber}`,
    workingDirectory: host.checkout.dir,
    projectUsername: 'example',
    projectReponame: 'greenlight',
    repositoryUrl: 'git@github.com:example/greenlight.git',
    username: 'rehearsal',
    ...(oidc ? { oidc } : {}),
  });
  const env = layerEnvironment({
    machine: { ...host.machine, HOME: home },
    project: host.cloudEnv,
    contexts: job.contexts.map((c) => host.contexts.values(c)),
    builtins,
  });
  const log = join(jobDir, 'output.log');
  const run = await runJob({
    steps: substituted.steps,
    workingDirectory: host.checkout.dir,
    env,
    jobEnvironment: job.environment,
    bashEnv: join(jobDir, 'bash_env'),
    clock: systemClock,
    output: printer(host, job.name, log),
    handleStep: serviceSteps(host, join(jobDir, 'artifacts')),
    signal: options.signal,
  });
  const failedSteps = run.steps
    .filter((s) => s.status === 'failed' || s.status === 'timed_out')
    .map((s) => s.name);
  const outcome: JobOutcome =
    run.status === 'success' ? 'success' : run.status === 'canceled' ? 'canceled' : 'failed';
  say(
    `── ${job.name}: ${outcome}${failedSteps.length ? ` (failed: ${failedSteps.join('; ')})` : ''}; its output: ${relative(options.root, log) || log}`,
  );
  void plan;
  return { name: job.name, outcome, ...(failedSteps.length ? { failedSteps } : {}) };
}

/** CircleCI's two tokens for a job with a context: v2 names the repository and the branch. */
async function mintTokens(host: JobHost, branch: string): Promise<{ token: string; tokenV2: string }> {
  const control = controlClient(host.cloud.url);
  const ids = { orgId: CIRCLECI_ORG_ID, projectId: CIRCLECI_PROJECT_ID };
  const v1 = await control.circleCiToken(ids);
  const v2 = await control.circleCiToken({
    ...ids,
    vcsOrigin: 'github.com/example/greenlight',
    vcsRef: `refs/heads/${branch}`,
  });
  return { token: v1.token, tokenV2: v2.token };
}

/** Every step other than `run`: checkout resets the clone; artifacts are kept; the rest is CircleCI's. */
function serviceSteps(host: JobHost, artifacts: string): ServiceStepHandler {
  return async (step, context) => {
    switch (step.type) {
      case 'checkout':
        await resetCheckout(host.checkout);
        context.print(
          `rehearsal: checked out ${host.checkout.revision.slice(0, 12)} (a clone of the working tree)\n`,
        );
        return;
      case 'store_artifacts':
      case 'store_test_results': {
        const from = join(context.workingDirectory, step.path);
        if (!existsSync(from)) {
          context.print(`no files found at ${step.path}\n`);
          return;
        }
        const to = join(
          artifacts,
          step.type === 'store_artifacts' ? (step.destination ?? step.path) : 'test-results',
        );
        mkdirSync(join(to, '..'), { recursive: true });
        cpSync(from, to, { recursive: true });
        context.print(`rehearsal: kept ${step.path} in ${to}\n`);
        return;
      }
      default:
        context.print(`rehearsal: ${step.type} is CircleCI's own service; not rehearsed\n`);
    }
  };
}

/** Prints each line of a job's output with its job's name, and keeps it in the job's log. */
function printer(host: JobHost, name: string, log: string | undefined): StepOutput {
  const partial = new Map<string, string>();
  const line = (text: string) => {
    host.say(`[${name}] ${text}`);
    if (log) appendFileSync(log, `${text}\n`);
  };
  return {
    started: (step) => line(`▸ ${step.name}`),
    output: (_step, index, text, stream) => {
      const key = `${index}:${stream}`;
      const lines = ((partial.get(key) ?? '') + text).split('\n');
      partial.set(key, lines.pop() ?? '');
      for (const l of lines) line(`  ${l}`);
    },
    finished: (step, index, result) => {
      for (const stream of ['stdout', 'stderr']) {
        const rest = partial.get(`${index}:${stream}`);
        if (rest) line(`  ${rest}`);
        partial.delete(`${index}:${stream}`);
      }
      if (result.status === 'skipped') line(`▹ ${step.name}: skipped (when: ${step.when})`);
      else if (result.status !== 'success') line(`✗ ${step.name}: ${result.message ?? result.status}`);
    },
  };
}

/** What this machine gives every step: its PATH and locale, never its AWS or greenlight settings. */
function machineEnvironment(env: Readonly<Record<string, string | undefined>>): Record<string, string> {
  const kept: Record<string, string> = {};
  for (const name of ['PATH', 'LANG', 'LC_ALL', 'TZ', 'TMPDIR', 'USER', 'LOGNAME', 'SHELL', 'TERM']) {
    const value = env[name];
    if (value !== undefined) kept[name] = value;
  }
  kept.PATH ??= '/usr/local/bin:/usr/bin:/bin';
  return kept;
}

/** The rehearsal's `sam`: a script that runs the checkout's `greenlight rehearse-sam`. */
function writeStandIn(workDir: string, checkout: Checkout): string {
  const dir = join(workDir, 'bin');
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(dir, 'sam'),
    `#!/bin/sh\n# greenlight rehearse: the SAM CLI's stand-in (src/rehearse/sam-stand-in.ts)\nexec "${process.execPath}" "${join(checkout.dir, 'bin/greenlight.js')}" rehearse-sam "$@"\n`,
    { mode: 0o755 },
  );
  return dir;
}

async function buildOnce(
  checkout: Checkout,
  options: RehearsalOptions,
  say: (text: string) => void,
): Promise<void> {
  say('building greenlight once, in the checkout (npm run build), before any job starts');
  const { execFile } = await import('node:child_process');
  await new Promise<void>((resolve, reject) => {
    execFile(
      'npm',
      ['run', 'build'],
      { cwd: checkout.dir, env: { ...options.env }, maxBuffer: 64 * 1024 * 1024 },
      (error, _stdout, stderr) => {
        if (error)
          reject(
            new RehearsalError(
              `npm run build in the checkout failed: ${stderr.trim().split('\n').slice(-5).join('\n')}`,
            ),
          );
        else resolve();
      },
    );
  });
}

/**
 * Applies patches to the clone (`git apply`, in order) and commits the result on top of its revision:
 * every job's checkout (which resets the clone to the revision), the build and CodeDeploy's GitHub
 * revision then see the patched tree.
 */
async function applyPatches(checkout: Checkout, patches: readonly string[]): Promise<Checkout> {
  const { execFile } = await import('node:child_process');
  const git = (args: readonly string[]) =>
    new Promise<string>((resolve, reject) => {
      execFile(
        'git',
        [...args],
        {
          cwd: checkout.dir,
          env: {
            ...process.env,
            GIT_AUTHOR_NAME: 'greenlight rehearse',
            GIT_AUTHOR_EMAIL: 'rehearse@greenlight.invalid',
            GIT_COMMITTER_NAME: 'greenlight rehearse',
            GIT_COMMITTER_EMAIL: 'rehearse@greenlight.invalid',
          },
        },
        (error, stdout, stderr) => {
          if (error) reject(new RehearsalError(`git ${args.join(' ')}: ${stderr.trim() || error.message}`));
          else resolve(stdout.trim());
        },
      );
    });
  for (const patch of patches) {
    if (!existsSync(patch)) throw new UsageError(`--patch ${patch}: no such file`);
    await git(['apply', '--whitespace=nowarn', patch]).catch((error: Error) => {
      throw new UsageError(`--patch ${patch} does not apply to the rehearsal's revision: ${error.message}`);
    });
  }
  await git(['add', '--all', '.']);
  await git(['commit', '--quiet', '--no-verify', '-m', 'greenlight rehearse: --patch']);
  return { dir: checkout.dir, revision: await git(['rev-parse', 'HEAD']) };
}

/** The second commit's image: the team's own AMI, with Node.js baked in. */
async function registerImage(host: JobHost, imageId: string): Promise<void> {
  await controlClient(host.cloud.url).loadWorld({
    region: REHEARSAL_REGION,
    images: [{ id: imageId, name: 'web-al2023-node20-rehearsal' }],
  });
}

function formatSeconds(seconds: number): string {
  return seconds >= 60 ? `${(seconds / 60).toFixed(1)} min` : `${seconds.toFixed(1)} s`;
}
