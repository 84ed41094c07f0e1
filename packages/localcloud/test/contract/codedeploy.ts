// Drives every implemented CodeDeploy operation through the real SDK client against a running local
// cloud, once answering and once refusing, while deployments progress through their states: a
// blue/green deployment that waits in Ready and in the termination wait, one stopped with a rollback,
// and one that fails. Each answer and each refusal is handed to the contract test with its raw bytes.
import * as cd from '@aws-sdk/client-codedeploy';
import { until } from '../harness.js';
import {
  putRevisions,
  s3Revision,
  serviceRoleArn,
  startCodeDeployCloud,
  webWorld,
} from '../codedeploy/cloud.js';
import { captureWire, type WireResponse } from './wire-capture.js';

export interface CodeDeployContract {
  /** `operation` answered: the SDK's output and the raw response it was parsed from. */
  answered(operation: string, output: unknown, wire: WireResponse): void;
  /** `operation` refused a request made to fail: the SDK's error and the raw response. */
  refused(operation: string, error: Error, wire: WireResponse): void;
}

const application = 'web';
const group = 'web-bg';
const missingDeployment = 'd-AAAAAAAAA';

export async function exerciseCodeDeploy(contract: CodeDeployContract): Promise<void> {
  const tc = await startCodeDeployCloud({ world: webWorld(3) });
  const wire = captureWire(tc.codedeploy);

  async function ok<O = unknown>(operation: string, command: object): Promise<O> {
    const output = (await tc.codedeploy.send(command as never)) as O;
    contract.answered(operation, output, wire.last());
    return output;
  }
  async function refused(operation: string, command: object): Promise<void> {
    try {
      await tc.codedeploy.send(command as never);
    } catch (error) {
      contract.refused(operation, error as Error, wire.last());
      return;
    }
    throw new Error(`${operation} was expected to fail but succeeded`);
  }
  const deploymentInfo = async (deploymentId: string) =>
    (await tc.codedeploy.send(new cd.GetDeploymentCommand({ deploymentId }))).deploymentInfo;
  const untilDeployment = (deploymentId: string, accept: (d: cd.DeploymentInfo | undefined) => boolean) =>
    until(() => deploymentInfo(deploymentId), accept, `${deploymentId} as the test expects`, '1m');

  try {
    await putRevisions(tc, 'web/v1.zip', 'web/v2.zip', 'web/v3.zip');

    // ---- applications ----
    await ok('CreateApplication', new cd.CreateApplicationCommand({ applicationName: application }));
    await ok(
      'CreateApplication',
      new cd.CreateApplicationCommand({
        applicationName: 'scratch',
        computePlatform: 'Server',
        tags: [{ Key: 'team', Value: 'web' }],
      }),
    );
    await refused('CreateApplication', new cd.CreateApplicationCommand({ applicationName: application }));
    await ok('GetApplication', new cd.GetApplicationCommand({ applicationName: application }));
    await refused('GetApplication', new cd.GetApplicationCommand({ applicationName: 'missing' }));
    await ok('ListApplications', new cd.ListApplicationsCommand({}));
    await refused('ListApplications', new cd.ListApplicationsCommand({ nextToken: 'not-a-token' }));
    await ok(
      'BatchGetApplications',
      new cd.BatchGetApplicationsCommand({ applicationNames: [application, 'scratch'] }),
    );
    await refused(
      'BatchGetApplications',
      new cd.BatchGetApplicationsCommand({ applicationNames: ['missing'] }),
    );

    // ---- deployment configs ----
    await ok(
      'CreateDeploymentConfig',
      new cd.CreateDeploymentConfigCommand({
        deploymentConfigName: 'web-most-healthy',
        minimumHealthyHosts: { type: 'FLEET_PERCENT', value: 75 },
        computePlatform: 'Server',
      }),
    );
    await refused(
      'CreateDeploymentConfig',
      new cd.CreateDeploymentConfigCommand({
        deploymentConfigName: 'CodeDeployDefault.Mine',
        minimumHealthyHosts: { type: 'HOST_COUNT', value: 1 },
      }),
    );
    for (const name of [
      'CodeDeployDefault.OneAtATime',
      'CodeDeployDefault.HalfAtATime',
      'CodeDeployDefault.AllAtOnce',
      'web-most-healthy',
    ]) {
      await ok('GetDeploymentConfig', new cd.GetDeploymentConfigCommand({ deploymentConfigName: name }));
    }
    await refused(
      'GetDeploymentConfig',
      new cd.GetDeploymentConfigCommand({ deploymentConfigName: 'missing' }),
    );
    await ok('ListDeploymentConfigs', new cd.ListDeploymentConfigsCommand({}));
    await refused('ListDeploymentConfigs', new cd.ListDeploymentConfigsCommand({ nextToken: 'bm9wZTox' }));

    // ---- deployment groups ----
    const blueGreen = {
      applicationName: application,
      serviceRoleArn,
      deploymentConfigName: 'CodeDeployDefault.AllAtOnce',
      autoScalingGroups: ['web-asg'],
      deploymentStyle: { deploymentType: 'BLUE_GREEN', deploymentOption: 'WITH_TRAFFIC_CONTROL' },
      blueGreenDeploymentConfiguration: {
        greenFleetProvisioningOption: { action: 'COPY_AUTO_SCALING_GROUP' },
        deploymentReadyOption: { actionOnTimeout: 'STOP_DEPLOYMENT', waitTimeInMinutes: 600 },
        terminateBlueInstancesOnDeploymentSuccess: { action: 'TERMINATE', terminationWaitTimeInMinutes: 600 },
      },
      loadBalancerInfo: { targetGroupInfoList: [{ name: 'web-tg' }] },
      alarmConfiguration: { enabled: true, ignorePollAlarmFailure: false, alarms: [{ name: 'web-5xx' }] },
      autoRollbackConfiguration: {
        enabled: true,
        events: ['DEPLOYMENT_FAILURE', 'DEPLOYMENT_STOP_ON_REQUEST'],
      },
      outdatedInstancesStrategy: 'UPDATE',
    } satisfies Omit<cd.CreateDeploymentGroupInput, 'deploymentGroupName'>;
    await ok(
      'CreateDeploymentGroup',
      new cd.CreateDeploymentGroupCommand({
        ...blueGreen,
        deploymentGroupName: group,
        tags: [{ Key: 'env', Value: 'dev' }],
      }),
    );
    await ok(
      'CreateDeploymentGroup',
      new cd.CreateDeploymentGroupCommand({
        applicationName: application,
        deploymentGroupName: 'web-tagged',
        serviceRoleArn,
        ec2TagFilters: [{ Key: 'env', Value: 'dev', Type: 'KEY_AND_VALUE' }],
      }),
    );
    await refused(
      'CreateDeploymentGroup',
      new cd.CreateDeploymentGroupCommand({
        ...blueGreen,
        deploymentGroupName: 'no-asg',
        autoScalingGroups: [],
      }),
    );
    await ok(
      'GetDeploymentGroup',
      new cd.GetDeploymentGroupCommand({ applicationName: application, deploymentGroupName: group }),
    );
    await refused(
      'GetDeploymentGroup',
      new cd.GetDeploymentGroupCommand({ applicationName: application, deploymentGroupName: 'missing' }),
    );
    await ok(
      'UpdateDeploymentGroup',
      new cd.UpdateDeploymentGroupCommand({
        applicationName: application,
        currentDeploymentGroupName: 'web-tagged',
        newDeploymentGroupName: 'web-in-place',
        deploymentConfigName: 'web-most-healthy',
      }),
    );
    await refused(
      'UpdateDeploymentGroup',
      new cd.UpdateDeploymentGroupCommand({
        applicationName: application,
        currentDeploymentGroupName: 'web-in-place',
        newDeploymentGroupName: group,
      }),
    );
    await refused(
      'UpdateDeploymentGroup',
      new cd.UpdateDeploymentGroupCommand({
        applicationName: application,
        currentDeploymentGroupName: 'web-in-place',
        serviceRoleArn: '',
      }),
    );
    await ok('ListDeploymentGroups', new cd.ListDeploymentGroupsCommand({ applicationName: application }));
    await refused('ListDeploymentGroups', new cd.ListDeploymentGroupsCommand({ applicationName: 'missing' }));
    await ok(
      'BatchGetDeploymentGroups',
      new cd.BatchGetDeploymentGroupsCommand({
        applicationName: application,
        deploymentGroupNames: [group, 'web-in-place', 'missing'],
      }),
    );
    await refused(
      'BatchGetDeploymentGroups',
      new cd.BatchGetDeploymentGroupsCommand({ applicationName: 'missing', deploymentGroupNames: [group] }),
    );

    // ---- tags ----
    const groupArn = `arn:aws:codedeploy:us-east-1:123456789012:deploymentgroup:${application}/${group}`;
    await ok(
      'TagResource',
      new cd.TagResourceCommand({ ResourceArn: groupArn, Tags: [{ Key: 'owner', Value: 'platform' }] }),
    );
    await refused(
      'TagResource',
      new cd.TagResourceCommand({ ResourceArn: 'not-an-arn', Tags: [{ Key: 'k' }] }),
    );
    await refused(
      'TagResource',
      new cd.TagResourceCommand({
        ResourceArn: 'arn:aws:codedeploy:us-east-1:123456789012:application:bad name!',
        Tags: [{ Key: 'k' }],
      }),
    );
    await refused(
      'TagResource',
      new cd.TagResourceCommand({
        ResourceArn: groupArn,
        Tags: Array.from({ length: 51 }, (_, i) => ({ Key: `k${i}`, Value: 'v' })),
      }),
    );
    await ok('ListTagsForResource', new cd.ListTagsForResourceCommand({ ResourceArn: groupArn }));
    await refused(
      'ListTagsForResource',
      new cd.ListTagsForResourceCommand({
        ResourceArn: 'arn:aws:codedeploy:us-east-1:123456789012:deploymentconfig:web-most-healthy',
      }),
    );
    await ok('UntagResource', new cd.UntagResourceCommand({ ResourceArn: groupArn, TagKeys: ['owner'] }));
    await refused('UntagResource', new cd.UntagResourceCommand({ ResourceArn: groupArn, TagKeys: [] }));
    await refused(
      'UntagResource',
      new cd.UntagResourceCommand({
        ResourceArn: 'arn:aws:codedeploy:us-east-1:123456789012:application:missing',
        TagKeys: ['owner'],
      }),
    );

    // ---- a blue/green deployment through Ready and the termination wait ----
    const { deploymentId: first = '' } = await ok<cd.CreateDeploymentOutput>(
      'CreateDeployment',
      new cd.CreateDeploymentCommand({
        applicationName: application,
        deploymentGroupName: group,
        revision: s3Revision('web/v1.zip'),
        description: 'contract: first revision',
        fileExistsBehavior: 'OVERWRITE',
      }),
    );
    await refused(
      'CreateDeployment',
      new cd.CreateDeploymentCommand({
        applicationName: application,
        deploymentGroupName: group,
        revision: s3Revision('web/v2.zip'),
      }),
    );
    await ok('GetDeployment', new cd.GetDeploymentCommand({ deploymentId: first }));
    await refused('GetDeployment', new cd.GetDeploymentCommand({ deploymentId: missingDeployment }));
    await untilDeployment(first, (d) => d?.status === 'Ready');
    await ok('GetDeployment', new cd.GetDeploymentCommand({ deploymentId: first }));
    await ok(
      'ListDeployments',
      new cd.ListDeploymentsCommand({
        applicationName: application,
        deploymentGroupName: group,
        includeOnlyStatuses: ['Ready', 'InProgress'],
        createTimeRange: { start: new Date(Date.now() - 3_600_000), end: new Date(Date.now() + 3_600_000) },
      }),
    );
    await refused(
      'ListDeployments',
      new cd.ListDeploymentsCommand({ applicationName: 'missing', deploymentGroupName: group }),
    );
    await refused(
      'ContinueDeployment',
      new cd.ContinueDeploymentCommand({ deploymentId: first, deploymentWaitType: 'TERMINATION_WAIT' }),
    );

    const { targetIds = [] } = await ok<cd.ListDeploymentTargetsOutput>(
      'ListDeploymentTargets',
      new cd.ListDeploymentTargetsCommand({ deploymentId: first }),
    );
    await ok(
      'ListDeploymentTargets',
      new cd.ListDeploymentTargetsCommand({
        deploymentId: first,
        targetFilters: { TargetStatus: ['Ready', 'Succeeded'], ServerInstanceLabel: ['Green'] },
      }),
    );
    await refused(
      'ListDeploymentTargets',
      new cd.ListDeploymentTargetsCommand({ deploymentId: missingDeployment }),
    );
    await refused(
      'ListDeploymentTargets',
      new cd.ListDeploymentTargetsCommand({
        deploymentId: first,
        targetFilters: { Colour: ['Blue'] } as cd.ListDeploymentTargetsInput['targetFilters'],
      }),
    );
    await ok(
      'BatchGetDeploymentTargets',
      new cd.BatchGetDeploymentTargetsCommand({ deploymentId: first, targetIds }),
    );
    await refused(
      'BatchGetDeploymentTargets',
      new cd.BatchGetDeploymentTargetsCommand({ deploymentId: first, targetIds: ['i-0000000000000000a'] }),
    );
    await ok(
      'GetDeploymentTarget',
      new cd.GetDeploymentTargetCommand({ deploymentId: first, targetId: targetIds[0] ?? '' }),
    );
    await refused(
      'GetDeploymentTarget',
      new cd.GetDeploymentTargetCommand({ deploymentId: first, targetId: 'i-0000000000000000a' }),
    );
    const { instancesList = [] } = await ok<cd.ListDeploymentInstancesOutput>(
      'ListDeploymentInstances',
      new cd.ListDeploymentInstancesCommand({ deploymentId: first, instanceTypeFilter: ['Blue', 'Green'] }),
    );
    await refused(
      'ListDeploymentInstances',
      new cd.ListDeploymentInstancesCommand({
        deploymentId: first,
        instanceStatusFilter: ['Nope' as 'Failed'],
      }),
    );
    await ok(
      'BatchGetDeploymentInstances',
      new cd.BatchGetDeploymentInstancesCommand({
        deploymentId: first,
        instanceIds: [...instancesList, 'i-0000000000000000a'],
      }),
    );
    await refused(
      'BatchGetDeploymentInstances',
      new cd.BatchGetDeploymentInstancesCommand({
        deploymentId: missingDeployment,
        instanceIds: instancesList,
      }),
    );
    await ok(
      'GetDeploymentInstance',
      new cd.GetDeploymentInstanceCommand({ deploymentId: first, instanceId: instancesList[0] ?? '' }),
    );
    await refused(
      'GetDeploymentInstance',
      new cd.GetDeploymentInstanceCommand({ deploymentId: first, instanceId: 'i-0000000000000000a' }),
    );

    await ok(
      'ContinueDeployment',
      new cd.ContinueDeploymentCommand({ deploymentId: first, deploymentWaitType: 'READY_WAIT' }),
    );
    await untilDeployment(first, (d) => d?.instanceTerminationWaitTimeStarted === true);
    await ok('GetDeployment', new cd.GetDeploymentCommand({ deploymentId: first }));
    await ok(
      'ContinueDeployment',
      new cd.ContinueDeploymentCommand({ deploymentId: first, deploymentWaitType: 'TERMINATION_WAIT' }),
    );
    await untilDeployment(first, (d) => d?.status === 'Succeeded');
    await ok('GetDeployment', new cd.GetDeploymentCommand({ deploymentId: first }));
    await ok(
      'BatchGetDeploymentTargets',
      new cd.BatchGetDeploymentTargetsCommand({ deploymentId: first, targetIds }),
    );
    await ok(
      'GetDeploymentGroup',
      new cd.GetDeploymentGroupCommand({ applicationName: application, deploymentGroupName: group }),
    );
    await refused('StopDeployment', new cd.StopDeploymentCommand({ deploymentId: first }));

    // ---- a deployment stopped with a rollback to the first revision ----
    const { deploymentId: second = '' } = await ok<cd.CreateDeploymentOutput>(
      'CreateDeployment',
      new cd.CreateDeploymentCommand({
        applicationName: application,
        deploymentGroupName: group,
        revision: s3Revision('web/v2.zip'),
      }),
    );
    await untilDeployment(second, (d) => d?.status === 'InProgress' || d?.status === 'Ready');
    await ok(
      'StopDeployment',
      new cd.StopDeploymentCommand({ deploymentId: second, autoRollbackEnabled: true }),
    );
    const stopped = await untilDeployment(
      second,
      (d) => d?.status === 'Stopped' && d.rollbackInfo?.rollbackDeploymentId !== undefined,
    );
    const rollback = stopped?.rollbackInfo?.rollbackDeploymentId ?? '';
    await ok('GetDeployment', new cd.GetDeploymentCommand({ deploymentId: second }));
    await untilDeployment(rollback, (d) => ['Succeeded', 'Failed', 'Stopped'].includes(d?.status ?? ''));
    await ok(
      'BatchGetDeployments',
      new cd.BatchGetDeploymentsCommand({ deploymentIds: [first, second, rollback] }),
    );
    await refused(
      'BatchGetDeployments',
      new cd.BatchGetDeploymentsCommand({
        deploymentIds: Array.from({ length: 26 }, () => missingDeployment),
      }),
    );

    // ---- a deployment that fails on every green instance ----
    const fault = await fetch(`${tc.lc.url}/_localcloud/faults`, {
      method: 'POST',
      body: JSON.stringify({
        scope: 'instance',
        deploymentGroup: group,
        event: 'AfterInstall',
        effect: 'fail',
        exitCode: 3,
      }),
    });
    if (!fault.ok) throw new Error(`the fault rule was refused: ${await fault.text()}`);
    const { deploymentId: third = '' } = await ok<cd.CreateDeploymentOutput>(
      'CreateDeployment',
      new cd.CreateDeploymentCommand({
        applicationName: application,
        deploymentGroupName: group,
        revision: s3Revision('web/v3.zip'),
        autoRollbackConfiguration: { enabled: false },
      }),
    );
    await untilDeployment(third, (d) => d?.status === 'Failed');
    await ok('GetDeployment', new cd.GetDeploymentCommand({ deploymentId: third }));
    const failedTargets = await ok<cd.ListDeploymentTargetsOutput>(
      'ListDeploymentTargets',
      new cd.ListDeploymentTargetsCommand({
        deploymentId: third,
        targetFilters: { TargetStatus: ['Failed'] },
      }),
    );
    await ok(
      'BatchGetDeploymentTargets',
      new cd.BatchGetDeploymentTargetsCommand({
        deploymentId: third,
        targetIds: failedTargets.targetIds ?? [],
      }),
    );
    await ok(
      'ListDeployments',
      new cd.ListDeploymentsCommand({ includeOnlyStatuses: ['Failed', 'Stopped', 'Succeeded'] }),
    );

    // ---- deleting ----
    await ok(
      'DeleteDeploymentGroup',
      new cd.DeleteDeploymentGroupCommand({
        applicationName: application,
        deploymentGroupName: 'web-in-place',
      }),
    );
    await refused(
      'DeleteDeploymentGroup',
      new cd.DeleteDeploymentGroupCommand({ applicationName: application, deploymentGroupName: 'bad name!' }),
    );
    await ok(
      'DeleteDeploymentConfig',
      new cd.DeleteDeploymentConfigCommand({ deploymentConfigName: 'web-most-healthy' }),
    );
    await refused(
      'DeleteDeploymentConfig',
      new cd.DeleteDeploymentConfigCommand({ deploymentConfigName: 'CodeDeployDefault.AllAtOnce' }),
    );
    await ok('DeleteApplication', new cd.DeleteApplicationCommand({ applicationName: 'scratch' }));
    await refused('DeleteApplication', new cd.DeleteApplicationCommand({ applicationName: 'bad name!' }));
  } finally {
    await tc.close();
  }
}
