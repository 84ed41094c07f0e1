// tier: unit
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parse } from 'yaml';
import { OrbPackError, packOrb } from '../../scripts/pack-orb.js';
import {
  planWorkflow,
  readCircleConfig,
  type PipelineValues,
  type PlannedJob,
  type Step,
} from '../../src/rehearse/circleci/index.js';
import { compileCircleCiSchema, schemaProblems } from '../pipeline/circleci-config.js';
import { fencedBlocks, readReadme } from '../readme/blocks.js';
import { asMap, compileOrbSchema, configText, inlineOrb } from './orb-config.js';

// greenlight's CircleCI orb (orb/src/): packed as `circleci orb pack` packs it, checked against
// CircleCI's orb schema, and held to the repository's own pipeline — examples/circleci/config.yml is
// .circleci/config.yml written with the orb, and both are planned by the rehearsal's CircleCI engine
// and compared job for job and step for step, so the orb and the pipeline it came from never drift.

const root = new URL('../../', import.meta.url);
const read = (path: string): string => readFileSync(new URL(path, root), 'utf8');
const orb = packOrb(new URL('orb/src', root).pathname).value;
const validateOrb = compileOrbSchema();

const pipeline = (branch: string): PipelineValues => ({
  id: 'p-1',
  number: 7,
  branch,
  tag: undefined,
  revision: '0123456789abcdef0123456789abcdef01234567',
  projectSlug: 'gh/example/greenlight',
});

/** Where the orb's text is knowingly not the repository's: the orb cannot name your contexts. */
const KNOWN_DIFFERENCES: readonly (readonly [repository: string, orb: string])[] = [
  [
    'the job must run in a context (greenlight-dev or greenlight-prod).',
    "the job must run in a context (the environment's, which holds AWS_DEPLOY_ROLE_ARN).",
  ],
];

/** A planned job as it runs: without where each part was written, nor the definition's name and arguments. */
function asRun(job: PlannedJob): unknown {
  const strip = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(strip);
    if (typeof value === 'string')
      return KNOWN_DIFFERENCES.reduce((text, [repository, mine]) => text.replaceAll(repository, mine), value);
    if (typeof value !== 'object' || value === null) return value;
    return Object.fromEntries(
      Object.entries(value)
        .filter(([key]) => !['origin', 'job', 'parameters'].includes(key))
        .map(([key, inner]) => [key, strip(inner)]),
    );
  };
  const run = strip(job) as Record<string, unknown>;
  // The executor's name (the repository's `node`, the orb's `default`) is a label; its image and size run.
  if (typeof run.executor === 'object') run.executor = { ...asMap(run.executor), name: undefined };
  return run;
}

function plan(text: string, branch = 'main', workflow = 'deliver') {
  return planWorkflow(readCircleConfig(text), { workflow, pipeline: pipeline(branch) });
}

function stepsOf(text: string, job: string): readonly Step[] {
  const planned = plan(text).jobs.find((candidate) => candidate.name === job);
  assert.ok(planned?.type === 'build', `job ${job} is planned`);
  return planned.steps;
}

/** One orb command invoked alone, with these arguments, expanded into its steps. */
function commandSteps(orbValue: Record<string, unknown>, command: string, args: Record<string, unknown>) {
  const config = inlineOrb(
    {
      version: 2.1,
      orbs: { greenlight: 'example/greenlight@0.1' },
      jobs: { probe: { executor: 'greenlight/default', steps: [{ [`greenlight/${command}`]: args }] } },
      workflows: { probe: { jobs: ['probe'] } },
    },
    'greenlight',
    orbValue,
  );
  const planned = plan(configText(config), 'main', 'probe').jobs[0];
  assert.ok(planned?.type === 'build');
  return planned.steps;
}

/** Whether `part` is a run of consecutive steps of `whole` (compared as they run). */
function containsRun(whole: readonly Step[], part: readonly Step[]): boolean {
  const key = (step: Step) => JSON.stringify(asRun(step as unknown as PlannedJob));
  const wholeKeys = whole.map(key);
  const partKeys = part.map(key);
  return wholeKeys.some((_, start) => partKeys.every((k, i) => wholeKeys[start + i] === k));
}

