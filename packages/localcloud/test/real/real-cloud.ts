// A local cloud whose fleet runs real hooks in sandboxes, with the SDK clients the tests drive it
// through, and the bundles, proofs and process checks the tests of issue 4 share.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import {
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
  mkdirSync,
  chmodSync,
  existsSync,
  symlinkSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import {
  BatchGetDeploymentTargetsCommand,
  CodeDeployClient,
  CreateApplicationCommand,
  CreateDeploymentCommand,
  CreateDeploymentGroupCommand,
  GetDeploymentCommand,
  type CreateDeploymentGroupCommandInput,
  type DeploymentInfo,
  type DeploymentTarget,
  ListDeploymentTargetsCommand,
  type RevisionLocation,
} from '@aws-sdk/client-codedeploy';
import { DescribeInstancesCommand } from '@aws-sdk/client-ec2';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import type { WorldInput } from '../../src/world.js';
import { SANDBOX_BACKENDS, SANDBOX_VARIABLE, type SandboxBackend } from '../../src/sandbox/confinement.js';
import { clientConfig, startTestCloud, type TestCloud } from '../harness.js';
import { until } from '../../../../test/support/until.js';

export const serviceRoleArn = 'arn:aws:iam::123456789012:role/web-codedeploy';

export interface RealTestCloud extends TestCloud {
  readonly codedeploy: CodeDeployClient;
  /** Root directory on the host of an instance's sandbox. */
  rootOf(instanceId: string): string;
}

/**
 * Real hooks run in real time while the cloud's own waits are scaled: 200× keeps the service's limit
 * on one lifecycle event (3,660 AWS seconds) at 18 real seconds, far above what these hooks take.
 */
export async function startRealCloud(
  world: WorldInput,
  /** The backend its sandboxes must use (default: what the host picks). */
  sandbox?: SandboxBackend,
  timeScale = 200,
): Promise<RealTestCloud> {
  const start = () => startTestCloud({ timeScale, world });
  const tc = sandbox ? await withSandbox(sandbox, start) : await start();
  if (sandbox && tc.lc.cloud.instances.backend !== sandbox) {
    await tc.close();
    throw new Error(
      `the cloud's instances are not ${sandbox} sandboxes (${String(tc.lc.cloud.instances.backend)})`,
    );
  }
  const codedeploy = new CodeDeployClient(clientConfig(tc.lc.url));
  return {
    ...tc,
    codedeploy,
    rootOf(instanceId) {
      const sandbox = tc.lc.cloud.instances.get(instanceId);
      if (!sandbox) throw new Error(`instance ${instanceId} has no sandbox`);
      return sandbox.root;
    },
    async close() {
      codedeploy.destroy();
      await tc.close();
    },
  };
}

/**
 * The sandbox backends of this host: every real-instance test runs on each. unshare (util-linux) is
 * always there; bubblewrap when installed (CI installs it, so both are tested).
 */
export const SANDBOXES: readonly SandboxBackend[] = SANDBOX_BACKENDS.filter(
  (backend) =>
    backend !== 'bubblewrap' || ['/usr/bin/bwrap', '/bin/bwrap', '/usr/local/bin/bwrap'].some(existsSync),
);

/**
 * The one backend for the suites about CodeDeploy's and the agent's semantics over whatever sandbox
 * (blue/green, injected faults, script errors): the one `auto` picks, bubblewrap when installed (as CI
 * installs it), else unshare. What a backend itself does — confinement, users, signals and process
 * groups, mounts and first boot, listeners and health checks — is tested on each (SANDBOXES).
 */
export const SEMANTICS_SANDBOX: readonly SandboxBackend[] = SANDBOXES.slice(0, 1);

/** Runs `start` with $LOCALCLOUD_SANDBOX naming `sandbox` (a cloud reads it when it is made). */
export async function withSandbox<T>(sandbox: SandboxBackend, start: () => Promise<T>): Promise<T> {
  const before = process.env[SANDBOX_VARIABLE];
  process.env[SANDBOX_VARIABLE] = sandbox;
  try {
    return await start();
  } finally {
    if (before === undefined) delete process.env[SANDBOX_VARIABLE];
    else process.env[SANDBOX_VARIABLE] = before;
  }
}

