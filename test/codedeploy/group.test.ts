// tier: integration
import assert from 'node:assert/strict';
import {
  CreateAutoScalingGroupCommand,
  DescribeAutoScalingGroupsCommand,
} from '@aws-sdk/client-auto-scaling';
import {
  CreateDeploymentCommand,
  GetDeploymentCommand,
  GetDeploymentConfigCommand,
  GetDeploymentGroupCommand,
  ListApplicationsCommand,
  ListDeploymentGroupsCommand,
} from '@aws-sdk/client-codedeploy';
import { after, before, describe, it } from 'node:test';
import {
  GroupReferencesError,
  applyGroup,
  missingReferences,
  groupClientsOf,
  planGroup,
} from '../../src/codedeploy/group.js';
import { planGroup as planEnvironmentGroup } from '../../src/index.js';
import type { LogEvent } from '../../src/log/events.js';
import { devEnvironment, devWorld, startCloud, type TestCloud } from '../support/cloud.js';

function recorder() {
  const events: LogEvent[] = [];
  return { events, emit: (e: LogEvent) => events.push(e) };
}

const clientsOf = (cloud: TestCloud) => groupClientsOf(cloud.aws);

describe('group plan and apply against the local cloud', () => {
  let cloud: TestCloud;
  before(async () => {
    cloud = await startCloud({ world: devWorld(2) });
  });
  after(async () => {
    await cloud.close();
  });

  it('plans "create", creates the application and group, then a second apply is a no-op and says so', async () => {
    const env = devEnvironment();
    const clients = await clientsOf(cloud);
    const plan = await planGroup(env, clients);
    assert.equal(plan.application.action, 'create');
    assert.deepEqual(plan.group, { action: 'create' });

    const first = recorder();
    const applied = await applyGroup(env, clients, first);
    assert.equal(applied.changed, true);
    const info = (
      await clients.codedeploy.send(
        new GetDeploymentGroupCommand({ applicationName: 'web', deploymentGroupName: 'web-dev' }),
      )
    ).deploymentGroupInfo;
    assert.equal(info?.deploymentStyle?.deploymentType, 'BLUE_GREEN');
    assert.deepEqual(
      info?.autoScalingGroups?.map((g) => g.name),
      ['web-dev-asg'],
    );

    const second = recorder();
    const again = await applyGroup(env, clients, second);
    assert.equal(again.changed, false);
    assert.deepEqual(again.plan.group, { action: 'none' });
    assert.ok(
      second.events.some((e) => e.kind === 'step' && e.detail === 'up to date, nothing to do'),
      'says nothing was done',
    );
  });

  it('drift on a field is planned, applied, and gone afterwards; --dry-run changes nothing', async () => {
    const clients = await clientsOf(cloud);
    const changed = devEnvironment({
      alarms: ['web-dev-5xx', 'web-dev-latency'],
      outdatedInstancesStrategy: 'IGNORE',
      blueGreen: {
        greenFleet: 'COPY_AUTO_SCALING_GROUP',
        ready: { action: 'STOP_DEPLOYMENT', waitMinutes: 30 },
        terminateBlue: { action: 'TERMINATE', waitMinutes: 1 },
      },
    });
    const plan = await planGroup(changed, clients);
    assert.equal(plan.group.action, 'update');
    const fields = plan.group.action === 'update' ? plan.group.changes.map((c) => c.field).sort() : [];
    assert.deepEqual(fields, [
      'alarms',
      'outdatedInstancesStrategy',
      'readyAction',
      'readyWaitMinutes',
      'terminationWaitMinutes',
    ]);

    const dry = await applyGroup(changed, clients, recorder(), { dryRun: true });
    assert.equal(dry.changed, false);
    assert.equal((await planGroup(changed, clients)).group.action, 'update', 'dry run changed nothing');

    await applyGroup(changed, clients, recorder());
    assert.deepEqual((await planGroup(changed, clients)).group, { action: 'none' });
    // Back to the sample environment for the next tests.
    await applyGroup(devEnvironment(), clients, recorder());
    assert.deepEqual((await planGroup(devEnvironment(), clients)).group, { action: 'none' });
  });

  it('the ASG moves with a copy deployment: no drift afterwards, and apply keeps the copy', async () => {
    const clients = await clientsOf(cloud);
    const { deploymentId } = await clients.codedeploy.send(
      new CreateDeploymentCommand({
        applicationName: 'web',
        deploymentGroupName: 'web-dev',
        revision: {
          revisionType: 'GitHub',
          gitHubLocation: { repository: 'example/greenlight', commitId: 'a'.repeat(40) },
        },
      }),
    );
    await cloud.until(
      async () =>
        (await clients.codedeploy.send(new GetDeploymentCommand({ deploymentId }))).deploymentInfo?.status,
      (s) => s === 'Succeeded' || s === 'Failed' || s === 'Stopped',
      'the deployment to end',
    );
    const info = (
      await clients.codedeploy.send(
        new GetDeploymentGroupCommand({ applicationName: 'web', deploymentGroupName: 'web-dev' }),
      )
    ).deploymentGroupInfo;
    assert.deepEqual(
      info?.autoScalingGroups?.map((g) => g.name),
      [`CodeDeploy_web-dev_${deploymentId}`],
    );
    const plan = await planGroup(devEnvironment(), clients);
    assert.deepEqual(plan.group, { action: 'none' }, 'the renamed ASG is not drift');
    await applyGroup(devEnvironment({ alarms: ['web-dev-latency'] }), clients, recorder());
    const after = (
      await clients.codedeploy.send(
        new GetDeploymentGroupCommand({ applicationName: 'web', deploymentGroupName: 'web-dev' }),
      )
    ).deploymentGroupInfo;
    assert.deepEqual(
      after?.autoScalingGroups?.map((g) => g.name),
      [`CodeDeploy_web-dev_${deploymentId}`],
      'an update does not revert the ASG to the original name',
    );
    await applyGroup(devEnvironment(), clients, recorder());
  });

  it('lists orphaned CodeDeploy_<group>_* ASGs and --clean-orphans deletes them, never the current ASG', async () => {
    const clients = await clientsOf(cloud);
    await clients.autoscaling.send(
      new CreateAutoScalingGroupCommand({
        AutoScalingGroupName: 'CodeDeploy_web-dev_d-ORPHAN123',
        MinSize: 0,
        MaxSize: 2,
        DesiredCapacity: 0,
        AvailabilityZones: ['us-east-1a'],
        LaunchTemplate: { LaunchTemplateName: 'web' },
      }),
    );
    const plan = await planGroup(devEnvironment(), clients);
    assert.deepEqual(plan.orphans, ['CodeDeploy_web-dev_d-ORPHAN123']);
    const current = plan.desired.autoScalingGroups[0] ?? '';
    assert.match(current, /^CodeDeploy_web-dev_d-/);

    const result = await applyGroup(devEnvironment(), clients, recorder(), { cleanOrphans: true });
    assert.deepEqual(result.deletedOrphans, ['CodeDeploy_web-dev_d-ORPHAN123']);
    const left = await clients.autoscaling.send(new DescribeAutoScalingGroupsCommand({}));
    const names = (left.AutoScalingGroups ?? []).map((g) => g.AutoScalingGroupName);
    assert.ok(!names.includes('CodeDeploy_web-dev_d-ORPHAN123'), 'orphan deleted');
    assert.ok(names.includes(current), 'the current ASG stays');
  });

  it('a custom deployment config is created; one that exists with other values is a clear exit-2 conflict', async () => {
    const clients = await clientsOf(cloud);
    const custom = devEnvironment({
      deploymentConfig: {
        name: 'web-mostly-healthy',
        minimumHealthyHosts: { type: 'FLEET_PERCENT', value: 75 },
      },
    });
    const plan = await planGroup(custom, clients);
    assert.equal(plan.deploymentConfig?.action, 'create');
    await applyGroup(custom, clients, recorder());
    assert.equal((await planGroup(custom, clients)).deploymentConfig?.action, 'none');
    const other = devEnvironment({
      deploymentConfig: {
        name: 'web-mostly-healthy',
        minimumHealthyHosts: { type: 'FLEET_PERCENT', value: 50 },
      },
    });
    await assert.rejects(planGroup(other, clients), (e: unknown) => {
      assert.equal((e as { exitCode?: number }).exitCode, 2);
      assert.match(
        (e as Error).message,
        /exists with minimum healthy hosts FLEET_PERCENT 75.*asks for FLEET_PERCENT 50/,
      );
      return true;
    });
    await applyGroup(devEnvironment(), clients, recorder());
  });
});

