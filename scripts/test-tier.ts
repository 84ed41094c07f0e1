// Runs one tier of the tests. Every test file says its tier on its first line (`// tier: unit`,
// `// tier: integration`, `// tier: e2e` or `// tier: rehearsal`; test/support/tiers.ts says what each
// allows, and which of them `npm test` runs).
//
//   node --import tsx scripts/test-tier.ts unit|integration|e2e|rehearsal [PATH…] [--node-test-option…]
//   node --import tsx scripts/test-tier.ts list
//
// Unit and integration files run in shards (test/support/tiers.ts, SHARDED): one process per core,
// each importing its share of the files. PATH keeps the tier's files under it (`… unit test/config`); options starting with `--` go to
// `node --test` (`--test-name-pattern=…`). Nothing runs while any test file has no tier or two
// (exit 2): a file cannot drop out of `npm test` unnoticed. Unit and integration files run under
// test/support/tier-guard.ts, which fails a file that breaks its tier's rule. With
// GREENLIGHT_TEST_JUNIT_DIR set (CI), each tier also writes its JUnit report there: test-<tier>.xml.
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  classifyTests,
  CONCURRENCY,
  nodeTestArguments,
  shardEntry,
  SHARDED,
  shardsOf,
  startOrder,
  TIERS,
  type Tier,
} from '../test/support/tiers.js';

const [what = '', ...rest] = process.argv.slice(2);
const { byTier, problems } = classifyTests();

if (problems.length > 0) {
  process.stderr.write(`test tiers: ${problems.length} file(s) belong to no single tier\n`);
  for (const problem of problems) process.stderr.write(`  ${problem}\n`);
  process.exit(2);
}

if (what === 'list') {
  for (const tier of TIERS) {
    process.stdout.write(`${tier} (${byTier[tier].length} files)\n`);
    for (const file of byTier[tier]) process.stdout.write(`  ${file}\n`);
  }
} else if ((TIERS as readonly string[]).includes(what)) {
  const tier = what as Tier;
  const options = rest.filter((arg) => arg.startsWith('--'));
  const paths = rest.filter((arg) => !arg.startsWith('--')).map((p) => p.replace(/\/+$/, ''));
  const files = byTier[tier].filter(
    (file) => paths.length === 0 || paths.some((p) => file === p || file.startsWith(`${p}/`)),
  );
  if (files.length === 0) {
    process.stderr.write(`test tiers: no ${tier} test file under ${paths.join(', ')}\n`);
    process.exit(2);
  }
  const junit = process.env.GREENLIGHT_TEST_JUNIT_DIR;
  if (junit) mkdirSync(junit, { recursive: true });
  let run = startOrder(files);
  let shardDir: string | undefined;
  if (SHARDED[tier] && files.length > 1) {
    shardDir = mkdtempSync(join(tmpdir(), `greenlight-${tier}-shards-`));
    const shards = shardsOf(files, CONCURRENCY[tier]);
    run = shards.map((shard, i) => {
      const entry = join(shardDir as string, `shard-${i + 1}-of-${shards.length}.test.mjs`);
      writeFileSync(entry, shardEntry(shard));
      return entry;
    });
  }
  const child = spawn(process.execPath, nodeTestArguments(tier, run, options), {
    stdio: 'inherit',
    env: { ...process.env, GREENLIGHT_TEST_TIER: tier },
  });
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => child.kill(signal));
  child.on('exit', (code, signal) => {
    if (shardDir) rmSync(shardDir, { recursive: true, force: true });
    process.exitCode = code ?? (signal === 'SIGINT' ? 130 : 143);
  });
} else {
  process.stderr.write(
    'usage: test-tier.ts unit|integration|e2e|rehearsal [PATH…] [--node-test-option…] | list\n',
  );
  process.exit(2);
}
