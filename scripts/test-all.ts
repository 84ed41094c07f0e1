// `npm test`: the static checks (scripts/checks.ts) side by side with the unit and integration tiers,
// then — when all of them passed — the e2e tier. The checks are three single-threaded processes and
// the first two tiers run in two shards: together they keep both cores busy where, one after the
// other, each left one idle part of the time. A check's output is printed whole when it ends.
//
//   node --import tsx scripts/test-all.ts
import { spawn } from 'node:child_process';
import { join } from 'node:path';

const scripts = import.meta.dirname;

function run(script: string, args: readonly string[] = []): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(scripts, script), ...args], {
      stdio: 'inherit',
    });
    child.on('error', () => resolve(1));
    child.on('exit', (code, signal) => resolve(code ?? (signal === 'SIGINT' ? 130 : 143)));
  });
}

async function tiers(...names: string[]): Promise<number> {
  for (const tier of names) {
    const code = await run('test-tier.ts', [tier]);
    if (code !== 0) return code;
  }
  return 0;
}

const [checks, fast] = await Promise.all([run('checks.ts'), tiers('unit', 'integration')]);
if (checks !== 0 || fast !== 0) {
  process.stdout.write(
    `npm test: ${[checks !== 0 ? 'the static checks' : '', fast !== 0 ? 'the unit or integration tier' : '']
      .filter(Boolean)
      .join(' and ')} failed; the e2e tier did not run\n`,
  );
  process.exitCode = checks || fast;
} else {
  process.exitCode = await tiers('e2e');
}