describe('group apply under concurrency and API faults', () => {
  it('ten applies started at once end with one application, one group and ten successes', async () => {
    const cloud = await startCloud({ world: devWorld(1) });
    try {
      const clients = await clientsOf(cloud);
      const env = devEnvironment();
      const results = await Promise.allSettled(
        Array.from({ length: 10 }, () => applyGroup(env, clients, recorder())),
      );
      assert.deepEqual(
        results.map((r) => r.status),
        Array(10).fill('fulfilled'),
        JSON.stringify(results.filter((r) => r.status === 'rejected').map((r) => String(r.reason))),
      );
      const apps = await clients.codedeploy.send(new ListApplicationsCommand({}));
      assert.deepEqual(apps.applications, ['web']);
      const groups = await clients.codedeploy.send(
        new ListDeploymentGroupsCommand({ applicationName: 'web' }),
      );
      assert.deepEqual(groups.deploymentGroups, ['web-dev']);
      assert.deepEqual((await planGroup(env, clients)).group, { action: 'none' });
    } finally {
      await cloud.close();
    }
  });

  it('throttling on GetDeploymentGroup and CreateDeploymentGroup is retried through', async () => {
    const cloud = await startCloud({ world: devWorld(1) });
    try {
      const clients = await clientsOf(cloud);
      await cloud.fault({
        scope: 'api',
        service: 'codedeploy',
        operation: 'GetDeploymentGroup',
        effect: 'throttle',
        count: 2,
      });
      await cloud.fault({
        scope: 'api',
        service: 'codedeploy',
        operation: 'CreateDeploymentGroup',
        effect: 'throttle',
        count: 2,
      });
      const result = await applyGroup(devEnvironment(), clients, recorder());
      assert.equal(result.changed, true);
      const counts = await cloud.requests();
      assert.ok((counts['codedeploy:GetDeploymentGroup'] ?? 0) >= 3, JSON.stringify(counts));
      assert.equal(counts['codedeploy:CreateDeploymentGroup'], 3, 'two throttled attempts, then success');
    } finally {
      await cloud.close();
    }
  });

  it('throttling that outlasts the retries is reported as throttling (exit 3), not as "does not exist"', async () => {
    const cloud = await startCloud({ world: devWorld(1), maxAttempts: 2 });
    try {
      const clients = await clientsOf(cloud);
      await cloud.fault({
        scope: 'api',
        service: 'codedeploy',
        operation: 'GetDeploymentGroup',
        effect: 'throttle',
      });
      await assert.rejects(applyGroup(devEnvironment(), clients, recorder()), (e: unknown) => {
        assert.equal((e as { exitCode?: number }).exitCode, 3);
        assert.match((e as Error).message, /^GetDeploymentGroup on web\/web-dev failed: ThrottlingException/);
        return true;
      });
      const groups = await clients.codedeploy
        .send(new ListDeploymentGroupsCommand({ applicationName: 'web' }))
        .catch(() => ({ deploymentGroups: [] }));
      assert.deepEqual(groups.deploymentGroups ?? [], [], 'nothing was created on a read that failed');
    } finally {
      await cloud.close();
    }
  });

  it('access denied is reported as access denied, naming the operation and resource', async () => {
    const cloud = await startCloud({ world: devWorld(1) });
    try {
      const clients = await clientsOf(cloud);
      await cloud.fault({
        scope: 'api',
        service: 'codedeploy',
        operation: 'GetApplication',
        effect: 'error',
        code: 'AccessDeniedException',
        message:
          'User: arn:aws:sts::123456789012:assumed-role/ci/deploy is not authorized to perform: codedeploy:GetApplication',
      });
      await assert.rejects(planGroup(devEnvironment(), clients), (e: unknown) => {
        assert.equal((e as { errorClass?: string }).errorClass, 'denied');
        assert.match(
          (e as Error).message,
          /^GetApplication on web failed: AccessDeniedException: User: .* is not authorized/,
        );
        assert.match(
          (e as Error).message,
          /may not call codedeploy:GetApplication on web: allow codedeploy:GetApplication/,
        );
        return true;
      });
    } finally {
      await cloud.close();
    }
  });
});

