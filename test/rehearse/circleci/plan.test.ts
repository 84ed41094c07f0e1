// tier: unit
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import {
  CircleConfigError,
  formatPath,
  nextJobs,
  planWorkflow,
  readCircleConfig,
  type BuildJob,
  type JobOutcome,
  type PipelineValues,
  type RunStep,
  type WorkflowPlan,
} from '../../../src/rehearse/circleci/index.js';

const pipeline = (branch: string, extra: Partial<PipelineValues> = {}): PipelineValues => ({
  id: 'p-1',
  number: 7,
  branch,
  tag: undefined,
  revision: '0123abc',
  ...extra,
});

function plan(
  text: string,
  branch = 'main',
  workflow = 'w',
  extra: Partial<PipelineValues> = {},
): WorkflowPlan {
  return planWorkflow(readCircleConfig(text), { workflow, pipeline: pipeline(branch, extra) });
}

function build(result: WorkflowPlan, name: string): BuildJob {
  const job = result.jobs.find((candidate) => candidate.name === name);
  assert.ok(job, `job ${name} is planned`);
  assert.equal(job.type, 'build');
  return job;
}

function runs(job: BuildJob): RunStep[] {
  return job.steps.filter((step): step is RunStep => step.type === 'run');
}

/** The CircleConfigError `body` throws; fails the test when it throws something else or nothing. */
function configError(body: () => unknown): CircleConfigError {
  try {
    body();
  } catch (error) {
    if (error instanceof CircleConfigError) return error;
    throw error;
  }
  assert.fail('expected a CircleConfigError');
}

const head = `version: 2.1
executors:
  node:
    docker: [{image: cimg/node:20.19}, {image: postgres:16}]
    environment: {FROM_EXECUTOR: e, OVERRIDDEN: executor}
    working_directory: /srv/app
`;

