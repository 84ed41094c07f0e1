// A program the non-root test runs as a throwaway user: `check` prints what checkConfinement() says
// for that user; `run BUNDLE_DIR STATE_DIR` runs the bundle's hooks with runHooksInSandbox, as
// `greenlight hooks run` does, and prints the result as JSON. The backend is $LOCALCLOUD_SANDBOX's.
import { execFileSync } from 'node:child_process';
import { checkConfinement, DEFAULT_EVENTS, runHooksInSandbox } from '../../src/index.js';

const [mode, bundleDir, stateDir] = process.argv.slice(2);
if (mode === 'check') {
  process.stdout.write(`${JSON.stringify(checkConfinement())}\n`);
} else if (mode === 'run' && bundleDir && stateDir) {
  const tar = execFileSync('tar', ['-C', bundleDir, '-cf', '-', '.'], { maxBuffer: 64 * 1024 * 1024 });
  const result = await runHooksInSandbox({
    bundle: { tar },
    events: DEFAULT_EVENTS,
    stateDir,
    fresh: false,
    signal: new AbortController().signal,
    onEventStart: () => undefined,
    onEventEnd: () => undefined,
    onScriptOutput: () => undefined,
    onStart: () => undefined,
  });
  process.stdout.write(`${JSON.stringify(result)}\n`);
} else {
  process.stderr.write('usage: hooks-as-user.ts check | run BUNDLE_DIR STATE_DIR\n');
  process.exitCode = 2;
}
