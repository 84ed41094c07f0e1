import {
  asList,
  asMap,
  expandedSteps,
  runSteps,
  upstreamOf,
  workflowJobs,
  workflowNames,
} from './circleci-config.js';
import type { CircleConfig, PipelineProblem, WorkflowJob } from './circleci-config.js';

// The order greenlight's pipeline promises, as checks on the parsed config:
// test → sam_deploy_dev → code_deploy_dev → gate_dev → hold_prod → sam_deploy_prod → code_deploy_prod → gate_prod

export const DELIVERY_ORDER = [
  'test',
  'sam_deploy_dev',
  'code_deploy_dev',
  'gate_dev',
  'hold_prod',
  'sam_deploy_prod',
  'code_deploy_prod',
  'gate_prod',
] as const;

export const CONTEXTS = { dev: 'greenlight-dev', prod: 'greenlight-prod' } as const;

/**
 * The sub-commands jobs run through the built CLI, `node bin/greenlight.js <sub-command>` — each
 * what the deployscript of DESIGN.md's layout runs from a checkout without a build.
 */
export const PIPELINE_COMMANDS = {
  'group apply': 'create-deployment-group.ts',
  deploy: 'create-deployment.ts',
  verify: 'verify-deployment.ts',
  rollback: 'rollback.ts',
  gate: 'gate.ts',
  'sam deploy': 'sam-deploy.ts',
  'assume-role': 'assume-role.ts',
} as const;

type PipelineCommand = keyof typeof PIPELINE_COMMANDS;

/** Whether a `run:` command runs this greenlight sub-command through the built CLI. */
export function runsGreenlight(command: string, sub: PipelineCommand): boolean {
  return new RegExp(`(^|\\s)node bin/greenlight\\.js ${sub}(\\s|$)`, 'm').test(command);
}

const LONG_LIVED_KEYS = /AWS_ACCESS_KEY_ID|AWS_SECRET_ACCESS_KEY|aws configure set/;

export function deliveryProblems(config: CircleConfig, configText: string): PipelineProblem[] {
  const problems: PipelineProblem[] = [];
  const workflow = workflowNames(config).find((name) =>
    workflowJobs(config, name).some((job) => job.name === 'gate_prod'),
  );
  if (workflow === undefined) return [{ where: 'workflows', message: 'no workflow runs gate_prod' }];
  const jobs = workflowJobs(config, workflow);
  const byName = new Map(jobs.map((job) => [job.name, job]));
  const where = (name: string): string => `workflows.${workflow}.${name}`;

  for (const [index, name] of DELIVERY_ORDER.entries()) {
    const job = byName.get(name);
    if (job === undefined) {
      problems.push({ where: where(name), message: `the workflow has no job ${name}` });
      continue;
    }
    const previous = DELIVERY_ORDER[index - 1];
    if (previous !== undefined && !asList(job.settings.requires).includes(previous)) {
      problems.push({ where: where(name), message: `${name} must require ${previous}` });
    }
  }

  const hold = byName.get('hold_prod');
  if (hold !== undefined && hold.settings.type !== 'approval') {
    problems.push({ where: where('hold_prod'), message: 'hold_prod must be type: approval' });
  }

  for (const job of jobs) {
    const environment = environmentOf(job);
    const contexts = asList(job.settings.context).map(String);
    if (environment === 'prod') {
      const upstream = upstreamOf(jobs, job.name);
      if (job.name !== 'hold_prod' && !upstream.has('hold_prod')) {
        problems.push({
          where: where(job.name),
          message: `${job.name} runs without waiting for the approval hold_prod`,
        });
      }
      if (!upstream.has('gate_dev')) {
        problems.push({
          where: where(job.name),
          message: `${job.name} does not wait for dev's bake (gate_dev)`,
        });
      }
      if (!onlyMain(job)) {
        problems.push({
          where: where(job.name),
          message: `${job.name} must run only on main (filters.branches.only: main)`,
        });
      }
    }
    if (environment !== undefined && job.settings.type !== 'approval') {
      if (contexts.length !== 1 || contexts[0] !== CONTEXTS[environment]) {
        problems.push({
          where: where(job.name),
          message: `${job.name} must run in context ${CONTEXTS[environment]} only`,
        });
      }
    }
    if (environment === undefined && contexts.length > 0) {
      problems.push({ where: where(job.name), message: `${job.name} deploys nothing and needs no context` });
    }
  }

  if (LONG_LIVED_KEYS.test(configText)) {
    problems.push({
      where: '.circleci/config.yml',
      message: 'long-lived AWS keys appear; use the OIDC deploy role',
    });
  }

  const definitions = new Set(jobs.filter((job) => job.settings.type !== 'approval').map((job) => job.job));
  for (const definition of definitions) problems.push(...jobProblems(config, definition));
  return problems;
}

