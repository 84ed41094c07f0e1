// Holds a test file to its tier while it runs (loaded with --import by scripts/test-tier.ts).
//
// unit         no child process, no listening socket (so no local cloud, no sandbox, no AWS CLI)
// integration  no child process (the local cloud runs in-process, greenlight's commands too)
// e2e          anything
//
// A file that breaks its tier's rule fails with a message that names the file and the rule, so a
// test that quietly starts a local cloud cannot pass for a unit test.
import childProcess from 'node:child_process';
import net from 'node:net';
import { syncBuiltinESMExports } from 'node:module';
import { relative } from 'node:path';

const tier = process.env.GREENLIGHT_TEST_TIER;
// Only inside a test file's own process: the runner that starts those processes is left alone.
if (process.env.NODE_TEST_CONTEXT !== undefined && (tier === 'unit' || tier === 'integration')) {
  // A shard runs several test files in one process: the file is the test file on the stack.
  const fileOf = (stack: string): string => {
    const frame = /(?:file:\/\/)?(\/[^\s:()]+\.test\.ts)/.exec(stack)?.[1];
    return relative(process.cwd(), frame ?? process.argv[1] ?? '?');
  };
  const refuse = (what: string): never => {
    const file = fileOf(new Error().stack ?? '');
    throw new Error(
      `${file} is in the ${tier} tier (its first line says "// tier: ${tier}") but ${what}. ` +
        (tier === 'unit'
          ? 'Unit tests are pure: no child process, no server, no local cloud. '
          : 'Integration tests run in-process: no child process, no sandbox, no AWS CLI. ') +
        'Move the test (or the part that needs it) to a file of a later tier.',
    );
  };
  const spawning = ['spawn', 'spawnSync', 'exec', 'execSync', 'execFile', 'execFileSync', 'fork'] as const;
  for (const name of spawning) {
    Object.defineProperty(childProcess, name, {
      value: (command: unknown) => refuse(`called child_process.${name}(${JSON.stringify(command)})`),
      writable: true,
      configurable: true,
    });
  }
  if (tier === 'unit') {
    net.Server.prototype.listen = function listen(): never {
      return refuse('opened a listening socket (a server: the local cloud, an HTTP endpoint)');
    };
  }
  // `import { spawn } from 'node:child_process'` binds to the ES module's exports: bring them in line.
  syncBuiltinESMExports();
}
