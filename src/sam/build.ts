import { samBuildArguments } from './arguments.js';
import type { SamBuildOptions } from './arguments.js';
import { SamFailedError } from './errors.js';
import { lastError, outputTail, runSam } from './process.js';
import type { SamRuntime } from './process.js';

/** `sam build`: resolves when it succeeded, throws SamFailedError with sam's last lines when not. */
export async function samBuild(options: SamBuildOptions, runtime: SamRuntime): Promise<void> {
  const args = samBuildArguments(options);
  const run = await runSam(args, runtime);
  if (run.exitCode !== 0) {
    const tail = outputTail(run.lines);
    throw new SamFailedError(
      `sam build of ${options.templateFile} failed (exit code ${run.exitCode})${lastError(tail)}`,
      tail,
    );
  }
}
