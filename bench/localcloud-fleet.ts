// A 1,000-instance synthetic blue/green deployment (COPY_AUTO_SCALING_GROUP, AllAtOnce) on the local
// cloud, driven through the real SDK clients: wall time from CreateDeployment to Succeeded, whether it
// ended as AWS would (every green target Succeeded, the group on the copied ASG, every blue instance
// terminated, the target group holding the green fleet healthy), peak RSS and the server's request
// counts. Server and clients share this process, as in the tests.
//   npx tsx bench/localcloud-fleet.ts [instances=1000] [timeScale=1000]
import { AutoScalingClient, DescribeAutoScalingGroupsCommand } from '@aws-sdk/client-auto-scaling';
import {
  CodeDeployClient,
  CreateDeploymentCommand,
  CreateDeploymentGroupCommand,
  GetDeploymentCommand,
  GetDeploymentGroupCommand,
  ListDeploymentTargetsCommand,
  type DeploymentInfo,
} from '@aws-sdk/client-codedeploy';
import { DescribeInstancesCommand, EC2Client } from '@aws-sdk/client-ec2';
import {
  DescribeTargetGroupsCommand,
  DescribeTargetHealthCommand,
  ElasticLoadBalancingV2Client,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { controlClient, startLocalCloud } from '@greenlight/localcloud';

process.emitWarning = () => undefined;

const instances = Number(process.argv[2] ?? 1000);
const timeScale = Number(process.argv[3] ?? 1000);
const pollMs = 200;

const setupStarted = process.hrtime.bigint();
const lc = await startLocalCloud({
  timeScale,
  world: {
    applications: ['web'],
    launchTemplates: [{ name: 'web' }],
    targetGroups: [
      { name: 'web-tg', port: 8000, healthCheck: { path: '/healthcheck', healthyThreshold: 2 } },
    ],
    loadBalancers: [{ name: 'web-alb', listeners: [{ port: 0, targetGroup: 'web-tg' }] }],
    autoScalingGroups: [
      {
        name: 'web-asg',
        instances,
        maxSize: instances * 2,
        availabilityZones: ['us-east-1a', 'us-east-1b', 'us-east-1c'],
        targetGroups: ['web-tg'],
        launchTemplate: 'web',
      },
    ],
    buckets: ['web-revisions'],
  },
});
const setupSeconds = Number(process.hrtime.bigint() - setupStarted) / 1e9;
const config = {
  endpoint: lc.url,
  region: 'us-east-1',
  credentials: { accessKeyId: 'bench', secretAccessKey: 'bench' },
};
const codedeploy = new CodeDeployClient(config);
const autoscaling = new AutoScalingClient(config);
const elbv2 = new ElasticLoadBalancingV2Client(config);
const ec2 = new EC2Client(config);
const s3 = new S3Client({ ...config, forcePathStyle: true });

const check = (ok: boolean, what: string, detail = ''): boolean => {
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${what}${detail ? ` (${detail})` : ''}`);
  return ok;
};

async function allTargets(deploymentId: string, filters: Record<string, string[]>): Promise<string[]> {
  const ids: string[] = [];
  let nextToken: string | undefined;
  do {
    const page = await codedeploy.send(
      new ListDeploymentTargetsCommand({ deploymentId, targetFilters: filters, nextToken }),
    );
    ids.push(...(page.targetIds ?? []));
    nextToken = page.nextToken;
  } while (nextToken);
  return ids;
}

async function instanceStates(ids: readonly string[]): Promise<Map<string, string>> {
  const states = new Map<string, string>();
  for (let i = 0; i < ids.length; i += 200) {
    // A filter, not InstanceIds: EC2 forgets terminated instances after an (AWS) hour, which a time
    // scale of 10,000 turns into a third of a second.
    const page = await ec2.send(
      new DescribeInstancesCommand({ Filters: [{ Name: 'instance-id', Values: ids.slice(i, i + 200) }] }),
    );
    for (const r of page.Reservations ?? [])
      for (const instance of r.Instances ?? []) states.set(instance.InstanceId!, instance.State!.Name!);
  }
  return states;
}

try {
  await s3.send(new PutObjectCommand({ Bucket: 'web-revisions', Key: 'web/v1.zip', Body: 'bundle v1' }));
  await codedeploy.send(
    new CreateDeploymentGroupCommand({
      applicationName: 'web',
      deploymentGroupName: 'web-bg',
      serviceRoleArn: 'arn:aws:iam::123456789012:role/web-codedeploy',
      deploymentConfigName: 'CodeDeployDefault.AllAtOnce',
      autoScalingGroups: ['web-asg'],
      deploymentStyle: { deploymentType: 'BLUE_GREEN', deploymentOption: 'WITH_TRAFFIC_CONTROL' },
      blueGreenDeploymentConfiguration: {
        greenFleetProvisioningOption: { action: 'COPY_AUTO_SCALING_GROUP' },
        deploymentReadyOption: { actionOnTimeout: 'CONTINUE_DEPLOYMENT' },
        terminateBlueInstancesOnDeploymentSuccess: { action: 'TERMINATE', terminationWaitTimeInMinutes: 5 },
      },
      loadBalancerInfo: { targetGroupInfoList: [{ name: 'web-tg' }] },
    }),
  );
  const blue = (
    await autoscaling.send(new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: ['web-asg'] }))
  ).AutoScalingGroups![0]!.Instances!.map((i) => i.InstanceId!);

  const started = process.hrtime.bigint();
  const { deploymentId = '' } = await codedeploy.send(
    new CreateDeploymentCommand({
      applicationName: 'web',
      deploymentGroupName: 'web-bg',
      revision: {
        revisionType: 'S3',
        s3Location: { bucket: 'web-revisions', key: 'web/v1.zip', bundleType: 'zip' },
      },
    }),
  );
  let info: DeploymentInfo | undefined;
  let polls = 0;
  for (;;) {
    info = (await codedeploy.send(new GetDeploymentCommand({ deploymentId }))).deploymentInfo;
    polls++;
    if (['Succeeded', 'Failed', 'Stopped'].includes(info?.status ?? '')) break;
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;

  console.log(`${instances} instances, time scale ${timeScale}, deployment ${deploymentId}`);
  console.log(`world applied (local cloud started) in ${setupSeconds.toFixed(2)} s`);
  console.log(
    `wall time CreateDeployment → ${info?.status}: ${seconds.toFixed(2)} s (${polls} GetDeployment polls every ${pollMs} ms)`,
  );
  console.log(`overview: ${JSON.stringify(info?.deploymentOverview)}`);

  const results: boolean[] = [];
  results.push(
    check(info?.status === 'Succeeded', 'deployment Succeeded', JSON.stringify(info?.errorInformation ?? {})),
  );
  const green = await allTargets(deploymentId, { ServerInstanceLabel: ['Green'] });
  const greenSucceeded = await allTargets(deploymentId, {
    ServerInstanceLabel: ['Green'],
    TargetStatus: ['Succeeded'],
  });
  results.push(
    check(
      green.length === instances && greenSucceeded.length === instances,
      `${instances} green targets Succeeded`,
      `${greenSucceeded.length} of ${green.length}`,
    ),
  );

  const greenAsg = `CodeDeploy_web-bg_${deploymentId}`;
  const group = await codedeploy.send(
    new GetDeploymentGroupCommand({ applicationName: 'web', deploymentGroupName: 'web-bg' }),
  );
  const asgs = group.deploymentGroupInfo?.autoScalingGroups?.map((g) => g.name) ?? [];
  results.push(
    check(asgs.length === 1 && asgs[0] === greenAsg, `the group's ASG is ${greenAsg}`, asgs.join(', ')),
  );
  const copy = (
    await autoscaling.send(new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: [greenAsg] }))
  ).AutoScalingGroups?.[0];
  const inService = copy?.Instances?.filter((i) => i.LifecycleState === 'InService').length ?? 0;
  results.push(
    check(inService === instances, `the copied ASG has ${instances} instances InService`, String(inService)),
  );

  const blueStates = await instanceStates(blue);
  // Gone from DescribeInstances counts as terminated.
  const terminated = blue.filter((id) =>
    [undefined, 'terminated', 'shutting-down'].includes(blueStates.get(id)),
  ).length;
  results.push(
    check(
      terminated === instances,
      `${instances} blue instances terminated`,
      `${terminated} terminated or shutting down`,
    ),
  );

  const tgArn = (await elbv2.send(new DescribeTargetGroupsCommand({ Names: ['web-tg'] }))).TargetGroups![0]!
    .TargetGroupArn!;
  const health =
    (await elbv2.send(new DescribeTargetHealthCommand({ TargetGroupArn: tgArn }))).TargetHealthDescriptions ??
    [];
  const greenSet = new Set(green);
  const healthyGreen = health.filter(
    (h) => h.TargetHealth?.State === 'healthy' && greenSet.has(h.Target?.Id ?? ''),
  ).length;
  results.push(
    check(
      health.length === instances && healthyGreen === instances,
      `target group holds the ${instances} green instances, healthy`,
      `${healthyGreen} healthy green of ${health.length} registered`,
    ),
  );

  const rssMiB = process.resourceUsage().maxRSS / 1024;
  console.log(`peak RSS (server and clients, one process): ${rssMiB.toFixed(0)} MiB`);
  const requests = await controlClient(lc.url).requests();
  console.log(`requests: ${JSON.stringify(requests)}`);
  console.log(`total requests: ${Object.values(requests).reduce((a, b) => a + b, 0)}`);
  if (results.some((ok) => !ok)) process.exitCode = 1;
} finally {
  for (const client of [codedeploy, autoscaling, elbv2, ec2, s3]) client.destroy();
  await lc.close();
}