// Others change .circleci/config.yml (issue 17 fixes the pipeline): these tests hold it to what the
// pipeline promises (prod only from main, after the approval and dev) rather than to its exact steps.
describe('the repository config, deliver workflow', () => {
  const text = readFileSync(new URL('../../../.circleci/config.yml', import.meta.url), 'utf8');
  const config = readCircleConfig(text);
  const onMain = planWorkflow(config, { workflow: 'deliver', pipeline: pipeline('main') });
  const onBranch = planWorkflow(config, { workflow: 'deliver', pipeline: pipeline('feature/x') });
  const names = (result: WorkflowPlan) => result.jobs.map((job) => job.name);
  const isProd = (name: string) => name.endsWith('_prod');

  it('on main: every job runs, the approval after dev and before every prod job', () => {
    assert.deepEqual(onMain.skipped, []);
    const order = names(onMain);
    for (const name of ['test', 'sam_deploy_dev', 'code_deploy_dev', 'gate_dev', 'hold_prod', 'gate_prod']) {
      assert.ok(order.includes(name), `${name} runs on main`);
    }
    const hold = onMain.jobs.find((job) => job.name === 'hold_prod');
    assert.equal(hold?.type, 'approval');
    assert.ok(order.indexOf('gate_dev') < order.indexOf('hold_prod'));
    for (const name of order.filter((n) => isProd(n) && n !== 'hold_prod')) {
      assert.ok(order.indexOf('hold_prod') < order.indexOf(name), `${name} comes after hold_prod`);
      assert.deepEqual(build(onMain, name).contexts, ['greenlight-prod']);
      assert.equal(build(onMain, name).parameters.env, 'prod');
    }
    assert.equal(build(onMain, 'test').executor.kind, 'machine');
  });

  it('on a feature branch: hold_prod and every prod job are filtered out, dev runs', () => {
    const skipped = onBranch.skipped.map((job) => job.name);
    assert.ok(skipped.includes('hold_prod'));
    assert.deepEqual(
      skipped.filter((name) => name !== 'hold_prod'),
      names(onMain).filter((name) => isProd(name) && name !== 'hold_prod'),
    );
    assert.deepEqual(
      names(onBranch),
      names(onMain).filter((name) => !skipped.includes(name)),
    );
    for (const name of ['test', 'sam_deploy_dev', 'code_deploy_dev', 'gate_dev']) {
      assert.ok(names(onBranch).includes(name), `${name} runs on a branch`);
    }
    const hold = onBranch.skipped.find((job) => job.name === 'hold_prod');
    assert.match(hold?.reason ?? '', /^branch feature\/x does not pass filters\.branches/);
  });

  it('expands every job into concrete steps: no << >> left, commands inlined with their parameters', () => {
    for (const job of onMain.jobs) {
      if (job.type !== 'build') continue;
      for (const step of job.steps) {
        const text = step.type === 'run' ? `${step.name} ${step.command}` : step.name;
        assert.doesNotMatch(text, /<</, `${job.name}: ${step.origin}`);
      }
    }
    const deploy = build(onMain, 'code_deploy_dev');
    assert.equal(deploy.steps[0]?.type, 'checkout');
    assert.match(
      deploy.steps[0]?.origin ?? '',
      /^jobs\.code_deploy\.steps\[0\] › commands\.install\.steps\[0\]$/,
    );
    const rollback = runs(deploy).filter((step) => step.origin.includes('commands.rollback_on_failure'));
    assert.ok(rollback.length > 0, 'code_deploy rolls back on failure');
    for (const step of rollback) {
      assert.equal(step.when, 'on_fail');
      assert.match(step.command, /--env dev\b/);
    }
    const gate = runs(build(onMain, 'gate_prod')).find((step) => /greenlight(\.js)? gate/.test(step.command));
    assert.ok(gate, 'gate_prod runs greenlight gate');
    const bake = build(onMain, 'gate_prod').parameters.bake;
    assert.equal(typeof bake, 'string');
    assert.ok(gate.command.includes(`--env prod --bake ${bake as string}`), gate.command);
    for (const step of deploy.steps.filter(
      (s) => s.type === 'store_artifacts' || s.type === 'store_test_results',
    )) {
      assert.equal(step.when, 'always');
    }
  });
});
describe('commands, parameters and conditions', () => {
  const config = `${head}
commands:
  greet:
    parameters:
      who: {type: string, default: world}
      loud: {type: boolean, default: false}
      times: {type: integer, default: 1}
      var: {type: env_var_name, default: GREETING}
      then: {type: steps, default: []}
    steps:
      - run:
          name: greet << parameters.who >>
          command: echo "hello << parameters.who >> x<< parameters.times >> $<< parameters.var >>"
      - when:
          condition: << parameters.loud >>
          steps:
            - run: echo LOUD << parameters.who >>
      - unless:
          condition: << parameters.loud >>
          steps: [{run: echo quiet}]
      - steps: << parameters.then >>
  twice:
    parameters:
      who: {type: string}
    steps:
      - greet: {who: << parameters.who >>, times: 2}
      - greet:
          who: again-<< parameters.who >>
          then:
            - run: echo nested << parameters.who >>
jobs:
  build:
    executor: node
    parameters:
      target: {type: enum, enum: [dev, prod]}
      loud: {type: boolean, default: true}
    environment: {OVERRIDDEN: job}
    steps:
      - checkout
      - greet: {who: << parameters.target >>, loud: << parameters.loud >>}
      - twice: {who: << parameters.target >>}
      - run:
          command: echo on << pipeline.git.branch >> at << pipeline.git.revision >> n<< pipeline.number >>
          no_output_timeout: 1h30m
          environment: {STEP: "1"}
          when: on_fail
          background: true
          shell: /bin/sh -e
          working_directory: sub
workflows:
  w:
    jobs:
      - build: {target: prod, context: [a, b], serial-group: deploy/<< pipeline.git.branch >>}
`;

  it('expands nested commands, typed parameters, when/unless and steps parameters', () => {
    const job = build(plan(config, 'main'), 'build');
    assert.deepEqual(
      runs(job).map((step) => step.command),
      [
        'echo "hello prod x1 $GREETING"',
        'echo LOUD prod',
        'echo "hello prod x2 $GREETING"',
        'echo LOUD prod'.replace('LOUD prod', 'quiet'),
        'echo "hello again-prod x1 $GREETING"',
        'echo quiet',
        'echo nested prod',
        'echo on main at 0123abc n7',
      ],
    );
    assert.equal(runs(job)[0]?.name, 'greet prod');
    assert.deepEqual(job.parameters, { target: 'prod', loud: true });
    assert.deepEqual(job.contexts, ['a', 'b']);
    assert.equal(job.serialGroup, 'deploy/main');
    assert.deepEqual(job.environment, { FROM_EXECUTOR: 'e', OVERRIDDEN: 'job' });
    assert.equal(job.workingDirectory, '/srv/app');
    assert.deepEqual(job.executor, {
      name: 'node',
      kind: 'docker',
      image: 'cimg/node:20.19',
      services: ['postgres:16'],
      resourceClass: undefined,
    });
    const last = runs(job).at(-1);
    assert.equal(last?.noOutputTimeoutMs, 90 * 60_000);
    assert.deepEqual(last?.environment, { STEP: '1' });
    assert.equal(last?.when, 'on_fail');
    assert.equal(last?.background, true);
    assert.equal(last?.shell, '/bin/sh -e');
    assert.equal(last?.workingDirectory, 'sub');
  });

  it('evaluates equal, and, or, not and matches in step conditions', () => {
    const text = `${head}
jobs:
  j:
    executor: node
    steps:
      - when:
          condition:
            and:
              - equal: [main, << pipeline.git.branch >>]
              - or: [false, 1]
              - not: {equal: [a, b]}
              - matches: {pattern: "ma.n", value: << pipeline.git.branch >>}
          steps: [{run: echo all}]
      - when:
          condition: {matches: {pattern: "ai", value: << pipeline.git.branch >>}}
          steps: [{run: echo partial match never}]
workflows:
  w: {jobs: [j]}
`;
    assert.deepEqual(
      runs(build(plan(text, 'main'), 'j')).map((s) => s.command),
      ['echo all'],
    );
    assert.deepEqual(
      runs(build(plan(text, 'dev'), 'j')).map((s) => s.command),
      [],
    );
  });

  it("reads yes/no/on/off as booleans, as CircleCI's YAML 1.1 does, and splices a steps parameter used as a step", () => {
    const text = `${head}
commands:
  wrap:
    parameters:
      inner: {type: steps}
      flag: {type: boolean, default: off}
    steps:
      - run: echo before
      - << parameters.inner >>
      - when: {condition: << parameters.flag >>, steps: [{run: echo flagged}]}
jobs:
  j:
    executor: node
    steps:
      - wrap: {inner: [{run: {command: echo inner, background: yes}}], flag: on}
      - run: {command: echo y, name: "y"}
workflows:
  w: {jobs: [j]}
`;
    const steps = runs(build(plan(text), 'j'));
    assert.deepEqual(
      steps.map((step) => `${step.command} ${step.background}`),
      ['echo before false', 'echo inner true', 'echo flagged false', 'echo y false'],
    );
    assert.equal(steps[1]?.origin, 'jobs.j.steps[0] › commands.wrap.steps[1][0]');
  });

  it('keeps an escaped \\<< as a literal << through every substitution pass', () => {
    const text = `${head}
jobs:
  j:
    executor: node
    parameters: {x: {type: string, default: value}}
    steps:
      - run: echo "\\<< parameters.x >> is << parameters.x >>, \\<< pipeline.git.branch >> is << pipeline.git.branch >>"
workflows:
  w: {jobs: [j]}
`;
    assert.deepEqual(
      runs(build(plan(text), 'j')).map((step) => step.command),
      ['echo "<< parameters.x >> is value, << pipeline.git.branch >> is main"'],
    );
  });

  it('reads pipeline parameters, with their defaults and given values', () => {
    const text = `${head}
parameters:
  deploy: {type: boolean, default: false}
jobs:
  j: {executor: node, steps: [{run: echo j}]}
workflows:
  w:
    when: << pipeline.parameters.deploy >>
    jobs: [j]
`;
    assert.equal(plan(text).runs, false);
    assert.deepEqual(plan(text).jobs, []);
    const given = plan(text, 'main', 'w', { parameters: { deploy: true } });
    assert.deepEqual(
      given.jobs.map((job) => job.name),
      ['j'],
    );
  });
});

