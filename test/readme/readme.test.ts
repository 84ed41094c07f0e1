// tier: e2e
// The READMEs, run as a reader would run them: every shell block of README.md and
// packages/localcloud/README.md that is not marked as an illustration runs in bash from the
// repository's root, with the real greenlight (`npx greenlight`, the repository's own bin), Debian's
// AWS CLI and curl, against a local cloud the block itself starts on a free port (`--port 0`): the
// test reads the port it prints and puts it where the README says 4566, as the README tells the
// reader to. Every command must exit 0; the control API must answer without an error; the AWS CLI
// must be pointed at the local cloud on the line itself (Debian's AWS CLI ignores AWS_ENDPOINT_URL).
// `npm start -- --keep` runs too, and the lines it prints are compared with the README's and run.
// No AWS credentials or configuration reach the commands, so a line that escaped to AWS fails.
// `npx greenlight` runs the bin a reader's clone has; the bin finds the CLI built from the sources as
// they are now in the build the e2e tests share (GREENLIGHT_BUILD_DIR, test/support/built-cli.ts)
// rather than compiling the sources through tsx at each of its processes (about 8 of this file's 22
// CPU s). bin/greenlight.js's choice between a build and the sources is test/package/bin.test.ts's.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { before, describe, it, type TestContext } from 'node:test';
import { parseWorldText, type FaultRule } from '@greenlight/localcloud';
import { builtCli } from '../support/built-cli.js';
import { until } from '../support/until.js';
import {
  commandsOf,
  fencedBlocks,
  PLACEHOLDER_PORT,
  readReadme,
  repoRoot,
  runsAwsCli,
  shellBlocks,
  withoutComment,
  type FencedBlock,
} from './blocks.js';

/** The directory of the shared build of the CLI (its bundle/ and its stamp), once it is built. */
let buildDir: string | undefined;

/**
 * What the commands see: this process's environment without AWS's or greenlight's settings, but for
 * where the bin finds the current build.
 */
function readerEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (value === undefined || key.startsWith('AWS_') || key.startsWith('GREENLIGHT_')) continue;
    env[key] = value;
  }
  return {
    ...env,
    CI: 'true',
    // Nothing to find: no profile, no keys, no instance metadata. Only the README's exports count.
    AWS_CONFIG_FILE: '/dev/null',
    AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_PAGER: '',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    ...(buildDir ? { GREENLIGHT_BUILD_DIR: buildDir } : {}),
  };
}

