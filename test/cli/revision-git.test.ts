// tier: e2e
// --revision with a short commit is resolved by the checkout's git; deploy of HEAD checks that HEAD
// is on a branch of the GitHub remote greenlight.yml names before creating anything. Runs git.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { checkCommitPushed, githubRepositoryOf, resolveRevision } from '../../src/codedeploy/revision.js';
import type { AwsClients } from '../../src/aws/clients.js';
import { runCli } from '../../src/cli/run.js';
import { resolveEnvironment } from '../../src/config/environment.js';
import { loadConfig } from '../../src/config/load.js';
import { checkRevision } from '../../src/preflight/preflight.js';
import { repoRoot } from './spawn.js';

let dir: string;
let pushed: string;
let local: string;
const git = (...args: string[]): string =>
  execFileSync('git', args, {
    cwd: dir,
    encoding: 'utf8',
    env: {
      PATH: process.env.PATH,
      HOME: dir,
      GIT_AUTHOR_NAME: 't',
      GIT_AUTHOR_EMAIL: 't@example.org',
      GIT_COMMITTER_NAME: 't',
      GIT_COMMITTER_EMAIL: 't@example.org',
    },
  }).trim();

async function cli(argv: string[]): Promise<{ code: number; stderr: string }> {
  let stderr = '';
  const code = await runCli(argv, {
    stdout: { write: () => true },
    stderr: { write: (s: string) => (stderr += s) },
    // Nowhere to reach: the checks under test come before any AWS call.
    env: { AWS_ENDPOINT_URL: 'http://127.0.0.1:9', AWS_REGION: 'us-east-1', AWS_MAX_ATTEMPTS: '1' },
    cwd: dir,
    signal: new AbortController().signal,
  });
  return { code, stderr };
}

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'greenlight-revision-'));
  git('init', '-q', '-b', 'main');
  copyFileSync(join(repoRoot, 'greenlight.yml'), join(dir, 'greenlight.yml'));
  git('add', '.');
  git('commit', '-q', '-m', 'one');
  pushed = git('rev-parse', 'HEAD');
  // The GitHub repository of greenlight.yml as the remote, and main as fetched from it.
  git('remote', 'add', 'origin', 'git@github.com:example/greenlight.git');
  git('update-ref', 'refs/remotes/origin/main', pushed);
  writeFileSync(join(dir, 'README'), 'two\n');
  git('add', '.');
  git('commit', '-q', '-m', 'two');
  local = git('rev-parse', 'HEAD');
});
after(() => rmSync(dir, { recursive: true, force: true }));

describe('--revision with a short commit', () => {
  it('is resolved to the full commit by the checkout', async () => {
    assert.deepEqual(await resolveRevision(pushed.slice(0, 7), dir), { type: 'GitHub', commitId: pushed });
    assert.deepEqual(await resolveRevision(local.slice(0, 12).toUpperCase(), dir), {
      type: 'GitHub',
      commitId: local,
    });
  });

  it('is refused with the reason when the checkout does not have it', async () => {
    await assert.rejects(resolveRevision('0000000', dir), (error: Error & { exitCode?: number }) => {
      assert.equal(error.exitCode, 2);
      assert.match(
        error.message,
        /short commit id.*need the full 40-character one: the git checkout at .* has no commit 0000000/,
      );
      return true;
    });
    await assert.rejects(
      resolveRevision('324b63b', tmpdir()),
      /is not a git checkout to look it up in; pass the full id/,
    );
  });

  it('full ids and s3:// URLs are taken as they are', async () => {
    assert.deepEqual(await resolveRevision('a'.repeat(40), dir), {
      type: 'GitHub',
      commitId: 'a'.repeat(40),
    });
    assert.equal((await resolveRevision('s3://web-revisions/web/a.zip', dir)).type, 'S3');
  });
});

describe('deploy of HEAD checks it is in the GitHub repository', () => {
  it('knows GitHub remote URLs', () => {
    assert.equal(githubRepositoryOf('git@github.com:Example/Greenlight.git'), 'example/greenlight');
    assert.equal(githubRepositoryOf('https://github.com/example/greenlight'), 'example/greenlight');
    assert.equal(githubRepositoryOf('ssh://git@github.com/example/greenlight.git'), 'example/greenlight');
    assert.equal(githubRepositoryOf('https://gitlab.com/example/greenlight.git'), undefined);
  });

  it('a pushed commit passes, an unpushed one does not, another repository cannot tell', async () => {
    assert.equal((await checkCommitPushed(pushed, 'example/greenlight', dir)).status, 'pushed');
    const unpushed = await checkCommitPushed(local, 'example/greenlight', dir);
    assert.equal(unpushed.status, 'not-pushed');
    assert.equal((await checkCommitPushed(pushed, 'someone/else', dir)).status, 'unknown');
  });

  it('preflight: a pushed commit passes its revision check, an unpushed one fails it, saying to push', async () => {
    const env = resolveEnvironment(loadConfig({ path: join(dir, 'greenlight.yml') }), 'dev');
    // A GitHub revision is checked with git alone: the clients are never asked.
    const aws = {} as AwsClients;
    const check = (commitId: string) =>
      checkRevision({ env, revision: { type: 'GitHub', commitId }, bundleDir: dir, cwd: dir }, aws);
    const ok = await check(pushed);
    assert.equal(ok.status, 'pass', ok.detail);
    assert.match(ok.detail, new RegExp(`^commit ${pushed} is on origin/main \\(example/greenlight\\)$`));
    const refused = await check(local);
    assert.equal(refused.status, 'fail');
    assert.match(refused.detail, /is on no branch of origin/);
    assert.equal(refused.fix, 'push the commit: CodeDeploy downloads it from GitHub on every instance');
  });

  it('greenlight deploy without --revision refuses an unpushed HEAD before any AWS call, exit 2', async () => {
    const r = await cli(['deploy', '--env', 'dev']);
    assert.equal(r.code, 2, r.stderr);
    assert.match(
      r.stderr,
      new RegExp(
        `commit ${local.slice(0, 12)} \\(HEAD\\) is on no branch of origin \\(github.com/example/greenlight\\)`,
      ),
    );
    assert.match(r.stderr, /DownloadBundle on every instance\. Push it \(git push origin HEAD\)/);
  });
});
