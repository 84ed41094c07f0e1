// tier: unit
// greenlight init's reading of a repository (what app, which GitHub remote) and its answers: the
// defaults that follow sam-template.yaml's names, and what it refuses. And the loader's word on the
// account placeholder init writes when it cannot learn the account.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { ConfigError } from '../../src/config/errors.js';
import { loadConfig } from '../../src/config/load.js';
import { stackNames } from '../../src/sam/stack.js';
import {
  applicationNameFrom,
  checkEnvironments,
  checkPattern,
  checkStyle,
  checkTags,
  environmentComment,
  environmentSpec,
  type InitAnswers,
} from '../../src/init/answers.js';
import { githubOriginOf, githubRepository } from '../../src/init/git-remote.js';
import { detectApp } from '../../src/init/runtime.js';

const scratch = mkdtempSync(join(tmpdir(), 'greenlight-init-detect-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

/** A directory holding `files`. */
function repo(files: Record<string, string>): string {
  const dir = mkdtempSync(join(scratch, 'r-'));
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(join(dir, path, '..'), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  return dir;
}

const pkg = (fields: Record<string, unknown>) =>
  JSON.stringify({ name: 'shop', version: '1.0.0', ...fields });

describe('detectApp', () => {
  it('Node.js: the entry from scripts.start when it is node FILE, else main, else index.js', () => {
    const start = detectApp(
      repo({ 'package.json': pkg({ main: 'lib/x.js', scripts: { start: 'node ./srv/main.js' } }) }),
    );
    assert.deepEqual(
      [start.runtime, start.entry, start.npmStart, start.source],
      ['node', 'srv/main.js', false, '/'],
    );
    const main = detectApp(repo({ 'package.json': pkg({ main: 'lib/x.js' }), 'lib/x.js': '' }));
    assert.deepEqual([main.entry, main.entryExists], ['lib/x.js', true]);
    const none = detectApp(repo({ 'package.json': pkg({}) }));
    assert.deepEqual([none.entry, none.entryExists, none.name], ['index.js', false, 'shop']);
  });

  it('Node.js: npm start when the start script is more than node FILE; ES modules; dependencies; tests', () => {
    const npm = detectApp(
      repo({ 'package.json': pkg({ scripts: { start: 'tsx src/app.ts', test: 'node --test' } }) }),
    );
    assert.equal(npm.npmStart, true);
    assert.equal(npm.tests, true);
    const esm = detectApp(repo({ 'package.json': pkg({ type: 'module', dependencies: { express: '^5' } }) }));
    assert.equal(esm.esm, true);
    assert.deepEqual(esm.dependencies, { kind: 'npm' });
    // npm init's placeholder is not a test script.
    const placeholder = detectApp(
      repo({ 'package.json': pkg({ scripts: { test: 'echo "Error: no test specified" && exit 1' } }) }),
    );
    assert.equal(placeholder.tests, false);
    assert.deepEqual(placeholder.dependencies, { kind: 'none' });
  });

  it('Python: requirements.txt or pyproject.toml, the entry among app.py, main.py …', () => {
    const req = detectApp(repo({ 'requirements.txt': 'flask\n', 'main.py': '' }));
    assert.deepEqual([req.runtime, req.entry, req.entryExists], ['python', 'main.py', true]);
    assert.deepEqual(req.dependencies, { kind: 'pip', arguments: '--requirement requirements.txt' });
    const project = detectApp(
      repo({ 'pyproject.toml': '[project]\nname = "ledger"\ndependencies = [\n  "requests",\n]\n' }),
    );
    assert.deepEqual([project.entry, project.name], ['app.py', 'ledger']);
    assert.deepEqual(project.dependencies, { kind: 'pip', arguments: '.' });
    // Nothing named, nothing to install: the instance's python3 runs the app.
    for (const files of <Record<string, string>[]>[
      { 'pyproject.toml': '[project]\nname = "ledger"\ndependencies = []\n' },
      { 'requirements.txt': '# none yet\n\n' },
    ])
      assert.deepEqual(detectApp(repo(files)).dependencies, { kind: 'none' }, Object.keys(files)[0]);
  });

  it('a static site: public/ alone is served when the site is there, else the whole revision', () => {
    const inPublic = detectApp(repo({ 'public/index.html': '<p>hi</p>' }));
    assert.deepEqual([inPublic.runtime, inPublic.source], ['static', 'public']);
    const atRoot = detectApp(repo({ 'index.html': '<p>hi</p>' }));
    assert.equal(atRoot.source, '/');
    assert.match(atRoot.notes.join('\n'), /everything in it is served, hooks\/ and greenlight\.yml too/);
  });

  it('--runtime and --entry win; nothing to go by, or an entry the unit cannot hold, is refused', () => {
    const told = detectApp(repo({ 'package.json': pkg({}) }), { runtime: 'python', entry: 'serve.py' });
    assert.deepEqual([told.runtime, told.entry], ['python', 'serve.py']);
    assert.equal(told.notes[0], 'runtime python: as told');
    assert.throws(
      () => detectApp(repo({ 'README.md': '' })),
      /cannot tell what app .* holds: .* --runtime node\|python\|static/,
    );
    for (const entry of ['../etc/x.js', '/abs.js', 'a b.js', 'x;rm.js'])
      assert.throws(
        () => detectApp(repo({ 'package.json': pkg({}) }), { entry }),
        /is not a plain relative path/,
        entry,
      );
    assert.throws(() => detectApp(repo({ 'package.json': '{' })), /package\.json is not valid JSON/);
  });
});

describe('the GitHub remote', () => {
  it('reads owner/repo from https, ssh and scp-like URLs, and nothing else', () => {
    for (const url of [
      'https://github.com/acme/shop.git',
      'https://token@github.com/acme/shop',
      'git@github.com:acme/shop.git',
      'ssh://git@github.com/acme/shop.git',
    ])
      assert.equal(githubRepository(url), 'acme/shop', url);
    for (const url of ['https://gitlab.com/acme/shop.git', 'git@github.com:acme', '/srv/git/shop.git'])
      assert.equal(githubRepository(url), undefined, url);
  });

  it('finds origin in .git/config, above the directory too, and through a worktree’s .git file', () => {
    const main = repo({
      '.git/config':
        '[core]\n\tbare = false\n[remote "upstream"]\n\turl = git@github.com:other/x.git\n[remote "origin"]\n\turl = git@github.com:acme/shop.git\n',
    });
    mkdirSync(join(main, 'sub'));
    assert.equal(githubOriginOf(main), 'acme/shop');
    assert.equal(githubOriginOf(join(main, 'sub')), 'acme/shop');
    const worktreeGit = join(main, '.git/worktrees/wt');
    mkdirSync(worktreeGit, { recursive: true });
    writeFileSync(join(worktreeGit, 'commondir'), '../..\n');
    const worktree = repo({ '.git': `gitdir: ${worktreeGit}\n` });
    assert.equal(githubOriginOf(worktree), 'acme/shop');
    assert.equal(githubOriginOf(repo({ '.git/config': '[core]\n' })), undefined);
  });
});

describe('the answers', () => {
  const answers: InitAnswers = {
    application: 'shop',
    style: 'blue-green',
    environments: ['dev', 'impl', 'prod'],
    region: 'eu-west-1',
    account: '111122223333',
    autoScalingGroup: '{app}-{env}-asg',
    targetGroups: ['{app}-{env}-tg'],
    healthPath: '/healthcheck',
    healthPort: 8000,
    revision: { github: 'acme/shop' },
    runtime: 'node',
    write: ['appspec', 'hooks'],
  };

  it('name every resource as sam-template.yaml does, for each environment', () => {
    for (const env of answers.environments) {
      const spec = environmentSpec(answers, env);
      const names = stackNames('shop', env);
      assert.equal(spec.autoScalingGroup, names.autoScalingGroup);
      assert.deepEqual(spec.targetGroups, [names.targetGroup]);
      assert.deepEqual([...(spec.alarms as string[])].sort(), [...names.alarms].sort());
      assert.equal(spec.serviceRoleArn, `arn:aws:iam::111122223333:role/${names.serviceRole}`);
      assert.equal(spec.deploymentGroup, `shop-${env}`);
    }
  });

  it('make the last environment production and the others quick; the partition follows the region', () => {
    const dev = environmentSpec(answers, 'dev');
    const prod = environmentSpec(answers, 'prod');
    assert.equal(dev.deploymentConfig, 'CodeDeployDefault.AllAtOnce');
    assert.equal(prod.deploymentConfig, 'CodeDeployDefault.OneAtATime');
    assert.deepEqual((prod.blueGreen as Record<string, unknown>).ready, {
      action: 'STOP_DEPLOYMENT',
      waitMinutes: 60,
    });
    assert.equal(prod.verifyBeforeTraffic, true);
    assert.equal(dev.verifyBeforeTraffic, undefined);
    const china = environmentSpec({ ...answers, region: 'cn-north-1' }, 'dev');
    assert.match(String(china.serviceRoleArn), /^arn:aws-cn:iam::/);
  });

  it('take each environment’s stack bucket when there is no GitHub remote', () => {
    const spec = environmentSpec({ ...answers, revision: { stackBucket: true } }, 'impl');
    assert.deepEqual(spec.revision, {
      s3: { bucket: 'shop-impl-revisions-111122223333-eu-west-1', prefix: 'shop/' },
    });
  });

  it('defaults the application from a package name; refuse a pattern shared by environments', () => {
    assert.equal(applicationNameFrom('@acme/Web_App'), 'web-app');
    assert.equal(applicationNameFrom('123'), 'app');
    assert.equal(applicationNameFrom('a-very-long-application-name-indeed'), 'a-very-long-applicat');
    assert.deepEqual(checkEnvironments(['dev,impl', 'prod']), ['dev', 'impl', 'prod']);
    assert.throws(() => checkEnvironments(['dev', 'dev']), /environment dev is named twice/);
    assert.throws(() => checkEnvironments(['Prod']), /lower-case letters/);
    assert.throws(
      () => checkPattern('Auto Scaling group', 'shop-asg', ['dev', 'prod']),
      /names one resource for 2 environments: use \{env\}/,
    );
    assert.equal(checkPattern('Auto Scaling group', 'shop-asg', ['prod']), 'shop-asg');
    assert.throws(
      () => checkPattern('target group', '{application}-tg', ['prod']),
      /a pattern with \{app\} and \{env\}/,
    );
  });
});

describe('the answers of an in-place environment', () => {
  const answers: InitAnswers = {
    application: 'shop',
    style: 'in-place',
    environments: ['dev', 'prod'],
    region: 'eu-west-1',
    account: '111122223333',
    autoScalingGroup: '{app}-{env}-asg',
    targetGroups: ['{app}-{env}-tg'],
    healthPath: '/healthcheck',
    healthPort: 8000,
    revision: { github: 'acme/shop' },
    runtime: 'node',
    write: ['appspec', 'hooks'],
  };

  it('name the fleet under inPlace, one instance at a time everywhere, and no blue/green key', () => {
    for (const env of answers.environments) {
      const spec = environmentSpec(answers, env);
      assert.equal(spec.style, 'in-place');
      assert.deepEqual(spec.inPlace, { autoScalingGroups: [`shop-${env}-asg`] });
      assert.deepEqual(spec.targetGroups, [`shop-${env}-tg`]);
      assert.equal(spec.deploymentConfig, 'CodeDeployDefault.OneAtATime');
      for (const key of ['blueGreen', 'autoScalingGroup', 'verifyBeforeTraffic'])
        assert.ok(!(key in spec), `${env}: ${key}`);
      assert.deepEqual(spec.alarms, [`shop-${env}-5xx`, `shop-${env}-unhealthy-hosts`]);
    }
  });

  it('take tags alone, each environment its own; without target groups, no load balancer alarms', () => {
    const { autoScalingGroup: _, ...rest } = answers;
    const spec = environmentSpec({ ...rest, tags: { app: '{app}', env: '{env}' }, targetGroups: [] }, 'prod');
    assert.deepEqual(spec.inPlace, { tags: { app: 'shop', env: 'prod' } });
    assert.ok(!('targetGroups' in spec) && !('alarms' in spec), JSON.stringify(spec));
    assert.deepEqual(spec.autoRollback, ['DEPLOYMENT_FAILURE']);
    const comment = environmentComment({ ...rest, targetGroups: [] }, 'prod');
    assert.doesNotMatch(comment, /shop-prod-tg|shop-prod-5xx/, 'names nothing the environment does not use');
    assert.match(comment, /shop-prod-codedeploy/);
  });

  it('refuse a style or tags greenlight.yml could not say', () => {
    assert.equal(checkStyle('in-place'), 'in-place');
    assert.throws(() => checkStyle('canary'), /style "canary": expected blue-green or in-place/);
    assert.deepEqual(checkTags('app={app}, env={env}', ['dev', 'prod']), { app: '{app}', env: '{env}' });
    assert.deepEqual(checkTags('role=web', ['prod']), { role: 'web' });
    assert.throws(
      () => checkTags('role=web', ['dev', 'prod']),
      /tags role=web find the same instances for 2 environments: use \{env\} in a value/,
    );
    assert.throws(() => checkTags('role', ['prod']), /tag "role": expected Key=Value/);
    assert.throws(
      () => checkTags('env={environment}', ['prod']),
      /tag "env=\{environment\}": expected Key=Value/,
    );
    assert.throws(() => checkTags('a=1,a=2', ['prod']), /tag a is named twice/);
    assert.throws(() => checkTags('a=1,b=2,c=3,d=4', ['prod']), /at most 3/);
  });
});

describe('the account placeholder in greenlight.yml', () => {
  it('is refused where it stands, with what to do, instead of as a malformed ARN or bucket', () => {
    const text = [
      'application: shop',
      'environments:',
      '  dev:',
      '    deploymentGroup: shop-dev',
      '    serviceRoleArn: arn:aws:iam::<account-id>:role/shop-dev-codedeploy',
      '    autoScalingGroup: shop-dev-asg',
      '    targetGroups: [shop-dev-tg]',
      '    revision: { s3: { bucket: shop-dev-revisions-<account-id>-us-east-1, prefix: shop/ } }',
      '',
    ].join('\n');
    assert.throws(
      () => loadConfig({ path: 'greenlight.yml', text }),
      (error: unknown) => {
        assert.ok(error instanceof ConfigError);
        assert.deepEqual(
          error.problems.map((p) => [p.line, p.path]),
          [
            [5, 'environments.dev.serviceRoleArn'],
            [8, 'environments.dev.revision.s3.bucket'],
          ],
        );
        assert.match(
          error.message,
          /greenlight\.yml:5: environments\.dev\.serviceRoleArn: <account-id> is greenlight init's placeholder for the AWS account id: put the 12-digit id/,
        );
        assert.doesNotMatch(error.message, /expected an IAM role ARN/);
        return true;
      },
    );
  });
});
