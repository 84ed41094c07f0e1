// tier: integration
// Finding B3 of issue 17 on a manual clock, where its race has no luck in it. Under the pre-fix
// template the seed fleet sits in the target group with nothing answering /healthcheck: its targets
// turn unhealthy, web-dev-unhealthy-hosts goes to ALARM, the group replaces the instances when their
// grace period ends, and the alarm is OK for about two AWS minutes while the new ones are checked —
// then ALARM again. A first deployment created at the very start of such a window (the worst phase):
//  - whose green agents answer as soon as the instances are InService, slips through it (Succeeded);
//  - whose green agents come up three minutes after launch, as cloud-init takes on Amazon Linux 2023
//    (what `greenlight rehearse` gives its synthetic instances), is stopped by the alarm.
// So a rehearsal of the pre-fix template fails however the first deployment falls in the cycle. Under
// the shipped template (no seed fleet in the target group) the alarm never leaves OK and the same
// deployment succeeds.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { afterEach, describe, it } from 'node:test';
import * as asg from '@aws-sdk/client-auto-scaling';
import * as cd from '@aws-sdk/client-codedeploy';
import * as cw from '@aws-sdk/client-cloudwatch';
import * as s3 from '@aws-sdk/client-s3';
import { createSamStack, SAM_TEMPLATE } from '../cloudformation/sam-stack.js';
import { clientConfig, startTestCloud, until, type TestCloud } from '../harness.js';

/** The rehearsal's SYNTHETIC_AGENT_START_SECONDS (src/rehearse/account.ts). */
const CLOUD_INIT_SECONDS = 180;

const shipped = readFileSync(SAM_TEMPLATE, 'utf8');
/** The seed group as the template first had it: in the target group (test/rehearse/findings/b3-*.patch). */
const preFix = shipped.replace(
  /\n(\s+)HealthCheckType: ELB\n/,
  (_, indent: string) => `\n${indent}TargetGroupARNs: [!Ref TargetGroup]\n${indent}HealthCheckType: ELB\n`,
);

const UNHEALTHY_HOSTS = 'web-dev-unhealthy-hosts';