export function realWorld(
  options: { instances?: number; github?: Record<string, string>; healthyThreshold?: number } = {},
): WorldInput {
  return {
    region: 'us-east-1',
    launchTemplates: [{ name: 'web' }],
    targetGroups: [
      {
        name: 'web-tg',
        port: 8000,
        healthCheck: {
          path: '/healthcheck',
          intervalSeconds: 5,
          timeoutSeconds: 2,
          healthyThreshold: options.healthyThreshold ?? 2,
          unhealthyThreshold: 2,
        },
        deregistrationDelay: 30,
      },
    ],
    loadBalancers: [{ name: 'web-alb', listeners: [{ port: 0, targetGroup: 'web-tg' }] }],
    autoScalingGroups: [
      {
        name: 'web-asg',
        instances: options.instances ?? 3,
        maxSize: 10,
        availabilityZones: ['us-east-1a', 'us-east-1b'],
        targetGroups: ['web-tg'],
        launchTemplate: 'web',
        agent: 'real',
        tags: { Name: 'web' },
      },
    ],
    buckets: ['web-revisions'],
    github: options.github ?? {},
  };
}

export type BundleFiles = Record<string, string | { text: string; mode?: number } | { symlink: string }>;

/** Writes files into a fresh directory (scripts executable unless a mode says otherwise). */
export function writeTree(files: BundleFiles): string {
  const dir = mkdtempSync(join(tmpdir(), 'greenlight-bundle-'));
  // A tar records `.` with mkdtemp's 0700, which would lock `runas` users out of the archive.
  chmodSync(dir, 0o755);
  for (const [path, content] of Object.entries(files)) {
    const target = join(dir, path);
    mkdirSync(dirname(target), { recursive: true });
    if (typeof content === 'object' && 'symlink' in content) {
      symlinkSync(content.symlink, target);
      continue;
    }
    const text = typeof content === 'string' ? content : content.text;
    writeFileSync(target, text);
    const mode =
      typeof content === 'string' ? (path.endsWith('.sh') ? 0o755 : 0o644) : (content.mode ?? 0o644);
    chmodSync(target, mode);
  }
  return dir;
}

/** A zip, tar or tar.gz of `files`, as a revision bundle. */
export function makeBundle(files: BundleFiles, kind: 'zip' | 'tar' | 'tgz' = 'zip', topDir?: string): Buffer {
  const tree = writeTree(
    topDir ? Object.fromEntries(Object.entries(files).map(([p, c]) => [`${topDir}/${p}`, c])) : files,
  );
  const out = join(mkdtempSync(join(tmpdir(), 'greenlight-bundle-out-')), `bundle.${kind}`);
  try {
    if (kind === 'zip') execFileSync('zip', ['-q', '-r', '--symlinks', out, '.'], { cwd: tree });
    else execFileSync('tar', [kind === 'tgz' ? '-czf' : '-cf', out, '.'], { cwd: tree });
    return readFileSync(out);
  } finally {
    rmSync(tree, { recursive: true, force: true });
    rmSync(dirname(out), { recursive: true, force: true });
  }
}

/** A git repository holding `files` in one commit; returns its path and the commit id. */
export function gitRepository(files: BundleFiles): { path: string; commitId: string } {
  const path = writeTree(files);
  const git = (...args: string[]) =>
    execFileSync('git', ['-c', 'user.name=test', '-c', 'user.email=test@example.org', ...args], {
      cwd: path,
      encoding: 'utf8',
    }).trim();
  git('init', '-q');
  git('add', '-A');
  git('commit', '-q', '-m', 'revision');
  return { path, commitId: git('rev-parse', 'HEAD') };
}

export async function putBundle(tc: TestCloud, key: string, body: Buffer): Promise<void> {
  await tc.s3.send(new PutObjectCommand({ Bucket: 'web-revisions', Key: key, Body: body }));
}

export const s3Revision = (key: string, bundleType: 'zip' | 'tar' | 'tgz' = 'zip'): RevisionLocation => ({
  revisionType: 'S3',
  s3Location: { bucket: 'web-revisions', key, bundleType },
});

