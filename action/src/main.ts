// The GitHub Action's entry point (action.yml: runs.using node20, main action/dist/index.js, built
// by scripts/bundle-action.ts and committed: the runner runs it as it is, with no `npm install`). It
// runs greenlight as a process of its own — the `cli` input, else the project's installed greenlight,
// else the published package at the action's version (cli.ts) — with the inputs as flags, so the
// step's log, flags and exit codes are greenlight's; then it sets the outputs (deployment-id, verdict,
// exit-code, result-file), writes the job summary and the JUnit report, and fails the step on a
// non-zero exit.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as core from '@actions/core';
import { chooseCli, describeCli, readActionPackage, type Cli } from './cli.js';
import { invocation, type Invocation } from './invocation.js';
import { outcome, readDocument } from './outcome.js';
import { resultJunit, summaryMarkdown } from './summary.js';

/** The repository's package.json, two levels above action/dist/index.js (and action/src/main.ts). */
const ACTION_PACKAGE = fileURLToPath(new URL('../../package.json', import.meta.url));

async function main(): Promise<void> {
  const scratch = mkdtempSync(join(process.env.RUNNER_TEMP || tmpdir(), 'greenlight-action-'));
  const cwd = resolve(core.getInput('working-directory') || '.');
  const action = readActionPackage(ACTION_PACKAGE);
  let run: Invocation;
  let cli: Cli;
  try {
    run = invocation(
      {
        command: core.getInput('command', { required: true }),
        env: core.getInput('env'),
        revision: core.getInput('revision'),
        deploymentId: core.getInput('deployment-id'),
        bake: core.getInput('bake'),
        config: core.getInput('config'),
        junit: core.getInput('junit'),
        args: core.getInput('args'),
      },
      join(scratch, 'report.md'),
    );
    cli = chooseCli(core.getInput('cli'), cwd, action, existsSync);
  } catch (error) {
    // Bad input (ActionInputError), or `command` missing (@actions/core's own error).
    if (!(error instanceof Error)) throw error;
    core.setOutput('exit-code', '2');
    core.setOutput('verdict', 'usage-error');
    core.setFailed(error.message);
    return;
  }
  core.info(`greenlight ${run.argv.join(' ')}   (in ${cwd})`);
  core.info(`greenlight is ${describeCli(cli)}`);
  const { exitCode, stdout } = await runGreenlight(cli, run.argv, cwd);

  const document = readDocument(stdout);
  const resultFile = join(scratch, 'result.json');
  writeFileSync(resultFile, stdout);
  const result = outcome(run.command, exitCode, document);
  core.setOutput('exit-code', String(exitCode));
  core.setOutput('verdict', result.verdict);
  core.setOutput('deployment-id', result.deploymentId ?? '');
  core.setOutput('result-file', resultFile);

  if (run.junitFromResult !== undefined) {
    const junit = resultJunit(document);
    if (junit !== undefined) {
      const path = resolve(cwd, run.junitFromResult);
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, junit);
    }
  }
  if (process.env.GITHUB_STEP_SUMMARY) {
    const written = run.markdownFile !== undefined ? readIfThere(run.markdownFile) : undefined;
    await core.summary.addRaw(summaryMarkdown(run, result, document, written)).write();
  }
  if (exitCode !== 0 && document === undefined) {
    // No JSON document: greenlight did not get to run (npx could not fetch the package, a cli that
    // is not greenlight) or died; the log above has why.
    core.setFailed(`${describeCli(cli)} exited ${exitCode} without greenlight's result: see the log above`);
  } else if (exitCode !== 0) {
    core.setFailed(`greenlight ${run.command} exited ${exitCode}: ${result.verdict}`);
  }
}

/** Runs greenlight: its progress (stderr) goes to the log as it comes; its JSON (stdout) is kept. */
function runGreenlight(
  cli: Cli,
  argv: readonly string[],
  cwd: string,
): Promise<{ exitCode: number; stdout: string }> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(cli.program, [...cli.args, ...argv], {
      cwd,
      env: { ...process.env, CI: process.env.CI || 'true' },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let stdout = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    // A cancelled workflow signals the action; greenlight leaves a deployment running and says how
    // to re-attach, as it does in a terminal.
    const forward = (signal: NodeJS.Signals) => () => child.kill(signal);
    process.on('SIGINT', forward('SIGINT'));
    process.on('SIGTERM', forward('SIGTERM'));
    child.on('error', (error) =>
      reject(new Error(`cannot run greenlight (${describeCli(cli)}): ${error.message}`)),
    );
    child.on('close', (code, signal) =>
      resolvePromise({ exitCode: code ?? (signal === 'SIGINT' ? 130 : 143), stdout }),
    );
  });
}

function readIfThere(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

main().catch((error: unknown) => {
  core.setFailed(`greenlight action: ${error instanceof Error ? error.message : String(error)}`);
});
