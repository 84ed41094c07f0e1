// tier: e2e
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { runCli } from '../../src/cli/run.js';
import { startLocalCloud, type RunningLocalCloud } from '@greenlight/localcloud';
import { configText, sampleEnvironment } from '../config/sample.js';
import { fuzzRuns } from './runs.js';

// Random sub-commands, flags and values through the real command line, in process. Whatever the
// argv, greenlight answers with an exit code of the documented set, never an uncaught exception,
// never an internal error, and never a stack trace. AWS calls go to a local cloud with nothing in
// it, so every command that gets past its flags fails fast on a missing resource instead of deploying.

const RUNS = fuzzRuns(20261123, 250);
const DOCUMENTED_EXIT_CODES = new Set([0, 1, 2, 3, 4, 5, 130, 143]);

const valid = {
  env: ['dev', 'prod'],
  deploymentId: ['d-A1B2C3D4E', 'd-AAAAAAAAA'],
  duration: ['10m', '1s', '1h30m', '0s'],
  revision: ['0123456789abcdef0123456789abcdef01234567', 's3://web-revisions/web/a.zip'],
  path: ['.', '/', '/dev/null', 'greenlight.yml', 'appspec.yml', 'missing.yml'],
};

const hostile = fc.oneof(
  { weight: 3, arbitrary: fc.string({ maxLength: 30 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 30 }) },
  {
    weight: 2,
    arbitrary: fc.constantFrom(
      '',
      '-',
      '--',
      '-1',
      '__proto__',
      'constructor',
      '$(id)',
      '`id`',
      '; rm -rf /',
      '\0',
      '\u202e',
      '%s%n',
      '9'.repeat(40),
      'NaN',
    ),
  },
);

const value = (kind?: keyof typeof valid) =>
  kind
    ? fc.oneof({ weight: 2, arbitrary: fc.constantFrom(...valid[kind]) }, { weight: 1, arbitrary: hostile })
    : hostile;

interface FlagSpec {
  readonly names: readonly string[];
  /** How the flag's value is drawn; no value: a boolean flag. */
  readonly value?: fc.Arbitrary<string>;
}

const flag = (names: string[], valueArbitrary?: fc.Arbitrary<string>): FlagSpec =>
  valueArbitrary ? { names, value: valueArbitrary } : { names };

const globalFlags: FlagSpec[] = [
  flag(['-e', '--env'], value('env')),
  flag(['-c', '--config'], value('path')),
  flag(['--json']),
  flag(['--json=lines']),
  flag(['--json=document']),
  flag(['--json=']),
  flag(['--json=xml']),
  flag(['--region'], fc.oneof(fc.constantFrom('us-east-1', 'eu-west-1'), hostile)),
  flag(['--profile'], value()),
  flag(['-v', '--verbose']),
];
// Rare, so most runs get past commander to the command's action.
const helpFlags: FlagSpec[] = [flag(['-h', '--help']), flag(['-V', '--version'])];

interface CommandSpec {
  readonly path: readonly string[];
  readonly flags: readonly FlagSpec[];
  readonly positional?: fc.Arbitrary<string>;
}

const follow = [
  flag(['--timeout'], value('duration')),
  flag(['--poll'], value('duration')),
  flag(['--rollback-on-failure']),
  flag(['--continue']),
  flag(['--stop-on-cancel']),
];

