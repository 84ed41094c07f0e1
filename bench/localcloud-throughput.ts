// Throughput of the local cloud at a fixed concurrency, for two simple requests (CloudWatch
// DescribeAlarms, JSON 1.0, and CodeDeploy GetDeployment of a finished blue/green deployment,
// JSON 1.1), each two ways:
//  - wire: keep-alive HTTP requests with the bytes the SDK sends, so the figure is the server's,
//    not the client's;
//  - sdk: the same operation through the real SDK client in this process (client-bound: signing and
//    parsing share the two cores with the server).
//   npx tsx bench/localcloud-throughput.ts [requests=20000] [concurrency=25]
import { CloudWatchClient, DescribeAlarmsCommand } from '@aws-sdk/client-cloudwatch';
import {
  CodeDeployClient,
  CreateDeploymentCommand,
  CreateDeploymentGroupCommand,
  GetDeploymentCommand,
} from '@aws-sdk/client-codedeploy';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { Agent, request } from 'node:http';
import { startLocalCloud } from '@greenlight/localcloud';

process.emitWarning = () => undefined;

const total = Number(process.argv[2] ?? 20_000);
const concurrency = Number(process.argv[3] ?? 25);

const lc = await startLocalCloud({
  timeScale: 10_000,
  world: {
    alarms: ['web-5xx', 'web-latency'],
    applications: ['web'],
    targetGroups: [{ name: 'web-tg', port: 8000 }],
    autoScalingGroups: [
      { name: 'web-asg', instances: 4, availabilityZones: ['us-east-1a'], targetGroups: ['web-tg'] },
    ],
    buckets: ['web-revisions'],
  },
});

async function measure(label: string, call: () => Promise<unknown>): Promise<void> {
  await Promise.all(Array.from({ length: concurrency }, call)); // warm up sockets and JIT
  let issued = 0;
  const worker = async (): Promise<void> => {
    while (issued < total) {
      issued++;
      await call();
    }
  };
  const started = process.hrtime.bigint();
  await Promise.all(Array.from({ length: concurrency }, worker));
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  console.log(
    `${label}: ${total} at concurrency ${concurrency} in ${seconds.toFixed(2)} s = ${(total / seconds).toFixed(0)} requests/s`,
  );
}

const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
const wireCall = (target: string, service: string, jsonVersion: string, body: string) => (): Promise<void> =>
  new Promise<void>((resolve, reject) => {
    const headers = {
      'content-type': `application/x-amz-json-${jsonVersion}`,
      'x-amz-target': target,
      authorization: `AWS4-HMAC-SHA256 Credential=AKID/20240101/us-east-1/${service}/aws4_request, SignedHeaders=host, Signature=0`,
    };
    const req = request(lc.url, { method: 'POST', agent, headers }, (res) => {
      if (res.statusCode !== 200) reject(new Error(`${target} answered ${res.statusCode}`));
      res.resume();
      res.on('end', resolve);
    });
    req.on('error', reject);
    req.end(body);
  });
const config = {
  endpoint: lc.url,
  region: 'us-east-1',
  credentials: { accessKeyId: 'bench', secretAccessKey: 'bench' },
  requestHandler: new NodeHttpHandler({ httpAgent: new Agent({ keepAlive: true, maxSockets: concurrency }) }),
};

// A finished blue/green deployment: GetDeployment renders its full DeploymentInfo.
const codedeploy = new CodeDeployClient(config);
const s3 = new S3Client({ ...config, forcePathStyle: true });
await s3.send(new PutObjectCommand({ Bucket: 'web-revisions', Key: 'v1.zip', Body: 'v1' }));
await codedeploy.send(
  new CreateDeploymentGroupCommand({
    applicationName: 'web',
    deploymentGroupName: 'web-bg',
    serviceRoleArn: 'arn:aws:iam::123456789012:role/web-codedeploy',
    autoScalingGroups: ['web-asg'],
    deploymentStyle: { deploymentType: 'BLUE_GREEN', deploymentOption: 'WITH_TRAFFIC_CONTROL' },
    blueGreenDeploymentConfiguration: { greenFleetProvisioningOption: { action: 'COPY_AUTO_SCALING_GROUP' } },
    loadBalancerInfo: { targetGroupInfoList: [{ name: 'web-tg' }] },
  }),
);
const { deploymentId = '' } = await codedeploy.send(
  new CreateDeploymentCommand({
    applicationName: 'web',
    deploymentGroupName: 'web-bg',
    revision: {
      revisionType: 'S3',
      s3Location: { bucket: 'web-revisions', key: 'v1.zip', bundleType: 'zip' },
    },
  }),
);
for (;;) {
  const { deploymentInfo } = await codedeploy.send(new GetDeploymentCommand({ deploymentId }));
  if (['Succeeded', 'Failed', 'Stopped'].includes(deploymentInfo?.status ?? '')) break;
  await new Promise((resolve) => setTimeout(resolve, 100));
}

await measure(
  'CloudWatch DescribeAlarms, wire',
  wireCall('GraniteServiceVersion20100801.DescribeAlarms', 'monitoring', '1.0', '{}'),
);
await measure(
  'CodeDeploy GetDeployment, wire',
  wireCall('CodeDeploy_20141006.GetDeployment', 'codedeploy', '1.1', JSON.stringify({ deploymentId })),
);
const cloudwatch = new CloudWatchClient(config);
await measure('CloudWatch DescribeAlarms, sdk', () => cloudwatch.send(new DescribeAlarmsCommand({})));
await measure('CodeDeploy GetDeployment, sdk', () =>
  codedeploy.send(new GetDeploymentCommand({ deploymentId })),
);

for (const client of [cloudwatch, codedeploy, s3]) client.destroy();
agent.destroy();
await lc.close();