describe('finding B3: the first deployment against the seed fleet’s churn, at its worst phase', () => {
  let t: TestCloud | undefined;
  afterEach(async () => {
    await t?.close();
    t = undefined;
  });

  async function environment(templateBody: string, agentStartSeconds: number) {
    t = await startTestCloud({
      clock: { manual: new Date('2031-05-01T00:00:00Z') },
      syntheticAgentStartSeconds: agentStartSeconds,
    });
    const stack = await createSamStack(t, { fleetSize: 2, templateBody });
    const outputs = Object.fromEntries(stack.Outputs!.map((o) => [o.OutputKey!, o.OutputValue!]));
    await t.s3.send(new s3.CreateBucketCommand({ Bucket: 'web-revisions' }));
    await t.s3.send(new s3.PutObjectCommand({ Bucket: 'web-revisions', Key: 'web/v1.zip', Body: 'zip' }));
    const codedeploy = new cd.CodeDeployClient(clientConfig(t.lc.url));
    await codedeploy.send(
      new cd.CreateDeploymentGroupCommand({
        applicationName: 'web',
        deploymentGroupName: 'web-dev',
        serviceRoleArn: outputs.CodeDeployServiceRoleArn,
        autoScalingGroups: ['web-dev-asg'],
        deploymentConfigName: 'CodeDeployDefault.AllAtOnce',
        deploymentStyle: { deploymentType: 'BLUE_GREEN', deploymentOption: 'WITH_TRAFFIC_CONTROL' },
        blueGreenDeploymentConfiguration: {
          deploymentReadyOption: { actionOnTimeout: 'CONTINUE_DEPLOYMENT' },
          greenFleetProvisioningOption: { action: 'COPY_AUTO_SCALING_GROUP' },
          terminateBlueInstancesOnDeploymentSuccess: { action: 'TERMINATE', terminationWaitTimeInMinutes: 0 },
        },
        loadBalancerInfo: { targetGroupInfoList: [{ name: 'web-dev-tg' }] },
        alarmConfiguration: { enabled: true, alarms: [{ name: UNHEALTHY_HOSTS }, { name: 'web-dev-5xx' }] },
      }),
    );
    const tc = t;
    return {
      codedeploy,
      alarm: async () =>
        (await tc.cloudwatch.send(new cw.DescribeAlarmsCommand({ AlarmNames: [UNHEALTHY_HOSTS] })))
          .MetricAlarms![0]!,
      history: async () =>
        (
          await tc.cloudwatch.send(
            new cw.DescribeAlarmHistoryCommand({
              AlarmName: UNHEALTHY_HOSTS,
              HistoryItemType: 'StateUpdate',
              ScanBy: 'TimestampAscending',
            }),
          )
        ).AlarmHistoryItems!.map((h) => h.HistorySummary!),
      seeds: async () =>
        (
          await tc.autoscaling.send(
            new asg.DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: ['web-dev-asg'] }),
          )
        ).AutoScalingGroups![0]!.Instances!,
      activities: async () =>
        (
          await tc.autoscaling.send(
            new asg.DescribeScalingActivitiesCommand({ AutoScalingGroupName: 'web-dev-asg' }),
          )
        ).Activities!.map((a) => a.Cause ?? ''),
      /** Creates the first deployment now and answers it once it has ended. */
      async deploy() {
        const { deploymentId } = await codedeploy.send(
          new cd.CreateDeploymentCommand({
            applicationName: 'web',
            deploymentGroupName: 'web-dev',
            revision: {
              revisionType: 'S3',
              s3Location: { bucket: 'web-revisions', key: 'web/v1.zip', bundleType: 'zip' },
            },
          }),
        );
        return until(
          async () => (await codedeploy.send(new cd.GetDeploymentCommand({ deploymentId }))).deploymentInfo!,
          (d) => ['Succeeded', 'Failed', 'Stopped'].includes(d.status!),
          `deployment ${deploymentId} ended`,
        );
      },
    };
  }

  /**
   * Waits for the alarm to go to ALARM and back to OK, then for the replacement seeds to be InService
   * (a deployment with none would fail NO_INSTANCES): the earliest a deployment can start in the window.
   */
  async function startOfAnOkWindow(env: Awaited<ReturnType<typeof environment>>) {
    await until(env.alarm, (a) => a.StateValue === 'ALARM', 'web-dev-unhealthy-hosts in ALARM');
    await until(env.alarm, (a) => a.StateValue === 'OK', 'web-dev-unhealthy-hosts back to OK');
    await until(
      env.seeds,
      (seeds) => seeds.filter((i) => i.LifecycleState === 'InService').length === 2,
      'two seed instances InService',
    );
    assert.equal((await env.alarm()).StateValue, 'OK');
    // The OK came from the seed fleet's replacement, not from a fleet that answers.
    assert.ok(
      (await env.activities()).some((cause) => /ELB system health check failure/.test(cause)),
      (await env.activities()).join('\n'),
    );
  }

  it('pre-fix template, agents up at once: the deployment slips through an OK window (the race the rehearsal must not depend on)', async () => {
    const env = await environment(preFix, 0);
    await startOfAnOkWindow(env);
    const deployment = await env.deploy();
    assert.equal(deployment.status, 'Succeeded', JSON.stringify(deployment.errorInformation));
  });

  it('pre-fix template, agents up three minutes after launch: stopped by web-dev-unhealthy-hosts', async () => {
    const env = await environment(preFix, CLOUD_INIT_SECONDS);
    await startOfAnOkWindow(env);
    const deployment = await env.deploy();
    assert.equal(deployment.status, 'Stopped');
    assert.equal(deployment.errorInformation?.code, 'ALARM_ACTIVE');
    assert.match(deployment.errorInformation?.message ?? '', /The alarm\(s\) are: web-dev-unhealthy-hosts\./);
  });

  it('shipped template: the alarm never leaves OK, no seed is replaced, and the first deployment succeeds', async () => {
    const env = await environment(shipped, CLOUD_INIT_SECONDS);
    // As long as the pre-fix churn took to reach its first OK window, and more.
    await t!.time!.advance(15 * 60_000);
    const deployment = await env.deploy();
    assert.equal(deployment.status, 'Succeeded', JSON.stringify(deployment.errorInformation));
    assert.equal((await env.history()).filter((h) => h.endsWith(' to ALARM')).length, 0);
    assert.equal((await env.activities()).filter((c) => /health check failure/.test(c)).length, 0);
  });
});