export async function createGroup(
  tc: RealTestCloud,
  name: string,
  overrides: Partial<CreateDeploymentGroupCommandInput> = {},
): Promise<void> {
  await tc.codedeploy.send(new CreateApplicationCommand({ applicationName: 'web' })).catch(() => undefined);
  await tc.codedeploy.send(
    new CreateDeploymentGroupCommand({
      applicationName: 'web',
      deploymentGroupName: name,
      serviceRoleArn,
      deploymentConfigName: 'CodeDeployDefault.AllAtOnce',
      autoScalingGroups: ['web-asg'],
      deploymentStyle: { deploymentType: 'BLUE_GREEN', deploymentOption: 'WITH_TRAFFIC_CONTROL' },
      blueGreenDeploymentConfiguration: {
        greenFleetProvisioningOption: { action: 'COPY_AUTO_SCALING_GROUP' },
        deploymentReadyOption: { actionOnTimeout: 'CONTINUE_DEPLOYMENT' },
        terminateBlueInstancesOnDeploymentSuccess: { action: 'TERMINATE', terminationWaitTimeInMinutes: 1 },
      },
      loadBalancerInfo: { targetGroupInfoList: [{ name: 'web-tg' }] },
      ...overrides,
    }),
  );
}

/** createGroup's overrides for an in-place group without a load balancer. */
export const IN_PLACE = {
  deploymentStyle: { deploymentType: 'IN_PLACE', deploymentOption: 'WITHOUT_TRAFFIC_CONTROL' },
  blueGreenDeploymentConfiguration: undefined,
  loadBalancerInfo: undefined,
} as const;

/**
 * The first instance of an Auto Scaling group once its boot (user data) has finished: the EC2 view of
 * it, its sandbox's root, the boot's result and cloud-init's output log.
 */
export async function bootOf(tc: RealTestCloud, group: string) {
  const reservations = await tc.ec2.send(
    new DescribeInstancesCommand({ Filters: [{ Name: 'tag:aws:autoscaling:groupName', Values: [group] }] }),
  );
  const instance = reservations.Reservations?.[0]?.Instances?.[0];
  assert.ok(instance?.InstanceId, `${group} has an instance`);
  const sandboxed = tc.lc.cloud.instances.get(instance.InstanceId);
  assert.ok(sandboxed, `${instance.InstanceId} is sandboxed`);
  const result = await sandboxed.bootFinished();
  const log = readFileSync(join(sandboxed.root, 'var/log/cloud-init-output.log'), 'utf8');
  return { instance, root: sandboxed.root, result, log };
}

const terminal = (d: DeploymentInfo | undefined) =>
  ['Succeeded', 'Failed', 'Stopped'].includes(d?.status ?? '');

/** Creates a deployment and waits for its end. */
export async function deploy(
  tc: RealTestCloud,
  group: string,
  revision: RevisionLocation,
  extra: { ignoreApplicationStopFailures?: boolean } = {},
): Promise<DeploymentInfo> {
  const { deploymentId = '' } = await tc.codedeploy.send(
    new CreateDeploymentCommand({ applicationName: 'web', deploymentGroupName: group, revision, ...extra }),
  );
  const info = await until(
    async () => (await tc.codedeploy.send(new GetDeploymentCommand({ deploymentId }))).deploymentInfo,
    terminal,
    `${deploymentId} to end`,
    '2m',
  );
  if (!info) throw new Error(`deployment ${deploymentId} vanished`);
  return info;
}

/** Every target of a deployment, in full. */
export async function targetsOf(tc: RealTestCloud, deploymentId: string): Promise<DeploymentTarget[]> {
  const { targetIds = [] } = await tc.codedeploy.send(new ListDeploymentTargetsCommand({ deploymentId }));
  if (targetIds.length === 0) return [];
  const { deploymentTargets = [] } = await tc.codedeploy.send(
    new BatchGetDeploymentTargetsCommand({ deploymentId, targetIds }),
  );
  return deploymentTargets;
}

/** The process ids whose environment or command line carries `marker`. */
export function processesWith(marker: string): number[] {
  const found: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    for (const file of ['environ', 'cmdline']) {
      try {
        if (readFileSync(`/proc/${entry}/${file}`).includes(marker)) {
          found.push(Number(entry));
          break;
        }
      } catch {
        // The process ended, or is not ours to read.
      }
    }
  }
  return found;
}

/** A listing of a host directory tree (paths and sizes), to compare before and after. */
export function snapshot(dirs: readonly string[]): string[] {
  const out: string[] = [];
  const walk = (dir: string, depth: number): void => {
    let entries: string[];
    try {
      entries = readdirSync(dir);
    } catch {
      return;
    }
    for (const entry of entries) {
      const path = join(dir, entry);
      out.push(path);
      if (depth < 3 && existsSync(path)) walk(path, depth + 1);
    }
  };
  for (const dir of dirs) walk(dir, 0);
  return out.sort();
}
