// Throughput of the local cloud at a fixed concurrency, two ways:
//  - wire: keep-alive HTTP requests with the bytes the SDK sends for CloudWatch DescribeAlarms
//    (JSON 1.0), so the figure is the server's, not the client's;
//  - sdk: the same operation through the real CloudWatch client in this process (client-bound:
//    signing and parsing share the two cores with the server).
//   npx tsx bench/localcloud-throughput.ts [requests=20000] [concurrency=25]
import { CloudWatchClient, DescribeAlarmsCommand } from '@aws-sdk/client-cloudwatch';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { Agent, request } from 'node:http';
import { startLocalCloud } from '../src/localcloud/server.js';

process.emitWarning = () => undefined;

const total = Number(process.argv[2] ?? 20_000);
const concurrency = Number(process.argv[3] ?? 25);

const lc = await startLocalCloud({ world: { alarms: ['web-5xx', 'web-latency'] } });

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
    `${label}: ${total} DescribeAlarms at concurrency ${concurrency} in ${seconds.toFixed(2)} s = ${(total / seconds).toFixed(0)} requests/s`,
  );
}

const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
const headers = {
  'content-type': 'application/x-amz-json-1.0',
  'x-amz-target': 'GraniteServiceVersion20100801.DescribeAlarms',
  authorization:
    'AWS4-HMAC-SHA256 Credential=AKID/20240101/us-east-1/monitoring/aws4_request, SignedHeaders=host, Signature=0',
};
await measure(
  'wire',
  () =>
    new Promise<void>((resolve, reject) => {
      const req = request(lc.url, { method: 'POST', agent, headers }, (res) => {
        res.resume();
        res.on('end', resolve);
      });
      req.on('error', reject);
      req.end('{}');
    }),
);

const client = new CloudWatchClient({
  endpoint: lc.url,
  region: 'us-east-1',
  credentials: { accessKeyId: 'bench', secretAccessKey: 'bench' },
  requestHandler: new NodeHttpHandler({ httpAgent: new Agent({ keepAlive: true, maxSockets: concurrency }) }),
});
await measure('sdk ', () => client.send(new DescribeAlarmsCommand({})));

client.destroy();
agent.destroy();
await lc.close();
