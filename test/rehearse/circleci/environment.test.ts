// tier: unit
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import {
  builtinEnvironment,
  layerEnvironment,
  planWorkflow,
  readCircleConfig,
  type BuildJob,
  type BuiltinInputs,
} from '../../../src/rehearse/circleci/index.js';

describe('a job environment below its own environment:', () => {
  const text = readFileSync(new URL('../../../.circleci/config.yml', import.meta.url), 'utf8');
  const pipeline = { id: 'p', number: 3, branch: 'main', tag: undefined, revision: 'abc123' };
  const plan = planWorkflow(readCircleConfig(text), { workflow: 'deliver', pipeline });
  const job = (name: string) => plan.jobs.find((candidate) => candidate.name === name) as BuildJob;
  const inputs = (name: string): BuiltinInputs => ({
    job: job(name),
    pipeline,
    workflowId: 'wf-1',
    workflowJobId: 'wj-1',
    buildNumber: 12,
    buildUrl: 'http://localhost/12',
    workingDirectory: '/work/checkout',
    projectUsername: 'acme',
    projectReponame: 'web',
    repositoryUrl: 'git@github.com:acme/web.git',
    username: 'dev',
    oidc: { token: 'v1', tokenV2: 'v2' },
  });

  it('gives the OIDC tokens only to a job that uses a context, as CircleCI does', () => {
    const withContext = builtinEnvironment(inputs('code_deploy_dev'));
    assert.equal(withContext.CIRCLE_OIDC_TOKEN_V2, 'v2');
    assert.equal(withContext.CIRCLE_OIDC_TOKEN, 'v1');
    const without = builtinEnvironment(inputs('test'));
    assert.equal(without.CIRCLE_OIDC_TOKEN_V2, undefined);
    assert.equal(without.CIRCLE_JOB, 'test');
    assert.equal(without.CIRCLE_BRANCH, 'main');
    assert.equal(without.CIRCLE_TAG, undefined);
    assert.equal(without.CIRCLE_SHA1, 'abc123');
    assert.equal(without.CIRCLE_WORKFLOW_JOB_ID, 'wj-1');
    assert.equal(without.CIRCLE_NODE_TOTAL, '1');
  });

  it('layers machine < project < contexts (later wins) < built-ins', () => {
    const env = layerEnvironment({
      machine: { PATH: '/bin', A: 'machine', CI: 'false' },
      project: { A: 'project', B: 'project' },
      contexts: [
        { B: 'context-1', C: 'context-1' },
        { C: 'context-2', CIRCLE_JOB: 'from-context' },
      ],
      builtins: builtinEnvironment(inputs('gate_prod')),
    });
    assert.equal(env.PATH, '/bin');
    assert.equal(env.A, 'project');
    assert.equal(env.B, 'context-1');
    assert.equal(env.C, 'context-2');
    assert.equal(env.CIRCLE_JOB, 'gate_prod');
    assert.equal(env.CI, 'true');
  });
});
