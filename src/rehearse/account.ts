// The empty account a rehearsal starts from, and what an administrator reads from it to fill the
// CircleCI contexts: the default VPC and its subnets, and Amazon Linux 2023 — the AMI the README
// documents, which, like the real one, has no Node.js.
import { DEFAULT_IMAGE_ID, type WorldInput } from '@greenlight/localcloud';
import type { AwsCli } from './aws-cli.js';

export const REHEARSAL_REGION = 'us-east-1';

/**
 * AWS seconds from a launch until the CodeDeploy agent of a synthetic instance answers: boot, then
 * cloud-init running the launch template's user data (dnf installs Node.js 20 and Ruby, the agent is
 * downloaded and started) take about three minutes on a stock Amazon Linux 2023 instance. A real
 * instance takes what its user data takes. It matters: the seed fleet's churn under the pre-fix
 * template of finding B3 leaves OK windows of about two AWS minutes, which a deployment whose green
 * agents answered at once could slip through.
 */
export const SYNTHETIC_AGENT_START_SECONDS = 180;

/** The local cloud's Amazon Linux 2023 (what DescribeImages shows with owner amazon). */
const AMAZON_LINUX_2023_NAME = /^al2023-ami-/;

export function emptyAccountWorld(options: {
  /** owner/repo → the directory whose git repository CodeDeploy's GitHub revisions come from. */
  readonly github: Readonly<Record<string, string>>;
  readonly agent: 'synthetic' | 'real';
}): WorldInput {
  return {
    region: REHEARSAL_REGION,
    // Amazon Linux 2023 as AWS ships it: no Node.js (the hooks need 20 or later).
    images: [
      { id: DEFAULT_IMAGE_ID, name: 'al2023-ami-2023.6.20241121.0-kernel-6.1-x86_64', lacks: ['node'] },
    ],
    instances: { agent: options.agent },
    github: { ...options.github },
  };
}

export interface AccountFacts {
  readonly accountId: string;
  readonly vpcId: string;
  /** The default subnets, one per Availability Zone, sorted by zone. */
  readonly subnetIds: readonly string[];
  readonly stockImageId: string;
}

/** What the administrator looks up before the first stack, through the AWS CLI. */
export async function readAccountFacts(admin: AwsCli): Promise<AccountFacts> {
  const identity = (await admin.call(['sts', 'get-caller-identity'])) as { Account: string };
  const vpcs = (await admin.call(['ec2', 'describe-vpcs', '--filters', 'Name=is-default,Values=true'])) as {
    Vpcs: { VpcId: string }[];
  };
  const vpcId = vpcs.Vpcs[0]?.VpcId;
  if (!vpcId) throw new Error('the account has no default VPC');
  const subnets = (await admin.call([
    'ec2',
    'describe-subnets',
    '--filters',
    `Name=vpc-id,Values=${vpcId}`,
    'Name=default-for-az,Values=true',
  ])) as { Subnets: { SubnetId: string; AvailabilityZone: string }[] };
  const subnetIds = [...subnets.Subnets]
    .sort((a, b) => a.AvailabilityZone.localeCompare(b.AvailabilityZone))
    .map((s) => s.SubnetId);
  const images = (await admin.call(['ec2', 'describe-images', '--owners', 'amazon'])) as {
    Images: { ImageId: string; Name?: string }[];
  };
  const stock = images.Images.find((i) => AMAZON_LINUX_2023_NAME.test(i.Name ?? ''));
  if (!stock) throw new Error('the account shows no Amazon Linux 2023 image');
  return { accountId: identity.Account, vpcId, subnetIds, stockImageId: stock.ImageId };
}

/**
 * The images the account's running instances boot, by their `environment` tag (sorted): whether a
 * new AMI reached a fleet. Read as the administrator, through the AWS CLI.
 */
export async function fleetImages(admin: AwsCli): Promise<Record<string, string[]>> {
  const answer = (await admin.call([
    'ec2',
    'describe-instances',
    '--filters',
    'Name=instance-state-name,Values=running',
  ])) as {
    Reservations?: { Instances?: { ImageId?: string; Tags?: { Key?: string; Value?: string }[] }[] }[];
  };
  const byEnvironment = new Map<string, Set<string>>();
  for (const instance of (answer.Reservations ?? []).flatMap((r) => r.Instances ?? [])) {
    const environment = instance.Tags?.find((t) => t.Key === 'environment')?.Value;
    if (environment === undefined || instance.ImageId === undefined) continue;
    const images = byEnvironment.get(environment) ?? new Set<string>();
    images.add(instance.ImageId);
    byEnvironment.set(environment, images);
  }
  return Object.fromEntries(
    [...byEnvironment]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([env, images]) => [env, [...images].sort()]),
  );
}
