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
import { accountOfRole } from '../aws/identity.js';
import type { EnvironmentConfig } from '../config/environment.js';
import { loadConfig } from '../config/load.js';
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
import { awsCli, AwsCliError, awsCliPath, startAwsCliService, type AwsCli } from './aws-cli.js';
import {
  builtinEnvironment,
  layerEnvironment,
  nextJobs,
  planWorkflow,
  SerialGroups,
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
  /**
   * Build the checkout once before the first job: `full` is `npm run build`; `cli` only what the jobs
   * run (scripts/build.ts --cli-only: the bundled CLI, no library declarations), in seconds; `none`:
   * the CLI runs from its sources.
   */
  readonly build: RehearsalBuild;
  /** Where job directories, logs and artifacts go. */
  readonly workDir: string;
  /**
   * A second pipeline after the first, on the same account: a new commit with the same tree, and
   * each context's AMI_ID changed to a new image (a stack update that must reach the fleet).
   */
  readonly secondCommit: boolean;
  /**
   * A second pipeline pushed while the first runs: made (a new commit, the same tree) when the first
   * pipeline's job of this name starts; the two then run as CircleCI's serial groups let them.
   */
  readonly secondDuring?: string;
  /** The second pipeline's branch (default: `branch`). */
  readonly secondBranch?: string;
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
  /**
   * What a build of a branch other than main could do, with each context's deploy role, to another
   * environment's last deployment: asked of the clouds (StopDeployment), not read off a policy.
   */
  readonly reach: readonly ReachReport[];
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
  if (options.secondDuring !== undefined) {
    const jobs = planFor(config, options, revision, 1, options.branch).jobs.map((job) => job.name);
    if (!jobs.includes(options.secondDuring))
      throw new UsageError(
        `--push-during ${options.secondDuring}: pipeline 1 runs no job of that name (it runs ${jobs.join(', ')})`,
      );
  }
  if (options.build !== 'none') await buildOnce(checkout, options, say);

  const greenlightYml = await readFile(join(checkout.dir, 'greenlight.yml'), 'utf8');
  const greenlight = environmentsOf(greenlightYml, join(checkout.dir, 'greenlight.yml'));
  const github = Object.fromEntries(githubRepositories(greenlightYml).map((repo) => [repo, checkout.dir]));
  const machine = machineEnvironment(options.env);
  const cli = await startAwsCliService(options.workDir, options.env);
  if (cli) {
    Object.assign(machine, cli.env);
    say(
      `rehearsal: the AWS CLI (${awsCliPath(options.env)}) runs in one process for the whole rehearsal, each call through its own entry point with the caller's environment; its calls come from the SAM CLI's stand-in and the administrators' look-ups`,
    );
  }
  // One local cloud per AWS account greenlight.yml's environments live in (their serviceRoleArn's):
  // dev and prod in accounts of their own, as the README sets them up, unless it puts both in one.
  const accounts: Account[] = [];
  try {
    for (const { id, environments } of greenlight.accounts) {
      const cloud = await startLocalCloud({
        port: 0,
        clock: 'accelerated',
        timeScale: options.timeScale,
        accountId: id,
        world: emptyAccountWorld({ github, agent: options.agent }),
        syntheticAgentStartSeconds: SYNTHETIC_AGENT_START_SECONDS,
      });
      const env = {
        AWS_ENDPOINT_URL: cloud.url,
        AWS_REGION: REHEARSAL_REGION,
        AWS_DEFAULT_REGION: REHEARSAL_REGION,
        AWS_EC2_METADATA_DISABLED: 'true',
        GREENLIGHT_CLOCK: await controlClient(cloud.url).greenlightClock(),
      };
      const admin = awsCli({
        endpoint: cloud.url,
        env: { ...machine, ...env, ...ADMIN },
        signal: options.signal,
      });
      accounts.push({ id, environments, cloud, env, admin, facts: await readAccountFacts(admin) });
      say(
        `local cloud: ${cloud.url}, account ${id} (${environments.join(', ')}), empty; AWS time runs ${options.timeScale}× faster (an hour takes ${formatSeconds(3600 / options.timeScale)})`,
      );
    }
    const standInDir = writeStandIn(options.workDir, checkout);
    const first = planFor(config, options, revision, 1, options.branch);
    const used = [...new Set(first.jobs.flatMap((job) => job.contexts))];
    const accountOfContext = contextAccounts(first, accounts);
    const firstAccount = accounts[0] as Account;
    for (const [context, account] of accountOfContext)
      say(`${context}: account ${account.id}, the account of the environment its jobs deploy`);
    const contexts = new Contexts(
      contextsFromFile,
      (context) => defaultContextValues((accountOfContext.get(context) ?? firstAccount).facts),
      used,
    );
    const host: JobHost = {
      options,
      checkout,
      standInDir,
      machine,
      contexts,
      accounts,
      contextEnvironments: environmentsOfContexts(first),
      account: (jobContexts) => accountOfContext.get(jobContexts[0] ?? '') ?? firstAccount,
      say,
    };

    const pipelines: PipelineReport[] = [];
    await bootstrap(first, host);
    const firstRun = startPipeline(first, 1, options.branch, checkout.revision, host);
    const during = options.secondDuring;
    const secondBranch = options.secondBranch ?? options.branch;
    const arrival: Arrival | undefined = during
      ? {
          during,
          create: async () => {
            // The same tree on top of the first: what differs is the pipeline, its number and its branch.
            const pushed = await nextCommit(
              checkout.dir,
              checkout.revision,
              'greenlight rehearse: a second push',
            );
            return startPipeline(
              planFor(config, options, pushed, 2, secondBranch),
              2,
              secondBranch,
              pushed,
              host,
            );
          },
        }
      : undefined;
    for (const run of await runPipelines(firstRun, host, arrival)) pipelines.push(await reportOf(run, host));
    if (options.secondCommit && !during && pipelines[0]?.passed) {
      // On top of what the first pipeline ran: with --patch, the patched commit, which only the clone has.
      const second = await nextCommit(
        checkout.dir,
        checkout.revision,
        'greenlight rehearse: a second commit',
      );
      await registerImage(host, SECOND_IMAGE_ID);
      contexts.setEverywhere('AMI_ID', SECOND_IMAGE_ID);
      say(
        `second pipeline: commit ${second.slice(0, 12)}, and every context's AMI_ID is now ${SECOND_IMAGE_ID}`,
      );
      const run = startPipeline(
        planFor(config, options, second, 2, secondBranch),
        2,
        secondBranch,
        second,
        host,
      );
      for (const ended of await runPipelines(run, host)) pipelines.push(await reportOf(ended, host));
    }
    const exitCode = pipelines.every((p) => p.passed) ? 0 : 1;
    // Least privilege by running: what each assumed role used, was refused, and was never asked for.
    const reach = await probeReach(host, greenlight.environments);
    const usage = await Promise.all(accounts.map((a) => controlClient(a.cloud.url).iamUsage()));
    const roles = roleReports(usage.flat());
    for (const line of formatRoleReports(roles)) say(line);
    return { pipelines, workDir: options.workDir, exitCode, roles, reach };
  } finally {
    if (cli) say(`rehearsal: the AWS CLI answered ${cli.calls()} calls in one process`);
    await cli?.close();
    await Promise.all(accounts.map((a) => a.cloud.close()));
  }
}