describe('the orb, packed from orb/src', () => {
  it('has the commands, jobs, executor and example greenlight ships', () => {
    assert.deepEqual(Object.keys(asMap(orb.commands)).sort(), [
      'assume-role',
      'deploy',
      'gate',
      'group-apply',
      'rollback',
      'verify',
    ]);
    assert.deepEqual(Object.keys(asMap(orb.jobs)).sort(), ['bake', 'deliver']);
    assert.deepEqual(Object.keys(asMap(orb.executors)), ['default']);
    assert.deepEqual(Object.keys(asMap(orb.examples)), ['deliver']);
    assert.equal(orb.version, 2.1);
  });

  it('is valid against CircleCI’s orb schema', () => {
    assert.equal(validateOrb(orb), true, JSON.stringify(validateOrb.errors, null, 2));
  });

  it('says what every command, job, executor, example and parameter is for', () => {
    const missing: string[] = [];
    for (const section of ['commands', 'jobs', 'executors', 'examples']) {
      for (const [name, body] of Object.entries(asMap(orb[section]))) {
        if (typeof asMap(body).description !== 'string') missing.push(`${section}.${name}`);
        for (const [parameter, spec] of Object.entries(asMap(asMap(body).parameters))) {
          if (typeof asMap(spec).description !== 'string')
            missing.push(`${section}.${name}.parameters.${parameter}`);
        }
      }
    }
    assert.deepEqual(missing, []);
  });

  it('each example’s usage is a valid config, which plans with the orb inlined', () => {
    const validateConfig = compileCircleCiSchema();
    for (const [name, example] of Object.entries(asMap(orb.examples))) {
      const usage = asMap(asMap(example).usage);
      assert.deepEqual(schemaProblems(validateConfig, usage), [], name);
      const inlined = inlineOrb(usage, 'greenlight', orb);
      for (const workflow of Object.keys(asMap(usage.workflows))) {
        const planned = plan(configText(inlined), 'main', workflow);
        assert.ok(planned.jobs.length > 0, `${name}: ${workflow} plans jobs`);
        // With the orb's defaults: the project's own greenlight, after checkout and npm ci.
        const deliver = planned.jobs.find((job) => job.name === 'deploy_dev');
        assert.ok(deliver?.type === 'build');
        const commands = deliver.steps.flatMap((step) => (step.type === 'run' ? [step.command] : []));
        assert.equal(commands[0], 'npm ci --no-audit --no-fund');
        assert.ok(commands.some((command) => command.includes('npx --no greenlight deploy --env dev')));
      }
    }
  });
});

describe('CircleCI’s orb schema, as compileOrbSchema() has it', () => {
  const broken = (change: (copy: Record<string, unknown>) => void): Record<string, unknown> => {
    const copy = structuredClone(orb);
    change(copy);
    return copy;
  };

  it('refuses a top-level key CircleCI does not know, and a display link that is not https', () => {
    assert.equal(validateOrb(broken((copy) => (copy.displays = asMap(copy.display)))), false);
    assert.ok(validateOrb.errors?.some((error) => error.params.additionalProperty === 'displays'));
    assert.equal(validateOrb(broken((copy) => (asMap(copy.display).home_url = 'http://example.org'))), false);
  });

  it('refuses a command without steps, a parameter of an unknown type, an example without usage', () => {
    assert.equal(validateOrb(broken((copy) => delete asMap(asMap(copy.commands).gate).steps)), false);
    assert.equal(
      validateOrb(
        broken((copy) => (asMap(asMap(asMap(asMap(copy.commands).gate).parameters).bake).type = 'duration')),
      ),
      false,
    );
    assert.equal(validateOrb(broken((copy) => delete asMap(asMap(copy.examples).deliver).usage)), false);
  });

  it('reads a step named deploy inside the orb as CircleCI’s own step, not the orb’s command', () => {
    // Why the deliver job writes the deploy step out instead of invoking its deploy command.
    const invoked = broken((copy) => {
      const steps = asMap(asMap(copy.jobs).deliver).steps as unknown[];
      steps.push({ deploy: { env: '<< parameters.env >>' } });
    });
    assert.equal(validateOrb(invoked), false);
    assert.ok(validateOrb.errors?.some((error) => error.instancePath.startsWith('/jobs/deliver/steps/')));
  });
});