interface Ran {
  readonly command: string;
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs commands one after another in one bash, as typed into one terminal: exports carry over. */
async function runInOneShell(commands: readonly string[], scratch: string): Promise<Ran[]> {
  const script = ['cd "$README_ROOT" || exit 99'];
  commands.forEach((command, i) => {
    script.push(`{ ${command}\n} >"$README_OUT/${i}.out" 2>"$README_OUT/${i}.err" </dev/null`);
    script.push(`echo $? >"$README_OUT/${i}.rc"`);
  });
  const file = join(scratch, `block-${Date.now()}-${Math.random().toString(36).slice(2)}.sh`);
  await writeFile(file, `${script.join('\n')}\n`);
  const child = spawn('bash', [file], {
    env: { ...readerEnv(), README_ROOT: repoRoot, README_OUT: scratch },
    stdio: 'ignore',
  });
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  assert.equal(code, 0, `bash ${file} exited ${code}`);
  return Promise.all(
    commands.map(async (command, i) => ({
      command,
      code: Number((await readFile(join(scratch, `${i}.rc`), 'utf8')).trim()),
      stdout: await readFile(join(scratch, `${i}.out`), 'utf8'),
      stderr: await readFile(join(scratch, `${i}.err`), 'utf8'),
    })),
  );
}

function tail(text: string, lines = 15): string {
  return text.trimEnd().split('\n').slice(-lines).join('\n');
}

function assertExitedZero(ran: Ran, where: string): void {
  assert.equal(
    ran.code,
    0,
    `${where}: \`${ran.command}\` exited ${ran.code}\n--- stdout\n${tail(ran.stdout)}\n--- stderr\n${tail(ran.stderr)}`,
  );
}

/** What each command's output must show beyond its exit code. */
function assertOutcome(ran: Ran, where: string): void {
  assertExitedZero(ran, where);
  const command = withoutComment(ran.command);
  if (command.includes('/_localcloud/')) {
    const answer = JSON.parse(ran.stdout) as unknown;
    assert.ok(
      typeof answer === 'object' && answer !== null && !('error' in answer),
      `${where}: \`${ran.command}\` answered ${ran.stdout}`,
    );
  }
  if (runsAwsCli(command)) JSON.parse(ran.stdout);
}

/** A local cloud a README line started (in the background, `&`), as the test runs it. */
interface StartedCloud {
  readonly port: number;
  readonly child: ChildProcess;
  readonly output: () => string;
}

async function startCloudAsWritten(command: string, where: string): Promise<StartedCloud> {
  const line = withoutComment(command).replace(/&$/, '').trim();
  assert.match(
    line,
    /--port 0(\s|$)/,
    `${where}: the README starts the cloud on --port 0 and uses the port it prints`,
  );
  const child = spawn('bash', ['-c', `exec ${line}`], {
    cwd: repoRoot,
    env: readerEnv(),
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (output += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (output += d));
  let exited: number | null | undefined;
  child.on('exit', (code) => (exited = code ?? null));
  const listening = await until(
    () =>
      /local cloud listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(output) ??
      (exited !== undefined ? 'exited' : null),
    (m) => m !== null,
    `${where}: \`${line}\` to say where it listens`,
    '1m',
  );
  assert.notEqual(listening, 'exited', `${where}: \`${line}\` exited ${exited}:\n${output}`);
  const port = Number((listening as RegExpExecArray)[1]);
  return { port, child, output: () => output };
}

function stop(child: ChildProcess, signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode);
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  try {
    process.kill(-child.pid!, signal);
  } catch {
    // already gone
  }
  return exited;
}

function withPort(command: string, port: number): string {
  return command.replaceAll(`127.0.0.1:${PLACEHOLDER_PORT}`, `127.0.0.1:${port}`);
}

/**
 * Runs one README's shell blocks in order, each a subtest: illustrations are skipped with their
 * reason, the rest run against the cloud the README starts.
 */
async function runReadme(
  t: TestContext,
  file: string,
  scratch: string,
): Promise<{ run: number; skipped: number }> {
  const clouds: StartedCloud[] = [];
  let run = 0;
  let skipped = 0;
  try {
    for (const block of shellBlocks(readReadme(file), file)) {
      const where = `${file}:${block.line}`;
      if (block.directive) {
        skipped++;
        const why =
          block.directive.kind === 'skip'
            ? block.directive.reason
            : 'the lines npm start -- --keep prints: checked against what it prints, in their own test';
        await t.test(where, { skip: why }, () => {});
        continue;
      }
      run++;
      await t.test(where, async () => {
        const commands: string[] = [];
        for (const command of commandsOf(block.text)) {
          if (/&\s*$/.test(withoutComment(command))) {
            clouds.push(await startCloudAsWritten(command, where));
            continue;
          }
          const cloud = clouds.at(-1);
          if (command.includes(`:${PLACEHOLDER_PORT}`)) {
            assert.ok(cloud, `${where}: \`${command}\` uses the local cloud before any block started one`);
          }
          if (runsAwsCli(command)) {
            assert.match(
              command,
              /--endpoint-url http:\/\/127\.0\.0\.1:/,
              `${where}: \`${command}\` must carry --endpoint-url (the AWS CLI here ignores AWS_ENDPOINT_URL)`,
            );
          }
          commands.push(cloud ? withPort(command, cloud.port) : command);
        }
        const blockDir = await mkdtemp(join(scratch, 'block-'));
        for (const ran of await runInOneShell(commands, blockDir)) assertOutcome(ran, where);
      });
    }
    // The cloud's own start-up hint names the AWS CLI with --endpoint-url; run what it says.
    const cloud = clouds[0];
    if (cloud) {
      await t.test(`${file}: the AWS CLI line the local cloud prints at start-up`, async () => {
        const exported = /export (AWS_ENDPOINT_URL=\S+.*)$/m.exec(cloud.output());
        const aws = /(\S*aws --endpoint-url http:\/\/127\.0\.0\.1:(\d+) .*)$/m.exec(cloud.output());
        assert.ok(exported, `the start-up output has no export line:\n${cloud.output()}`);
        assert.ok(
          aws,
          `the start-up output names no AWS CLI command with --endpoint-url:\n${cloud.output()}`,
        );
        assert.equal(Number(aws[2]), cloud.port);
        const dir = await mkdtemp(join(scratch, 'hint-'));
        const [, ran] = await runInOneShell([`export ${exported[1]}`, aws[1]!], dir);
        assertOutcome(ran!, `${file}: start-up hint`);
      });
    }
    return { run, skipped };
  } finally {
    await Promise.all(clouds.map((c) => stop(c.child)));
  }
}

describe('the READMEs, run', { concurrency: true }, () => {
  before(async () => {
    buildDir = dirname(dirname(await builtCli()));
  });
  let scratch: string;

  it('README.md: every shell block runs as written, against a local cloud it starts', async (t) => {
    scratch = await mkdtemp(join(tmpdir(), 'greenlight-readme-'));
    try {
      const { run } = await runReadme(t, 'README.md', scratch);
      assert.ok(run >= 1, 'README.md runs at least its local-cloud block');
    } finally {
      await rm(scratch, { recursive: true, force: true });
    }
  });

  it('packages/localcloud/README.md: every shell block runs; its world and fault rules are accepted', async (t) => {
    const dir = await mkdtemp(join(tmpdir(), 'greenlight-readme-localcloud-'));
    try {
      const { run } = await runReadme(t, 'packages/localcloud/README.md', dir);
      assert.ok(run >= 2, 'the package README runs its start-up and control API blocks');

      const blocks = fencedBlocks(
        readReadme('packages/localcloud/README.md'),
        'packages/localcloud/README.md',
      );
      await t.test(
        'the world file reference (yaml) is a valid world, and so is examples/world.yml',
        async () => {
          const reference = blocks.filter((b) => b.lang === 'yaml');
          assert.ok(reference.length >= 1);
          for (const b of reference) parseWorldText(b.text, `packages/localcloud/README.md:${b.line}`);
          const example = await readFile(join(repoRoot, 'packages/localcloud/examples/world.yml'), 'utf8');
          parseWorldText(example, 'packages/localcloud/examples/world.yml');
        },
      );
      await t.test('every fault rule the README shows (json) is accepted by a local cloud', async () => {
        const { startLocalCloud, controlClient } = await import('@greenlight/localcloud');
        const cloud = await startLocalCloud({ port: 0 });
        try {
          const rules = blocks
            .filter((b) => b.lang === 'json')
            .flatMap((b) => b.text.split('\n').filter((l) => l.trim().startsWith('{')));
          assert.ok(rules.length >= 5, `found ${rules.length} rules`);
          for (const rule of rules) {
            const id = await controlClient(cloud.url).addFault(JSON.parse(rule) as FaultRule);
            assert.match(id, /^fault-/, rule);
          }
        } finally {
          await cloud.close();
        }
      });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("npm start -- --keep prints the README's lines (ports aside), and they run", async () => {
    const keepBlocks = shellBlocks(readReadme('README.md'), 'README.md').filter(
      (b: FencedBlock) => b.directive?.kind === 'keep-output',
    );
    assert.equal(keepBlocks.length, 1, 'README.md shows what --keep prints in one block');
    const documented = commandsOf(keepBlocks[0]!.text);
    const reports = await mkdtemp(join(tmpdir(), 'greenlight-readme-keep-'));
    // Two instances instead of four, and the synthetic agent: the same story and the same lines,
    // sooner (test/demo/story.test.ts tells it with real hooks).
    const demo = spawn(
      'npm',
      ['start', '--', '--keep', '--instances', '2', '--agent', 'synthetic', '--reports', reports],
      {
        cwd: repoRoot,
        env: readerEnv(),
        detached: true,
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let output = '';
    demo.stdout.setEncoding('utf8').on('data', (d: string) => (output += d));
    demo.stderr.setEncoding('utf8').on('data', (d: string) => (output += d));
    let exitCode: number | null | undefined;
    demo.on('exit', (code) => (exitCode = code));
    try {
      const lines = () =>
        output
          .split('\n')
          .map((l) => l.replace(/^\[\d\d:\d\d:\d\d\] /, ''))
          .filter((l) => l.trim() !== '');
      const printed = await until(
        () => {
          const all = lines();
          const at = all.findIndex((l) => l.includes('The local cloud keeps running'));
          if (at < 0) return exitCode !== undefined ? 'exited' : undefined;
          const after = all.slice(at + 1, at + 1 + documented.length);
          return after.length === documented.length ? after : undefined;
        },
        (v) => v !== undefined,
        'npm start -- --keep to print how to use the cloud it keeps',
        '3m',
      );
      assert.notEqual(printed, 'exited', `npm start -- --keep exited ${exitCode}:\n${tail(output, 40)}`);
      assert.match(output, /the story went as told/);
      assert.match(output, /the instances use the synthetic agent/);
      // Ports aside, and the load balancer's loopback address (its own, picked at start) too.
      const shape = (l: string) => l.replace(/127\.\d+\.\d+\.\d+:\d+/g, 'LOOPBACK:PORT').trim();
      assert.deepEqual(
        (printed as string[]).map(shape),
        documented.map(shape),
        'README.md shows the lines --keep prints',
      );
      const dir = await mkdtemp(join(reports, 'run-'));
      const ran = await runInOneShell(printed as string[], dir);
      for (const r of ran) assertOutcome(r, 'npm start -- --keep');
      const [, status, deployments, health] = ran;
      assert.match(status!.stderr + status!.stdout, /web\/web-dev/);
      assert.ok((JSON.parse(deployments!.stdout) as { deployments: string[] }).deployments.length >= 4);
      assert.equal((JSON.parse(health!.stdout) as { status: string }).status, 'pass');
    } finally {
      await stop(demo, 'SIGINT');
      await rm(reports, { recursive: true, force: true });
    }
  });
});