function jobProblems(config: CircleConfig, job: string): PipelineProblem[] {
  const problems: PipelineProblem[] = [];
  const where = `jobs.${job}`;
  const steps = expandedSteps(config, job);
  const runs = runSteps(config, job);
  const commands = runs.map((run) => (typeof run.command === 'string' ? run.command : ''));
  const deploys = runs.filter((run) =>
    /deployscripts\/|greenlight\.js|\bsam (deploy|build)\b/.test(String(run.command)),
  );
  if (deploys.length === 0) return problems;
  const artifacts = steps
    .filter((step) => 'store_artifacts' in step)
    .map((step) => String(asMap(step.store_artifacts).path));
  const stored = (file: string) => artifacts.some((path) => file === path || file.startsWith(`${path}/`));

  // The built CLI, built once per job before its first use; never the sources through tsx.
  for (const command of commands) {
    if (/--import[= ]tsx|\btsx\s|deployscripts\//.test(command)) {
      problems.push({
        where,
        message: `runs the TypeScript sources (tsx) instead of the built CLI: ${command.split('\n')[0]!.trim()}`,
      });
    }
    for (const match of command.matchAll(/node bin\/greenlight\.js ((?:[a-z-]+)(?: [a-z]+)?)/g)) {
      const known = Object.keys(PIPELINE_COMMANDS).some(
        (sub) => match[1] === sub || match[1]!.startsWith(`${sub} `),
      );
      if (!known) problems.push({ where, message: `greenlight ${match[1]!} is not a pipeline command` });
    }
  }
  const build = commands.findIndex((command) => /^npm run build$/m.test(command));
  const install = commands.findIndex((command) => /^npm ci\b/m.test(command));
  const firstGreenlight = commands.findIndex((command) => /bin\/greenlight\.js/.test(command));
  if (firstGreenlight !== -1 && (build === -1 || build > firstGreenlight || build < install)) {
    problems.push({
      where,
      message: 'run `npm run build` after `npm ci` and before the first bin/greenlight.js',
    });
  }

  const oidc = runs.findIndex(
    (run) =>
      /CIRCLE_OIDC_TOKEN_V2/.test(String(run.command)) &&
      /AWS_WEB_IDENTITY_TOKEN_FILE|assume-role-with-web-identity/.test(String(run.command)),
  );
  const firstDeploy = runs.indexOf(deploys[0]!);
  if (oidc === -1 || oidc > firstDeploy) {
    problems.push({
      where,
      message: 'a deploy job must take its AWS credentials from the OIDC token before it deploys',
    });
  }
  for (const run of deploys) {
    if (typeof run.no_output_timeout !== 'string') {
      problems.push({
        where,
        message: `set no_output_timeout knowingly on: ${String(run.command).split('\n')[0]}`,
      });
    }
  }
  const deploysCode = commands.some((command) => runsGreenlight(command, 'deploy'));
  const gates = commands.some((command) => runsGreenlight(command, 'gate'));
  if (deploysCode) {
    const verify = commands.find((command) => runsGreenlight(command, 'verify')) ?? '';
    for (const flag of ['--junit', '--json', '--markdown', '--html']) {
      if (!verify.includes(flag)) problems.push({ where, message: `verify must write ${flag} reports` });
    }
    const junit = /--junit\s+(\S+)/.exec(verify)?.[1];
    const results = steps
      .filter((step) => 'store_test_results' in step)
      .map((step) => String(asMap(step.store_test_results).path));
    if (junit === undefined || !results.some((path) => junit === path || junit.startsWith(`${path}/`))) {
      problems.push({ where, message: 'the verify JUnit report must be stored with store_test_results' });
    }
    for (const flag of ['--markdown']) {
      const file = new RegExp(`${flag}\\s+(\\S+)`).exec(verify)?.[1];
      if (file === undefined || !stored(file)) {
        problems.push({ where, message: `the ${flag} report must be stored with store_artifacts` });
      }
    }
    // The HTML pages, the deploy step's own (written even when it fails) and the verification's.
    const deploy = commands.find((command) => runsGreenlight(command, 'deploy')) ?? '';
    for (const [what, command] of [
      ['deploy', deploy],
      ['verify', verify],
    ] as const) {
      const file = /--html\s+(\S+)/.exec(command)?.[1];
      if (file === undefined) problems.push({ where, message: `${what} must write an --html report` });
      else if (!stored(file)) {
        problems.push({ where, message: `the ${what} --html report must be stored with store_artifacts` });
      }
    }
    const json = /--json\s*>\s*(\S+)/.exec(verify)?.[1];
    if (json === undefined || !stored(json)) {
      problems.push({
        where,
        message: 'the --json report must be written to a file and stored with store_artifacts',
      });
    }
  }
  if (gates) {
    const gate = commands.find((command) => runsGreenlight(command, 'gate')) ?? '';
    const file = /--html\s+(\S+)/.exec(gate)?.[1];
    if (file === undefined) problems.push({ where, message: 'gate must write an --html report' });
    else if (!stored(file)) {
      problems.push({ where, message: 'the gate --html report must be stored with store_artifacts' });
    }
  }
  if (deploysCode || gates) {
    // A deploy job rolls back what it deployed in an on_fail step; a gate rolls back a failed bake
    // itself (gate --rollback-on-failure: only it knows the bake failed, rather than the gate refusing).
    const rollback =
      runs.some((run) => run.when === 'on_fail' && runsGreenlight(String(run.command), 'rollback')) ||
      (gates &&
        runs.some(
          (run) =>
            runsGreenlight(String(run.command), 'gate') &&
            /--rollback-on-failure\b/.test(String(run.command)),
        ));
    if (!rollback)
      problems.push({
        where,
        message: 'a job that changes the fleet must roll back on failure (when: on_fail)',
      });
  }
  return problems;
}

function environmentOf(job: WorkflowJob): 'dev' | 'prod' | undefined {
  if (job.name.endsWith('_prod')) return 'prod';
  if (job.name.endsWith('_dev')) return 'dev';
  return undefined;
}

function onlyMain(job: WorkflowJob): boolean {
  const branches = asMap(asMap(job.settings.filters).branches);
  const only = asList(branches.only).map(String);
  return only.length === 1 && only[0] === 'main' && branches.ignore === undefined;
}
