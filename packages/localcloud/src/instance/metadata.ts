// An instance's metadata service (IMDS), one per `real` instance, listening on the instance's own
// loopback address. Its processes find it through AWS_EC2_METADATA_SERVICE_ENDPOINT, which the AWS
// SDKs and CLI honour. A per-instance listener rather than a path under the local cloud's port
// because SDKs keep only the endpoint's host and port and always ask for /latest/....
// IMDSv2 tokens (PUT /latest/api/token) are issued and checked when sent; IMDSv1 requests are answered.
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface MetadataIdentity {
  readonly instanceId: string;
  readonly privateIpAddress: string;
  readonly availabilityZone: string;
  readonly region: string;
  readonly accountId: string;
  readonly imageId: string;
  readonly instanceType: string;
  /** Live: tags changed through the EC2 API show here. */
  readonly tags: ReadonlyMap<string, string>;
}

export interface RunningMetadataService {
  /** `http://127.0.x.y:port` */
  readonly endpoint: string;
  close(): Promise<void>;
}

/** The role name under iam/security-credentials/ (what an instance profile's role would be called). */
const ROLE = 'localcloud-instance-role';

function hostnameOf(ip: string): string {
  return `ip-${ip.replace(/\./g, '-')}`;
}

/** The answer to a GET of `path` (under /latest/), or undefined for 404. */
export function metadataAnswer(identity: MetadataIdentity, path: string, now: Date): string | undefined {
  const host = hostnameOf(identity.privateIpAddress);
  const tags = [...identity.tags.keys()].filter((key) => !key.startsWith('aws:'));
  const tree: Record<string, string> = {
    'meta-data/ami-id': identity.imageId,
    'meta-data/hostname': host,
    'meta-data/instance-id': identity.instanceId,
    'meta-data/instance-type': identity.instanceType,
    'meta-data/local-hostname': host,
    'meta-data/local-ipv4': identity.privateIpAddress,
    'meta-data/placement/availability-zone': identity.availabilityZone,
    'meta-data/placement/region': identity.region,
    'meta-data/iam/security-credentials/': ROLE,
    'dynamic/instance-identity/document': JSON.stringify(
      {
        accountId: identity.accountId,
        architecture: 'x86_64',
        availabilityZone: identity.availabilityZone,
        imageId: identity.imageId,
        instanceId: identity.instanceId,
        instanceType: identity.instanceType,
        privateIp: identity.privateIpAddress,
        region: identity.region,
        version: '2017-09-30',
      },
      null,
      2,
    ),
  };
  const key = path.replace(/^\/+/, '');
  if (key === `meta-data/iam/security-credentials/${ROLE}`) {
    return JSON.stringify({
      Code: 'Success',
      LastUpdated: now.toISOString(),
      Type: 'AWS-HMAC',
      AccessKeyId: 'ASIALOCALCLOUD',
      SecretAccessKey: 'local-cloud-instance-secret',
      Token: 'local-cloud-instance-token',
      Expiration: new Date(now.getTime() + 6 * 3600_000).toISOString(),
    });
  }
  if (key === 'meta-data/tags/instance' || key === 'meta-data/tags/instance/') return tags.join('\n');
  const tag = /^meta-data\/tags\/instance\/(.+)$/.exec(key);
  if (tag) return identity.tags.get(decodeURIComponent(tag[1] as string));
  if (key === 'meta-data' || key === 'meta-data/') {
    return [
      'ami-id',
      'hostname',
      'iam/',
      'instance-id',
      'instance-type',
      'local-hostname',
      'local-ipv4',
      'placement/',
      'tags/',
    ].join('\n');
  }
  if (key === 'meta-data/placement' || key === 'meta-data/placement/') return 'availability-zone\nregion';
  // The path is the caller's: `constructor` must be a 404, not Object.prototype's member.
  return Object.hasOwn(tree, key) ? tree[key] : undefined;
}

export async function startMetadataService(
  identity: MetadataIdentity,
  now: () => Date,
): Promise<RunningMetadataService> {
  const tokens = new Set<string>();
  const server: Server = createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://imds');
    const reply = (status: number, body: string, type = 'text/plain'): void => {
      response.writeHead(status, { 'content-type': type, 'content-length': String(Buffer.byteLength(body)) });
      response.end(body);
    };
    if (request.method === 'PUT' && url.pathname === '/latest/api/token') {
      const ttl = Number(request.headers['x-aws-ec2-metadata-token-ttl-seconds'] ?? NaN);
      if (!Number.isInteger(ttl) || ttl < 1 || ttl > 21600) {
        reply(400, 'Bad Request');
        return;
      }
      const token = randomBytes(24).toString('base64');
      tokens.add(token);
      response.setHeader('x-aws-ec2-metadata-token-ttl-seconds', String(ttl));
      reply(200, token);
      return;
    }
    if (request.method !== 'GET') {
      reply(405, 'Method Not Allowed');
      return;
    }
    const token = request.headers['x-aws-ec2-metadata-token'];
    if (typeof token === 'string' && !tokens.has(token)) {
      reply(401, 'Unauthorized');
      return;
    }
    if (!url.pathname.startsWith('/latest/')) {
      reply(url.pathname === '/' ? 200 : 404, url.pathname === '/' ? 'latest' : 'Not Found');
      return;
    }
    const answer = metadataAnswer(identity, url.pathname.slice('/latest/'.length), now());
    if (answer === undefined) reply(404, 'Not Found');
    else reply(200, answer, answer.startsWith('{') ? 'application/json' : 'text/plain');
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, identity.privateIpAddress, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://${identity.privateIpAddress}:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
