// tier: unit
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { parse } from 'yaml';
import { formatDuration } from '../../src/config/duration.js';
import { loadConfig } from '../../src/config/load.js';
import {
  asMap,
  compileCircleCiSchema,
  crossReferenceProblems,
  runSteps,
  schemaProblems,
  workflowJobs,
  writtenSettings,
} from './circleci-config.js';
import type { CircleConfig } from './circleci-config.js';
import { CONTEXTS, deliveryProblems, PIPELINE_COMMANDS, runsGreenlight } from './delivery.js';
import { nodeTestArguments, TIERS } from '../support/tiers.js';

const root = new URL('../../', import.meta.url);
const configText = readFileSync(new URL('.circleci/config.yml', root), 'utf8');
const config = parse(configText) as CircleConfig;
const validate = compileCircleCiSchema();
const contexts = Object.values(CONTEXTS);

function copy(): CircleConfig {
  return structuredClone(config);
}

/** A job's settings as it runs (with its job group's). */
function entry(document: CircleConfig, name: string): Record<string, unknown> {
  const found = workflowJobs(document, 'deliver').find((job) => job.name === name);
  assert.ok(found, `workflow job ${name}`);
  return found.settings;
}

/** An entry's settings as written (a job group's invocation, or a job in the workflow or a group), to break. */
function written(document: CircleConfig, name: string): Record<string, unknown> {
  const found = writtenSettings(document, 'deliver', name);
  assert.ok(found, `workflow entry ${name}`);
  return found;
}