describe('the orb runs what .circleci/config.yml runs', () => {
  const repository = read('.circleci/config.yml');
  const withOrb = parse(read('examples/circleci/config.yml')) as Record<string, unknown>;

  it('examples/circleci/config.yml is a valid config that uses the orb', () => {
    assert.deepEqual(schemaProblems(compileCircleCiSchema(), withOrb), []);
    assert.equal(asMap(withOrb.orbs).greenlight, 'example/greenlight@0.1');
    const jobs = Object.keys(asMap(withOrb.jobs));
    assert.deepEqual(jobs, ['test', 'sam_deploy'], 'code_deploy and gate come from the orb');
  });

  for (const branch of ['main', 'feature/x']) {
    it(`plans, on ${branch}, into the same jobs with the same steps as .circleci/config.yml`, () => {
      const mine = plan(configText(inlineOrb(withOrb, 'greenlight', orb)), branch);
      const theirs = plan(repository, branch);
      assert.deepEqual(
        mine.jobs.map((job) => job.name),
        theirs.jobs.map((job) => job.name),
      );
      const skipped = (jobs: typeof mine.skipped) => jobs.map(({ name, reason }) => ({ name, reason }));
      assert.deepEqual(skipped(mine.skipped), skipped(theirs.skipped));
      for (const [index, job] of mine.jobs.entries()) {
        assert.deepEqual(asRun(job), asRun(theirs.jobs[index]!), job.name);
      }
    });
  }

  it('each command expands into the steps of the repository’s job it stands for', () => {
    const cli = 'node bin/greenlight.js';
    const deployJob = stepsOf(repository, 'code_deploy_dev');
    const gateJob = stepsOf(repository, 'gate_dev');
    const cases: [string, Record<string, unknown>, readonly Step[]][] = [
      ['assume-role', { env: 'dev', cli }, deployJob],
      ['group-apply', { env: 'dev', cli }, deployJob],
      ['deploy', { env: 'dev', cli }, deployJob],
      ['verify', { env: 'dev', cli }, deployJob],
      ['rollback', { env: 'dev', cli }, deployJob],
      ['gate', { env: 'dev', bake: '10m', cli }, gateJob],
    ];
    for (const [command, args, job] of cases) {
      const steps = commandSteps(orb, command, args);
      assert.ok(steps.length > 0, command);
      assert.ok(containsRun(job, steps), `greenlight/${command} is not a run of the repository's steps`);
    }
  });

  it('README’s "with and without the orb" shows the two files as they are', () => {
    const shown = fencedBlocks(readReadme('README.md'), 'README.md').filter((block) => block.lang === 'yaml');
    for (const file of ['.circleci/config.yml', 'examples/circleci/config.yml']) {
      const block = shown.find((candidate) => candidate.text.startsWith(`# ${file} `));
      assert.ok(block, `README.md shows ${file}`);
      const excerpt = parse(block.text) as Record<string, unknown>;
      const whole = parse(read(file)) as Record<string, unknown>;
      for (const [key, value] of Object.entries(excerpt)) {
        if (key === 'job-groups') {
          for (const [group, body] of Object.entries(asMap(value))) {
            assert.deepEqual(body, asMap(whole['job-groups'])[group], `${file}: job-groups.${group}`);
          }
        } else {
          assert.deepEqual(value, whole[key], `${file}: ${key}`);
        }
      }
    }
  });

  it('a drift between the two is caught', () => {
    const drifted = structuredClone(orb);
    const verify = asMap(asMap(drifted.commands).verify);
    const run = asMap(asMap((verify.steps as unknown[])[0]).run);
    run.command = String(run.command).replace('reports/verify.md', 'reports/summary.md');
    assert.ok(
      !containsRun(
        stepsOf(repository, 'code_deploy_dev'),
        commandSteps(drifted, 'verify', { env: 'dev', cli: 'node bin/greenlight.js' }),
      ),
    );
    const mine = plan(configText(inlineOrb(withOrb, 'greenlight', withJobStepChanged(orb))));
    const theirs = plan(repository);
    const job = mine.jobs.findIndex((candidate) => candidate.name === 'code_deploy_dev');
    assert.notDeepEqual(asRun(mine.jobs[job]!), asRun(theirs.jobs[job]!));
  });
});

