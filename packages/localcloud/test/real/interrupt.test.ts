// tier: e2e
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { until } from '../../../../test/support/until.js';
import { SANDBOX_MARKER_VARIABLE } from '../../src/instance/sandboxed-instance.js';
import { SANDBOXES } from './real-cloud.js';

// Ctrl-C on a running local cloud with a real fleet (`localcloud`, the server `greenlight localcloud`
// and `npm start -- --keep` run): SIGINT reaches the whole foreground process group, and once the
// command has exited, its sandbox directory is gone and no process of its instances is left.

const bin = fileURLToPath(new URL('../../bin/localcloud.js', import.meta.url));

const WORLD = `region: us-east-1
launchTemplates: [{name: web}]
targetGroups: [{name: web-tg, port: 8000}]
autoScalingGroups:
  - {name: web-asg, instances: 2, availabilityZones: [us-east-1a, us-east-1b], targetGroups: [web-tg], launchTemplate: web, agent: real}
`;

/** Processes carrying the sandbox marker of `dir` (every process of that cloud's instances). */
function sandboxProcesses(dir: string): number[] {
  const found: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const environ = readFileSync(`/proc/${entry}/environ`, 'utf8').split('\0');
      if (environ.includes(`${SANDBOX_MARKER_VARIABLE}=${dir}`)) found.push(Number(entry));
    } catch {
      // Gone, or not ours to read.
    }
  }
  return found;
}

for (const sandbox of SANDBOXES)
  describe(`Ctrl-C on a local cloud with real instances (${sandbox})`, () => {
    let scratch: string;
    before(() => {
      scratch = mkdtempSync(join(tmpdir(), 'greenlight-interrupt-'));
      writeFileSync(join(scratch, 'world.yml'), WORLD);
    });
    after(() => rmSync(scratch, { recursive: true, force: true }));

    for (const signal of ['SIGINT', 'SIGTERM'] as const)
      it(`${signal} removes its sandbox directory and leaves no instance process`, async () => {
        // Its own process group, as a terminal gives a command; the signal goes to the whole group.
        const child = spawn(process.execPath, [bin, '--port', '0', '--world', join(scratch, 'world.yml')], {
          detached: true,
          stdio: ['ignore', 'ignore', 'pipe'],
          env: { ...process.env, LOCALCLOUD_SANDBOX: sandbox },
        });
        let stderr = '';
        child.stderr.setEncoding('utf8');
        child.stderr.on('data', (chunk: string) => (stderr += chunk));
        const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
        const pid = child.pid ?? 0;
        const dirOf = () =>
          readdirSync(tmpdir())
            .filter((name) => name.startsWith(`greenlight-localcloud-${String(pid)}-`))
            .map((name) => join(tmpdir(), name));
        try {
          const [dir] = await until(dirOf, (dirs) => dirs.length === 1, 'the cloud directory', '60s');
          const cloudDir = dir ?? '';
          // Both instances running: each has its supervisor (and its sandbox's init) up.
          await until(
            () => readdirSync(cloudDir).filter((name) => name.startsWith('i-')),
            (ids) => ids.length === 2,
            'two instance directories',
            '60s',
          );
          await until(
            () => sandboxProcesses(cloudDir),
            (pids) => pids.length >= 4,
            "the instances' processes",
            '60s',
          );
          process.kill(-pid, signal);
          const code = await exited;
          assert.equal(code, 0, stderr);
          assert.match(stderr, /local cloud stopped/);
          assert.equal(existsSync(cloudDir), false, `${cloudDir} is left after ${signal}`);
          assert.deepEqual(sandboxProcesses(cloudDir), [], 'no process of the instances survives');
        } finally {
          if (child.exitCode === null && child.signalCode === null) process.kill(-pid, 'SIGKILL');
        }
      });
  });