describe('workflow filters and requires', () => {
  const jobs = `${head}
jobs:
  j: {executor: node, steps: [{run: echo j}]}
`;

  it('anchors /regex/ filters to the whole branch name; only before ignore', () => {
    const text = `${jobs}
workflows:
  w:
    jobs:
      - j: {name: feature, filters: {branches: {only: /feature-.*/}}}
      - j: {name: not-release, filters: {branches: {ignore: [/release\\/.*/, hotfix]}}}
      - j: {name: both, filters: {branches: {only: [/.*/], ignore: main}}}
`;
    const names = (branch: string) => plan(text, branch).jobs.map((job) => job.name);
    assert.deepEqual(names('feature-1'), ['feature', 'not-release', 'both']);
    assert.deepEqual(names('my-feature-1'), ['not-release', 'both']);
    assert.deepEqual(names('release/1.2'), ['both']);
    assert.deepEqual(names('hotfix'), ['both']);
    assert.deepEqual(names('main'), ['not-release']);
  });

  it('leaves out a job whose every requirement is left out, keeps one with a requirement left', () => {
    const text = `${jobs}
workflows:
  w:
    jobs:
      - j: {name: lint}
      - j: {name: build, filters: {branches: {only: main}}}
      - j: {name: publish, requires: [build]}
      - j: {name: after-publish, requires: [publish]}
      - j: {name: report, requires: [lint, build]}
`;
    const result = plan(text, 'dev');
    assert.deepEqual(
      result.jobs.map((job) => job.name),
      ['lint', 'report'],
    );
    assert.deepEqual(result.jobs[1]?.requires, [{ job: 'lint', statuses: ['success'] }]);
    assert.deepEqual(
      result.skipped.map((job) => `${job.name}: ${job.reason}`),
      [
        'build: branch dev does not pass filters.branches (only: main)',
        'publish: every job it requires (build) is left out',
        'after-publish: every job it requires (publish) is left out',
      ],
    );
  });

  it('runs on a tag only the jobs whose tags filter lets it through', () => {
    const text = `${jobs}
workflows:
  w:
    jobs:
      - j: {name: always}
      - j: {name: release, filters: {tags: {only: /v\\d+\\.\\d+/}, branches: {ignore: /.*/}}}
`;
    assert.deepEqual(
      plan(text, 'main').jobs.map((job) => job.name),
      ['always'],
    );
    const tagged = plan(text, '', 'w', { branch: undefined, tag: 'v1.2' });
    assert.deepEqual(
      tagged.jobs.map((job) => job.name),
      ['release'],
    );
  });

  it('orders jobs after what they require and reads required statuses', () => {
    const text = `${jobs}
workflows:
  w:
    jobs:
      - j: {name: cleanup, requires: [{tests: terminal}]}
      - j: {name: tests, requires: [setup]}
      - j: {name: setup}
      - j: {name: notify, requires: [{tests: [failed, canceled]}]}
`;
    const result = plan(text);
    assert.deepEqual(
      result.jobs.map((job) => job.name),
      ['setup', 'tests', 'cleanup', 'notify'],
    );
    assert.deepEqual(result.jobs[2]?.requires, [{ job: 'tests', statuses: ['terminal'] }]);

    const outcomes = new Map<string, JobOutcome>();
    const ready = () => nextJobs(result, outcomes).ready.map((job) => job.name);
    assert.deepEqual(ready(), ['setup']);
    outcomes.set('setup', 'success');
    assert.deepEqual(ready(), ['tests']);
    outcomes.set('tests', 'failed');
    assert.deepEqual(ready(), ['cleanup', 'notify']);
    outcomes.set('tests', 'success');
    const next = nextJobs(result, outcomes);
    assert.deepEqual(
      next.ready.map((job) => job.name),
      ['cleanup'],
    );
    assert.deepEqual(
      next.blocked.map((job) => job.name),
      ['notify'],
    );
  });

  it('keeps what requires a held approval waiting, and blocks what requires a failed job', () => {
    const text = readFileSync(new URL('../../../.circleci/config.yml', import.meta.url), 'utf8');
    const result = planWorkflow(readCircleConfig(text), { workflow: 'deliver', pipeline: pipeline('main') });
    const outcomes = new Map<string, JobOutcome>();
    // Every build job that can start succeeds; the approval is held: the run stops at it.
    for (let next = nextJobs(result, outcomes); ; next = nextJobs(result, outcomes)) {
      const builds = next.ready.filter((job) => job.type === 'build');
      if (builds.length === 0) break;
      for (const job of builds) outcomes.set(job.name, 'success');
    }
    assert.deepEqual(
      nextJobs(result, outcomes).ready.map((job) => job.name),
      ['hold_prod'],
    );
    assert.deepEqual(
      [...outcomes.keys()].filter((name) => name.endsWith('_prod')),
      [],
      'nothing of prod runs while hold_prod is held',
    );
    outcomes.set('hold_prod', 'success');
    const first = nextJobs(result, outcomes).ready;
    assert.ok(first.length > 0 && first.every((job) => job.name.endsWith('_prod')));
    for (const job of first) outcomes.set(job.name, 'failed');
    const after = nextJobs(result, outcomes);
    assert.deepEqual(after.ready, []);
    assert.ok(after.blocked.length > 0, 'what requires the failed prod job never runs');
  });
});