describe('.circleci/config.yml', () => {
  it('is valid against CircleCI’s JSON schema', () => {
    assert.deepEqual(schemaProblems(validate, config), []);
    assert.equal(config.version, 2.1);
  });

  it('refers only to jobs, commands, executors, parameters and contexts that exist', () => {
    assert.deepEqual(crossReferenceProblems(config, contexts), []);
  });

  it('delivers in order: tests, dev, its bake, an approval, then production from main only', () => {
    assert.deepEqual(deliveryProblems(config, configText), []);
  });

  it('runs the README’s test command and stores its JUnit results', () => {
    const [command] = runSteps(config, 'test').map((run) => String(run.command));
    assert.ok(command);
    // .ci/run installs the suite's system packages, then runs `npm ci` and `npm test`.
    const ciRun = readFileSync(new URL('.ci/run', root), 'utf8');
    assert.match(ciRun, /^npm ci\b/m);
    assert.match(ciRun, /^npm test$/m);
    assert.match(command, /\.ci\/run/);
    // `npm test` runs every tier; with GREENLIGHT_TEST_JUNIT_DIR each tier writes its own JUnit report
    // into the directory CircleCI stores (one file per tier, so no tier overwrites another's).
    const script = (
      JSON.parse(readFileSync(new URL('package.json', root), 'utf8')) as { scripts: Record<string, string> }
    ).scripts;
    // scripts/test-all.ts: the static checks beside the unit and integration tiers, then e2e.
    assert.equal(script.test, 'node --import tsx scripts/test-all.ts');
    const testAll = readFileSync(new URL('scripts/test-all.ts', root), 'utf8');
    assert.match(testAll, /Promise\.all\(\[run\('checks\.ts'\), tiers\('unit', 'integration'\)\]\)/);
    assert.match(testAll, /await tiers\('e2e'\)/);
    assert.equal(script.check, 'node --import tsx scripts/checks.ts');
    for (const tier of TIERS) {
      assert.equal(script[`test:${tier}`], `node --import tsx scripts/test-tier.ts ${tier}`);
    }
    assert.doesNotMatch(command, /NODE_OPTIONS/);
    const junit = /-e GREENLIGHT_TEST_JUNIT_DIR=(\S+)/.exec(command)?.[1];
    assert.equal(junit, 'reports');
    const destinations = TIERS.map((tier) =>
      nodeTestArguments(tier, [], [], { GREENLIGHT_TEST_JUNIT_DIR: junit })
        .filter((arg) => arg.startsWith('--test-reporter'))
        .join(' '),
    );
    assert.deepEqual(destinations, [
      '--test-reporter=spec --test-reporter-destination=stdout --test-reporter=junit --test-reporter-destination=reports/test-unit.xml',
      '--test-reporter=spec --test-reporter-destination=stdout --test-reporter=junit --test-reporter-destination=reports/test-integration.xml',
      '--test-reporter=spec --test-reporter-destination=stdout --test-reporter=junit --test-reporter-destination=reports/test-e2e.xml',
      '--test-reporter=spec --test-reporter-destination=stdout --test-reporter=junit --test-reporter-destination=reports/test-rehearsal.xml',
    ]);
    const stored = asMap(config.jobs).test as { steps: Record<string, { path?: string }>[] };
    assert.ok(stored.steps.some((step) => step.store_test_results?.path === 'reports'));
  });

  it("runs each environment's jobs as one job group, in one serial group of the project across pipelines", () => {
    // A serial group on each job holds one job at a time: another pipeline's job could run between
    // them (finding H2 of issue 17). A job group holds it from its first job to its last.
    for (const env of ['dev', 'prod']) {
      assert.equal(
        written(config, `deliver_${env}`)['serial-group'],
        `<< pipeline.project.slug >>/deploy-${env}`,
      );
      for (const job of ['sam_deploy', 'code_deploy', 'gate']) {
        const run = workflowJobs(config, 'deliver').find((j) => j.name === `${job}_${env}`);
        assert.equal(run?.group, `deliver_${env}`, `${job}_${env}`);
        assert.equal(run?.raw['serial-group'], undefined, `${job}_${env}: not a serial group of its own`);
      }
    }
  });

  it('bakes each environment as long as greenlight.yml says', () => {
    const greenlight = loadConfig({ path: new URL('greenlight.yml', root).pathname });
    for (const name of ['dev', 'prod']) {
      const bake = String(entry(config, `gate_${name}`).bake);
      assert.equal(bake, formatDuration(greenlight.environments.get(name)!.bakeMs));
    }
  });

  it('runs greenlight sam deploy, as deployscripts/sam-deploy.ts does', () => {
    assert.ok(existsSync(new URL('deployscripts/sam-deploy.ts', root)));
    assert.ok(
      runSteps(config, 'sam_deploy').some((run) => runsGreenlight(String(run.command), 'sam deploy')),
    );
  });

  it('builds once per job and runs the built CLI, never the sources through tsx', () => {
    for (const job of ['sam_deploy', 'code_deploy', 'gate']) {
      const commands = runSteps(config, job).map((run) => String(run.command));
      assert.equal(commands.filter((command) => command === 'npm run build').length, 1, job);
      assert.ok(
        commands.some((command) => /node bin\/greenlight\.js /.test(command)),
        job,
      );
      assert.ok(!commands.some((command) => /tsx|deployscripts\//.test(command)), job);
    }
    // Each sub-command the pipeline runs is the one its deployscript runs from a checkout.
    for (const [sub, script] of Object.entries(PIPELINE_COMMANDS)) {
      const text = readFileSync(new URL(`deployscripts/${script}`, root), 'utf8');
      const argv = sub
        .split(' ')
        .map((word) => `'${word}'`)
        .join(', ');
      assert.ok(text.includes(`process.argv.splice(2, 0, ${argv});`), `${script} runs ${sub}`);
      assert.ok(
        text.includes("import(new URL('../bin/greenlight.js', import.meta.url).href)"),
        `${script} runs the bin`,
      );
    }
    // The build the jobs run is the package's.
    const scripts = (
      JSON.parse(readFileSync(new URL('package.json', root), 'utf8')) as { scripts: Record<string, string> }
    ).scripts;
    assert.match(scripts.build!, /scripts\/build\.ts/);
  });
});

describe('the static checks catch broken copies of .circleci/config.yml', () => {
  it('production that does not wait for the approval', () => {
    const broken = copy();
    written(broken, 'deliver_prod').requires = ['deliver_dev'];
    const messages = deliveryProblems(broken, configText).map((problem) => problem.message);
    assert.deepEqual(messages, [
      'sam_deploy_prod must require hold_prod',
      'sam_deploy_prod runs without waiting for the approval hold_prod',
      'code_deploy_prod runs without waiting for the approval hold_prod',
      'gate_prod runs without waiting for the approval hold_prod',
    ]);
  });

  it('an approval that is not an approval, and one that does not wait for dev’s bake', () => {
    const broken = copy();
    delete written(broken, 'hold_prod').type;
    written(broken, 'hold_prod').requires = ['test'];
    const messages = deliveryProblems(broken, configText).map((problem) => problem.message);
    assert.ok(messages.includes('hold_prod must require gate_dev'), messages.join('\n'));
    assert.ok(messages.includes('hold_prod must be type: approval'));
    assert.ok(messages.includes("gate_prod does not wait for dev's bake (gate_dev)"));
  });

  it('production from any branch, and in the dev context', () => {
    const broken = copy();
    delete written(broken, 'deliver_prod').filters;
    written(broken, 'gate_prod').context = 'greenlight-dev';
    const messages = deliveryProblems(broken, configText).map((problem) => problem.message);
    assert.deepEqual(messages, [
      'sam_deploy_prod must run only on main (filters.branches.only: main)',
      'code_deploy_prod must run only on main (filters.branches.only: main)',
      'gate_prod must run only on main (filters.branches.only: main)',
      'gate_prod must run in context greenlight-prod only',
    ]);
  });

  it('requires naming a job that is not in the workflow, a job that is not defined, an unknown context', () => {
    const broken = copy();
    written(broken, 'gate_dev').requires = ['code_deploy_development'];
    written(broken, 'gate_dev').context = 'greenlight-staging';
    const jobs = (asMap(broken.workflows).deliver as { jobs: unknown[] }).jobs;
    jobs.push({ smoke_test: { requires: ['gate_dev'] } });
    assert.deepEqual(
      crossReferenceProblems(broken, contexts).map((problem) => problem.message),
      [
        'context greenlight-staging is not one of greenlight-dev, greenlight-prod',
        'runs job smoke_test, which is neither under jobs: nor from a declared orb',
        'requires code_deploy_development, which is not a job of workflow deliver',
        'requires gate_dev, which runs inside job group deliver_dev: require the group',
      ],
    );
  });

  it('a job that does not store the verification’s JUnit report', () => {
    const broken = copy();
    const job = asMap(broken.jobs).code_deploy as { steps: unknown[] };
    job.steps = job.steps.filter(
      (step) => !(typeof step === 'object' && step !== null && 'store_test_results' in step),
    );
    const messages = deliveryProblems(broken, configText).map((problem) => problem.message);
    assert.deepEqual(messages, ['the verify JUnit report must be stored with store_test_results']);
  });

  it('HTML reports that are not written, or written and not stored as artifacts', () => {
    const broken = copy();
    const notStored = (step: unknown, file: string) =>
      !(typeof step === 'object' && step !== null && asMap(asMap(step).store_artifacts).path === file);
    const deploy = asMap(broken.jobs).code_deploy as { steps: Record<string, Record<string, unknown>>[] };
    deploy.steps = deploy.steps.filter((step) => notStored(step, 'reports/deploy.html'));
    const verify = deploy.steps.find((step) => String(step.run?.name).startsWith('greenlight verify'))!;
    verify.run!.command = String(verify.run!.command).replace(' --html reports/verify.html', '');
    const gate = asMap(broken.jobs).gate as { steps: unknown[] };
    gate.steps = gate.steps.filter((step) => notStored(step, 'reports/gate.html'));
    const messages = deliveryProblems(broken, configText).map(
      (problem) => `${problem.where}: ${problem.message}`,
    );
    assert.deepEqual(messages, [
      'jobs.code_deploy: verify must write --html reports',
      'jobs.code_deploy: the deploy --html report must be stored with store_artifacts',
      'jobs.code_deploy: verify must write an --html report',
      'jobs.gate: the gate --html report must be stored with store_artifacts',
    ]);
  });

  it('long-lived AWS keys, and a deploy job without the OIDC step', () => {
    const broken = copy();
    const job = asMap(broken.jobs).gate as { steps: unknown[] };
    job.steps = job.steps.filter(
      (step) => !(typeof step === 'object' && step !== null && 'assume_deploy_role' in step),
    );
    const text = `${configText}\n# export AWS_ACCESS_KEY_ID=AKIA...\n`;
    const messages = deliveryProblems(broken, text).map((problem) => `${problem.where}: ${problem.message}`);
    assert.deepEqual(messages, [
      '.circleci/config.yml: long-lived AWS keys appear; use the OIDC deploy role',
      'jobs.gate: a deploy job must take its AWS credentials from the OIDC token before it deploys',
    ]);
  });

  it('a deploy step without no_output_timeout, and no rollback on failure', () => {
    const broken = copy();
    const job = asMap(broken.jobs).gate as { steps: unknown[] };
    job.steps = job.steps
      .filter((step) => !(typeof step === 'object' && step !== null && 'rollback_on_failure' in step))
      .map((step) => {
        const run = asMap(asMap(step).run);
        if (typeof run.command === 'string' && run.command.includes('greenlight.js gate')) {
          delete run.no_output_timeout;
          run.command = run.command.replace(' --rollback-on-failure', '');
        }
        return step;
      });
    const messages = deliveryProblems(broken, configText).map((problem) => problem.message);
    assert.equal(messages.length, 2, messages.join('\n'));
    assert.match(messages[0]!, /^set no_output_timeout knowingly on: node bin\/greenlight\.js gate --env/);
    assert.equal(messages[1], 'a job that changes the fleet must roll back on failure (when: on_fail)');
  });

  it('a job that runs the sources through tsx, and one that runs greenlight before building it', () => {
    const broken = copy();
    const gate = asMap(broken.jobs).gate as { steps: Record<string, Record<string, unknown>>[] };
    const step = gate.steps.find((s) => String(s.run?.command).includes('greenlight.js gate'))!;
    step.run!.command = String(step.run!.command).replace(
      'node bin/greenlight.js gate',
      'node --import tsx deployscripts/gate.ts',
    );
    const commands = asMap(broken.commands).install as { steps: unknown[] };
    commands.steps = commands.steps.filter((s) => asMap(asMap(s).run).command !== 'npm run build');
    const messages = deliveryProblems(broken, configText).map(
      (problem) => `${problem.where}: ${problem.message}`,
    );
    assert.deepEqual(messages, [
      'jobs.sam_deploy: run `npm run build` after `npm ci` and before the first bin/greenlight.js',
      'jobs.code_deploy: run `npm run build` after `npm ci` and before the first bin/greenlight.js',
      'jobs.gate: runs the TypeScript sources (tsx) instead of the built CLI: node --import tsx deployscripts/gate.ts --env << parameters.env >> --bake << parameters.bake >> \\',
      'jobs.gate: run `npm run build` after `npm ci` and before the first bin/greenlight.js',
    ]);
  });

  it('what only the schema knows: an unknown step option and a job without steps', () => {
    const broken = copy();
    const job = asMap(broken.jobs).code_deploy as { steps: Record<string, Record<string, unknown>>[] };
    const verify = job.steps.find((step) => String(step.run?.name).startsWith('greenlight verify'))!;
    verify.run!.when = 'sometimes';
    delete (asMap(broken.jobs).test as Record<string, unknown>).steps;
    const problems = schemaProblems(validate, broken);
    assert.ok(
      problems.some((problem) => problem.where === '/jobs/test' && /steps/.test(problem.message)),
      JSON.stringify(problems),
    );
    assert.ok(
      problems.some((problem) => problem.where.startsWith('/jobs/code_deploy/steps/')),
      JSON.stringify(problems),
    );
  });
});