describe('group plan checks that what the group refers to exists; apply changes nothing when it does not', () => {
  let cloud: TestCloud;
  before(async () => {
    cloud = await startCloud({ world: devWorld(1) });
  });
  after(() => cloud.close());

  it('every reference of the sample environment exists; the service role is said not to be checked', async () => {
    const plan = await planGroup(devEnvironment(), await clientsOf(cloud));
    assert.deepEqual(
      plan.references.map((r) => [r.kind, r.name, r.status]),
      [
        ['Auto Scaling group', 'web-dev-asg', 'exists'],
        ['target group', 'web-dev-tg', 'exists'],
        ['alarm', 'web-dev-5xx', 'exists'],
        ['service role', 'arn:aws:iam::123456789012:role/web-codedeploy', 'not checked'],
        ['deployment config', 'CodeDeployDefault.AllAtOnce', 'exists'],
      ],
    );
    assert.match(plan.references[3]?.note ?? '', /greenlight does not call IAM/);
    assert.deepEqual(missingReferences(plan), []);
  });

  it('a prod environment whose ASG, target group, alarm and named config do not exist: each is named missing', async () => {
    const prod = devEnvironment({
      deploymentGroup: 'web-prod',
      autoScalingGroup: 'web-prod-asg',
      targetGroups: ['web-dev-tg', 'web-prod-tg'],
      alarms: ['web-dev-5xx', 'web-prod-5xx'],
      deploymentConfig: 'web-no-such-config',
    });
    const plan = await planGroup(prod, await clientsOf(cloud));
    assert.deepEqual(plan.group, { action: 'create' }, 'the diff is still planned');
    assert.deepEqual(
      missingReferences(plan).map((r) => `${r.kind} ${r.name}`),
      [
        'Auto Scaling group web-prod-asg',
        'target group web-prod-tg',
        'alarm web-prod-5xx',
        'deployment config web-no-such-config',
      ],
    );
  });

  it('apply of a plan with missing references creates nothing: no application, no deployment config, no group', async () => {
    const clients = await clientsOf(cloud);
    const prod = devEnvironment({
      deploymentGroup: 'web-prod',
      autoScalingGroup: 'web-prod-asg',
      deploymentConfig: {
        name: 'web-all-healthy',
        minimumHealthyHosts: { type: 'FLEET_PERCENT', value: 75 },
      },
    });
    const events = recorder();
    await assert.rejects(applyGroup(prod, clients, events), (e: unknown) => {
      assert.ok(e instanceof GroupReferencesError);
      assert.equal(e.exitCode, 2);
      assert.equal(
        e.message,
        'deployment group web/web-prod refers to what does not exist: Auto Scaling group web-prod-asg; ' +
          'create what is missing (the stack: greenlight sam deploy) or fix greenlight.yml; nothing was changed',
      );
      return true;
    });
    assert.deepEqual(events.events, [], 'no step was done');
    assert.deepEqual((await clients.codedeploy.send(new ListApplicationsCommand({}))).applications ?? [], []);
    await assert.rejects(
      clients.codedeploy.send(new GetDeploymentConfigCommand({ deploymentConfigName: 'web-all-healthy' })),
      { name: 'DeploymentConfigDoesNotExistException' },
      'the custom deployment config was not created',
    );
    const plan = await planGroup(prod, clients);
    assert.deepEqual(
      plan.references.find((r) => r.kind === 'deployment config'),
      { kind: 'deployment config', name: 'web-all-healthy', status: 'created by apply' },
      'a custom config apply would create is not an error',
    );
  });

  it('without ELBv2 and CloudWatch clients, target groups and alarms are said not to be checked', async () => {
    const { codedeploy, autoscaling } = await clientsOf(cloud);
    const plan = await planGroup(devEnvironment({ targetGroups: ['web-nope-tg'] }), {
      codedeploy,
      autoscaling,
    });
    assert.deepEqual(
      plan.references.filter((r) => r.kind === 'target group' || r.kind === 'alarm').map((r) => r.status),
      ['not checked', 'not checked'],
    );
    assert.deepEqual(missingReferences(plan), []);
  });

  it('the library’s planGroup checks every reference, target groups and alarms included', async () => {
    const plan = await planEnvironmentGroup(
      { env: devEnvironment({ targetGroups: ['web-nope-tg'], alarms: ['web-nope-5xx'] }) },
      { aws: cloud.aws },
    );
    assert.deepEqual(
      missingReferences(plan).map((r) => `${r.kind} ${r.name}`),
      ['target group web-nope-tg', 'alarm web-nope-5xx'],
    );
  });
});
