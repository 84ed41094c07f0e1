import { samDeployArguments } from './arguments.js';
import type { SamDeployOptions } from './arguments.js';
import { SamFailedError } from './errors.js';
import { lastError, outputTail, runSam } from './process.js';
import type { SamRuntime } from './process.js';

export interface SamDeployResult {
  readonly stackName: string;
  /** `unchanged`: the change set was empty, the stack already matched. */
  readonly outcome: 'deployed' | 'unchanged' | 'change-set-created';
}

// sam says this for an empty change set: with --no-fail-on-empty-changeset as a message and exit 0,
// without it (or in versions before the flag) as "Error: …" and exit 1.
const EMPTY_CHANGE_SET = /No changes to deploy\. Stack \S+ is up to date/;

/**
 * `sam deploy` of one stack. An empty change set is success whatever sam's exit code says; any other
 * failure throws SamFailedError with sam's last lines.
 */
export async function samDeploy(options: SamDeployOptions, runtime: SamRuntime): Promise<SamDeployResult> {
  const args = samDeployArguments(options);
  const run = await runSam(args, runtime);
  const stackName = options.stackName;
  if (run.lines.some((line) => EMPTY_CHANGE_SET.test(line))) return { stackName, outcome: 'unchanged' };
  if (run.exitCode !== 0) {
    const tail = outputTail(run.lines);
    throw new SamFailedError(
      `sam deploy of stack ${stackName} failed (exit code ${run.exitCode})${lastError(tail)}`,
      tail,
    );
  }
  return { stackName, outcome: options.noExecuteChangeset ? 'change-set-created' : 'deployed' };
}
