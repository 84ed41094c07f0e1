// tier: integration
// `greenlight init` as a user runs it, in process, in a scratch app, against the local cloud (the
// account comes from its STS): with --yes it writes files that `appspec lint` accepts and that
// `group apply` turns into a deployment group; at a terminal it asks, each question with its default;
// without a terminal it never waits; bad input is exit 2 with the reason.
import assert from 'node:assert/strict';
import { GetDeploymentGroupCommand } from '@aws-sdk/client-codedeploy';
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { parse } from 'yaml';
import type { WorldInput } from '@greenlight/localcloud';
import { runCli } from '../../src/cli/run.js';
import { startCloud, type TestCloud } from '../support/cloud.js';
import { cliInProcess, forgetThisMachinesAwsConfig } from '../support/in-process.js';

forgetThisMachinesAwsConfig();

/** What sam-template.yaml would make for the dev environments of shop (blue/green) and depot (in place). */
const SHOP_DEV: WorldInput = {
  region: 'us-east-1',
  launchTemplates: [{ name: 'shop-dev' }, { name: 'depot-dev' }],
  targetGroups: ['shop', 'depot'].map((app) => ({
    name: `${app}-dev-tg`,
    port: 8000,
    healthCheck: { path: '/healthcheck' },
  })),
  autoScalingGroups: ['shop', 'depot'].map((app) => ({
    name: `${app}-dev-asg`,
    instances: 2,
    availabilityZones: ['us-east-1a', 'us-east-1b'],
    targetGroups: [`${app}-dev-tg`],
    launchTemplate: `${app}-dev`,
    agent: 'synthetic' as const,
  })),
  alarms: ['shop', 'depot'].flatMap((app) => [
    { name: `${app}-dev-5xx`, state: 'OK' as const },
    { name: `${app}-dev-unhealthy-hosts`, state: 'OK' as const },
  ]),
  buckets: [],
};