const commands: CommandSpec[] = [
  { path: ['group', 'plan'], flags: [] },
  { path: ['group', 'apply'], flags: [flag(['--dry-run']), flag(['--clean-orphans'])] },
  {
    path: ['deploy'],
    flags: [
      flag(['--revision'], value('revision')),
      flag(['--bundle'], value('path')),
      flag(['--no-wait']),
      flag(['--no-verify']),
      flag(['--if-busy'], fc.oneof(fc.constantFrom('wait', 'attach', 'fail'), hostile)),
      flag(['--busy-timeout'], value('duration')),
      flag(['--force']),
      ...follow,
    ],
  },
  { path: ['wait'], flags: follow, positional: value('deploymentId') },
  {
    path: ['verify'],
    flags: [flag(['--junit'], value('path')), flag(['--markdown'], value('path')), flag(['--no-record'])],
    positional: value('deploymentId'),
  },
  {
    path: ['rollback'],
    flags: [
      flag(['--to'], value('revision')),
      flag(['--poll'], value('duration')),
      flag(['--timeout'], value('duration')),
      flag(['--junit'], value('path')),
      flag(['--markdown'], value('path')),
    ],
  },
  {
    path: ['gate'],
    flags: [
      flag(['--bake'], value('duration')),
      flag(['--rollback-on-failure']),
      flag(['--ignore-alarms'], value()),
      flag(['--smoke'], value()),
    ],
  },
  { path: ['status'], flags: [] },
  {
    path: ['preflight'],
    flags: [flag(['--revision'], value('revision')), flag(['--bundle'], value('path'))],
  },
  {
    // The cloud holds no group, and the directory no app (no package.json, requirements.txt or
    // index.html), so no run of it, with --from-group or without, gets as far as writing a file.
    path: ['init'],
    flags: [
      flag(['--from-group'], fc.oneof(fc.constantFrom('web/web-dev', 'web', 'web/'), hostile)),
      flag(
        ['--revision'],
        fc.oneof(fc.constantFrom('github:example/web', 's3://web-revisions/web/'), hostile),
      ),
      flag(['--health-path'], value()),
      flag(['--health-port'], fc.oneof(fc.constantFrom('8000', '65536', '-1'), hostile)),
      flag(['--force']),
      flag(['--dry-run']),
    ],
  },
  { path: ['appspec', 'lint'], flags: [], positional: value('path') },
  { path: ['hooks', 'run'], flags: [flag(['--event'], value()), flag(['--bundle'], value('path'))] },
  {
    path: ['localcloud'],
    flags: [
      flag(['--port'], fc.oneof(fc.constantFrom('0', '65536', '-1', '4566'), hostile)),
      flag(['--world'], value('path')),
      flag(['--time-scale'], fc.oneof(fc.constantFrom('60', '0', '-1', '1e308', 'Infinity'), hostile)),
      flag(['--seed'], fc.oneof(fc.constantFrom('1', '0', '2.5'), hostile)),
    ],
  },
];

/** One flag as argv tokens: `--name value`, `--name=value` or `-n value`. */
function flagTokens(spec: FlagSpec): fc.Arbitrary<string[]> {
  const name = fc.constantFrom(...spec.names);
  if (!spec.value) return name.map((n) => [n]);
  return fc
    .tuple(name, spec.value, fc.boolean())
    .map(([n, v, joined]) => (joined && n.startsWith('--') ? [`${n}=${v}`] : [n, v]));
}

const argvArbitrary: fc.Arbitrary<string[]> = fc
  .tuple(
    fc.oneof(
      { weight: 12, arbitrary: fc.constantFrom(...commands) },
      { weight: 1, arbitrary: fc.constant<CommandSpec>({ path: [], flags: [] }) },
    ),
    // One run in ten misspells the sub-command.
    fc.nat(9).map((n) => n === 0),
  )
  .chain(([command, typo]) => {
    const own = [...command.flags, ...globalFlags].map(flagTokens);
    const token = fc.oneof(
      { weight: 12, arbitrary: fc.oneof(...own) },
      { weight: 1, arbitrary: fc.oneof(...helpFlags.map(flagTokens)) },
      { weight: 2, arbitrary: hostile.map((t) => [t]) },
      ...(command.positional ? [{ weight: 3, arbitrary: command.positional.map((p) => [p]) }] : []),
    );
    // Most runs name a valid environment (and id) first, so the action runs and meets the cloud.
    const base = fc.oneof(
      { weight: 3, arbitrary: fc.constant(['--env', 'dev']) },
      { weight: 1, arbitrary: fc.constant(['--env', 'dev', 'd-A1B2C3D4E']) },
      { weight: 2, arbitrary: fc.constant<string[]>([]) },
    );
    return fc.tuple(
      fc.constant(command),
      fc.constant(typo),
      base,
      fc.array(token, { maxLength: 5 }),
      hostile,
    );
  })
  .map(([command, typo, base, tokens, junk]) => {
    const path = typo && command.path.length > 0 ? [junk, ...command.path.slice(1)] : [...command.path];
    return [...path, ...base, ...tokens.flat()];
  });

interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

