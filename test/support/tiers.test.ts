// tier: unit
// Every test file belongs to exactly one tier (the first line says which), so `npm test`, which runs
// the three tiers, runs every test file.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { classify, classifyTests, LONGEST_FIRST, shardEntry, shardsOf, startOrder, TIERS } from './tiers.js';

describe('test tiers', () => {
  it('every test file of the checkout is in exactly one tier', () => {
    const { byTier, problems } = classifyTests();
    assert.deepEqual(problems, []);
    const all = TIERS.flatMap((tier) => byTier[tier]);
    assert.equal(new Set(all).size, all.length);
    assert.ok(byTier.unit.includes('test/support/tiers.test.ts'));
    // The local cloud's own tests, in its workspace package, run in the same tiers.
    assert.ok(all.includes('packages/localcloud/test/world.test.ts'), 'the local cloud package’s tests');
  });

  it('a file with no tier, an unknown tier or two tier lines is named, and run in no tier', () => {
    const files: Record<string, string> = {
      'test/a.test.ts': '// tier: unit\nimport x from "y";\n',
      'test/b.test.ts': '// A test without its tier.\n// tier: unit\n',
      'test/c.test.ts': '// tier: fast\n',
      'test/d.test.ts': '// tier: e2e\n// tier: unit\n',
      'test/e.test.ts': '// tier: integration\n',
    };
    const { byTier, problems } = classify(Object.keys(files), (file) => files[file] ?? '');
    assert.deepEqual(byTier, {
      unit: ['test/a.test.ts'],
      integration: ['test/e.test.ts'],
      e2e: [],
      rehearsal: [],
    });
    assert.equal(problems.length, 3);
    assert.match(problems[0] ?? '', /^test\/b\.test\.ts: no tier — its first line must be one of/);
    assert.match(problems[1] ?? '', /^test\/c\.test\.ts: unknown tier "fast"/);
    assert.match(problems[2] ?? '', /^test\/d\.test\.ts: 2 tier lines — a file belongs to exactly one tier/);
  });
});

describe('shards', () => {
  it('splits files into shards of about equal size, the heaviest first, each shard in path order', () => {
    const sizes: Record<string, number> = { 'a.test.ts': 9, 'b.test.ts': 5, 'c.test.ts': 4, 'd.test.ts': 1 };
    const shards = shardsOf(Object.keys(sizes), 2, (file) => sizes[file] ?? 0);
    assert.deepEqual(shards, [
      ['a.test.ts', 'd.test.ts'],
      ['b.test.ts', 'c.test.ts'],
    ]);
    assert.deepEqual(
      shardsOf(['only.test.ts'], 2, () => 1),
      [['only.test.ts']],
    );
  });

  it("imports a shard's files by absolute file URL, in order", () => {
    assert.equal(
      shardEntry(['test/a.test.ts', 'packages/x/test/b.test.ts'], '/repo'),
      '// A shard of scripts/test-tier.ts: these test files, in one process.\n' +
        'await import("file:///repo/test/a.test.ts");\n' +
        'await import("file:///repo/packages/x/test/b.test.ts");\n',
    );
  });
});

describe('start order', () => {
  it('starts the longest files first, then the rest in path order', () => {
    const [first, second] = LONGEST_FIRST;
    assert.deepEqual(startOrder(['a.test.ts', second ?? '', 'b.test.ts', first ?? '']), [
      first,
      second,
      'a.test.ts',
      'b.test.ts',
    ]);
  });

  it('names only test files that exist, each in the e2e tier', () => {
    const { byTier } = classifyTests();
    for (const file of LONGEST_FIRST) assert.ok(byTier.e2e.includes(file), `${file} is an e2e test file`);
  });
});