describe('greenlight init', () => {
  let cloud: TestCloud;
  let scratch: string;

  before(async () => {
    cloud = await startCloud({ world: SHOP_DEV });
    scratch = await mkdtemp(join(tmpdir(), 'greenlight-init-cli-'));
  });
  after(async () => {
    await cloud.close();
    await rm(scratch, { recursive: true, force: true });
  });

  /** An app as `npm init -y` leaves it, with a GitHub remote. */
  async function nodeApp(): Promise<string> {
    const dir = await mkdtemp(join(scratch, 'shop-'));
    await writeFile(
      join(dir, 'package.json'),
      JSON.stringify({
        name: 'shop',
        version: '1.0.0',
        main: 'index.js',
        scripts: { test: 'echo "Error: no test specified" && exit 1' },
      }),
    );
    await mkdir(join(dir, '.git'));
    await writeFile(join(dir, '.git/config'), '[remote "origin"]\n\turl = git@github.com:acme/shop.git\n');
    return dir;
  }

  const run = (args: string[], cwd: string, env: Record<string, string> = cloud.env) =>
    cliInProcess(args, { env, cwd, clock: cloud.clock });

  it('--yes: files appspec lint accepts, with the account STS names, and group apply makes the group from them', async () => {
    const dir = await nodeApp();
    const init = await run(['init', '--yes'], dir);
    assert.equal(init.code, 0, init.stderr);
    assert.match(init.stderr, /account 123456789012: STS GetCallerIdentity/);
    assert.match(init.stderr, /revision github:acme\/shop: the git remote origin/);
    const files = (await readdir(dir, { recursive: true })).filter((f) => !f.startsWith('.git')).sort();
    assert.ok(files.includes('hooks/shop.service') && files.includes('index.js'), files.join(' '));
    const config = parse(await readFile(join(dir, 'greenlight.yml'), 'utf8')) as {
      environments: Record<string, { serviceRoleArn: string; revision: unknown }>;
    };
    assert.equal(
      config.environments.dev?.serviceRoleArn,
      'arn:aws:iam::123456789012:role/shop-dev-codedeploy',
    );
    assert.deepEqual(config.environments.prod?.revision, { github: 'acme/shop' });

    const lint = await run(['appspec', 'lint'], dir);
    assert.equal(lint.code, 0, lint.stderr);
    assert.match(lint.stderr, /appspec\.yml: no problems/);

    const apply = await run(['group', 'apply', '--env', 'dev'], dir);
    assert.equal(apply.code, 0, apply.stderr);
    const codedeploy = await cloud.aws.codedeploy();
    const group = await codedeploy.send(
      new GetDeploymentGroupCommand({ applicationName: 'shop', deploymentGroupName: 'shop-dev' }),
    );
    assert.deepEqual(
      group.deploymentGroupInfo?.autoScalingGroups?.map((g) => g.name),
      ['shop-dev-asg'],
    );
    assert.deepEqual(
      group.deploymentGroupInfo?.loadBalancerInfo?.targetGroupInfoList?.map((t) => t.name),
      ['shop-dev-tg'],
    );
    assert.deepEqual(
      group.deploymentGroupInfo?.alarmConfiguration?.alarms?.map((a) => a.name),
      ['shop-dev-5xx', 'shop-dev-unhealthy-hosts'],
    );
    // Run again, the files are there: nothing is written, every one is named. (index.js exists now,
    // so no example is due; .circleci/config.yml exists, so its pipeline would be printed, not written.)
    const again = await run(['init', '--yes'], dir);
    assert.equal(again.code, 2);
    assert.match(
      again.stderr,
      /error: nothing written: greenlight\.yml, appspec\.yml, hooks\/lib\.sh, .*, hooks\/README\.md exist\. --force replaces them/,
    );
  });

  it('--yes --style in-place: an in-place environment that loads, and group plan says the in-place group it would create', async () => {
    const dir = await nodeApp();
    const init = await run(['init', '--yes', '--style', 'in-place', '--application', 'depot'], dir);
    assert.equal(init.code, 0, init.stderr);
    const config = parse(await readFile(join(dir, 'greenlight.yml'), 'utf8')) as {
      environments: Record<string, Record<string, unknown>>;
    };
    for (const env of ['dev', 'prod']) {
      const spec = config.environments[env] ?? {};
      assert.equal(spec.style, 'in-place');
      assert.deepEqual(spec.inPlace, { autoScalingGroups: [`depot-${env}-asg`] });
      assert.deepEqual(spec.targetGroups, [`depot-${env}-tg`]);
      assert.equal(spec.deploymentConfig, 'CodeDeployDefault.OneAtATime');
      for (const key of ['blueGreen', 'autoScalingGroup', 'verifyBeforeTraffic'])
        assert.ok(!(key in spec), `${env} has ${key}`);
    }

    const plan = await run(['group', 'plan', '--env', 'dev'], dir);
    assert.equal(plan.code, 0, plan.stderr);
    for (const line of [
      'deployment group depot/depot-dev: create',
      '  ✓ Auto Scaling group depot-dev-asg',
      '  ✓ target group depot-dev-tg',
      '  ✓ deployment config CodeDeployDefault.OneAtATime',
    ])
      assert.ok(plan.stderr.includes(line), `${line}\n---\n${plan.stderr}`);
    const apply = await run(['group', 'apply', '--env', 'dev'], dir);
    assert.equal(apply.code, 0, apply.stderr);
    const group = await (
      await cloud.aws.codedeploy()
    ).send(new GetDeploymentGroupCommand({ applicationName: 'depot', deploymentGroupName: 'depot-dev' }));
    const info = group.deploymentGroupInfo;
    assert.deepEqual(info?.deploymentStyle, {
      deploymentType: 'IN_PLACE',
      deploymentOption: 'WITH_TRAFFIC_CONTROL',
    });
    assert.deepEqual(
      info?.autoScalingGroups?.map((g) => g.name),
      ['depot-dev-asg'],
    );
    assert.equal(info?.blueGreenDeploymentConfiguration, undefined);
  });

  it('in place at a terminal: asks the style, then the ASG, the tags and the target groups, where none is an answer', async () => {
    const dir = await nodeApp();
    const stdin = Object.assign(new PassThrough(), { isTTY: true });
    stdin.end(
      [
        '', // runtime: node
        'depot',
        'test,live',
        '', // region
        '', // account: STS's
        'in-place',
        'none', // no ASG
        'none', // and no tag: refused, asked again
        'team=depot,env=depot-{env}',
        'none', // no load balancer
        '',
        '',
        '',
        'appspec',
      ].join('\n'),
    );
    let stderr = '';
    const code = await runCli(['init'], {
      stdout: { write: () => true },
      stderr: { write: (s: string) => (stderr += s) },
      env: cloud.env,
      cwd: dir,
      signal: new AbortController().signal,
      clock: cloud.clock,
      stdin,
    });
    assert.equal(code, 0, stderr);
    for (const prompt of [
      'Deployment style (blue-green: onto a new fleet, then traffic moves; in-place: onto the instances that serve) [blue-green]: ',
      'Auto Scaling group of each environment ({app} and {env} are filled in; none: only tagged instances) [{app}-{env}-asg]: ',
      "EC2 tags every instance to deploy to carries (Key=Value, comma-separated; none: the Auto Scaling group's instances only) [none]: ",
      'Target groups, comma-separated (none: no load balancer, deployed without traffic control) [{app}-{env}-tg]: ',
    ])
      assert.ok(stderr.includes(prompt), `${prompt}\n---\n${stderr}`);
    assert.match(
      stderr,
      / {2}no Auto Scaling group and no tag: an in-place environment needs one of them to find its instances/,
    );
    const config = parse(await readFile(join(dir, 'greenlight.yml'), 'utf8')) as {
      environments: Record<string, Record<string, unknown>>;
    };
    const live = config.environments.live ?? {};
    assert.deepEqual(live.inPlace, { tags: { team: 'depot', env: 'depot-live' } });
    assert.ok(!('targetGroups' in live) && !('alarms' in live), JSON.stringify(live));
    assert.deepEqual(live.autoRollback, ['DEPLOYMENT_FAILURE']);
  });

  it('flags instead of answers: several --env, the names, the account, the runtime, what to write', async () => {
    const dir = await nodeApp();
    const init = await run(
      [
        'init',
        '--yes',
        '--application',
        'store',
        '--env',
        'dev',
        '-e',
        'impl,prod',
        '--region',
        'eu-west-1',
        '--account',
        '111122223333',
        '--asg',
        'store-{env}-fleet',
        '--target-group',
        'store-{env}-blue',
        '--target-group',
        'store-{env}-green',
        '--health-path',
        '/health',
        '--health-port',
        '3000',
        '--revision',
        's3://store-revisions/store/',
        '--with',
        'appspec,hooks',
      ],
      dir,
    );
    assert.equal(init.code, 0, init.stderr);
    const text = await readFile(join(dir, 'greenlight.yml'), 'utf8');
    const config = parse(text) as {
      application: string;
      environments: Record<string, Record<string, unknown>>;
    };
    assert.equal(config.application, 'store');
    assert.deepEqual(Object.keys(config.environments), ['dev', 'impl', 'prod']);
    assert.deepEqual(config.environments.impl?.targetGroups, ['store-impl-blue', 'store-impl-green']);
    assert.equal(config.environments.impl?.autoScalingGroup, 'store-impl-fleet');
    assert.equal(
      config.environments.prod?.serviceRoleArn,
      'arn:aws:iam::111122223333:role/store-prod-codedeploy',
    );
    assert.deepEqual(config.environments.dev?.health, { path: '/health', port: 3000 });
    assert.deepEqual(config.environments.dev?.revision, {
      s3: { bucket: 'store-revisions', prefix: 'store/' },
    });
    const files = (await readdir(dir, { recursive: true })).filter((f) => !f.startsWith('.git')).sort();
    assert.ok(!files.includes('index.js') && !files.includes('.circleci/config.yml'), files.join(' '));
    assert.match(init.stderr, /index\.js does not exist: the unit will run it, so write it/);
  });

  it('at a terminal: asks each question with its default in brackets, and asks again after a wrong answer', async () => {
    const dir = await nodeApp();
    const stdin = Object.assign(new PassThrough(), { isTTY: true });
    // Every answer typed ahead: none may be lost between questions.
    stdin.end(
      [
        '', // runtime: node
        'Shop', // refused: lower-case only
        'shop2',
        'dev,prod',
        '', // region
        '', // account: STS's
        '', // style: blue-green
        '', // ASG
        '', // target groups
        '/ready',
        '',
        '',
        'appspec,hooks',
        '',
      ].join('\n'),
    );
    let stderr = '';
    const code = await runCli(['init'], {
      stdout: { write: () => true },
      stderr: { write: (s: string) => (stderr += s) },
      env: cloud.env,
      cwd: dir,
      signal: new AbortController().signal,
      clock: cloud.clock,
      stdin,
    });
    assert.equal(code, 0, stderr);
    for (const prompt of [
      'Runtime (node, python or static) [node]: ',
      'Application (the CodeDeploy application; names the unit, user and resources) [shop]: ',
      'AWS account id [123456789012]: ',
      'Auto Scaling group of each environment ({app} and {env} are filled in) [{app}-{env}-asg]: ',
      'Revision source (github:OWNER/REPO, s3://BUCKET/PREFIX, or stack-bucket) [github:acme/shop]: ',
      'Write besides greenlight.yml (appspec, hooks, circleci, sam, example) [appspec,hooks,circleci,example]: ',
    ])
      assert.ok(stderr.includes(prompt), `${prompt}\n---\n${stderr}`);
    assert.match(stderr, / {2}application "Shop": lower-case letters/);
    const config = parse(await readFile(join(dir, 'greenlight.yml'), 'utf8')) as {
      application: string;
      environments: Record<string, { health: unknown }>;
    };
    assert.equal(config.application, 'shop2');
    assert.deepEqual(config.environments.prod?.health, { path: '/ready', port: 8000 });
  });

  it('input that ends before the last answer is exit 2, saying which question went unanswered', async () => {
    const dir = await nodeApp();
    const stdin = Object.assign(new PassThrough(), { isTTY: true });
    stdin.end('node\n');
    let stderr = '';
    const code = await runCli(['init'], {
      stdout: { write: () => true },
      stderr: { write: (s: string) => (stderr += s) },
      env: cloud.env,
      cwd: dir,
      signal: new AbortController().signal,
      clock: cloud.clock,
      stdin,
    });
    assert.equal(code, 2);
    assert.match(
      stderr,
      /no answer to "Application \(the CodeDeploy application; names the unit, user and resources\)": the input ended \(--yes takes every default\)/,
    );
    assert.deepEqual((await readdir(dir)).sort(), ['.git', 'package.json']);
  });

  it('with no terminal and no --yes: takes the defaults, never waiting for input', async () => {
    const dir = await nodeApp();
    // Open and silent: a read would wait for ever.
    const stdin = Object.assign(new PassThrough(), { isTTY: false });
    const code = await runCli(['init', '--with', 'appspec'], {
      stdout: { write: () => true },
      stderr: { write: () => true },
      env: cloud.env,
      cwd: dir,
      signal: new AbortController().signal,
      clock: cloud.clock,
      stdin,
    });
    assert.equal(code, 0);
    assert.deepEqual((await readdir(dir)).sort(), ['.git', 'appspec.yml', 'greenlight.yml', 'package.json']);
  });

  it('without credentials: the account placeholder, said, and refused by every command until it is replaced', async () => {
    const dir = await nodeApp();
    const init = await run(['init', '--yes', '--with', 'appspec'], dir, {
      HOME: dir,
      PATH: process.env.PATH ?? '',
    });
    assert.equal(init.code, 0, init.stderr);
    assert.match(
      init.stderr,
      /account unknown: no AWS credentials in the environment or ~\/\.aws to ask STS with/,
    );
    assert.match(init.stderr, /greenlight\.yml has <account-id> where the AWS account id belongs/);
    const plan = await run(['group', 'plan', '--env', 'dev'], dir);
    assert.equal(plan.code, 2);
    assert.match(
      plan.stderr,
      /environments\.dev\.serviceRoleArn: <account-id> is greenlight init's placeholder for the AWS account id/,
    );
  });

  it('bad input is exit 2 with the reason, and writes nothing', async () => {
    const dir = await nodeApp();
    const cases: [string[], RegExp][] = [
      [
        ['init', '--yes', '--with', 'appspec,docs'],
        /--with docs: expected some of appspec, hooks, circleci, sam, example/,
      ],
      [['init', '--yes', '--runtime', 'ruby'], /runtime "ruby": expected one of node, python, static/],
      [
        ['init', '--yes', '--env', 'dev', '--asg', 'shop-asg', '--env', 'prod'],
        /names one resource for 2 environments: use \{env\}/,
      ],
      [
        ['init', '--yes', '--account', '12345'],
        /account "12345": expected the 12 digits of an AWS account id/,
      ],
      [
        ['init', '--from-group', 'shop/shop-dev', '--env', 'dev', '--with', 'hooks', '--yes'],
        /--with, --yes: for greenlight init without --from-group/,
      ],
      [['init', '--yes', '--runtime', 'static', '--with', 'example'], /a static site has no app of its own/],
      [['init', '--yes', '--style', 'canary'], /style "canary": expected blue-green or in-place/],
      [
        ['init', '--yes', '--tags', 'team=shop,env={env}'],
        /--tags: only with --style in-place \(a blue\/green fleet is the Auto Scaling group CodeDeploy copies\)/,
      ],
      [
        ['init', '--yes', '--style', 'in-place', '--tags', 'team=shop'],
        /tags team=shop find the same instances for 2 environments: use \{env\} in a value/,
      ],
      [
        ['init', '--yes', '--style', 'in-place', '--asg', 'none', '--tags', 'none'],
        /no Auto Scaling group and no tag: an in-place environment needs one of them/,
      ],
      [
        ['init', '--from-group', 'shop/shop-dev', '--env', 'dev', '--style', 'in-place'],
        /--style: for greenlight init without --from-group/,
      ],
    ];
    for (const [args, message] of cases) {
      const result = await run(args, dir);
      assert.equal(result.code, 2, `${args.join(' ')}\n${result.stderr}`);
      assert.match(result.stderr, message, args.join(' '));
      assert.doesNotMatch(result.stderr, /\n\s+at /, 'no stack trace');
    }
    const empty = await mkdtemp(join(scratch, 'empty-'));
    const nothing = await run(['init', '--yes'], empty);
    assert.equal(nothing.code, 2);
    assert.match(nothing.stderr, /cannot tell what app .* holds: no package\.json/);
    assert.deepEqual((await readdir(dir)).sort(), ['.git', 'package.json']);
  });
});