/** The orb with its deliver job's group apply no longer given its environment. */
function withJobStepChanged(value: Record<string, unknown>): Record<string, unknown> {
  const copy = structuredClone(value);
  const group = asMap(asMap(copy.commands)['group-apply']);
  const run = asMap(asMap((group.steps as unknown[])[0]).run);
  run.command = '<< parameters.cli >> group apply';
  return copy;
}

describe('scripts/pack-orb.ts: the rules of circleci orb pack', () => {
  let source: string;
  const write = (path: string, text: string) => {
    mkdirSync(dirname(join(source, path)), { recursive: true });
    writeFileSync(join(source, path), text);
  };

  before(() => {
    source = mkdtempSync(join(tmpdir(), 'greenlight-orb-'));
    write('@orb.yml', 'version: 2.1\ndescription: << include(scripts/greet.sh) >>\n');
    write('commands/greet.yml', 'steps:\n  - run: echo "<< include(scripts/greet.sh) >>" done\n');
    write(
      'commands/aws/login.yml',
      'parameters:\n  quiet: {type: boolean, default: on}\n  label: {type: string, default: "on"}\nsteps:\n  - run: echo login\n',
    );
    write('commands/@shared.yml', 'top:\n  steps:\n    - run: echo top\n');
    write('jobs/unit.yml', 'steps: [greet]\n');
    write('examples/use.yml', 'description: shows << include(scripts/greet.sh) >>\nusage: {version: 2.1}\n');
    write('scripts/greet.sh', 'echo hello << parameters.name >>');
    write('commands/.draft.yml', 'steps: [{run: echo draft}]\n');
    write('commands/NOTES.md', '# not YAML\n');
  });
  after(() => rmSync(source, { recursive: true, force: true }));

  it('turns directories into keys and files into entries; deeper directories only organise', () => {
    const { value } = packOrb(source);
    assert.deepEqual(Object.keys(value).sort(), ['commands', 'description', 'examples', 'jobs', 'version']);
    assert.deepEqual(Object.keys(asMap(value.commands)).sort(), ['greet', 'login', 'top']);
    assert.deepEqual(asMap(value.jobs).unit, { steps: ['greet'] });
    // A directory holding no YAML (the included scripts) is no section of the orb.
    assert.equal(value.scripts, undefined);
  });

  it('inlines includes in jobs, commands and executors only, escaping << in what it inlines', () => {
    const { value } = packOrb(source);
    const greet = asMap(asMap(value.commands).greet);
    assert.deepEqual(greet.steps, [{ run: 'echo "echo hello \\<< parameters.name >>" done' }]);
    assert.equal(value.description, '<< include(scripts/greet.sh) >>');
    assert.equal(asMap(asMap(value.examples).use).description, 'shows << include(scripts/greet.sh) >>');
  });

  it('reads unquoted on/off/yes/no as booleans, as CircleCI’s compiler does, and a quoted "on" as a string', () => {
    const login = asMap(asMap(packOrb(source).value.commands).login);
    assert.equal(asMap(asMap(login.parameters).quiet).default, true);
    assert.equal(asMap(asMap(login.parameters).label).default, 'on');
  });

  it('writes the orb as YAML that reads back as the same orb', () => {
    const packed = packOrb(source);
    assert.deepEqual(parse(packed.text), packed.value);
    assert.match(packed.text, /^commands:\n {4}greet:/);
  });

  it('refuses two files that pack into one name, a missing include, and a file that is not a map', () => {
    write('commands/login.yml', 'steps: [{run: echo other}]\n');
    assert.throws(
      () => packOrb(source),
      (error: unknown) =>
        error instanceof OrbPackError &&
        /commands\/login\.yml and commands\/aws\/login\.yml both define "login"/.test(error.message),
    );
    rmSync(join(source, 'commands/login.yml'));
    write('executors/box.yml', 'docker: [{image: << include(scripts/missing.txt) >>}]\n');
    assert.throws(() => packOrb(source), /include\(scripts\/missing\.txt\).*ENOENT/);
    rmSync(join(source, 'executors/box.yml'));
    write('jobs/list.yml', '- a\n- b\n');
    assert.throws(() => packOrb(source), /jobs\/list\.yml: a file of an orb's source holds a YAML map/);
    rmSync(join(source, 'jobs/list.yml'));
    assert.doesNotThrow(() => packOrb(source));
  });
});
