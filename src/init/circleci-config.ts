import type { Runtime } from './runtime.js';
import { renderTemplate } from './template.js';
import { readTemplate } from './templates-dir.js';

// .circleci/config.yml for a team's app, after greenlight's own pipeline: a test job, then for each
// environment in delivery order a job group (sam_deploy when the team has the stack, code_deploy,
// gate) run in a serial group of the project; every environment after the first from main only, and
// production (the last) after a person approves.

export interface PipelineRequest {
  readonly app: string;
  /** In delivery order, with greenlight.yml's bake for each. */
  readonly environments: readonly { readonly name: string; readonly bake: string }[];
  readonly runtime: Runtime;
  /** package.json has a test script of its own (not npm init's "no test specified"). */
  readonly nodeTests: boolean;
  readonly pythonRequirements: boolean;
  /** sam_deploy jobs: the team has sam-template.yaml. */
  readonly sam: boolean;
  /** S3 revisions: the deploy step packs and uploads the checkout (--bundle .). */
  readonly s3: boolean;
  /** What `npm install` installs greenlight from, e.g. greenlight@0.1.0. */
  readonly packageSpec: string;
}

export function contextOf(app: string, env: string): string {
  return `${app}-${env}`;
}

export function renderCircleCiConfig(request: PipelineRequest): string {
  const { app, environments } = request;
  const names = environments.map((e) => e.name);
  const production = names.at(-1) ?? '';
  const contexts = names.map((n) => contextOf(app, n));
  return renderTemplate(
    readTemplate('circleci/config.yml'),
    {
      app,
      diagram: diagram(request),
      productionRule:
        names.length > 1
          ? `${production} (production) runs only from main, only after a person approves, and only after ${names.at(-2)} baked clean.`
          : `${production} (production) runs only from main, and only after the tests passed and a person approves.`,
      contexts: contexts.join(', '),
      deployRoleHint: request.sam ? 'the DeployRoleArn output of the stack' : 'the role CI deploys with',
      package: request.packageSpec,
      envList: names.join(', '),
      jobGroups: environments.map((e) => jobGroup(request, e.name, e.bake)).join('\n'),
      workflowJobs: workflow(request),
      node: request.runtime === 'node',
      python: request.runtime === 'python',
      nodeTests: request.nodeTests,
      pythonRequirements: request.pythonRequirements,
      sam: request.sam,
      s3: request.s3,
    },
    'templates/circleci/config.yml',
  );
}

function jobsOf(request: PipelineRequest, env: string): string[] {
  return [...(request.sam ? [`sam_deploy_${env}`] : []), `code_deploy_${env}`, `gate_${env}`];
}

function diagram(request: PipelineRequest): string {
  const names = request.environments.map((e) => e.name);
  const steps = ['test'];
  names.forEach((env, index) => {
    if (index === names.length - 1) steps.push(`hold_${env}`);
    steps.push(...jobsOf(request, env));
  });
  const lines: string[] = [];
  let line = '#  ';
  for (const [index, step] of steps.entries()) {
    const part = index === 0 ? ` ${step}` : ` ─► ${step}`;
    if (line.length + part.length > 104) {
      lines.push(line);
      line = '#    ';
    }
    line += part;
  }
  lines.push(line);
  const later = names.slice(1);
  if (later.length > 0) lines.push(`#   (${later.join(', ')}: main only; hold_${names.at(-1)}: an approval)`);
  return lines.join('\n');
}

function jobGroup(request: PipelineRequest, env: string, bake: string): string {
  const context = contextOf(request.app, env);
  const out = [`  deliver_${env}:`, '    jobs:'];
  let previous: string | undefined;
  const add = (job: string, name: string, extra: string[] = []) => {
    out.push(
      `      - ${job}:`,
      `          name: ${name}`,
      `          env: ${env}`,
      ...extra,
      `          context: ${context}`,
    );
    if (previous) out.push(`          requires: [${previous}]`);
    previous = name;
  };
  if (request.sam) add('sam_deploy', `sam_deploy_${env}`);
  add('code_deploy', `code_deploy_${env}`);
  add('gate', `gate_${env}`, [`          bake: ${bake}`]);
  return out.join('\n');
}

function workflow(request: PipelineRequest): string {
  const names = request.environments.map((e) => e.name);
  const out = ['      - test'];
  const mainOnly = ['          filters:', '            branches:', '              only: main'];
  let previous = 'test';
  names.forEach((env, index) => {
    const last = index === names.length - 1;
    if (last) {
      out.push(
        `      - hold_${env}:`,
        '          type: approval',
        `          requires: [${previous}]`,
        ...mainOnly,
      );
      previous = `hold_${env}`;
    }
    out.push(
      `      - deliver_${env}:`,
      `          serial-group: << pipeline.project.slug >>/deploy-${env}`,
      `          requires: [${previous}]`,
      ...(index > 0 || last ? mainOnly : []),
    );
    previous = `deliver_${env}`;
  });
  return out.join('\n');
}
