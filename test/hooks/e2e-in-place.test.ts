// tier: e2e
// An in-place release of the example app with this repository's appspec.yml and hooks/, on real
// instances (sandboxes running the hooks with the CodeDeploy agent's contract) behind a target group,
// through greenlight's real command line: group apply, then deploy with OneAtATime, each instance out
// of the target group while it installs. Then a release whose ValidateService fails for real is rolled
// back (--rollback-on-failure) to the first revision, verified: exit 5. The rollback is a second
// in-place deployment onto instances that serve: their BeforeBlockTraffic, AfterBlockTraffic and
// ApplicationStop run the scripts of the revision they had installed, and must drain and stop it.
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { DescribeAutoScalingGroupsCommand } from '@aws-sdk/client-auto-scaling';
import { GetDeploymentGroupCommand, type DeploymentTarget } from '@aws-sdk/client-codedeploy';
import { DescribeInstancesCommand } from '@aws-sdk/client-ec2';
import {
  DescribeTargetGroupsCommand,
  DescribeTargetHealthCommand,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { checkConfinement, type WorldInput } from '@greenlight/localcloud';
import { cliJson } from '../support/in-process.js';
import { makeReleases, type Release } from '../../src/demo/revisions.js';
import { repoRoot } from '../cli/spawn.js';
import {
  startRealCloud,
  targetsOf,
  type RealTestCloud,
} from '../../packages/localcloud/test/real/real-cloud.js';
import { REHEARSAL_DEADLINE_SECONDS, scriptsLogPath, wrongVersionRevision } from './support/e2e-fleet.js';

const confinement = checkConfinement();
const INSTANCES = 3;

function world(github: Record<string, string>): WorldInput {
  return {
    region: 'us-east-1',
    launchTemplates: [{ name: 'web' }],
    targetGroups: [
      {
        name: 'web-dev-tg',
        port: 8000,
        healthCheck: {
          path: '/healthcheck',
          intervalSeconds: 5,
          timeoutSeconds: 2,
          healthyThreshold: 2,
          unhealthyThreshold: 2,
        },
        deregistrationDelay: 30,
      },
    ],
    loadBalancers: [{ name: 'web-dev-alb', listeners: [{ port: 0, targetGroup: 'web-dev-tg' }] }],
    autoScalingGroups: [
      {
        name: 'web-dev-asg',
        instances: INSTANCES,
        maxSize: 6,
        availabilityZones: ['us-east-1a', 'us-east-1b'],
        targetGroups: ['web-dev-tg'],
        launchTemplate: 'web',
        agent: 'real',
      },
    ],
    buckets: [],
    github,
  };
}

// autoRollback off: the rollback is greenlight's own (--rollback-on-failure), a redeploy of the
// verified revision.
const CONFIG = `application: web
environments:
  dev:
    region: us-east-1
    deploymentGroup: web-dev
    serviceRoleArn: arn:aws:iam::123456789012:role/web-codedeploy
    style: in-place
    inPlace:
      autoScalingGroups: [web-dev-asg]
    targetGroups: [web-dev-tg]
    deploymentConfig: CodeDeployDefault.OneAtATime
    autoRollback: []
    revision: { github: example/web }
    health: { path: /healthcheck, port: 8000 }
`;

/** The event's status on a target, or "absent". */
function statusOf(target: DeploymentTarget | undefined, event: string): string {
  return (
    target?.instanceTarget?.lifecycleEvents?.find((e) => e.lifecycleEventName === event)?.status ?? 'absent'
  );
}

/** Event → the revision directory its hooks said they ran from (`running as … from DIR`), from scripts.log. */
function hookDirectories(scriptsLog: string): Map<string, string> {
  const dirs = new Map<string, string>();
  for (const line of scriptsLog.split('\n')) {
    const said = /\[stdout\]\[(\w+)\] start: running as \S+ \(uid \d+\) from (\S+)$/.exec(line);
    if (said?.[1] && said[2]) dirs.set(said[1], said[2]);
  }
  return dirs;
}

describe(
  'an in-place release of the example app and its hooks on a real fleet',
  { skip: confinement.ok ? false : `no sandboxes here: ${confinement.reason}` },
  () => {
    let scratch = '';
    let tc: RealTestCloud;
    let cloudEnv: Record<string, string> = {};
    let v1: Release;
    let broken = '';
    let groupId = '';
    let instanceIds: string[] = [];
    let v1Deployment = '';
    let brokenDeployment = '';
    let rollbackDeployment = '';
    let victimId = '';

    before(async () => {
      scratch = await mkdtemp(join(tmpdir(), 'greenlight-in-place-e2e-'));
      const repository = join(scratch, 'repository');
      [v1] = (await makeReleases({ sourceRoot: repoRoot, dir: repository, labels: ['v1'] })) as [Release];
      broken = await wrongVersionRevision(repository);
      tc = await startRealCloud(world({ 'example/web': repository }));
      await writeFile(join(scratch, 'greenlight.yml'), CONFIG);
      cloudEnv = {
        AWS_ENDPOINT_URL: tc.lc.url,
        AWS_REGION: 'us-east-1',
        AWS_ACCESS_KEY_ID: 'local',
        AWS_SECRET_ACCESS_KEY: 'local',
      };
      const asg = await tc.autoscaling.send(
        new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: ['web-dev-asg'] }),
      );
      instanceIds = (asg.AutoScalingGroups?.[0]?.Instances ?? []).map((i) => i.InstanceId ?? '').sort();
    });

    after(async () => {
      await tc?.close();
      if (scratch) await rm(scratch, { recursive: true, force: true });
    });

    const greenlight = (args: string[]) =>
      cliJson(args, { env: { ...process.env, ...cloudEnv, CI: 'true' }, cwd: scratch });

    const deploy = (commit: string, ...flags: string[]) =>
      greenlight(['deploy', '--env', 'dev', '--revision', commit, '--poll', '250ms', ...flags]);

    /** What each instance's own health endpoint says it serves. */
    async function served(): Promise<string[]> {
      const out = await tc.ec2.send(new DescribeInstancesCommand({ InstanceIds: instanceIds }));
      const ips = (out.Reservations ?? []).flatMap((r) => r.Instances ?? []).map((i) => i.PrivateIpAddress);
      const versions: string[] = [];
      for (const ip of ips) {
        const response = await fetch(`http://${ip ?? ''}:8000/healthcheck`, {
          signal: AbortSignal.timeout(3_000),
        });
        const body = (await response.json()) as { status?: string; version?: string };
        versions.push(`${response.status} ${body.status} ${body.version}`);
      }
      return versions;
    }

    /** The target group's registered targets and their health. */
    async function targetHealth(): Promise<string[]> {
      const tgs = await tc.elbv2.send(new DescribeTargetGroupsCommand({ Names: ['web-dev-tg'] }));
      const health = await tc.elbv2.send(
        new DescribeTargetHealthCommand({ TargetGroupArn: tgs.TargetGroups?.[0]?.TargetGroupArn }),
      );
      return (health.TargetHealthDescriptions ?? [])
        .map((d) => `${d.Target?.Id} ${d.TargetHealth?.State}`)
        .sort();
    }

    async function scriptsLog(instanceId: string, deploymentId: string): Promise<string> {
      const instance = tc.lc.cloud.instances.get(instanceId);
      if (!instance) throw new Error(`instance ${instanceId} has no sandbox`);
      return readFile(scriptsLogPath(instance, groupId, deploymentId), 'utf8');
    }

    const archiveOf = (deploymentId: string) =>
      `/opt/codedeploy-agent/deployment-root/${groupId}/${deploymentId}/deployment-archive`;

    it('group apply makes an in-place group; v1 goes in place one at a time, each instance out of the target group and back, verified', async () => {
      const apply = await greenlight(['group', 'apply', '--env', 'dev']);
      assert.equal(apply.code, 0, apply.log);
      const group = await tc.codedeploy.send(
        new GetDeploymentGroupCommand({ applicationName: 'web', deploymentGroupName: 'web-dev' }),
      );
      const info = group.deploymentGroupInfo;
      groupId = info?.deploymentGroupId ?? '';
      assert.deepEqual(info?.deploymentStyle, {
        deploymentType: 'IN_PLACE',
        deploymentOption: 'WITH_TRAFFIC_CONTROL',
      });
      assert.equal(info?.deploymentConfigName, 'CodeDeployDefault.OneAtATime');

      const done = await deploy(v1.commit);
      assert.equal(done.code, 0, done.log);
      assert.equal(done.result.status, 'Succeeded', JSON.stringify(done.result));
      v1Deployment = String(done.result.deploymentId);
      const targets = await targetsOf(tc, v1Deployment);
      assert.deepEqual(targets.map((t) => t.instanceTarget?.targetId).sort(), instanceIds);
      for (const target of targets) {
        const events = JSON.stringify(target.instanceTarget?.lifecycleEvents);
        assert.equal(target.instanceTarget?.status, 'Succeeded', events);
        // Out of the target group (the ASG registered it at launch) and back in.
        for (const event of ['BlockTraffic', 'AllowTraffic']) {
          assert.equal(statusOf(target, event), 'Succeeded', `${event}: ${events}`);
        }
        // Fresh instances: no earlier revision, so its block-traffic hooks and ApplicationStop had
        // no script to run.
        const dirs = hookDirectories(await scriptsLog(target.instanceTarget?.targetId ?? '', v1Deployment));
        assert.deepEqual(
          ['BeforeBlockTraffic', 'AfterBlockTraffic', 'ApplicationStop'].map((e) => dirs.get(e)),
          [undefined, undefined, undefined],
        );
        assert.equal(dirs.get('BeforeAllowTraffic'), archiveOf(v1Deployment));
      }
      assert.deepEqual(await served(), Array<string>(INSTANCES).fill(`200 pass ${v1.commit}`));
      assert.deepEqual(
        await targetHealth(),
        instanceIds.map((id) => `${id} healthy`),
      );
    });

    it('a release whose ValidateService fails on its first instance is rolled back to v1 and verified (exit 5)', async () => {
      assert.ok(v1Deployment, 'the v1 deployment of the previous test');
      const failed = await deploy(broken, '--rollback-on-failure');
      assert.equal(failed.code, 5, failed.log);
      // OneAtATime: the first instance failed and the deployment stopped; the others never left v1.
      brokenDeployment = String(failed.result.deploymentId);
      const targets = await targetsOf(tc, brokenDeployment);
      const byStatus = targets.map((t) => t.instanceTarget?.status).sort();
      assert.deepEqual(byStatus, ['Failed', 'Skipped', 'Skipped'], JSON.stringify(targets));
      const victim = targets.find((t) => t.instanceTarget?.status === 'Failed');
      victimId = victim?.instanceTarget?.targetId ?? '';
      const validate = victim?.instanceTarget?.lifecycleEvents?.find(
        (e) => e.lifecycleEventName === 'ValidateService',
      );
      assert.equal(validate?.status, 'Failed');
      assert.equal(validate?.diagnostics?.errorCode, 'ScriptFailed');
      assert.match(
        validate?.diagnostics?.logTail ?? '',
        new RegExp(
          `did not answer 200 with version ${broken} within ${REHEARSAL_DEADLINE_SECONDS}s .*version not-the-deployed-one`,
        ),
      );
      assert.equal(statusOf(victim, 'BlockTraffic'), 'Succeeded');
      assert.equal(statusOf(victim, 'AllowTraffic'), 'Skipped');
      // greenlight names the instance, the event and the script, then rolls back to the verified v1.
      assert.match(
        failed.log,
        new RegExp(`${victimId} failed ValidateService \\(hooks/validate-service\\.sh\\): ScriptFailed`),
      );
      const rollback = failed.result.rollback as
        { verified?: boolean; deploymentId?: string; revision?: string } | undefined;
      assert.equal(rollback?.verified, true, JSON.stringify(failed.result.rollback));
      rollbackDeployment = String(rollback?.deploymentId);
      const redeploy = await targetsOf(tc, rollbackDeployment);
      assert.deepEqual(redeploy.map((t) => t.instanceTarget?.targetId).sort(), instanceIds);
      for (const target of redeploy) {
        const events = JSON.stringify(target.instanceTarget?.lifecycleEvents);
        assert.equal(target.instanceTarget?.status, 'Succeeded', events);
        assert.equal(statusOf(target, 'AllowTraffic'), 'Succeeded', events);
      }
      // Back on v1 everywhere, every instance registered and healthy.
      assert.deepEqual(await served(), Array<string>(INSTANCES).fill(`200 pass ${v1.commit}`));
      assert.deepEqual(
        await targetHealth(),
        instanceIds.map((id) => `${id} healthy`),
      );
    });

    it("the rollback's block-traffic hooks and ApplicationStop ran each instance's installed revision: drained, stopped, restarted on v1", async () => {
      assert.ok(rollbackDeployment && victimId, 'the deployments of the previous test');
      for (const id of instanceIds) {
        const log = await scriptsLog(id, rollbackDeployment);
        // The agent records an install as its last successful one when Install succeeds, so on the
        // failed instance that is the broken revision (its ValidateService failed after Install).
        const previous = archiveOf(id === victimId ? brokenDeployment : v1Deployment);
        const current = archiveOf(rollbackDeployment);
        assert.deepEqual(
          Object.fromEntries(hookDirectories(log)),
          {
            BeforeBlockTraffic: previous,
            AfterBlockTraffic: previous,
            ApplicationStop: previous,
            BeforeInstall: current,
            AfterInstall: current,
            ApplicationStart: current,
            ValidateService: current,
            BeforeAllowTraffic: current,
          },
          `${id}:\n${log}`,
        );
        // The app was running: BeforeBlockTraffic drained it, AfterBlockTraffic stopped it, so
        // ApplicationStop found it stopped; ApplicationStart cleared the flag and started v1 again.
        assert.match(log, /\[BeforeBlockTraffic\] set the drain flag: \/run\/web\/draining set/, log);
        assert.match(log, /\[BeforeBlockTraffic\] wait for in-flight requests: drained/, log);
        assert.match(log, /\[AfterBlockTraffic\] stop web\.service: web\.service stopped/, log);
        assert.match(log, /\[ApplicationStop\] stop web\.service: web\.service is not running/, log);
        assert.match(
          log,
          new RegExp(
            `\\[ValidateService\\] wait for /healthcheck: .* answered HTTP 200, version ${v1.commit}`,
          ),
          log,
        );
      }
    });
  },
);
