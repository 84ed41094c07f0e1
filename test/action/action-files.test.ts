// tier: unit
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describe, it } from 'node:test';
import { parse } from 'yaml';
import { COMMANDS } from '../../action/src/invocation.js';

// action.yml and examples/github-actions/deploy.yml, checked with @action-validator/core (GitHub's
// action and workflow schemas as of today, in WebAssembly, in this process: schemastore's copy of
// the action schema allows only node12 and node16), then held to what the action's code reads and
// writes and to what the example promises (OIDC, environments, one run per environment, gates).

const require = createRequire(import.meta.url);
const validator = require('@action-validator/core') as {
  validateAction(src: string): { errors: unknown[] };
  validateWorkflow(src: string): { errors: unknown[] };
};
const root = new URL('../../', import.meta.url);
const read = (path: string): string => readFileSync(new URL(path, root), 'utf8');

type Map = Record<string, unknown>;
const asMap = (value: unknown): Map =>
  typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Map) : {};

const actionText = read('action.yml');
const action = parse(actionText) as Map;
const workflowText = read('examples/github-actions/deploy.yml');
const workflow = parse(workflowText) as Map;
const mainSource = ['action/src/main.ts', 'action/src/invocation.ts'].map(read).join('\n');

describe('action.yml', () => {
  it('is a valid action (GitHub’s schema, @action-validator/core)', () => {
    assert.deepEqual(validator.validateAction(actionText).errors, []);
  });

  it('is a JavaScript action on node20 whose entry point is in the repository, built', () => {
    const runs = asMap(action.runs);
    assert.equal(runs.using, 'node20');
    assert.equal(runs.main, 'action/dist/index.js');
    for (const file of ['action/dist/index.js', 'action/dist/package.json']) {
      assert.ok(existsSync(new URL(file, root)), `${file} is committed (npm run build:action)`);
    }
  });

  it('says which greenlight it runs, and how to pin another (the cli input)', () => {
    const description = String(action.description).replace(/\s+/g, ' ');
    assert.match(description, /project's own greenlight/);
    assert.match(description, /published package at the action's version/);
    assert.match(description, /cli input/);
    const cli = String(asMap(asMap(action.inputs).cli).description).replace(/\s+/g, ' ');
    assert.match(cli, /node_modules\/\.bin\/greenlight/);
    const { name } = JSON.parse(read('package.json')) as { name: string };
    assert.ok(cli.includes(`npx --yes ${name}@`), `the cli input names the package, ${name}`);
  });

  it('declares the inputs the code reads and the outputs it sets, each described', () => {
    const read = [...mainSource.matchAll(/core\.getInput\('([a-z-]+)'/g)].map((m) => m[1]).sort();
    const set = [...mainSource.matchAll(/core\.setOutput\('([a-z-]+)'/g)].map((m) => m[1]);
    assert.deepEqual(Object.keys(asMap(action.inputs)).sort(), read);
    assert.deepEqual(Object.keys(asMap(action.outputs)).sort(), [...new Set(set)].sort());
    for (const [name, spec] of [
      ...Object.entries(asMap(action.inputs)),
      ...Object.entries(asMap(action.outputs)),
    ]) {
      assert.equal(typeof asMap(spec).description, 'string', name);
    }
    // The command input lists every command the action runs.
    const listed = String(asMap(asMap(action.inputs).command).description);
    for (const command of Object.keys(COMMANDS)) assert.ok(listed.includes(command), command);
  });

  it('the validator refuses a broken copy: a runtime GitHub does not have, a missing entry point', () => {
    const broken = (from: string, to: string) =>
      validator.validateAction(actionText.replace(from, to)).errors;
    assert.notDeepEqual(broken('using: node20', 'using: node18'), []);
    assert.notDeepEqual(broken('  main: action/dist/index.js', '  entry: action/dist/index.js'), []);
    assert.notDeepEqual(broken('outputs:', 'output:'), []);
  });
});

describe('examples/github-actions/deploy.yml', () => {
  const jobs = asMap(workflow.jobs);
  const steps = (job: string) => (asMap(jobs[job]).steps as Map[] | undefined) ?? [];
  const greenlight = (job: string) =>
    steps(job).filter((step) => String(step.uses).startsWith('example/greenlight@'));

  it('is a valid workflow (GitHub’s schema, @action-validator/core)', () => {
    assert.deepEqual(validator.validateWorkflow(workflowText).errors, []);
  });

  it('delivers dev → impl → prod, each job in its GitHub environment (where the required reviewers are set)', () => {
    assert.deepEqual(Object.keys(jobs), ['dev', 'impl', 'prod']);
    assert.equal(asMap(jobs.dev).needs, undefined);
    assert.equal(asMap(jobs.impl).needs, 'dev');
    assert.equal(asMap(jobs.prod).needs, 'impl');
    for (const name of Object.keys(jobs)) assert.equal(asMap(jobs[name]).environment, name);
    assert.match(workflowText, /Required reviewers are set there/);
  });

  it('runs one deployment per environment at a time, never cancelling one in progress', () => {
    const groups = new Set<string>();
    for (const name of Object.keys(jobs)) {
      const concurrency = asMap(asMap(jobs[name]).concurrency);
      assert.equal(concurrency['cancel-in-progress'], false, name);
      assert.match(String(concurrency.group), new RegExp(`-${name}$`));
      groups.add(String(concurrency.group));
    }
    assert.equal(groups.size, 3, 'a group per environment');
  });

  it('takes AWS credentials from the OIDC token (id-token: write, role-to-assume), never from keys', () => {
    assert.deepEqual(asMap(workflow.permissions), { contents: 'read' });
    assert.doesNotMatch(workflowText, /aws-access-key-id|aws-secret-access-key|AWS_SECRET_ACCESS_KEY/);
    for (const name of Object.keys(jobs)) {
      assert.equal(asMap(asMap(jobs[name]).permissions)['id-token'], 'write', name);
      const credentials = steps(name).findIndex((step) =>
        String(step.uses).startsWith('aws-actions/configure-aws-credentials@'),
      );
      assert.ok(credentials >= 0, name);
      assert.match(
        String(asMap(steps(name)[credentials]!.with)['role-to-assume']),
        /^\$\{\{ vars\.AWS_DEPLOY_ROLE_ARN \}\}$/,
      );
      const first = steps(name).findIndex((step) => String(step.uses).startsWith('example/greenlight@'));
      assert.ok(credentials < first, `${name}: credentials before greenlight`);
    }
  });

  it('applies the group, deploys this commit, gates it, and rolls back only what the job deployed', () => {
    const inputs = new Set(Object.keys(asMap(action.inputs)));
    for (const name of Object.keys(jobs)) {
      const used = greenlight(name).map((step) => asMap(step.with));
      assert.deepEqual(
        used.map((w) => w.command),
        ['group-apply', 'deploy', 'gate', 'rollback'],
        name,
      );
      for (const w of used) {
        assert.equal(w.env, name);
        for (const key of Object.keys(w))
          assert.ok(inputs.has(key), `${name}: ${key} is an input of action.yml`);
      }
      const [, deploy, gate, rollback] = greenlight(name);
      assert.equal(asMap(deploy!.with).revision, '${{ github.sha }}');
      assert.equal(asMap(gate!.with).revision, '${{ github.sha }}');
      assert.match(String(asMap(gate!.with).args), /--rollback-on-failure/);
      assert.equal(
        asMap(rollback!.with)['deployment-id'],
        `\${{ steps.${String(deploy!.id)}.outputs.deployment-id }}`,
      );
      assert.match(String(rollback!.if), /failure\(\)/);
    }
  });
});
