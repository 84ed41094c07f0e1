// tier: integration
// preflight as a CircleCI job runs it: the repository's sam-template.yaml made into the dev stack
// through CloudFormation (the demo's fleet, its alarms, bucket and roles), the deployment group applied
// from the repository's greenlight.yml, and preflight run with the deploy role's session, traded for
// a CircleCI token. Every check that can run passes, the deploy role's permissions included (IAM's
// policy simulation of the role as the stack wrote it). Then the role is changed under it: a needed
// action taken out fails the check (exit 1, naming action and resource, nothing deployed); an
// explicit deny is named as one; without iam:SimulatePrincipalPolicy the check is skipped, with why.
import assert from 'node:assert/strict';
import * as cfn from '@aws-sdk/client-cloudformation';
import { ListDeploymentsCommand } from '@aws-sdk/client-codedeploy';
import { DescribeImagesCommand, DescribeSubnetsCommand, DescribeVpcsCommand } from '@aws-sdk/client-ec2';
import * as iam from '@aws-sdk/client-iam';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { AssumeRoleWithWebIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { copyFile, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { repoRoot } from '../cli/spawn.js';
import { credentials, startCloud, type TestCloud } from '../support/cloud.js';
import { cliInProcess, forgetThisMachinesAwsConfig } from '../support/in-process.js';

forgetThisMachinesAwsConfig();

const ORG = '0f0e0d0c-0b0a-4908-8706-050403020100';
const PROJECT = '1f1e1d1c-1b1a-4918-8716-151413121110';
const ROLE = 'web-dev-circleci-deploy';
const POLICY = 'deploy-this-environment';

describe('greenlight preflight with the deploy role of the stack sam-template.yaml makes', () => {
  let cloud: TestCloud;
  let dir: string;
  let outputs: Record<string, string>;
  let admin: iam.IAMClient;
  let bundle: string;

  before(async () => {
    cloud = await startCloud({ world: { region: 'us-east-1' } });
    const config = { endpoint: cloud.lc.url, region: 'us-east-1', credentials };
    admin = new iam.IAMClient(config);
    outputs = await createDevStack(cloud, config);
    dir = await mkdtemp(join(tmpdir(), 'greenlight-preflight-role-'));
    await copyFile(join(repoRoot, 'greenlight.yml'), join(dir, 'greenlight.yml'));
    bundle = `s3://${outputs.RevisionsBucketName}/web/app.zip`;
    await (
      await cloud.aws.s3()
    ).send(new PutObjectCommand({ Bucket: outputs.RevisionsBucketName, Key: 'web/app.zip', Body: 'PK' }));
    const applied = await cliInProcess(['group', 'apply', '--env', 'dev'], {
      env: cloud.env,
      cwd: dir,
      clock: cloud.clock,
    });
    assert.equal(applied.code, 0, applied.stderr);
  });
  after(async () => {
    admin.destroy();
    await cloud.close();
    await rm(dir, { recursive: true, force: true });
  });

  /** The deploy role's session, as assume-role trades the job's OIDC token for it. */
  async function deployRoleEnv(): Promise<Record<string, string>> {
    const { token } = await cloud.control.circleCiToken({ orgId: ORG, projectId: PROJECT });
    const sts = new STSClient({ endpoint: cloud.lc.url, region: 'us-east-1', maxAttempts: 1 });
    const { Credentials } = await sts.send(
      new AssumeRoleWithWebIdentityCommand({
        RoleArn: outputs.DeployRoleArn,
        RoleSessionName: 'circleci',
        WebIdentityToken: token,
      }),
    );
    sts.destroy();
    return {
      ...cloud.env,
      AWS_ACCESS_KEY_ID: Credentials?.AccessKeyId ?? '',
      AWS_SECRET_ACCESS_KEY: Credentials?.SecretAccessKey ?? '',
      AWS_SESSION_TOKEN: Credentials?.SessionToken ?? '',
    };
  }

  async function preflightAsTheRole() {
    const r = await cliInProcess(['preflight', '--env', 'dev', '--revision', bundle, '--bundle', repoRoot], {
      env: await deployRoleEnv(),
      cwd: dir,
      clock: cloud.clock,
    });
    return { ...r, lines: r.lines.map((line) => line.replace(/^(error|warn): /, '')) };
  }
  const line = (r: { lines: readonly string[] }, name: string) =>
    r.lines.find((l) => new RegExp(`^[✓✗!-] ${name} `).test(l)) ?? `no ${name} line`;

  async function withPolicy(change: (statements: Statement[]) => Statement[], run: () => Promise<void>) {
    const { PolicyDocument = '' } = await admin.send(
      new iam.GetRolePolicyCommand({ RoleName: ROLE, PolicyName: POLICY }),
    );
    const saved = decodeURIComponent(PolicyDocument);
    const document = JSON.parse(saved) as { Statement: Statement[] };
    await admin.send(
      new iam.PutRolePolicyCommand({
        RoleName: ROLE,
        PolicyName: POLICY,
        PolicyDocument: JSON.stringify({ ...document, Statement: change(document.Statement) }),
      }),
    );
    try {
      await run();
    } finally {
      await admin.send(
        new iam.PutRolePolicyCommand({ RoleName: ROLE, PolicyName: POLICY, PolicyDocument: saved }),
      );
    }
  }

  it('the demo’s fleet, with its deploy role: every check that can run passes', async () => {
    const r = await preflightAsTheRole();
    assert.equal(r.code, 0, r.stderr);
    const marks = r.lines.flatMap((l) => (/^[✓✗!-] \S/.test(l) ? [l.replace(/^(\S \S+)\s+.*$/, '$1')] : []));
    assert.deepEqual(marks, [
      '✓ deployment-group',
      '✓ alarms',
      '✓ launch-template',
      '- capacity', // greenlight.yml gives dev no expectedCapacity
      '✓ revision',
      '✓ appspec',
      '✓ auto-scaling-processes',
      '✓ lifecycle-hooks',
      '✓ warm-pool',
      '✓ mixed-instances',
      '✓ capacity-rebalance',
      '✓ permissions',
      '- agents',
    ]);
    assert.match(
      line(r, 'permissions'),
      /^✓ permissions +arn:aws:iam::123456789012:role\/web-dev-circleci-deploy may call the \d+ actions a deployment of dev makes, on its resources \(IAM's policy simulation\)$/,
    );
  });

  it('a role without an action the deployment needs: fails, naming it and where, before anything is deployed', async () => {
    await withPolicy(
      (statements) =>
        statements.map((s) =>
          s.Sid === 'ThisEnvironmentsDeploymentGroup'
            ? { ...s, Action: (s.Action as string[]).filter((a) => a !== 'codedeploy:CreateDeployment') }
            : s,
        ),
      async () => {
        const r = await preflightAsTheRole();
        assert.equal(r.code, 1, r.stderr);
        assert.equal(
          line(r, 'permissions').replace(/^✗ permissions +/, ''),
          'arn:aws:iam::123456789012:role/web-dev-circleci-deploy may not call codedeploy:CreateDeployment on arn:aws:codedeploy:us-east-1:123456789012:deploymentgroup:web/web-dev (implicitDeny): the deployment would stop there',
        );
        assert.ok(
          r.lines.includes(
            '  → grant them to the role: sam-template.yaml’s DeployRole has what a deployment needs (sam deploy updates it), or add them to the policy of your own role',
          ),
          r.stderr,
        );
        const deploy = await cliInProcess(['deploy', '--env', 'dev', '--revision', bundle, '--no-wait'], {
          env: await deployRoleEnv(),
          cwd: dir,
          clock: cloud.clock,
        });
        assert.equal(deploy.code, 1, deploy.stderr);
        const listed = await (
          await cloud.aws.codedeploy()
        ).send(new ListDeploymentsCommand({ applicationName: 'web', deploymentGroupName: 'web-dev' }));
        assert.deepEqual(listed.deployments, []);
      },
    );
  });

  it('an explicit deny is named as one', async () => {
    await withPolicy(
      (statements) => [
        ...statements,
        { Sid: 'NoTargets', Effect: 'Deny', Action: 'codedeploy:ListDeploymentTargets', Resource: '*' },
      ],
      async () => {
        const r = await preflightAsTheRole();
        assert.equal(r.code, 1, r.stderr);
        assert.match(
          line(r, 'permissions'),
          /may not call codedeploy:ListDeploymentTargets \(explicitDeny\)/,
        );
      },
    );
  });

  it('a role that may not simulate its own policies: skipped, with why, never failed', async () => {
    await withPolicy(
      (statements) => statements.filter((s) => s.Sid !== 'SimulateItsOwnPolicies'),
      async () => {
        const r = await preflightAsTheRole();
        assert.equal(r.code, 0, r.stderr);
        assert.equal(
          line(r, 'permissions').replace(/^- permissions +/, ''),
          'arn:aws:iam::123456789012:role/web-dev-circleci-deploy may not call iam:SimulatePrincipalPolicy on itself (AccessDenied); grant it that, on its own ARN, to have this checked (skipped)',
        );
      },
    );
  });
});

interface Statement {
  Sid?: string;
  Effect: string;
  Action: string | string[];
  Resource: string | string[];
}

/** The dev stack of sam-template.yaml, as a first `sam deploy` makes it (a CREATE change set). */
async function createDevStack(
  cloud: TestCloud,
  config: { endpoint: string; region: string; credentials: typeof credentials },
): Promise<Record<string, string>> {
  const ec2 = await cloud.aws.ec2();
  const vpc = (await ec2.send(new DescribeVpcsCommand({}))).Vpcs?.find((v) => v.IsDefault)?.VpcId ?? '';
  const subnets = ((await ec2.send(new DescribeSubnetsCommand({}))).Subnets ?? [])
    .slice(0, 2)
    .map((s) => s.SubnetId)
    .join(',');
  const image = (await ec2.send(new DescribeImagesCommand({}))).Images?.[0]?.ImageId ?? '';
  const parameters = {
    ApplicationName: 'web',
    Environment: 'dev',
    VpcId: vpc,
    PublicSubnetIds: subnets,
    PrivateSubnetIds: subnets,
    AmiId: image,
    FleetSize: '2',
    CircleCIOrgId: ORG,
    CircleCIProjectId: PROJECT,
  };
  const client = new cfn.CloudFormationClient(config);
  try {
    const { Id } = await client.send(
      new cfn.CreateChangeSetCommand({
        StackName: 'web-dev',
        ChangeSetName: 'create',
        ChangeSetType: 'CREATE',
        TemplateBody: await readFile(join(repoRoot, 'sam-template.yaml'), 'utf8'),
        Capabilities: ['CAPABILITY_IAM', 'CAPABILITY_NAMED_IAM', 'CAPABILITY_AUTO_EXPAND'],
        Parameters: Object.entries(parameters).map(([ParameterKey, ParameterValue]) => ({
          ParameterKey,
          ParameterValue,
        })),
      }),
    );
    const changeSet = await cloud.until(
      () => client.send(new cfn.DescribeChangeSetCommand({ ChangeSetName: Id })),
      (c) => c.Status === 'CREATE_COMPLETE' || c.Status === 'FAILED',
      'the change set',
    );
    assert.equal(changeSet.Status, 'CREATE_COMPLETE', changeSet.StatusReason);
    await client.send(new cfn.ExecuteChangeSetCommand({ ChangeSetName: Id }));
    const stack = await cloud.until(
      async () => (await client.send(new cfn.DescribeStacksCommand({ StackName: 'web-dev' }))).Stacks?.[0],
      (s) => !s?.StackStatus?.endsWith('_IN_PROGRESS'),
      'the stack',
    );
    assert.equal(stack?.StackStatus, 'CREATE_COMPLETE', stack?.StackStatusReason);
    return Object.fromEntries((stack?.Outputs ?? []).map((o) => [o.OutputKey ?? '', o.OutputValue ?? '']));
  } finally {
    client.destroy();
  }
}
