// tier: unit
// greenlight init writes all or nothing: when any file it would write exists, it names every one
// that does and writes none; --force replaces them, keeping greenlight.yml's other environments; an
// existing .circleci/config.yml is never rewritten, the pipeline to merge is given back instead.
import assert from 'node:assert/strict';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { parse } from 'yaml';
import { UsageError } from '../../src/exit-codes.js';
import type { InitAnswers } from '../../src/init/answers.js';
import { initRepository, type InitRepositoryRequest } from '../../src/init/init-repository.js';
import { detectApp } from '../../src/init/runtime.js';
import type { LogEvent } from '../../src/log/events.js';

const scratch = mkdtempSync(join(tmpdir(), 'greenlight-init-repo-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

const ANSWERS: InitAnswers = {
  application: 'shop',
  style: 'blue-green',
  environments: ['dev', 'prod'],
  region: 'us-east-1',
  account: '111122223333',
  autoScalingGroup: '{app}-{env}-asg',
  targetGroups: ['{app}-{env}-tg'],
  healthPath: '/healthcheck',
  healthPort: 8000,
  revision: { github: 'acme/shop' },
  runtime: 'node',
  write: ['appspec', 'hooks', 'circleci', 'example'],
};

/** An empty Node.js app, as `npm init -y` leaves one. */
function emptyNodeApp(): string {
  const dir = mkdtempSync(join(scratch, 'app-'));
  writeFileSync(
    join(dir, 'package.json'),
    JSON.stringify({ name: 'shop', version: '1.0.0', main: 'index.js' }),
  );
  return dir;
}

function init(dir: string, over: Partial<InitRepositoryRequest> = {}, answers: Partial<InitAnswers> = {}) {
  const events: LogEvent[] = [];
  const run = initRepository(
    {
      dir,
      configPath: join(dir, 'greenlight.yml'),
      answers: { ...ANSWERS, ...answers },
      detected: detectApp(dir),
      force: false,
      dryRun: false,
      packageSpec: 'greenlight@0.1.0',
      ...over,
    },
    { logger: { emit: (event) => events.push(event) } },
  );
  return { ...run, said: events.map((e) => (e.kind === 'message' ? e.text : '')).join('\n') };
}

function tree(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name).slice(dir.length + 1))
    .sort();
}

