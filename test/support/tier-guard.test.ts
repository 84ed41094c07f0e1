// tier: e2e
// The tier guard (test/support/tier-guard.ts) fails a unit file that starts a process or a server,
// and an integration file that starts a process, naming the file and the rule; e2e files are free.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const guard = fileURLToPath(new URL('./tier-guard.ts', import.meta.url));
const scratch = mkdtempSync(join(tmpdir(), 'greenlight-tier-guard-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

const probes = {
  spawns: `import { execFileSync } from 'node:child_process';
import { it } from 'node:test';
it('spawns', () => { execFileSync('true'); });
`,
  listens: `import { createServer } from 'node:http';
import { it } from 'node:test';
it('listens', async () => {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  await new Promise((resolve) => server.close(resolve));
});
`,
};

async function runProbe(probe: keyof typeof probes, tier: string): Promise<{ code: number; output: string }> {
  const file = join(scratch, `${probe}.test.ts`);
  writeFileSync(file, probes[probe]);
  // A runner started from inside a test file must not think it is one of that file's subtests.
  const env: NodeJS.ProcessEnv = { ...process.env, GREENLIGHT_TEST_TIER: tier };
  delete env.NODE_TEST_CONTEXT;
  try {
    const { stdout, stderr } = await run(
      process.execPath,
      ['--import', 'tsx', '--import', guard, '--test', '--test-reporter=spec', file],
      { env },
    );
    return { code: 0, output: stdout + stderr };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    return { code: failed.code ?? -1, output: `${failed.stdout ?? ''}${failed.stderr ?? ''}` };
  }
}

describe('the tier guard', () => {
  it('fails a unit file that runs a process, naming the file, the call and the rule', async () => {
    const { code, output } = await runProbe('spawns', 'unit');
    assert.equal(code, 1, output);
    assert.match(
      output,
      /spawns\.test\.ts is in the unit tier .* but called child_process\.execFileSync\("true"\)/,
    );
    assert.match(output, /Unit tests are pure: no child process, no server, no local cloud/);
  });

  it('fails a unit file that opens a server', async () => {
    const { code, output } = await runProbe('listens', 'unit');
    assert.equal(code, 1, output);
    assert.match(output, /listens\.test\.ts is in the unit tier .* but opened a listening socket/);
  });

  it('lets an integration file open a server, not run a process', async () => {
    assert.equal((await runProbe('listens', 'integration')).code, 0);
    const { code, output } = await runProbe('spawns', 'integration');
    assert.equal(code, 1, output);
    assert.match(output, /Integration tests run in-process: no child process/);
  });

  it('leaves an e2e file free', async () => {
    assert.equal((await runProbe('spawns', 'e2e')).code, 0);
    assert.equal((await runProbe('listens', 'e2e')).code, 0);
  });
});
