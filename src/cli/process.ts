// Runs greenlight as this process: wires signals and stdio to runCli and sets the exit code.
// Shared by the `greenlight` entry point and the deployscripts/ CircleCI runs.
import { runCli } from './run.js';

/** How long a signalled greenlight may take to finish cleanly before it exits regardless. */
export const SHUTDOWN_GRACE_MS = 15_000;

export async function runAsProcess(argv: readonly string[]): Promise<void> {
  const controller = new AbortController();
  const onSignal = (signal: NodeJS.Signals): void => {
    if (controller.signal.aborted) {
      // A second signal: stop waiting for a clean shutdown and let the default handler end us.
      process.off('SIGINT', onSignal).off('SIGTERM', onSignal);
      process.kill(process.pid, signal);
      return;
    }
    process.stderr.write(`\n${signal} received: finishing cleanly (send it again to stop at once)\n`);
    controller.abort(signal);
    // Finishing cleanly takes a few calls at most; whatever still holds the process after the grace
    // period (a hung socket, a child that ignores TERM) must not keep a CI job alive.
    setTimeout(() => {
      process.stderr.write(
        `greenlight did not finish within ${SHUTDOWN_GRACE_MS / 1000}s of ${signal}; exiting now\n`,
      );
      process.exit(signal === 'SIGTERM' ? 143 : 130);
    }, SHUTDOWN_GRACE_MS).unref();
  };
  process.on('SIGINT', onSignal).on('SIGTERM', onSignal);

  // `greenlight … | head` closes the pipe early; that is not an error worth a stack trace.
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code !== 'EPIPE') throw error;
    });
  }

  process.exitCode = await runCli(argv, {
    stdout: process.stdout,
    stderr: process.stderr,
    env: process.env,
    cwd: process.cwd(),
    signal: controller.signal,
    stdin: process.stdin,
  });
  process.off('SIGINT', onSignal).off('SIGTERM', onSignal);
}