export interface ReachReport {
  /** The context whose deploy role the branch's build assumed. */
  readonly context: string;
  /** The environment whose last deployment it tried to stop. */
  readonly environment: string;
  readonly deploymentId: string;
  /** True when IAM let it: had the deployment been waiting in Ready, it would have stopped. */
  readonly reached: boolean;
  /** What the clouds answered. */
  readonly answer: string;
}

/** The branch a probe's token names: any branch but main (dev's role trusts every branch). */
const PROBE_BRANCH = 'feature/reach-probe';

/**
 * For each context with a deploy role and each other environment with a deployment: a build of a
 * branch assumes the context's role, as the job would, and asks to stop that environment's last
 * deployment (finished, so nothing changes): IAM's answer says whether a branch could stop or
 * continue it while it waits in Ready. CodeDeploy's StopDeployment and ContinueDeployment take no
 * resource scope, so inside one account nothing but the role's trust keeps it out.
 */
async function probeReach(host: JobHost, environments: readonly EnvironmentConfig[]): Promise<ReachReport[]> {
  const reports: ReachReport[] = [];
  for (const [context, deploys] of host.contextEnvironments) {
    const role = host.contexts.values(context).AWS_DEPLOY_ROLE_ARN;
    if (role === undefined) continue;
    const from = host.account([context]);
    for (const target of environments) {
      const home = host.accounts.find((a) => a.environments.includes(target.name));
      // Its own environment: nothing to learn.
      if (!home || deploys.has(target.name)) continue;
      const group = (await home.admin
        .call([
          'deploy',
          'get-deployment-group',
          '--application-name',
          target.application,
          '--deployment-group-name',
          target.deploymentGroup,
        ])
        .catch(() => undefined)) as
        { deploymentGroupInfo?: { lastSuccessfulDeployment?: { deploymentId?: string } } } | undefined;
      const deploymentId = group?.deploymentGroupInfo?.lastSuccessfulDeployment?.deploymentId;
      if (!deploymentId) continue;
      const answer = await tryToStop(from, role, deploymentId);
      const reached = answer === 'DeploymentAlreadyCompletedException';
      const said = reached
        ? `yes: IAM let it (CodeDeploy answered ${answer}: the deployment had ended)`
        : answer === 'DeploymentDoesNotExistException'
          ? `no: ${target.name}'s deployments are in another account (${answer})`
          : `no (${answer})`;
      host.say(
        `reach: a build of ${PROBE_BRANCH} with ${context}'s deploy role may stop or continue ${target.name}'s deployment ${deploymentId}? ${said}`,
      );
      reports.push({ context, environment: target.name, deploymentId, reached, answer });
    }
  }
  return reports;
}

