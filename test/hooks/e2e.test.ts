// tier: e2e
import assert from 'node:assert/strict';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { DescribeAutoScalingGroupsCommand } from '@aws-sdk/client-auto-scaling';
import { GetDeploymentGroupCommand, type DeploymentTarget } from '@aws-sdk/client-codedeploy';
import { DescribeInstancesCommand } from '@aws-sdk/client-ec2';
import {
  DescribeListenersCommand,
  DescribeLoadBalancersCommand,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import type { AppSpec } from '../../src/appspec/appspec.js';
import { cliJson } from '../support/in-process.js';
import { makeReleases, type Release } from '../../src/demo/revisions.js';
import { type LifecycleEventName, checkConfinement } from '@greenlight/localcloud';
import { repoRoot } from '../cli/spawn.js';
import {
  createGroup,
  deploy,
  startRealCloud,
  targetsOf,
  type RealTestCloud,
} from '../../packages/localcloud/test/real/real-cloud.js';
import {
  E2E_CONFIG,
  e2eWorld,
  expectedUsers,
  hookUsers,
  instanceState,
  repositoryAppSpec,
  REHEARSAL_DEADLINE_SECONDS,
  rerunEvent,
  scriptsLogPath,
  silentAppRevision,
  wrongVersionRevision,
} from './support/e2e-fleet.js';

// Issue 7's acceptance: the example app with this repository's appspec.yml and hooks/, on real
// instances (bubblewrap sandboxes running the hooks with the CodeDeploy agent's contract).

const confinement = checkConfinement();
const INSTALL_EVENTS: LifecycleEventName[] = [
  'ApplicationStop',
  'BeforeInstall',
  'AfterInstall',
  'ApplicationStart',
  'ValidateService',
  'BeforeAllowTraffic',
];

describe(
  'the example app and its hooks on a real fleet',
  { skip: confinement.ok ? false : `no sandboxes here: ${confinement.reason}` },
  () => {
    let scratch = '';
    let repository = '';
    let tc: RealTestCloud;
    let cloudEnv: Record<string, string> = {};
    let v1: Release;
    let v2: Release;
    let wrongVersion = '';
    let silentApp = '';
    let spec: AppSpec;
    let groupId = '';
    const deployments: { label: string; deploymentId: string; targets: DeploymentTarget[] }[] = [];

    before(async () => {
      scratch = await mkdtemp(join(tmpdir(), 'greenlight-hooks-e2e-'));
      repository = join(scratch, 'repository');
      [v1, v2] = (await makeReleases({ sourceRoot: repoRoot, dir: repository, labels: ['v1', 'v2'] })) as [
        Release,
        Release,
      ];
      wrongVersion = await wrongVersionRevision(repository);
      silentApp = await silentAppRevision(repository);
      spec = await repositoryAppSpec(repository, v2.commit);
      tc = await startRealCloud(e2eWorld({ 'example/web': repository }));
      await writeFile(join(scratch, 'greenlight.yml'), E2E_CONFIG);
      // greenlight's clients read endpoint and credentials from the environment each command is given.
      cloudEnv = {
        AWS_ENDPOINT_URL: tc.lc.url,
        AWS_REGION: 'us-east-1',
        AWS_ACCESS_KEY_ID: 'local',
        AWS_SECRET_ACCESS_KEY: 'local',
      };
    });

    after(async () => {
      await tc?.close();
      if (scratch) await rm(scratch, { recursive: true, force: true });
    });

    const greenlight = (args: string[]) =>
      cliJson(args, { env: { ...process.env, ...cloudEnv, CI: 'true' }, cwd: scratch });

    async function instanceIdsOf(asg: string): Promise<string[]> {
      const out = await tc.autoscaling.send(
        new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: [asg] }),
      );
      return (out.AutoScalingGroups?.[0]?.Instances ?? []).map((i) => i.InstanceId ?? '');
    }

    async function privateIpOf(instanceId: string): Promise<string> {
      const out = await tc.ec2.send(new DescribeInstancesCommand({ InstanceIds: [instanceId] }));
      return out.Reservations?.[0]?.Instances?.[0]?.PrivateIpAddress ?? '';
    }

    function sandbox(instanceId: string) {
      const instance = tc.lc.cloud.instances.get(instanceId);
      if (!instance) throw new Error(`instance ${instanceId} has no sandbox`);
      return instance;
    }

    it('ApplicationStop succeeds on a fresh instance where nothing was ever installed', async () => {
      const [id] = await instanceIdsOf('web-fresh-asg');
      const instance = sandbox(id ?? '');
      await instance.ready();
      for (const name of ['lib.sh', 'application-stop.sh']) {
        await instance.write(`/tmp/fresh/hooks/${name}`, await readFile(join(repoRoot, 'hooks', name)));
      }
      const run = await instance.exec([
        '/usr/bin/env',
        'LIFECYCLE_EVENT=ApplicationStop',
        '/bin/bash',
        '/tmp/fresh/hooks/application-stop.sh',
      ]);
      const lines = run.stdout.trim().split('\n');
      assert.equal(run.code, 0, run.stdout + run.stderr);
      assert.ok(
        lines.includes(
          '[ApplicationStop] stop web.service: /etc/systemd/system/web.service does not exist: nothing installed, nothing to stop',
        ),
        run.stdout,
      );
      assert.match(lines.at(-1) ?? '', /^\[ApplicationStop\] done: succeeded in \d+s$/);
    });

    it('deploys v1, then v2, blue/green on 3 instances through greenlight; the listener serves v2', async () => {
      const apply = await greenlight(['group', 'apply', '--env', 'e2e']);
      assert.equal(apply.code, 0, apply.log);
      const group = await tc.codedeploy.send(
        new GetDeploymentGroupCommand({ applicationName: 'web', deploymentGroupName: 'web-e2e' }),
      );
      groupId = group.deploymentGroupInfo?.deploymentGroupId ?? '';

      for (const release of [v1, v2]) {
        const done = await greenlight([
          'deploy',
          '--env',
          'e2e',
          '--revision',
          release.commit,
          '--poll',
          '250ms',
        ]);
        assert.equal(done.code, 0, `deploy ${release.label}:\n${done.log}`);
        assert.equal(done.result.status, 'Succeeded', JSON.stringify(done.result));
        const deploymentId = String(done.result.deploymentId);
        const targets = await targetsOf(tc, deploymentId);
        deployments.push({ label: release.label, deploymentId, targets });
        const green = targets.filter((t) => t.instanceTarget?.instanceLabel === 'Green');
        assert.equal(green.length, 3, `${release.label}: ${JSON.stringify(targets)}`);
        for (const target of green) {
          assert.equal(target.instanceTarget?.status, 'Succeeded');
        }
      }

      // The first deployment's green instances are fresh: ApplicationStop has no earlier revision to run.
      const firstGreen = (deployments[0]?.targets ?? []).filter(
        (t) => t.instanceTarget?.instanceLabel === 'Green',
      );
      for (const target of firstGreen) {
        const stop = target.instanceTarget?.lifecycleEvents?.find(
          (e) => e.lifecycleEventName === 'ApplicationStop',
        );
        assert.equal(stop?.status, 'Succeeded', JSON.stringify(stop));
      }
      // v2's blue fleet is v1's green one, drained by v1's block-traffic hooks.
      const blue = (deployments[1]?.targets ?? []).filter((t) => t.instanceTarget?.instanceLabel === 'Blue');
      assert.deepEqual(
        blue.map((t) => t.instanceTarget?.targetId).sort(),
        firstGreen.map((t) => t.instanceTarget?.targetId).sort(),
      );

      const lbs = await tc.elbv2.send(new DescribeLoadBalancersCommand({ Names: ['web-alb'] }));
      const lb = lbs.LoadBalancers?.[0];
      const listeners = await tc.elbv2.send(
        new DescribeListenersCommand({ LoadBalancerArn: lb?.LoadBalancerArn }),
      );
      const url = `http://${lb?.DNSName ?? ''}:${listeners.Listeners?.[0]?.Port ?? 0}/healthcheck`;
      const served: string[] = [];
      for (let i = 0; i < 9; i++) {
        const body = (await (await fetch(url)).json()) as { status?: string; version?: string };
        served.push(`${body.status} ${body.version}`);
      }
      assert.deepEqual(served, Array<string>(9).fill(`pass ${v2.commit}`));
    });

    it('every hook ran as the user the appspec names (root, or its runas)', async () => {
      assert.equal(deployments.length, 2, 'the deployments of the previous test');
      const seen = new Set<string>();
      for (const { label, deploymentId, targets } of deployments) {
        for (const target of targets) {
          const id = target.instanceTarget?.targetId ?? '';
          // The first deployment's blue instances never had a revision: no script ran, no log was written.
          const log = await readFile(scriptsLogPath(sandbox(id), groupId, deploymentId), 'utf8').catch(
            (error: NodeJS.ErrnoException) => {
              if (
                error.code === 'ENOENT' &&
                label === 'v1' &&
                target.instanceTarget?.instanceLabel === 'Blue'
              )
                return '';
              throw error;
            },
          );
          const users = hookUsers(log);
          for (const event of target.instanceTarget?.lifecycleEvents ?? []) {
            const name = event.lifecycleEventName ?? '';
            const expected = expectedUsers(spec, name);
            const ran = users.get(name) ?? [];
            if (ran.length === 0) continue;
            assert.deepEqual(ran, expected, `${label} ${id} ${name}:\n${log}`);
            seen.add(`${target.instanceTarget?.instanceLabel} ${name} ${ran.join(',')}`);
          }
        }
      }
      // Every hook of the appspec but ApplicationStop (fresh green instances run none) ran somewhere.
      assert.deepEqual([...seen].sort(), [
        'Blue AfterBlockTraffic root',
        'Blue BeforeBlockTraffic root',
        'Green AfterInstall root',
        'Green ApplicationStart root',
        'Green BeforeAllowTraffic root',
        'Green BeforeInstall root',
        'Green ValidateService web',
      ]);
    });

    it('ValidateService fails the instance, with ScriptFailed and a log tail saying why, on a wrong version or no answer', async () => {
      const inPlace = {
        deploymentStyle: { deploymentType: 'IN_PLACE', deploymentOption: 'WITHOUT_TRAFFIC_CONTROL' },
        blueGreenDeploymentConfiguration: undefined,
        loadBalancerInfo: undefined,
      } as const;
      await createGroup(tc, 'web-wrong-version', {
        ...inPlace,
        autoScalingGroups: ['web-wrong-version-asg'],
      });
      await createGroup(tc, 'web-silent', { ...inPlace, autoScalingGroups: ['web-silent-asg'] });
      const github = (commitId: string) => ({
        revisionType: 'GitHub' as const,
        gitHubLocation: { repository: 'example/web', commitId },
      });
      const cases = [
        {
          group: 'web-wrong-version',
          commit: wrongVersion,
          why: 'last answer: HTTP 200, version not-the-deployed-one, body: ',
        },
        {
          group: 'web-silent',
          commit: silentApp,
          why: 'last answer: connection refused (the app is not listening on ',
        },
      ];
      const infos = await Promise.all(cases.map((c) => deploy(tc, c.group, github(c.commit))));
      for (const [i, c] of cases.entries()) {
        const info = infos[i];
        assert.equal(info?.status, 'Failed', `${c.group}: ${JSON.stringify(info?.errorInformation)}`);
        const [target] = await targetsOf(tc, info?.deploymentId ?? '');
        const events = target?.instanceTarget?.lifecycleEvents ?? [];
        assert.equal(target?.instanceTarget?.status, 'Failed');
        assert.equal(events.find((e) => e.lifecycleEventName === 'ApplicationStart')?.status, 'Succeeded');
        const validate = events.find((e) => e.lifecycleEventName === 'ValidateService');
        assert.equal(validate?.status, 'Failed', JSON.stringify(events));
        assert.equal(validate?.diagnostics?.errorCode, 'ScriptFailed');
        assert.equal(validate?.diagnostics?.scriptName, 'hooks/validate-service.sh');
        assert.equal(
          validate?.diagnostics?.message,
          'Script at specified location: hooks/validate-service.sh run as user web failed with exit code 1',
        );
        const tail = (validate?.diagnostics?.logTail ?? '').trimEnd().split('\n');
        const last = tail.at(-1) ?? '';
        const ip = await privateIpOf(target?.instanceTarget?.targetId ?? '');
        assert.ok(
          last.startsWith(
            `[stdout][ValidateService] FAILED in step "wait for /healthcheck": http://${ip}:8000/healthcheck did not answer 200 with version ${c.commit} within ${REHEARSAL_DEADLINE_SECONDS}s (`,
          ),
          `${c.group}: ${JSON.stringify(validate?.diagnostics)}`,
        );
        assert.ok(last.includes(c.why), `${c.group}: ${last}`);
        assert.ok(
          tail.some((line) => line.startsWith('[stdout][ValidateService] start: running as web (uid ')),
          tail.join('\n'),
        );
        assert.equal(
          events.find((e) => e.lifecycleEventName === 'BeforeAllowTraffic')?.status ?? 'Skipped',
          'Skipped',
        );
      }
    });

    it('running every install hook of the current revision again leaves the instance as it was', async () => {
      const last = deployments[1];
      assert.ok(last, 'the v2 deployment of an earlier test');
      const green = last.targets.find((t) => t.instanceTarget?.instanceLabel === 'Green');
      const id = green?.instanceTarget?.targetId ?? '';
      const instance = sandbox(id);
      const ip = await privateIpOf(id);
      const before = await instanceState(instance, ip);
      assert.ok(before.includes('web.service: active'), before.join('\n'));
      assert.ok(before.some((line) => line.startsWith('/healthcheck: 200 ') && line.includes(v2.commit)));
      const vars = {
        deploymentId: last.deploymentId,
        applicationName: 'web',
        deploymentGroupName: 'web-e2e',
        deploymentGroupId: groupId,
        commit: v2.commit,
      };
      const outputs: string[] = [];
      for (const event of INSTALL_EVENTS) {
        for (const result of await rerunEvent(instance, spec, event, vars)) {
          assert.equal(result.code, 0, `${event} again:\n${result.output}`);
          outputs.push(result.output);
        }
      }
      const again = outputs.join('');
      // The second run noticed there was nothing to change.
      assert.match(again, /\[BeforeInstall\] create user web: user web exists/);
      assert.match(again, /\[AfterInstall\] write \/etc\/web\/env: \/etc\/web\/env is up to date/);
      assert.match(
        again,
        /\[AfterInstall\] install \/etc\/systemd\/system\/web.service: \/etc\/systemd\/system\/web.service is up to date/,
      );
      assert.deepEqual(await instanceState(instance, ip), before);
      // Nothing the hooks made was left behind in the app's directories either (temporary files).
      assert.deepEqual((await readdir(instance.hostPath('/etc/web'))).sort(), ['env']);
    });
  },
);
