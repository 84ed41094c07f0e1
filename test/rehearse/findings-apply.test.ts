// tier: e2e
// Every finding's patch (findings/*.patch: the pipeline's pre-fix shape, which the rehearsal tier
// rehearses) still applies to the repository as it is now. A change to .circleci/config.yml or
// sam-template.yaml that moves a patch's context breaks its scenario; here it fails in `npm test`, in
// seconds, naming the patch, instead of in the rehearsal tier an hour later.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { promisify } from 'node:util';
import { repoRoot } from '../cli/spawn.js';

const findings = join(repoRoot, 'test/rehearse/findings');
const patches = readdirSync(findings).filter((f) => f.endsWith('.patch'));

describe("the findings' patches apply to the repository as it is", () => {
  it('there are patches to check', () => assert.ok(patches.length >= 8, patches.join(', ')));
  for (const patch of patches) {
    it(patch, async () => {
      await promisify(execFile)('git', ['apply', '--check', '--whitespace=nowarn', join(findings, patch)], {
        cwd: repoRoot,
      }).catch((error: { stderr?: string }) => {
        assert.fail(
          `${patch} no longer applies: regenerate it (apply its pre-fix change by hand, git diff > it, keep its header):\n${error.stderr ?? ''}`,
        );
      });
    });
  }
});
