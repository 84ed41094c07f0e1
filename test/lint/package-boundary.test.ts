// tier: unit
// The line between greenlight and the local cloud (scripts/eslint-package-boundary.js), checked on
// imports written for the purpose and on the repository as it is.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { Linter } from 'eslint';
import boundary from '../../scripts/eslint-package-boundary.js';

const root = fileURLToPath(new URL('../../', import.meta.url));

/** The rule's messages for `code` as if it were the file at `path` (relative to the repository). */
function problems(path: string, code: string): string[] {
  const linter = new Linter({ configType: 'flat' });
  const messages = linter.verify(
    code,
    [
      {
        files: ['**/*.ts', '**/*.js'],
        languageOptions: { ecmaVersion: 2023, sourceType: 'module' },
        plugins: { greenlight: boundary },
        rules: { 'greenlight/package-boundary': 'error' },
      },
    ],
    { filename: join(root, path) },
  );
  return messages.map((m) => m.message);
}

describe('greenlight ↔ the local cloud, only through its API', () => {
  it('greenlight imports the local cloud by its package name', () => {
    assert.deepEqual(
      problems('src/demo/story.ts', "import { startLocalCloud } from '@greenlight/localcloud';"),
      [],
    );
    assert.deepEqual(
      problems(
        'test/hooks/e2e.test.ts',
        "import { writeTree } from '../../packages/localcloud/test/real/real-cloud.js';",
      ),
      [],
    );
  });

  it('greenlight reaching behind the API, by a relative path or a deep import, is named', () => {
    const [relative] = problems(
      'src/cli/commands/hooks.ts',
      "import { createRealAgent } from '../../../packages/localcloud/src/agent/real-agent.js';",
    );
    assert.match(
      relative ?? '',
      /reaches behind the local cloud's API: import from '@greenlight\/localcloud'/,
    );
    const [deep] = problems(
      'test/support/cloud.ts',
      "const m = await import('@greenlight/localcloud/src/server.js');",
    );
    assert.match(
      deep ?? '',
      /'@greenlight\/localcloud\/src\/server\.js' reaches behind the local cloud's API/,
    );
    const [reexport] = problems(
      'src/index.ts',
      "export { parseWorld } from '../packages/localcloud/src/world.js';",
    );
    assert.match(reexport ?? '', /reaches behind/);
  });

  it("greenlight's product code does not use the local cloud's tests", () => {
    const [found] = problems(
      'src/demo/story.ts',
      "import { writeTree } from '../../packages/localcloud/test/real/real-cloud.js';",
    );
    assert.match(found ?? '', /product code does not use the local cloud's tests/);
  });

  it('the local cloud reaches only its own modules and npm packages', () => {
    assert.deepEqual(
      problems(
        'packages/localcloud/src/agent/real-agent.ts',
        "import { z } from 'zod';\nimport { x } from '../codedeploy/agent.js';",
      ),
      [],
    );
    const [outside] = problems(
      'packages/localcloud/src/agent/real-agent.ts',
      "import { parseAppSpec } from '../../../../src/appspec/parse.js';",
    );
    assert.match(outside ?? '', /leaves the local cloud's sources \(to src\/appspec\/parse\.js\)/);
    const [byName] = problems('packages/localcloud/src/server.ts', "import { verify } from 'greenlight';");
    assert.match(byName ?? '', /does not use greenlight/);
    const [self] = problems(
      'packages/localcloud/src/server.ts',
      "import { parseWorld } from '@greenlight/localcloud';",
    );
    assert.match(self ?? '', /by relative path/);
  });
});