describe('job groups (job-groups:), run as one unit', () => {
  const text = `${head}
jobs:
  j: {executor: node, parameters: {env: {type: string, default: x}}, steps: [{run: echo j}]}
job-groups:
  deliver:
    jobs:
      - j: {name: stack, env: dev, context: dev}
      - j: {name: deploy, env: dev, context: dev, requires: [stack]}
      - j: {name: bake, env: dev, context: dev, requires: [deploy]}
workflows:
  w:
    jobs:
      - j: {name: test}
      - deliver:
          name: deliver_dev
          serial-group: gh/o/r/deploy-dev
          requires: [test]
          filters: {branches: {ignore: /docs-.*/}}
      - j: {name: notify, requires: [deliver_dev]}
`;

  it("stands for its jobs: the group's requires, filters and serial group reach each of them", () => {
    const result = plan(text, 'main');
    assert.deepEqual(
      result.jobs.map((job) => [job.name, job.requires.map((r) => r.job), job.serialGroup, job.jobGroup]),
      [
        ['test', [], undefined, undefined],
        ['stack', ['test'], 'gh/o/r/deploy-dev', 'deliver_dev'],
        ['deploy', ['stack'], 'gh/o/r/deploy-dev', 'deliver_dev'],
        ['bake', ['deploy'], 'gh/o/r/deploy-dev', 'deliver_dev'],
        ['notify', ['stack', 'deploy', 'bake'], undefined, undefined],
      ],
    );
    assert.deepEqual(build(result, 'deploy').contexts, ['dev']);
    assert.equal(build(result, 'deploy').parameters.env, 'dev');
    assert.match(build(result, 'deploy').origin, /^job-groups\.deliver\.jobs\[1\]/);

    const docs = plan(text, 'docs-typo');
    assert.deepEqual(
      docs.jobs.map((job) => job.name),
      ['test'],
    );
    assert.match(
      docs.skipped.find((job) => job.name === 'deploy')?.reason ?? '',
      /does not pass filters\.branches .*\(of job group deliver_dev\)/,
    );
  });

  it('refuses what CircleCI refuses: nesting, a serial group inside, a context or parameters on the invocation, requiring a job inside from outside', () => {
    const cases: [string, string, RegExp][] = [
      [
        'job-groups:\n  a: {jobs: [b]}\n  b: {jobs: [j]}\nworkflows:\n  w: {jobs: [a]}\n',
        'job-groups.a.jobs[0]',
        /groups do not nest/,
      ],
      [
        'job-groups:\n  a: {jobs: [{j: {serial-group: s}}]}\nworkflows:\n  w: {jobs: [a]}\n',
        'job-groups.a.jobs[0].j.serial-group',
        /give it to the group/,
      ],
      [
        'job-groups:\n  a: {jobs: [j]}\nworkflows:\n  w: {jobs: [{a: {context: c}}]}\n',
        'workflows.w.jobs[0].a.context',
        /does not take context/,
      ],
      [
        'job-groups:\n  a: {jobs: [j]}\nworkflows:\n  w: {jobs: [{a: {env: dev}}]}\n',
        'workflows.w.jobs[0].a.env',
        /takes no parameters/,
      ],
      [
        'job-groups:\n  a: {jobs: [j]}\nworkflows:\n  w: {jobs: [a, {j: {name: k, requires: [j]}}]}\n',
        'workflows.w.jobs[1].j.requires[0]',
        /runs inside job group "a": require the group/,
      ],
      [
        'job-groups:\n  a: {jobs: [{j: {requires: [x]}}]}\nworkflows:\n  w: {jobs: [{j: {name: x}}, a]}\n',
        'job-groups.a.jobs[0].j.requires[0]',
        /not a job of group "a"/,
      ],
      [
        'job-groups:\n  a: {jobs: [j], serial-group: s}\nworkflows:\n  w: {jobs: [a]}\n',
        'job-groups.a.serial-group',
        /unknown key/,
      ],
    ];
    for (const [tail, where, message] of cases) {
      const error = configError(() =>
        plan(`${head}\njobs:\n  j: {executor: node, steps: [{run: echo j}]}\n${tail}`),
      );
      assert.equal(formatPath(error.path), where, tail);
      assert.match(error.message, message, tail);
    }
  });
});

