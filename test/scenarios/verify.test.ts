// tier: integration
// The issue-6 scenarios against the local cloud: each states its ground truth; the runner checks the
// exit code, the verdict, which rules failed, and that the message names the instance, event and script.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  BatchGetDeploymentTargetsCommand,
  GetDeploymentCommand,
  ListDeploymentTargetsCommand,
} from '@aws-sdk/client-codedeploy';
import type { VerifyReport } from '../../src/verify/report-json.js';
import { validateReport } from '../verify/schema.js';
import { checkJunit } from '../verify/junit-xml.js';
import { startScenarioHarness, type Observed, type ScenarioHarness } from './runner.js';
import { instanceAt, readyScenario, scenarios, V1, type Scenario } from './scenario.js';

interface DeployResult {
  verification?: VerifyReport;
  rollback?: { verified: boolean; verification?: VerifyReport; revision?: string };
}

async function check(harness: ScenarioHarness, scenario: Scenario, observed: Observed): Promise<void> {
  const { expect } = scenario;
  const last = observed.last;
  const where = `${scenario.name} (ground truth: ${scenario.groundTruth})\n${last.stderr}`;
  assert.equal(last.code, expect.exitCode, where);
  for (const name of expect.names) {
    const text = name.startsWith('launch:') ? await instanceAt(harness.cloud, Number(name.slice(7))) : name;
    assert.ok(last.stderr.includes(text), `the message names ${name} (${text}): ${where}`);
  }
  const result = observed.result as (DeployResult & Partial<VerifyReport>) | undefined;
  if (!result) {
    assert.equal(expect.exitCode, 1, 'only a refused command prints no result');
    return;
  }
  const verdict = (result.verification ?? result) as VerifyReport;
  assert.deepEqual(validateReport(verdict), [], 'the --json report validates against its schema');
  assert.equal(verdict.verified, expect.verified, where);
  if (expect.codedeployStatus !== undefined) {
    const allowed =
      typeof expect.codedeployStatus === 'string' ? [expect.codedeployStatus] : expect.codedeployStatus;
    assert.ok(allowed.includes(verdict.codedeployStatus), `CodeDeploy said ${verdict.codedeployStatus}`);
  }
  const failing = verdict.rules.filter((r) => r.verdict === 'fail').map((r) => r.rule);
  for (const rule of expect.failing)
    assert.ok(failing.includes(rule), `${rule} fails: ${failing.join(', ')}\n${where}`);
  if (!expect.othersMayFail) assert.deepEqual([...failing].sort(), [...expect.failing].sort(), where);
  if (expect.rolledBackTo) {
    const rollback = result.rollback;
    assert.ok(rollback?.verified, `the rollback verified: ${where}`);
    assert.equal(rollback.verification?.revision, expect.rolledBackTo);
    assert.deepEqual(validateReport(rollback.verification), []);
  }
}

describe('verifier scenarios against the local cloud', () => {
  let harness: ScenarioHarness;
  before(async () => {
    harness = await startScenarioHarness();
  });
  after(async () => {
    await harness.close();
  });

  for (const scenario of scenarios) {
    it(`${scenario.name} — ${scenario.groundTruth}`, async () => {
      const observed = await harness.run(scenario);
      await check(harness, scenario, observed);
      if (observed.junit) {
        const junit = checkJunit(observed.junit);
        const failed = observed.result?.instances as VerifyReport['instances'] | undefined;
        for (const i of failed?.filter((x) => x.verdict === 'fail') ?? []) {
          assert.ok(
            junit.failedNames.some((n) => n.includes(i.instanceId)),
            `JUnit lists failed ${i.instanceId}`,
          );
        }
        assert.match(observed.markdown ?? '', /greenlight verify d-/);
      }
    });
  }

  it(`${readyScenario.name} — ${readyScenario.groundTruth}`, async () => {
    const observed = await harness.run(readyScenario);
    await check(harness, readyScenario, observed);
    const facts = observed.context.facts;
    assert.equal(facts.missing, '', 'every blue instance stayed registered and healthy the whole time');
    const result = observed.result as { deploymentId: string };
    const codedeploy = await harness.cloud.aws.codedeploy();
    const v2 = (await codedeploy.send(new GetDeploymentCommand({ deploymentId: result.deploymentId })))
      .deploymentInfo;
    assert.equal(v2?.status, 'Stopped', 'v2 was stopped before traffic moved');
    const blue = (facts.blue ?? '').split(',');
    const targets = await codedeploy.send(
      new BatchGetDeploymentTargetsCommand({
        deploymentId: result.deploymentId,
        targetIds: (
          await codedeploy.send(
            new ListDeploymentTargetsCommand({
              deploymentId: result.deploymentId,
              targetFilters: { ServerInstanceLabel: ['Blue'] },
            }),
          )
        ).targetIds,
      }),
    );
    const blueTargets = targets.deploymentTargets?.map((t) => t.instanceTarget) ?? [];
    assert.deepEqual(blueTargets.map((t) => t?.targetId).sort(), [...blue].sort());
    for (const t of blueTargets) {
      const block = t?.lifecycleEvents?.find((e) => e.lifecycleEventName === 'BlockTraffic');
      assert.ok(
        block && block.status !== 'Succeeded' && block.startTime === undefined,
        `BlockTraffic never ran on ${t?.targetId}`,
      );
    }
    const rollback = (observed.result as DeployResult).rollback;
    assert.equal(rollback?.verification?.revision, V1);
  });
});