/** StopDeployment as a branch's build with `role` would call it: the error code it ends with. */
async function tryToStop(account: Account, role: string, deploymentId: string): Promise<string> {
  const { tokenV2 } = await mintTokens(account, PROBE_BRANCH);
  let credentials: { AccessKeyId: string; SecretAccessKey: string; SessionToken: string } | undefined;
  try {
    const answer = (await account.admin.call([
      'sts',
      'assume-role-with-web-identity',
      '--role-arn',
      role,
      '--role-session-name',
      'reach-probe',
      '--web-identity-token',
      tokenV2,
    ])) as { Credentials?: typeof credentials };
    credentials = answer.Credentials;
  } catch (error) {
    return `AssumeRoleWithWebIdentity: ${errorCodeOf(error)}`;
  }
  if (!credentials) return 'AssumeRoleWithWebIdentity: no credentials';
  try {
    await account.admin.call(['deploy', 'stop-deployment', '--deployment-id', deploymentId], {
      AWS_ACCESS_KEY_ID: credentials.AccessKeyId,
      AWS_SECRET_ACCESS_KEY: credentials.SecretAccessKey,
      AWS_SESSION_TOKEN: credentials.SessionToken,
    });
    return 'stopped';
  } catch (error) {
    return errorCodeOf(error);
  }
}

function errorCodeOf(error: unknown): string {
  const stderr = error instanceof AwsCliError ? error.stderr : String(error);
  return (
    /An error occurred \((\w+)\)/.exec(stderr)?.[1] ??
    (error instanceof Error ? error.message : String(error))
  );
}

/** One AWS account of the rehearsal: a local cloud of its own, empty at the start. */
interface Account {
  readonly id: string;
  /** greenlight.yml's environments that live in it. */
  readonly environments: readonly string[];
  readonly cloud: RunningLocalCloud;
  /** What a job of this account's contexts gets: the endpoint, the region, the shared clock. */
  readonly env: Readonly<Record<string, string>>;
  /** The account's administrator (its root credentials), through the AWS CLI. */
  readonly admin: AwsCli;
  readonly facts: AccountFacts;
}

/**
 * greenlight.yml's environments as greenlight reads them (its own loader: `defaults:` merged), and
 * the accounts they live in (each `serviceRoleArn`'s), in the order they first appear.
 */