describe('errors name the file, the line and the key path', () => {
  const withJobs = (workflow: string, extra = '') => `${head}
commands:
  say:
    parameters: {what: {type: string}}
    steps: [{run: echo << parameters.what >>}]
  loop:
    steps: [loop]
jobs:
  gate:
    executor: node
    parameters:
      bake: {type: string}
      env: {type: enum, enum: [dev, prod], default: dev}
      count: {type: integer, default: 1}
    steps: [{run: echo << parameters.bake >>}]
${extra}
workflows:
  w:
    jobs:
${workflow}`;

  const cases: [string, string, RegExp][] = [
    [
      'a missing job parameter',
      withJobs('      - gate: {env: prod}'),
      /^\.circleci\/config\.yml:\d+: workflows\.w\.jobs\[0\]\.gate: parameter "bake" is required by job "gate"$/,
    ],
    [
      'an enum value outside its list',
      withJobs('      - gate: {bake: 10m, env: staging}'),
      /workflows\.w\.jobs\[0\]\.gate\.env: parameter "env" is of type enum: the value "staging" is not one of dev, prod/,
    ],
    [
      'a number for a string parameter',
      withJobs('      - gate: {bake: 10}'),
      /workflows\.w\.jobs\[0\]\.gate\.bake: parameter "bake" is of type string: the value 10 is not a string \(quote it\)/,
    ],
    [
      'a string for an integer parameter',
      withJobs('      - gate: {bake: 1m, count: many}'),
      /gate\.count: parameter "count" is of type integer/,
    ],
    [
      'an argument the job does not declare',
      withJobs('      - gate: {bake: 1m, bak: 2m}'),
      /workflows\.w\.jobs\[0\]\.gate\.bak: job "gate" has no parameter "bak" \(its parameters: bake, env, count\)/,
    ],
    [
      'an unknown job',
      withJobs('      - gates: {bake: 1m}'),
      /workflows\.w\.jobs\[0\]\.gates: no job "gates" under jobs: \(did you mean "gate"\?\)/,
    ],
    [
      'a misspelled workflow job setting',
      withJobs('      - gate: {bake: 1m, requries: [x]}'),
      /workflows\.w\.jobs\[0\]\.gate\.requries: job "gate" has no parameter "requries" \(did you mean "requires"\?\)/,
    ],
    [
      'an unknown command',
      withJobs('      - bad', '  bad:\n    executor: node\n    steps: [sai]'),
      /jobs\.bad\.steps\[0\]: unknown step or command "sai" \(did you mean "say"\?\)/,
    ],
    [
      'a command without its required parameter',
      withJobs('      - bad', '  bad:\n    executor: node\n    steps: [say]'),
      /jobs\.bad\.steps\[0\]: parameter "what" is required by command "say"/,
    ],
    [
      'a reference to an undeclared parameter',
      withJobs('      - bad', '  bad:\n    executor: node\n    steps: [{run: echo << parameters.nope >>}]'),
      /jobs\.bad\.steps\[0\]\.run: << parameters\.nope >>: job "bad" declares no parameter "nope"/,
    ],
    [
      'a misspelled run key',
      withJobs('      - bad', '  bad:\n    executor: node\n    steps: [{run: {command: x, wehn: always}}]'),
      /jobs\.bad\.steps\[0\]\.run\.wehn: unknown key: CircleCI does not accept it here/,
    ],
    [
      'a bad when value',
      withJobs(
        '      - bad',
        '  bad:\n    executor: node\n    steps: [{run: {command: x, when: sometimes}}]',
      ),
      /jobs\.bad\.steps\[0\]\.run\.when: must be one of "on_success", "on_fail", "always"/,
    ],
    [
      'a duration without a unit',
      withJobs(
        '      - bad',
        '  bad:\n    executor: node\n    steps: [{run: {command: x, no_output_timeout: 20}}]',
      ),
      /no_output_timeout: 20 has no unit/,
    ],
    [
      'a job without an executor',
      withJobs('      - bad', '  bad:\n    steps: [checkout]'),
      /jobs\.bad: the job has no executor/,
    ],
    [
      'a requirement that is not in the workflow',
      withJobs('      - gate: {bake: 1m, requires: [tset]}'),
      /workflows\.w\.jobs\[0\]\.gate\.requires\[0\]: requires "tset", which is not a job of this workflow/,
    ],
    [
      'a cycle in requires',
      withJobs(
        '      - gate: {name: a, bake: 1m, requires: [c]}\n      - gate: {name: b, bake: 1m, requires: [a]}\n      - gate: {name: c, bake: 1m, requires: [b]}',
      ),
      /requires form a cycle: a → c → b → a/,
    ],
    [
      'two jobs of the same name',
      withJobs('      - gate: {bake: 1m}\n      - gate: {bake: 2m}'),
      /workflows\.w\.jobs\[1\]\.gate: two jobs of the workflow are named "gate"/,
    ],
    [
      'a matrix',
      withJobs('      - gate: {matrix: {parameters: {bake: [1m, 2m]}}}'),
      /workflows\.w\.jobs\[0\]\.gate\.matrix: matrix jobs are not supported by the rehearsal/,
    ],
    [
      'an unknown pipeline value',
      withJobs('      - gate: {bake: << pipeline.git.brunch >>}'),
      /<< pipeline\.git\.brunch >> is not a pipeline value \(did you mean << pipeline\.git\.branch >>\?\)/,
    ],
    [
      'an unknown workflow job setting type',
      withJobs('      - gate: {bake: 1m, filters: {branch: {only: main}}}'),
      /workflows\.w\.jobs\[0\]\.gate\.filters\.branch: unknown key/,
    ],
    [
      'a command that invokes itself',
      withJobs('      - bad', '  bad:\n    executor: node\n    steps: [loop]'),
      /command "loop" invokes itself: loop → loop/,
    ],
  ];
  for (const [what, text, expected] of cases) {
    it(what, () => {
      const error = configError(() => plan(text));
      assert.match(error.message, expected);
      assert.equal(error.file, '.circleci/config.yml');
    });
  }

  it('puts the line of the offending key in the message', () => {
    const error = configError(() => plan(withJobs('      - gate: {env: prod}')));
    const lines = withJobs('      - gate: {env: prod}').split('\n');
    assert.equal(lines[(error.line ?? 0) - 1], '      - gate: {env: prod}');
  });

  it('refuses another version, orbs, and an unknown workflow', () => {
    assert.match(
      configError(() => readCircleConfig('version: 2\njobs: {}')).message,
      /version 2: the rehearsal reads version 2\.1 configs/,
    );
    assert.match(
      configError(() => readCircleConfig('version: 2.1\norbs: {node: circleci/node@5}')).message,
      /orbs: orbs are not supported/,
    );
    assert.match(
      configError(() => plan(withJobs('      - gate: {bake: 1m}'), 'main', 'deliver')).message,
      /no workflow "deliver" \(the config has: w\)/,
    );
    assert.match(
      configError(() => readCircleConfig('version: 2.1\njobs: [')).message,
      /^\.circleci\/config\.yml:\d+: \(top level\): not valid YAML/,
    );
  });
});