describe('greenlight init in a repository', () => {
  it('writes greenlight.yml, appspec.yml, hooks/, the example app and the pipeline into an empty Node.js app', () => {
    const dir = emptyNodeApp();
    const { exitCode, result } = init(dir);
    assert.equal(exitCode, 0);
    assert.deepEqual(tree(dir), [
      '.circleci/config.yml',
      'appspec.yml',
      'greenlight.yml',
      'hooks/README.md',
      'hooks/after-block-traffic.sh',
      'hooks/after-install.sh',
      'hooks/application-start.sh',
      'hooks/application-stop.sh',
      'hooks/before-allow-traffic.sh',
      'hooks/before-block-traffic.sh',
      'hooks/before-install.sh',
      'hooks/lib.sh',
      'hooks/shop.service',
      'hooks/validate-service.sh',
      'index.js',
      'package.json',
    ]);
    assert.deepEqual(
      [...result.files].sort(),
      tree(dir).filter((f) => f !== 'package.json'),
    );
    assert.equal(statSync(join(dir, 'hooks/validate-service.sh')).mode & 0o777, 0o755);
    assert.equal(statSync(join(dir, 'hooks/lib.sh')).mode & 0o777, 0o644);
    const config = parse(readFileSync(join(dir, 'greenlight.yml'), 'utf8')) as {
      application: string;
      environments: Record<string, Record<string, unknown>>;
    };
    assert.equal(config.application, 'shop');
    assert.deepEqual(Object.keys(config.environments), ['dev', 'prod']);
    assert.equal(
      config.environments.dev?.serviceRoleArn,
      'arn:aws:iam::111122223333:role/shop-dev-codedeploy',
    );
    // The example app is CommonJS, as package.json (no "type") makes index.js.
    assert.match(
      readFileSync(join(dir, 'index.js'), 'utf8'),
      /const \{ createServer \} = require\('node:http'\);/,
    );
  });

  it('writes nothing when any of its files exists, and names every one that does', () => {
    const dir = emptyNodeApp();
    mkdirSync(join(dir, 'hooks'));
    writeFileSync(join(dir, 'hooks/lib.sh'), '# the team’s own\n');
    writeFileSync(join(dir, 'appspec.yml'), 'version: 0.0\n');
    const before = tree(dir);
    assert.throws(
      () => init(dir),
      (error: unknown) =>
        error instanceof UsageError &&
        error.message ===
          'nothing written: appspec.yml, hooks/lib.sh exist. --force replaces them (greenlight.yml keeps its other environments), or leave them out with --with',
    );
    assert.deepEqual(tree(dir), before);
    assert.equal(readFileSync(join(dir, 'hooks/lib.sh'), 'utf8'), '# the team’s own\n');
  });

  it('--force replaces them, and greenlight.yml keeps the environments it had', () => {
    const dir = emptyNodeApp();
    init(dir, {}, { environments: ['staging'] });
    const first = readFileSync(join(dir, 'greenlight.yml'), 'utf8');
    assert.throws(
      () => init(dir),
      /nothing written: greenlight\.yml, appspec\.yml, hooks\/lib\.sh, .* exist/,
    );
    const { result } = init(dir, { force: true }, { write: ['appspec'] });
    assert.deepEqual(result.replaced, ['greenlight.yml', 'appspec.yml']);
    const config = parse(readFileSync(join(dir, 'greenlight.yml'), 'utf8')) as { environments: object };
    assert.deepEqual(Object.keys(config.environments), ['staging', 'dev', 'prod']);
    assert.notEqual(readFileSync(join(dir, 'greenlight.yml'), 'utf8'), first);
  });

  it('an existing .circleci/config.yml is left as it is; the pipeline to merge comes back instead', () => {
    const dir = emptyNodeApp();
    mkdirSync(join(dir, '.circleci'));
    writeFileSync(join(dir, '.circleci/config.yml'), 'version: 2.1\n# the team’s\n');
    const { result, said } = init(dir, { force: true });
    assert.equal(readFileSync(join(dir, '.circleci/config.yml'), 'utf8'), 'version: 2.1\n# the team’s\n');
    assert.ok(!result.files.includes('.circleci/config.yml'));
    assert.match(result.circleciToMerge ?? '', /^ {2}code_deploy:$/m);
    assert.match(result.circleciToMerge ?? '', /^ {6}- deliver_prod:$/m);
    assert.match(
      said,
      /\.circleci\/config\.yml exists and is not rewritten: the pipeline to merge into it is printed on stdout/,
    );
  });

  it('refuses answers that would make an invalid greenlight.yml before writing anything', () => {
    const dir = emptyNodeApp();
    assert.throws(
      () =>
        init(
          dir,
          {},
          { autoScalingGroup: '{app}-{env}-a-name-far-longer-than-any-group-may-have-'.repeat(6) },
        ),
      (error: unknown) =>
        error instanceof UsageError &&
        /greenlight\.yml would not load, so nothing was written:\n.*environments\.dev\.autoScalingGroup/s.test(
          error.message,
        ),
    );
    assert.deepEqual(tree(dir), ['package.json']);
  });

  it('--dry-run writes nothing and says what it would write', () => {
    const dir = emptyNodeApp();
    const { result, said } = init(dir, { dryRun: true });
    assert.equal(result.written, false);
    assert.deepEqual(tree(dir), ['package.json']);
    assert.match(said, /^would write greenlight\.yml, appspec\.yml, hooks\/lib\.sh/m);
  });

  it('without an account: the placeholder, and a warning that greenlight refuses the file until it is replaced', () => {
    const dir = emptyNodeApp();
    const { account: _, ...withoutAccount } = ANSWERS;
    const run = initRepository(
      {
        dir,
        configPath: join(dir, 'greenlight.yml'),
        answers: withoutAccount,
        detected: detectApp(dir),
        force: false,
        dryRun: false,
        packageSpec: 'greenlight@0.1.0',
      },
      { logger: { emit: () => undefined } },
    );
    assert.equal(run.result.accountPlaceholder, true);
    assert.match(
      readFileSync(join(dir, 'greenlight.yml'), 'utf8'),
      /serviceRoleArn: arn:aws:iam::<account-id>:role\/shop-dev-codedeploy/,
    );
    assert.ok(existsSync(join(dir, 'appspec.yml')));
  });
});
