// What the rehearsal tests share: `greenlight rehearse --json` run in process (synthetic agent, only
// the CLI built: the short form), its report, and the path of a finding's patch (this directory).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before } from 'node:test';
import { runCli } from '../../../src/cli/run.js';
import { repoRoot } from '../../cli/spawn.js';

export interface Rehearsal {
  code: number;
  stderr: string;
  result: {
    pipelines: {
      passed: boolean;
      jobs: { name: string; outcome: string; detail?: string; failedSteps?: string[] }[];
      filtered: { name: string }[];
      fleets: Record<string, string[]>;
    }[];
    workDir: string;
    roles: { roleArn: string; allowed: string[]; denied: string[]; unused: string[]; uncalled: string[] }[];
    reach: { context: string; environment: string; deploymentId: string; reached: boolean; answer: string }[];
  };
}

/**
 * A scratch directory for the rehearsals of the calling suite: made before its hooks, removed after
 * its tests. Answers the path of a rehearsal's work directory in it.
 */
export function scratchDir(name: string): (sub: string) => string {
  let dir = '';
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), `greenlight-rehearse-${name}-`));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });
  return (sub) => join(dir, sub);
}

/** test/rehearse/findings/<name>.patch: a finding's pre-fix shape, for `--patch`. */
export const finding = (name: string): string => join(repoRoot, 'test/rehearse/findings', `${name}.patch`);

/**
 * A rehearsal of main, approved, with only prod's jobs run (dev is rehearsed in rehearse.test.ts, and
 * `test` is npm test's): the arguments of a prod finding's scenario.
 */
export const PROD_ONLY: readonly string[] = [
  '--branch',
  'main',
  '--approve',
  '--skip-job',
  'test',
  '--skip-job',
  'code_deploy_dev',
  '--skip-job',
  'gate_dev',
];

/** What a PROD_ONLY rehearsal runs before prod's deploy step: the stacks made, dev's jobs skipped, the approval. */
export const PROD_ONLY_UP_TO_PROD_DEPLOY: readonly (readonly [string, string])[] = [
  ['test', 'skipped'],
  ['sam_deploy_dev', 'success'],
  ['code_deploy_dev', 'skipped'],
  ['gate_dev', 'skipped'],
  ['hold_prod', 'success'],
  ['sam_deploy_prod', 'success'],
];

/** The first pipeline's jobs as [name, outcome]. */
export const jobsOf = (run: Rehearsal): [string, string][] =>
  (run.result.pipelines[0]?.jobs ?? []).map((j) => [j.name, j.outcome]);

/** The end of the rehearsal's output, for an assertion's message. */
export const tail = (run: Rehearsal): string => `the rehearsal's output ends:\n${run.stderr.slice(-4000)}`;

export async function rehearse(workDir: string, ...args: string[]): Promise<Rehearsal> {
  let stdout = '';
  let stderr = '';
  const code = await runCli(
    ['rehearse', '--agent', 'synthetic', '--build', 'cli', '--work-dir', workDir, '--json', ...args],
    {
      stdout: { write: (s: string) => (stdout += s) },
      stderr: { write: (s: string) => (stderr += s) },
      env: { PATH: process.env.PATH, HOME: process.env.HOME, CI: 'true' },
      cwd: repoRoot,
      signal: new AbortController().signal,
    },
  );
  const result = (JSON.parse(stdout || '{}') as { result?: Rehearsal['result'] }).result;
  // A rehearsal that could not start (a patch that no longer applies, say) has no result: say why.
  if (!result)
    throw new Error(`greenlight rehearse exited ${code} without a result:\n${stderr.slice(-4000)}`);
  return { code, stderr, result };
}