function environmentsOf(
  greenlightYml: string,
  file: string,
): {
  environments: EnvironmentConfig[];
  accounts: { id: string; environments: string[] }[];
} {
  const config = loadConfig({ path: file, text: greenlightYml });
  const environments = [...config.environments.values()];
  const byAccount = new Map<string, string[]>();
  for (const env of environments) {
    const id = accountOfRole(env.serviceRoleArn);
    if (id !== undefined) byAccount.set(id, [...(byAccount.get(id) ?? []), env.name]);
  }
  const accounts = [...byAccount].map(([id, names]) => ({ id, environments: names }));
  return {
    environments,
    accounts: accounts.length > 0 ? accounts : [{ id: DEFAULT_ACCOUNT_ID, environments: [] }],
  };
}

const DEFAULT_ACCOUNT_ID = '123456789012';

/**
 * Each context's account: that of the greenlight environment its jobs deploy (their `env`
 * parameter). A context whose jobs name no environment, or several in different accounts, gets the
 * first account.
 */
function contextAccounts(plan: WorkflowPlan, accounts: readonly Account[]): Map<string, Account> {
  const found = new Map<string, Account>();
  for (const [context, environments] of environmentsOfContexts(plan)) {
    const of = new Set(
      [...environments].flatMap((env) => accounts.filter((a) => a.environments.includes(env))),
    );
    if (of.size === 1) found.set(context, [...of][0] as Account);
  }
  return found;
}

/** Each context of the plan's jobs, and the greenlight environments those jobs deploy (`env`). */
function environmentsOfContexts(plan: WorkflowPlan): Map<string, Set<string>> {
  const found = new Map<string, Set<string>>();
  for (const job of plan.jobs) {
    if (job.type !== 'build') continue;
    const env = job.parameters.env;
    for (const context of job.contexts) {
      const environments = found.get(context) ?? new Set<string>();
      if (typeof env === 'string') environments.add(env);
      found.set(context, environments);
    }
  }
  return found;
}

