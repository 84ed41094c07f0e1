// tier: unit
// Every test file belongs to exactly one tier (the first line says which), so `npm test`, which runs
// the three tiers, runs every test file.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { classify, classifyTests, TIERS } from './tiers.js';

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
    assert.deepEqual(byTier, { unit: ['test/a.test.ts'], integration: ['test/e.test.ts'], e2e: [] });
    assert.equal(problems.length, 3);
    assert.match(problems[0] ?? '', /^test\/b\.test\.ts: no tier — its first line must be one of/);
    assert.match(problems[1] ?? '', /^test\/c\.test\.ts: unknown tier "fast"/);
    assert.match(problems[2] ?? '', /^test\/d\.test\.ts: 2 tier lines — a file belongs to exactly one tier/);
  });
});
