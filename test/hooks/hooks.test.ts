// tier: e2e
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cp, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { repoRoot } from '../cli/spawn.js';
import { startApp } from '../example-app/app.js';

// The hooks' own logic, run by bash against an instance metadata service and the real example app.
// What needs an instance (systemctl, useradd, /etc) runs in the local cloud's sandboxes (issue 4).

const UNIT_FILE = '/etc/systemd/system/web.service';

interface HookRun {
  code: number | null;
  lines: string[];
  /** The last line: what the agent's log tail ends with. */
  last: string;
}

function runBash(script: string, env: Record<string, string>, args: string[] = []): Promise<HookRun> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', [script, ...args], {
      env: { PATH: process.env.PATH, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
    child.on('error', reject);
    child.on('close', (code) => {
      const lines = output.trimEnd().split('\n');
      resolve({ code, lines, last: lines.at(-1) ?? '' });
    });
  });
}

/** An instance metadata service: IMDSv2 (token required) or IMDSv1 only. */
async function metadataService(options: {
  ip: string;
  tokens: boolean;
}): Promise<{ server: Server; url: string }> {
  const token = 'token-1234';
  const server = createServer((req, res) => {
    if (req.method === 'PUT' && req.url === '/latest/api/token') {
      if (!options.tokens) {
        res.writeHead(403).end();
        return;
      }
      res.writeHead(200).end(token);
      return;
    }
    if (options.tokens && req.headers['x-aws-ec2-metadata-token'] !== token) {
      res.writeHead(401).end();
      return;
    }
    if (req.method === 'GET' && req.url === '/latest/meta-data/local-ipv4') {
      res.writeHead(200).end(options.ip);
      return;
    }
    res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

describe('hooks', () => {
  let scratch: string;
  /** A copy of the bundle's hooks/, so a REVISION file can sit at its root. */
  let bundle: string;
  let imds: { server: Server; url: string };
  let imdsV1: { server: Server; url: string };
  // Port 8000 on a loopback address of its own, as the app gets on an instance.
  const ip = `127.77.${Math.floor(Math.random() * 250) + 1}.${Math.floor(Math.random() * 250) + 1}`;

  before(async () => {
    scratch = await mkdtemp(join(tmpdir(), 'greenlight-hooks-'));
    bundle = join(scratch, 'bundle');
    await cp(join(repoRoot, 'hooks'), join(bundle, 'hooks'), { recursive: true });
    imds = await metadataService({ ip, tokens: true });
    imdsV1 = await metadataService({ ip, tokens: false });
  });
  after(async () => {
    imds.server.close();
    imdsV1.server.close();
    await rm(scratch, { recursive: true, force: true });
  });

  /** Runs `body` in a script that sources the bundle's lib.sh the way every hook does. */
  async function withLib(body: string, env: Record<string, string> = {}): Promise<HookRun> {
    const script = join(bundle, 'hooks', `probe-${Math.random().toString(36).slice(2)}.sh`);
    await writeFile(
      script,
      `#!/usr/bin/env bash\nset -euo pipefail\nsource "$(dirname "\${BASH_SOURCE[0]}")/lib.sh"\n${body}\n`,
    );
    try {
      return await runBash(script, { AWS_EC2_METADATA_SERVICE_ENDPOINT: imds.url, ...env });
    } finally {
      await rm(script);
    }
  }

  describe('lib.sh', () => {
    it('logs the hook and the step, and ends a failure with one line naming the step and the command', async () => {
      const run = await withLib('step "copy files"\nlog "copying"\nstep "check"\nfalse', {
        LIFECYCLE_EVENT: 'AfterInstall',
      });
      assert.equal(run.code, 1);
      assert.deepEqual(run.lines, [
        '[AfterInstall] copy files: started',
        '[AfterInstall] copy files: copying',
        '[AfterInstall] check: started',
        '[AfterInstall] FAILED in step "check": exit code 1 from: false',
      ]);
    });

    it('fail: the reason is the last line', async () => {
      const run = await withLib('step "check node"\nfail "node is not installed"', {
        LIFECYCLE_EVENT: 'BeforeInstall',
      });
      assert.equal(run.code, 1);
      assert.equal(run.last, '[BeforeInstall] FAILED in step "check node": node is not installed');
    });

    it('a hook that succeeds says so last; without LIFECYCLE_EVENT it is named after its file', async () => {
      const run = await withLib('step "nothing"');
      assert.equal(run.code, 0);
      assert.match(run.last, /^\[probe-[a-z0-9]+\] done: succeeded in \d+s$/);
    });

    it('make_temp: the file is gone when the hook ends, and a failure is still reported as one', async () => {
      const run = await withLib(
        `make_temp draft "${scratch}"\necho data >"$draft"\nlog "draft=$draft"\nstep "write"\nfalse`,
        {
          LIFECYCLE_EVENT: 'AfterInstall',
        },
      );
      assert.equal(run.code, 1);
      assert.equal(run.last, '[AfterInstall] FAILED in step "write": exit code 1 from: false');
      const draft = /draft=(\S+)/.exec(run.lines.join('\n'))?.[1] ?? '';
      assert.ok(draft.startsWith(`${scratch}/.tmp.`), draft);
      assert.equal(existsSync(draft), false);
    });

    it('retry_for: gives up when the next try would pass the deadline', async () => {
      const run = await withLib('retry_for 2 1 "a thing that never works" false || fail "gave up"', {
        LIFECYCLE_EVENT: 'X',
      });
      assert.equal(run.code, 1);
      assert.match(run.lines.join('\n'), /gave up on a thing that never works after [1-3] attempts in \d+s/);
      assert.equal(run.last, '[X] FAILED in step "start": gave up');
    });

    it('reads local-ipv4 from an IMDSv2 metadata service, with a session token', async () => {
      const run = await withLib('read_private_ip\nlog "ip=$PRIVATE_IP"', { LIFECYCLE_EVENT: 'AfterInstall' });
      assert.equal(run.code, 0, run.lines.join('\n'));
      assert.ok(run.lines.includes(`[AfterInstall] start: ip=${ip}`), run.lines.join('\n'));
    });

    it('falls back to IMDSv1 when the service gives no token', async () => {
      const run = await withLib('read_private_ip\nlog "ip=$PRIVATE_IP"', {
        AWS_EC2_METADATA_SERVICE_ENDPOINT: imdsV1.url,
        LIFECYCLE_EVENT: 'AfterInstall',
      });
      assert.equal(run.code, 0, run.lines.join('\n'));
      assert.ok(run.lines.includes(`[AfterInstall] start: ip=${ip}`), run.lines.join('\n'));
    });

    it('the deployed version: BUNDLE_COMMIT first, then the bundle’s REVISION file, else a clear failure', async () => {
      const show = 'read_deployed_version\nlog "version=$DEPLOYED_VERSION"';
      const fromCommit = await withLib(show, { BUNDLE_COMMIT: '9d3c0e1f', LIFECYCLE_EVENT: 'E' });
      assert.ok(fromCommit.lines.includes('[E] start: version=9d3c0e1f'), fromCommit.lines.join('\n'));

      const none = await withLib(show, { LIFECYCLE_EVENT: 'E' });
      assert.equal(none.code, 1);
      assert.match(
        none.last,
        /^\[E\] FAILED in step "start": cannot tell which version is deployed: BUNDLE_COMMIT is not set and .*\/REVISION does not exist/,
      );

      await writeFile(join(bundle, 'REVISION'), 'build-42\n');
      try {
        const fromFile = await withLib(show, { LIFECYCLE_EVENT: 'E' });
        assert.ok(fromFile.lines.includes('[E] start: version=build-42'), fromFile.lines.join('\n'));
        await writeFile(join(bundle, 'REVISION'), 'not a version; rm -rf /\n');
        const unsafe = await withLib(show, { LIFECYCLE_EVENT: 'E' });
        assert.equal(unsafe.code, 1);
        assert.match(unsafe.last, /is not a commit or build id/);
      } finally {
        await rm(join(bundle, 'REVISION'));
      }
    });

    it('deadline_seconds: a shorter WEB_HOOK_DEADLINE_SECONDS wins, never a longer one', async () => {
      const show = 'log "deadline=$(deadline_seconds 75)"';
      const shorter = await withLib(show, { WEB_HOOK_DEADLINE_SECONDS: '5', LIFECYCLE_EVENT: 'E' });
      const longer = await withLib(show, { WEB_HOOK_DEADLINE_SECONDS: '500', LIFECYCLE_EVENT: 'E' });
      assert.ok(shorter.lines.includes('[E] start: deadline=5'));
      assert.ok(longer.lines.includes('[E] start: deadline=75'));
    });
  });

  describe('validate-service.sh', () => {
    const validate = (env: Record<string, string>): Promise<HookRun> =>
      runBash(join(repoRoot, 'hooks/validate-service.sh'), {
        LIFECYCLE_EVENT: 'ValidateService',
        AWS_EC2_METADATA_SERVICE_ENDPOINT: imds.url,
        WEB_HOOK_DEADLINE_SECONDS: '3',
        ...env,
      });

    it('passes when the app answers 200 with the version being deployed', async () => {
      const app = await startApp({ HOST: ip, PORT: '8000', APP_VERSION: '5b1e7d2' });
      try {
        const run = await validate({ BUNDLE_COMMIT: '5b1e7d2' });
        assert.equal(run.code, 0, run.lines.join('\n'));
        assert.ok(
          run.lines.includes(
            `[ValidateService] wait for /healthcheck: http://${ip}:8000/healthcheck answered HTTP 200, version 5b1e7d2 after 1 attempts`,
          ),
          run.lines.join('\n'),
        );
        assert.match(run.last, /^\[ValidateService\] done: succeeded in \d+s$/);
      } finally {
        app.kill();
        await app.exited;
      }
    });

    it('fails, saying what the app answered, when it serves another version', async () => {
      const app = await startApp({ HOST: ip, PORT: '8000', APP_VERSION: 'old1234' });
      try {
        const run = await validate({ BUNDLE_COMMIT: 'new5678' });
        assert.equal(run.code, 1);
        assert.match(
          run.last,
          new RegExp(
            `^\\[ValidateService\\] FAILED in step "wait for /healthcheck": http://${ip.replaceAll('.', '\\.')}:8000/healthcheck did not answer 200 with version new5678 within 3s \\(\\d+ attempts\\); last answer: HTTP 200, version old1234, body: `,
          ),
        );
      } finally {
        app.kill();
        await app.exited;
      }
    });

    it('fails, saying nothing listens, when the app does not answer', async () => {
      const run = await validate({ BUNDLE_COMMIT: 'new5678' });
      assert.equal(run.code, 1);
      assert.match(
        run.last,
        /did not answer 200 with version new5678 within 3s .*last answer: connection refused \(the app is not listening on 127\.77\.\d+\.\d+:8000\)$/,
      );
      // Only changes are logged while waiting: the log tail keeps the useful lines.
      assert.equal(run.lines.filter((line) => line.includes('waiting: connection refused')).length, 1);
    });
  });

  describe(
    'on an instance where nothing is installed yet',
    { skip: existsSync(UNIT_FILE) ? `${UNIT_FILE} exists on this machine` : false },
    () => {
      for (const [script, event, says] of [
        ['application-stop.sh', 'ApplicationStop', /nothing installed, nothing to stop/],
        ['after-block-traffic.sh', 'AfterBlockTraffic', /nothing installed, nothing to stop/],
        ['before-block-traffic.sh', 'BeforeBlockTraffic', /is not running: nothing to drain/],
      ] as const) {
        it(`${script} succeeds and says why`, async () => {
          const run = await runBash(join(repoRoot, 'hooks', script), { LIFECYCLE_EVENT: event });
          assert.equal(run.code, 0, run.lines.join('\n'));
          assert.match(run.lines.join('\n'), says);
          assert.match(run.last, new RegExp(`^\\[${event}\\] done: succeeded in \\d+s$`));
        });
      }
    },
  );
});