function planFor(
  config: ReturnType<typeof readCircleConfig>,
  options: RehearsalOptions,
  revision: string,
  number: number,
  branch: string,
): WorkflowPlan {
  return planWorkflow(config, {
    workflow: options.workflow,
    pipeline: {
      id: randomUUID(),
      number,
      branch,
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
  checkout: Checkout;
  readonly standInDir: string;
  readonly machine: Readonly<Record<string, string>>;
  readonly contexts: Contexts;
  readonly accounts: readonly Account[];
  /** The account a job with these contexts works in. */
  readonly account: (contexts: readonly string[]) => Account;
  /** Each context, and the environments its jobs deploy (their `env` parameter). */
  readonly contextEnvironments: ReadonlyMap<string, ReadonlySet<string>>;
  readonly say: (text: string) => void;
}

/** The contexts' variables: the file's, over defaults read from the account, plus what the stacks give. */
class Contexts {
  private readonly learned = new Map<string, Record<string, string>>();

  /** Values set for every context, over the defaults (the second commit's AMI_ID). */
  private readonly everywhere: Record<string, string> = {};

  constructor(
    private readonly file: Readonly<Record<string, ContextValues>>,
    /** What the context's account shows its administrator: its VPC, subnets and stock image. */
    private readonly defaults: (context: string) => ContextValues,
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
    this.everywhere[name] = value;
  }

  values(context: string): Record<string, string> {
    return {
      ...this.defaults(context),
      ...this.everywhere,
      ...this.learned.get(context),
      ...this.file[context],
    };
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
    const account = host.account(job.contexts);
    host.say(
      `administrator: the first sam deploy of ${job.name}'s stack, with account ${account.id}'s own credentials (CI cannot create the role it runs as)`,
    );
    const before = new Set((await listStacks(account.admin)).map((s) => s.StackName));
    await resetCheckout(host.checkout);
    const run = await runJob({
      steps: [{ ...step, noOutputTimeoutMs: step.noOutputTimeoutMs }],
      workingDirectory: host.checkout.dir,
      env: {
        ...host.machine,
        ...host.contexts.values(context),
        ...account.env,
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
    const made = (await listStacks(account.admin)).filter((s) => !before.has(s.StackName));
    for (const stack of made) await learnFromStack(stack, context, account, host);
  }
}

/** What the rehearsal builds before the first job (RehearsalOptions.build). */
export type RehearsalBuild = 'full' | 'cli' | 'none';

export class RehearsalError extends Error {}

interface StackSummary {
  StackName: string;
  Outputs?: { OutputKey: string; OutputValue: string }[];
}

async function listStacks(admin: AwsCli): Promise<StackSummary[]> {
  const out = (await admin.call(['cloudformation', 'describe-stacks'])) as { Stacks?: StackSummary[] };
  return out.Stacks ?? [];
}

async function learnFromStack(
  stack: StackSummary,
  context: string,
  account: Account,
  host: JobHost,
): Promise<void> {
  const output = (key: string) => stack.Outputs?.find((o) => o.OutputKey === key)?.OutputValue;
  const role = output('DeployRoleArn');
  if (role) host.contexts.learn(context, 'AWS_DEPLOY_ROLE_ARN', role);
  const dns = output('LoadBalancerDnsName');
  if (dns) {
    const served = (await controlClient(account.cloud.url).listeners()).find((l) => l.dnsName === dns);
    if (served) {
      host.contexts.learn(context, 'GREENLIGHT_HEALTH_URL', `${served.url}/healthcheck`);
      host.say(
        `${context}: GREENLIGHT_HEALTH_URL=${served.url}/healthcheck — the stack's load balancer (greenlight.yml names the environment's public URL, which is not this machine)`,
      );
    }
  }
  // A second environment in the same account shares the account's OIDC provider and CodeDeploy
  // application (README, contexts table); one in an account of its own makes its own.
  const providers = (await account.admin.call(['iam', 'list-open-id-connect-providers'])) as {
    OpenIDConnectProviderList?: { Arn: string }[];
  };
  const provider = providers.OpenIDConnectProviderList?.[0]?.Arn;
  if (provider) {
    for (const other of host.contexts.others(context)) {
      if (host.account([other]) !== account) continue;
      host.contexts.learn(other, 'EXISTING_OIDC_PROVIDER_ARN', provider);
      host.contexts.learn(other, 'CREATE_CODEDEPLOY_APPLICATION', 'false');
    }
  }
  host.say(`${context}: AWS_DEPLOY_ROLE_ARN=${role ?? '(none)'} from stack ${stack.StackName}`);
}

/** One pipeline of the workflow as it runs: its plan, and how each of its jobs has ended so far. */
interface PipelineRun {
  readonly number: number;
  readonly branch: string;
  readonly revision: string;
  readonly plan: WorkflowPlan;
  readonly outcomes: Map<string, JobOutcome>;
  readonly reports: JobReport[];
  /** Approvals nobody approved: CircleCI waits there. */
  readonly held: Set<string>;
  buildNumber: number;
}

function startPipeline(
  plan: WorkflowPlan,
  number: number,
  branch: string,
  revision: string,
  host: JobHost,
): PipelineRun {
  for (const skipped of plan.skipped)
    host.say(`pipeline ${number}: ${skipped.name} does not run: ${skipped.reason}`);
  return {
    number,
    branch,
    revision,
    plan,
    outcomes: new Map(),
    reports: [],
    held: new Set(),
    buildNumber: number * 100,
  };
}

/** A pipeline pushed while another runs: made when the first pipeline's job `during` starts. */
interface Arrival {
  readonly during: string;
  readonly create: () => Promise<PipelineRun>;
}

/**
 * Runs pipelines of the workflow to their end, one job at a time: each pipeline's jobs in the order
 * their requirements allow, and across pipelines as CircleCI's serial groups allow (SerialGroups:
 * one lock per group, an older pipeline's job skipped while a newer one's waits or runs, a job group
 * holding its lock from its first job to its last). Running one job at a time is one of the orders
 * CircleCI could run them in; a serial group's lock is what decides which.
 */
async function runPipelines(first: PipelineRun, host: JobHost, arrival?: Arrival): Promise<PipelineRun[]> {
  const runs = [first];
  const serial = new SerialGroups();
  let pending = arrival;
  const request = (run: PipelineRun, job: PlannedJob) => ({
    pipeline: run.number,
    job: job.name,
    serialGroup: job.serialGroup,
    unit: job.jobGroup ?? job.name,
  });
  const end = (run: PipelineRun, job: PlannedJob, report: JobReport) => {
    run.reports.push(report);
    if (report.outcome === 'held') {
      run.held.add(job.name);
      return;
    }
    run.outcomes.set(job.name, report.outcome === 'skipped' ? 'success' : report.outcome);
    settle(run);
    // A job ends its serial group's hold; a job group, once none of its jobs can still run.
    const unit = job.jobGroup ?? job.name;
    const open = run.plan.jobs.some((j) => (j.jobGroup ?? j.name) === unit && !run.outcomes.has(j.name));
    if (!open) serial.release(run.number, unit);
  };
  /** What can never run (a requirement ended in a status it does not accept) ends not run. */
  const settle = (run: PipelineRun) => {
    for (
      let { blocked } = nextJobs(run.plan, run.outcomes);
      blocked.length > 0;
      { blocked } = nextJobs(run.plan, run.outcomes)
    ) {
      for (const job of blocked) {
        host.say(`pipeline ${run.number}: ${job.name} does not run: a job it requires did not pass`);
        end(run, job, { name: job.name, outcome: 'not_run', detail: 'a job it requires did not pass' });
      }
    }
  };
  /** Jobs that end without running (approvals, --skip-job) end now; the others queue behind held locks. */
  const arrive = async (run: PipelineRun) => {
    for (let progress = true; progress;) {
      progress = false;
      for (const job of nextJobs(run.plan, run.outcomes).ready) {
        if (run.held.has(job.name)) continue;
        if (job.type === 'approval' || skipped(host.options, job)) {
          end(run, job, await runPlannedJob(job, run, host));
          progress = true;
        } else serial.queueIfHeld(request(run, job));
      }
    }
  };
  for (;;) {
    let next: { run: PipelineRun; job: PlannedJob } | undefined;
    let progress = false;
    for (const run of runs) {
      settle(run);
      for (const job of nextJobs(run.plan, run.outcomes).ready) {
        if (run.held.has(job.name)) continue;
        const admission = serial.request(request(run, job));
        if (admission.kind === 'skip') {
          host.say(`pipeline ${run.number}: ${job.name} does not run: ${admission.reason}`);
          end(run, job, { name: job.name, outcome: 'not_run', detail: admission.reason });
          progress = true;
          continue;
        }
        if (admission.kind === 'start') {
          next = { run, job };
          break;
        }
      }
      if (next) break;
    }
    if (!next) {
      if (progress) continue;
      break;
    }
    const { run, job } = next;
    if (host.options.signal.aborted) throw host.options.signal.reason;
    if (pending && run === first && job.name === pending.during) {
      const second = await pending.create();
      pending = undefined;
      runs.push(second);
      host.say(
        `pipeline ${second.number} (${second.branch}, ${second.revision.slice(0, 12)}) is pushed while pipeline ${run.number}'s ${job.name} starts`,
      );
      await arrive(second);
    }
    end(run, job, await runPlannedJob(job, run, host));
  }
  if (pending) host.say(`pipeline 1 never started ${pending.during}: no second pipeline was pushed`);
  // Nothing can start and nothing runs: a job still waiting now would wait forever. Say so; never
  // let a pipeline pass with a job that did not end.
  for (const run of runs) {
    for (const job of run.plan.jobs) {
      if (run.outcomes.has(job.name) || run.held.has(job.name) || !ready(run, job)) continue;
      const detail = `never started: it still waits for serial group ${job.serialGroup ?? '(none)'}`;
      host.say(`pipeline ${run.number}: ${job.name} ${detail}`);
      run.reports.push({ name: job.name, outcome: 'not_run', detail });
    }
  }
  return runs;
}

async function reportOf(run: PipelineRun, host: JobHost): Promise<PipelineReport> {
  const { reports, number } = run;
  const passed = reports.every(
    (r) => r.outcome === 'success' || r.outcome === 'skipped' || r.outcome === 'held',
  );
  const line = reports.map((r) => `${r.name} ${r.outcome}`).join(', ');
  host.say(`pipeline ${number} ${passed ? 'passed' : 'FAILED'}: ${line}`);
  const fleets = Object.assign(
    {},
    ...(await Promise.all(host.accounts.map((account) => fleetImages(account.admin)))),
  ) as Record<string, string[]>;
  for (const [environment, images] of Object.entries(fleets)) {
    host.say(`pipeline ${number}: the ${environment} fleet's running instances boot ${images.join(', ')}`);
  }
  const filtered = run.plan.skipped.map((s) => ({ name: s.name, reason: s.reason }));
  return { number, revision: run.revision, jobs: reports, filtered, passed, fleets };
}

const ready = (run: PipelineRun, job: PlannedJob): boolean =>
  nextJobs(run.plan, run.outcomes).ready.some((candidate) => candidate.name === job.name);

const skipped = (options: RehearsalOptions, job: PlannedJob): boolean =>
  job.type === 'build' && (options.skipJobs.includes(job.name) || options.skipJobs.includes(job.job));

async function runPlannedJob(job: PlannedJob, run: PipelineRun, host: JobHost): Promise<JobReport> {
  const buildNumber = ++run.buildNumber;
  const { options, say } = host;
  if (job.type === 'approval') {
    if (options.approve) {
      say(`${job.name}: approved (--approve), as a person would in CircleCI's UI`);
      return { name: job.name, outcome: 'success', detail: 'approved with --approve' };
    }
    say(`${job.name}: on hold — CircleCI waits here for a person; rehearse again with --approve to go on`);
    return { name: job.name, outcome: 'held' };
  }
  if (skipped(options, job)) {
    say(`${job.name}: not rehearsed (--skip-job), counted as passed`);
    return { name: job.name, outcome: 'skipped' };
  }
  if (host.checkout.revision !== run.revision)
    host.checkout = await moveCheckout(host.checkout, run.revision);
  return runBuildJob(job, run, buildNumber, host);
}

async function runBuildJob(
  job: BuildJob,
  pipelineRun: PipelineRun,
  buildNumber: number,
  host: JobHost,
): Promise<JobReport> {
  const { options, say } = host;
  const pipeline = pipelineRun.number;
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
  const oidc =
    job.contexts.length > 0 ? await mintTokens(host.account(job.contexts), pipelineRun.branch) : undefined;
  const workflowJobId = randomUUID();
  const builtins = builtinEnvironment({
    job,
    pipeline: {
      id: randomUUID(),
      number: pipeline,
      branch: pipelineRun.branch,
      tag: undefined,
      revision: pipelineRun.revision,
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
    project: host.account(job.contexts).env,
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
  return { name: job.name, outcome, ...(failedSteps.length ? { failedSteps } : {}) };
}

/** CircleCI's two tokens for a job with a context: v2 names the repository and the branch. */
async function mintTokens(account: Account, branch: string): Promise<{ token: string; tokenV2: string }> {
  const control = controlClient(account.cloud.url);
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
  for (const name of [
    'PATH',
    'LANG',
    'LC_ALL',
    'TZ',
    'TMPDIR',
    'USER',
    'LOGNAME',
    'SHELL',
    'TERM',
    'GREENLIGHT_REHEARSAL_AWS_CLI',
  ]) {
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
  const [program, args, what] =
    options.build === 'cli'
      ? ([
          process.execPath,
          ['--import', 'tsx', 'scripts/build.ts', '--cli-only'],
          'scripts/build.ts --cli-only',
        ] as const)
      : (['npm', ['run', 'build'], 'npm run build'] as const);
  say(`building greenlight once, in the checkout (${what}), before any job starts`);
  const { execFile } = await import('node:child_process');
  await new Promise<void>((resolve, reject) => {
    execFile(
      program,
      [...args],
      { cwd: checkout.dir, env: { ...options.env }, maxBuffer: 64 * 1024 * 1024 },
      (error, _stdout, stderr) => {
        if (error)
          reject(
            new RehearsalError(
              `${what} in the checkout failed: ${stderr.trim().split('\n').slice(-5).join('\n')}`,
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
  for (const account of host.accounts) {
    await controlClient(account.cloud.url).loadWorld({
      region: REHEARSAL_REGION,
      images: [{ id: imageId, name: 'web-al2023-node20-rehearsal' }],
    });
  }
}

function formatSeconds(seconds: number): string {
  return seconds >= 60 ? `${(seconds / 60).toFixed(1)} min` : `${seconds.toFixed(1)} s`;
}