describe('greenlight command line on hostile argv', () => {
  let cloud: RunningLocalCloud;
  let cwd: string;
  let env: Record<string, string>;

  before(async () => {
    cloud = await startLocalCloud({ timeScale: 3000 });
    cwd = await mkdtemp(join(tmpdir(), 'greenlight-fuzz-cli-'));
    await writeFile(join(cwd, 'greenlight.yml'), configText(sampleEnvironment()));
    await writeFile(join(cwd, 'appspec.yml'), 'version: 0.0\nos: linux\n');
    env = {
      AWS_ENDPOINT_URL: cloud.url,
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'AKIDGREENLIGHTFUZZ',
      AWS_SECRET_ACCESS_KEY: 'greenlight-fuzz-secret',
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      CIRCLE_SHA1: '0123456789abcdef0123456789abcdef01234567',
      CI: 'true',
      // `hooks run` would start a real sandbox for each argv that names it (seconds each, most of
      // this file's time): here it parses its argv and refuses at the sandbox check, exit 2.
      // test/hooks/e2e-hooks-run.test.ts runs it for real.
      LOCALCLOUD_SANDBOX: 'none-while-fuzzing',
    };
  });

  after(async () => {
    await cloud.close();
    await rm(cwd, { recursive: true, force: true });
  });

  async function run(argv: string[]): Promise<Run> {
    let stdout = '';
    let stderr = '';
    const controller = new AbortController();
    // `localcloud` would serve until interrupted: it starts, and stops at once.
    const args = argv[0] === 'localcloud' ? [...argv, '--port', '0'] : argv;
    if (argv[0] === 'localcloud') controller.abort('SIGINT');
    const code = await runCli(args, {
      stdout: { write: (s: string) => (stdout += s) },
      stderr: { write: (s: string) => (stderr += s) },
      env,
      cwd,
      signal: controller.signal,
    });
    return { code, stdout, stderr };
  }

  function checkRun(argv: string[], { code, stdout, stderr }: Run): void {
    const context = `argv ${JSON.stringify(argv)}\nexit ${code}\nstderr: ${stderr}\nstdout: ${stdout}`;
    assert.ok(DOCUMENTED_EXIT_CODES.has(code), `undocumented exit code: ${context}`);
    assert.doesNotMatch(stderr, /internal error:/, `an internal error on bad input: ${context}`);
    // Plain output prefixes each line with its time: `[12:00:00]     at f (file.ts:1:2)`.
    assert.doesNotMatch(stderr + stdout, /^(\[[\d:]+\] )?\s+at \S.*[(:]\d+/m, `a stack trace: ${context}`);
    // commander's own rejections of a flag or argument are usage errors.
    if (
      /^error: (unknown option|unknown command|option '.*' argument|missing required argument|too many arguments|required option)/m.test(
        stderr,
      )
    ) {
      assert.equal(code, 2, `a rejected argv is exit 2: ${context}`);
    }
    if (code === 2) assert.notEqual(stderr.trim(), '', `a rejection says why: ${context}`);
    // Data on stdout is JSON (one document, or one object per line), or help/version text.
    if (stdout.startsWith('{')) {
      try {
        JSON.parse(stdout);
      } catch {
        for (const line of stdout.trimEnd().split('\n')) JSON.parse(line);
      }
    }
  }

  it('answers every argv with a documented exit code, no internal error and no stack trace', async () => {
    await fc.assert(
      fc.asyncProperty(argvArbitrary, async (argv) => {
        checkRun(argv, await run(argv));
      }),
      RUNS,
    );
  });

  it('rejects a bad value of every value flag with exit 2, naming the flag', async () => {
    const badValues: [string[], string][] = [
      [['deploy', '--env', 'dev', '--if-busy'], 'sometimes'],
      [['deploy', '--env', 'dev', '--timeout'], '10 minutes'],
      [['deploy', '--env', 'dev', '--revision'], 'HEAD'],
      [['deploy', '--env', 'dev', '--revision'], 's3://UPPER/key.zip'],
      [['deploy', '--env', 'dev', '--poll'], '-1s'],
      [['wait', 'd-A1B2C3D4E', '--poll'], '1.5s'],
      [['wait'], 'd-123'],
      [['verify'], 'D-A1B2C3D4E'],
      [['rollback', '--env', 'dev', '--to'], 'main'],
      [['gate', '--env', 'dev', '--bake'], '10'],
      [['localcloud', '--port'], '65536'],
      [['localcloud', '--time-scale'], '0'],
      [['status', '--env'], 'no-such-env'],
      [['status', '--env', 'dev', '--region'], 'mars-north-1'],
      [['status', '--env', 'dev', '--config'], 'missing.yml'],
      [['status', '--env', 'dev', '--json=xml'], ''],
    ];
    for (const [prefix, bad] of badValues) {
      const argv = bad === '' ? prefix : [...prefix, bad];
      const result = await run(argv);
      checkRun(argv, result);
      assert.equal(result.code, 2, `${JSON.stringify(argv)}: ${result.stderr}`);
      if (bad !== '')
        assert.ok(result.stderr.includes(bad), `${JSON.stringify(argv)} names the value: ${result.stderr}`);
    }
  });

  it('a taken port or a bad world file is a usage error of greenlight localcloud, not an internal one', async () => {
    const taken = await runCli(['localcloud', '--port', String(cloud.port)], {
      stdout: { write: () => true },
      stderr: { write: () => true },
      env,
      cwd,
      signal: AbortSignal.abort('SIGINT'),
    });
    assert.equal(taken, 2);
    const world = await run(['localcloud', '--world', 'greenlight.yml']);
    assert.equal(world.code, 2);
    assert.match(world.stderr, /greenlight\.yml is not a valid world/);
    assert.doesNotMatch(world.stderr, /internal error/);
  });
});
