// The static checks of `npm test` — the type check, ESLint and Prettier — run side by side: each is
// one process on one core, and one after another they took about 40 s of a two-core machine. Each check's output is printed whole when it ends, under its name; the exit code is 1
// when any failed.
//
//   node --import tsx scripts/checks.ts
import { spawn } from 'node:child_process';
import { join } from 'node:path';

const bin = (name: string) => join(import.meta.dirname, '..', 'node_modules', '.bin', name);

// The type check and Prettier keep what they learnt under node_modules/.cache, so a second run reads
// only what changed (tsc's build info tracks every file's dependencies; Prettier's cache keys on each
// file's content): a fresh clone checks everything. ESLint has no cache: its typed rules can change
// their verdict on a file when another file's types change, which its cache would not see.
const CACHE = join(import.meta.dirname, '..', 'node_modules', '.cache', 'greenlight');

const CHECKS: readonly { name: string; command: string; args: string[] }[] = [
  {
    name: 'typecheck',
    command: bin('tsc'),
    args: [
      '-p',
      'tsconfig.json',
      '--noEmit',
      '--incremental',
      '--tsBuildInfoFile',
      join(CACHE, 'typecheck.tsbuildinfo'),
    ],
  },
  { name: 'eslint', command: bin('eslint'), args: ['.'] },
  {
    name: 'prettier',
    command: bin('prettier'),
    args: ['--check', '--cache', '--cache-location', join(CACHE, 'prettier'), '.'],
  },
];

function run(check: (typeof CHECKS)[number]): Promise<boolean> {
  const started = performance.now();
  return new Promise((resolve) => {
    const child = spawn(check.command, check.args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (output += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (output += d));
    child.on('error', (error) => {
      process.stdout.write(`✗ ${check.name}: ${error.message}\n`);
      resolve(false);
    });
    child.on('close', (code, signal) => {
      const seconds = ((performance.now() - started) / 1000).toFixed(1);
      const ok = code === 0;
      process.stdout.write(
        `${ok ? '✓' : '✗'} ${check.name} (${seconds} s)${ok ? '' : `: exit ${signal ?? code}`}\n`,
      );
      if (!ok || output.trim() !== '') process.stdout.write(output.replace(/^(?=.)/gm, '  '));
      resolve(ok);
    });
  });
}

const results = await Promise.all(CHECKS.map(run));
process.exitCode = results.every(Boolean) ? 0 : 1;
