// tier: integration
// group plan and apply for an in-place environment, against the local cloud with the real SDK.
import assert from 'node:assert/strict';
import {
  CreateDeploymentCommand,
  GetDeploymentCommand,
  GetDeploymentGroupCommand,
  UpdateDeploymentGroupCommand,
} from '@aws-sdk/client-codedeploy';
import { after, before, describe, it } from 'node:test';
import { applyGroup, groupClientsOf, planGroup, type GroupClients } from '../../src/codedeploy/group.js';
import { planLines } from '../../src/codedeploy/plan-lines.js';
import type { LogEvent } from '../../src/log/events.js';
import { devEnvironment, devWorld, startCloud, type TestCloud } from '../support/cloud.js';

const quiet = { emit: (_event: LogEvent) => undefined };
const tag = (Key: string, Value: string) => ({ Key, Value, Type: 'KEY_AND_VALUE' as const });

/** The sample `dev` environment made in-place over its ASG and two tags (undefined drops a key). */
function inPlaceEnvironment(changes: Record<string, unknown> = {}) {
  return devEnvironment({
    autoScalingGroup: undefined,
    blueGreen: undefined,
    style: 'in-place',
    inPlace: { autoScalingGroups: ['web-dev-asg'], tags: { app: 'web', env: 'dev' } },
    ...changes,
  });
}

async function groupInfo(clients: GroupClients, name = 'web-dev') {
  const out = await clients.codedeploy.send(
    new GetDeploymentGroupCommand({ applicationName: 'web', deploymentGroupName: name }),
  );
  return out.deploymentGroupInfo;
}

