// tier: integration
// `--html FILE` on deploy, wait, verify, rollback and gate, against the local cloud (greenlight's CLI
// in this process, on the cloud's virtual clock): the path is checked before any AWS call, the page is
// written from the command's own result whatever its outcome — verified, failed, timed out, rolled
// back, baked — and the exit code is the command's.
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { stringify } from 'yaml';
import { sampleEnvironment } from '../config/sample.js';
import { all, byClass, parsePage, text, type Node } from '../report/dom.js';
import { devWorld, startCloud, type TestCloud } from '../support/cloud.js';
import { cliInProcess, forgetThisMachinesAwsConfig } from '../support/in-process.js';

forgetThisMachinesAwsConfig();

const V1 = 'a1'.repeat(20);
const V2 = 'b2'.repeat(20);
const V3 = 'c3'.repeat(20);

describe('--html on the commands that follow or judge a release', () => {
  let cloud: TestCloud;
  let dir: string;

  before(async () => {
    cloud = await startCloud({ world: devWorld(3) });
    dir = await mkdtemp(join(tmpdir(), 'greenlight-html-'));
    await writeFile(
      join(dir, 'greenlight.yml'),
      stringify({ application: 'web', environments: { dev: sampleEnvironment() } }),
    );
    const applied = await run(['group', 'apply', '--env', 'dev']);
    assert.equal(applied.code, 0, applied.stderr);
  });
  after(async () => {
    await cloud.close();
    await rm(dir, { recursive: true, force: true });
  });

  const run = (args: string[]) => cliInProcess(args, { env: cloud.env, cwd: dir, clock: cloud.clock });
  const deploy = (revision: string, ...more: string[]) =>
    run(['deploy', '--env', 'dev', '--revision', revision, '--skip-preflight', '--poll', '15s', ...more]);
  const page = async (file: string): Promise<Node> => parsePage(await readFile(join(dir, file), 'utf8'));
  const heading = (root: Node) => text(all(root, 'h1')[0] as Node);
  const title = (root: Node) => text(all(all(root, 'head')[0] as Node, 'title')[0] as Node);

  it('deploy: a verified release, and a failed one with its failed instance in its lane', async () => {
    const good = await deploy(V1, '--html', 'reports/v1.html');
    assert.equal(good.code, 0, good.stderr);
    assert.match(good.stderr, /write the HTML report.*reports\/v1\.html/);
    assert.equal(heading(await page('reports/v1.html')), 'greenlight deploy: ✓ VERIFIED');

    await cloud.fault({
      scope: 'instance',
      deploymentGroup: 'web-dev',
      fleet: 'green',
      index: 0,
      event: 'AfterInstall',
      effect: 'fail',
      exitCode: 3,
    });
    const bad = await deploy(V2, '--html', 'reports/v2.html', '--json');
    await cloud.clearFaults();
    assert.equal(bad.code, 1, bad.stderr);
    const result = (JSON.parse(bad.stdout) as { result: { failures: { instanceId: string }[] } }).result;
    const failed = result.failures[0]?.instanceId;
    assert.ok(failed);
    const root = await page('reports/v2.html');
    assert.equal(heading(root), 'greenlight deploy: ✗ FAILED');
    assert.match(title(root), /^greenlight deploy d-\w{9}: FAILED$/);
    const lanes = byClass(root, 'g', 'lane');
    const lane = lanes.find((g) => g.attributes['data-instance'] === failed);
    assert.equal(lane?.attributes['data-lane'], 'green');
    assert.equal(lane?.attributes['data-status'], 'Failed');
    assert.match(text(lane), /FAILED AfterInstall/);
    assert.equal(lanes.filter((g) => g.attributes['data-lane'] === 'blue').length, 3, 'v1’s fleet, blue');
    assert.match(text(byClass(root, 'section', 'failures')[0] as Node), /failed AfterInstall/);
  });

  it('verify: the same release judged again, written beside its JUnit and Markdown', async () => {
    const r = await run(['verify', '--env', 'dev', '--html', 'out/verify.html', '--junit', 'out/verify.xml']);
    assert.equal(r.code, 1, r.stderr);
    const root = await page('out/verify.html');
    assert.equal(heading(root), 'greenlight verify: ✗ FAILED');
    assert.equal(
      byClass(root, 'g', 'lane').filter((g) => g.attributes['data-status'] === 'Failed').length,
      1,
    );
  });

  it('a report path that cannot be written: exit 2 before any AWS call, for --html as for --junit', async () => {
    await mkdir(join(dir, 'a-directory'), { recursive: true });
    await writeFile(join(dir, 'a-file'), 'x');
    const before = await cloud.requests();
    const dirPath = await run(['verify', '--env', 'dev', '--html', 'a-directory']);
    assert.equal(dirPath.code, 2);
    assert.match(
      dirPath.stderr,
      /--html a-directory: .* is a directory; name a file in it, e\.g\. a-directory\/report\.html/,
    );
    const under = await run(['gate', '--env', 'dev', '--bake', '1m', '--html', 'a-file/gate.html']);
    assert.equal(under.code, 2);
    assert.match(under.stderr, /--html a-file\/gate\.html: .*a-file is a file/);
    const junit = await run(['rollback', '--env', 'dev', '--junit', 'a-directory']);
    assert.equal(junit.code, 2, 'rollback checks its --junit up front too');
    const empty = await run(['wait', 'd-ABCDEFGHI', '--html', '']);
    assert.equal(empty.code, 2);
    assert.match(empty.stderr, /--html needs a file name/);
    assert.deepEqual(await cloud.requests(), before, 'no AWS call was made');
  });

  it('rollback: back to v1, verified (exit 5), the page says so', async () => {
    const r = await run(['rollback', '--env', 'dev', '--poll', '15s', '--html', 'reports/rollback.html']);
    assert.equal(r.code, 5, r.stderr);
    const root = await page('reports/rollback.html');
    assert.equal(heading(root), 'greenlight rollback: ✓ ROLLED BACK, VERIFIED');
    assert.match(text(byClass(root, 'div', 'card')[0] as Node), /✓ VERIFIED/);
  });

  it('gate: the bake, look by look', async () => {
    const r = await run([
      'gate',
      '--env',
      'dev',
      '--bake',
      '2m',
      '--poll',
      '30s',
      '--html',
      'reports/gate.html',
    ]);
    assert.equal(r.code, 0, r.stderr);
    const root = await page('reports/gate.html');
    assert.equal(heading(root), 'greenlight gate: ✓ PASSED');
    assert.match(title(root), /^greenlight gate d-\w{9}: PASSED$/);
    assert.equal(byClass(root, 'g', 'health').length, 5, 'a look at once, then every 30s for 2 minutes');
    assert.deepEqual(
      byClass(root, 'g', 'stretch').map((g) => g.attributes['data-state']),
      ['OK'],
    );
  });

  it('wait: timed out (exit 4), and the page still written, saying so', async () => {
    const started = await deploy(V3, '--no-wait', '--json');
    assert.equal(started.code, 0, started.stderr);
    const id = (JSON.parse(started.stdout) as { result: { deploymentId: string } }).result.deploymentId;
    const r = await run([
      'wait',
      id,
      '--env',
      'dev',
      '--timeout',
      '20s',
      '--poll',
      '15s',
      '--html',
      'reports/wait.html',
    ]);
    assert.equal(r.code, 4, r.stderr);
    const root = await page('reports/wait.html');
    assert.equal(heading(root), `greenlight wait: ✗ TIMED OUT`);
    assert.match(text(byClass(root, 'section', 'error')[0] as Node), new RegExp(id));
    // Leave the cloud quiet: the deployment runs to its end.
    const done = await run(['wait', id, '--env', 'dev', '--poll', '15s']);
    assert.equal(done.code, 0, done.stderr);
  });
});