describe('group plan and apply for an in-place environment', () => {
  let cloud: TestCloud;
  let clients: GroupClients;
  before(async () => {
    cloud = await startCloud({ world: devWorld(2) });
    clients = await groupClientsOf(cloud.aws);
  });
  after(async () => {
    await cloud.close();
  });

  it('creates an in-place group with its ASG, a tag set and its target group; a second apply changes nothing', async () => {
    const env = inPlaceEnvironment();
    assert.deepEqual((await planGroup(env, clients)).group, { action: 'create' });
    assert.equal((await applyGroup(env, clients, quiet)).changed, true);
    const info = await groupInfo(clients);
    assert.deepEqual(info?.deploymentStyle, {
      deploymentType: 'IN_PLACE',
      deploymentOption: 'WITH_TRAFFIC_CONTROL',
    });
    assert.deepEqual(
      info?.autoScalingGroups?.map((g) => g.name),
      ['web-dev-asg'],
    );
    assert.deepEqual(info?.ec2TagSet, { ec2TagSetList: [[tag('app', 'web')], [tag('env', 'dev')]] });
    assert.deepEqual(info?.ec2TagFilters, []);
    assert.equal(info?.blueGreenDeploymentConfiguration, undefined);
    assert.deepEqual(
      info?.loadBalancerInfo?.targetGroupInfoList?.map((t) => t.name),
      ['web-dev-tg'],
    );

    const again = await applyGroup(env, clients, quiet);
    assert.equal(again.changed, false);
    assert.deepEqual(again.plan.group, { action: 'none' });
  });

  it('a changed tag is one planned change, applied, and gone afterwards', async () => {
    const env = inPlaceEnvironment({
      inPlace: { autoScalingGroups: ['web-dev-asg'], tags: { app: 'web', env: 'test' } },
    });
    const plan = await planGroup(env, clients);
    assert.equal(plan.group.action, 'update');
    assert.deepEqual(plan.group.action === 'update' && plan.group.changes.map((c) => c.field), ['ec2Tags']);
    assert.ok(planLines(plan, false).includes('  ~ ec2Tags: [app=web and env=dev] → [app=web and env=test]'));
    await applyGroup(env, clients, quiet);
    assert.deepEqual((await groupInfo(clients))?.ec2TagSet, {
      ec2TagSetList: [[tag('app', 'web')], [tag('env', 'test')]],
    });
    assert.deepEqual((await planGroup(env, clients)).group, { action: 'none' });
  });

  it('a group made with ORed tag filters is brought to the tag set: filters cleared, the set in place, no drift left', async () => {
    await clients.codedeploy.send(
      new UpdateDeploymentGroupCommand({
        applicationName: 'web',
        currentDeploymentGroupName: 'web-dev',
        ec2TagFilters: [tag('app', 'web'), tag('env', 'dev')],
      }),
    );
    const env = inPlaceEnvironment();
    const plan = await planGroup(env, clients);
    assert.deepEqual(plan.group.action === 'update' && plan.group.changes.map((c) => c.field), ['ec2Tags']);
    await applyGroup(env, clients, quiet);
    const info = await groupInfo(clients);
    assert.deepEqual(info?.ec2TagFilters, []);
    assert.deepEqual(info?.ec2TagSet, { ec2TagSetList: [[tag('app', 'web')], [tag('env', 'dev')]] });
    assert.deepEqual((await planGroup(env, clients)).group, { action: 'none' });
  });

  it('without target groups: traffic control off, the load balancer cleared; back again', async () => {
    const bare = inPlaceEnvironment({ targetGroups: [] });
    await applyGroup(bare, clients, quiet);
    const info = await groupInfo(clients);
    assert.deepEqual(info?.deploymentStyle?.deploymentOption, 'WITHOUT_TRAFFIC_CONTROL');
    assert.deepEqual(info?.loadBalancerInfo?.targetGroupInfoList ?? [], []);
    assert.deepEqual((await planGroup(bare, clients)).group, { action: 'none' });
    await applyGroup(inPlaceEnvironment(), clients, quiet);
    assert.deepEqual((await planGroup(inPlaceEnvironment(), clients)).group, { action: 'none' });
  });

  it('blue/green to in-place after a copy deployment: the plan warns that the copy is the serving fleet; in-place back to blue/green removes the tags', async () => {
    const env = devEnvironment({ deploymentGroup: 'web-switch' });
    await applyGroup(env, clients, quiet);
    const { deploymentId } = await clients.codedeploy.send(
      new CreateDeploymentCommand({
        applicationName: 'web',
        deploymentGroupName: 'web-switch',
        revision: {
          revisionType: 'GitHub',
          gitHubLocation: { repository: 'example/greenlight', commitId: 'b'.repeat(40) },
        },
      }),
    );
    await cloud.until(
      async () =>
        (await clients.codedeploy.send(new GetDeploymentCommand({ deploymentId }))).deploymentInfo?.status,
      (s) => s === 'Succeeded' || s === 'Failed' || s === 'Stopped',
      'the deployment to end',
    );
    const copy = `CodeDeploy_web-switch_${deploymentId}`;
    assert.deepEqual(
      (await groupInfo(clients, 'web-switch'))?.autoScalingGroups?.map((g) => g.name),
      [copy],
    );

    // Named as the serving fleet, the copy is what the in-place group deploys to.
    const inPlace = inPlaceEnvironment({
      deploymentGroup: 'web-switch',
      inPlace: { autoScalingGroups: [copy], tags: { app: 'web' } },
    });
    const naive = await planGroup(
      inPlaceEnvironment({ deploymentGroup: 'web-switch', inPlace: { autoScalingGroups: ['web-dev-asg'] } }),
      clients,
    );
    assert.ok(
      naive.warnings.some((w) => w.includes(copy) && w.includes('inPlace.autoScalingGroups')),
      naive.warnings.join('\n'),
    );
    const plan = await planGroup(inPlace, clients);
    assert.deepEqual(plan.group.action === 'update' && plan.group.changes.map((c) => c.field).sort(), [
      'deploymentType',
      'ec2Tags',
    ]);
    assert.ok(!plan.warnings.some((w) => w.includes('inPlace.autoScalingGroups')));
    await applyGroup(inPlace, clients, quiet);
    const info = await groupInfo(clients, 'web-switch');
    assert.equal(info?.deploymentStyle?.deploymentType, 'IN_PLACE');
    assert.deepEqual(
      info?.autoScalingGroups?.map((g) => g.name),
      [copy],
    );
    assert.deepEqual((await planGroup(inPlace, clients)).group, { action: 'none' });

    const back = devEnvironment({ deploymentGroup: 'web-switch', autoScalingGroup: copy });
    const backPlan = await planGroup(back, clients);
    assert.ok(backPlan.warnings.some((w) => w.includes('tags') && w.includes('removed')));
    await applyGroup(back, clients, quiet);
    const bg = await groupInfo(clients, 'web-switch');
    assert.equal(bg?.deploymentStyle?.deploymentType, 'BLUE_GREEN');
    assert.deepEqual(bg?.ec2TagSet?.ec2TagSetList ?? [], []);
    assert.deepEqual((await planGroup(back, clients)).group, { action: 'none' });
  });
});
