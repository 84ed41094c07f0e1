// tier: e2e
// Issue 18's proof, on real instances (the hooks run in sandboxes): a hook fails after printing far
// more than CodeDeploy's 2,048-character log tail, and `greenlight deploy` with diagnostics.fetchLogs
// prints the instance's whole scripts.log — the one the agent really wrote on the instance, read by
// AWS-RunShellScript in the instance's sandbox — in its CI log, first line to last. Then the same
// failure on an instance whose SSM Agent never registered: the CI log says so in one line, and the
// deploy still ends with the failure's exit code.
//
// The hook fails on the green instance in us-east-1a only (it asks the instance's metadata service);
// on the one in us-east-1b it starts a server that answers the target group's health check, so
// CodeDeploy (AllAtOnce) goes on to Succeeded and the failed instance stays, as in the demo's
// "CodeDeploy: Succeeded — greenlight: FAILED, 1 of 4". A green fleet that fails whole is terminated with its
// deployment, its log with it (fetch-logs.test.ts, "terminated").
import assert from 'node:assert/strict';
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { stringify } from 'yaml';
import { checkConfinement } from '@greenlight/localcloud';
import type { InstanceFailure } from '../../src/codedeploy/wait.js';
import { runCli } from '../../src/cli/run.js';
import { sampleEnvironment } from '../config/sample.js';
import { devWorld, startCloud, type TestCloud } from '../support/cloud.js';

const confinement = checkConfinement();
const LINES = 60;

/**
 * A hook that, in us-east-1a, prints LINES numbered lines of 70 characters (over 4 KB), then fails;
 * elsewhere it starts the instance's app: a server answering the health check on the private IP.
 */
const NOISY_HOOK = `#!/bin/sh
imds="$AWS_EC2_METADATA_SERVICE_ENDPOINT/latest/meta-data"
zone=$(curl -fsS "$imds/placement/availability-zone")
if [ "$zone" != us-east-1a ]; then
  setsid node -e 'require("http").createServer((q, s) => s.end("ok")).listen(8000, process.argv[1])' \\
    "$(curl -fsS "$imds/local-ipv4")" </dev/null >/dev/null 2>&1 &
  echo "serving in $zone"
  exit 0
fi
i=1
while [ "$i" -le ${LINES} ]; do
  printf 'noisy line %03d of ${LINES}: %s\\n' "$i" "................................................"
  i=$((i + 1))
done
echo "giving up after ${LINES} lines" >&2
exit 3
`;

describe(
  "diagnostics.fetchLogs on real instances: a failed hook's whole scripts.log in the CI log",
  { skip: confinement.ok ? false : `no sandboxes here: ${confinement.reason}` },
  () => {
    let cloud: TestCloud;
    let dir: string;
    let bundle: string;
    let release = 0;

    before(async () => {
      // Real hooks run in real time; the cloud's own waits are scaled.
      cloud = await startCloud({ world: devWorld(2, 'real'), timeScale: 200 });
      dir = await mkdtemp(join(tmpdir(), 'greenlight-e2e-fetch-logs-'));
      bundle = join(dir, 'bundle');
      await mkdir(join(bundle, 'hooks'), { recursive: true });
      await writeFile(
        join(bundle, 'appspec.yml'),
        'version: 0.0\nos: linux\nhooks:\n  AfterInstall:\n    - location: hooks/noisy.sh\n      timeout: 60\n',
      );
      await writeFile(join(bundle, 'hooks/noisy.sh'), NOISY_HOOK);
      await chmod(join(bundle, 'hooks/noisy.sh'), 0o755);
      const e2e = {
        ...sampleEnvironment(),
        alarms: [],
        autoRollback: [],
        revision: { s3: { bucket: 'web-revisions', prefix: 'web/' } },
        blueGreen: {
          greenFleet: 'COPY_AUTO_SCALING_GROUP',
          ready: { action: 'CONTINUE_DEPLOYMENT' },
          terminateBlue: { action: 'KEEP_ALIVE' },
        },
        diagnostics: { fetchLogs: true },
      };
      await writeFile(join(dir, 'greenlight.yml'), stringify({ application: 'web', environments: { e2e } }));
      const applied = await greenlight(['group', 'apply', '--env', 'e2e']);
      assert.equal(applied.code, 0, applied.log);
    });
    after(async () => {
      await cloud?.close();
      if (dir) await rm(dir, { recursive: true, force: true });
    });

    /** greenlight in this process, as CircleCI runs it (CI=true: the plain log), with --json. */
    async function greenlight(args: string[]) {
      const stdout: string[] = [];
      const stderr: string[] = [];
      const code = await runCli([...args, '--json'], {
        stdout: { write: (s: string) => stdout.push(s) },
        stderr: { write: (s: string) => stderr.push(s) },
        env: { ...cloud.env, CI: 'true' },
        cwd: dir,
        signal: new AbortController().signal,
      });
      const doc = JSON.parse(stdout.join('') || '{}') as { result?: { failures?: InstanceFailure[] } };
      // The CI log's lines, without their [hh:mm:ss] stamps.
      const log = stderr.join('');
      return {
        code,
        failures: doc.result?.failures ?? [],
        log,
        lines: log.split('\n').map((l) => l.slice(11)),
      };
    }

    const deploy = () =>
      greenlight([
        'deploy',
        '--env',
        'e2e',
        '--bundle',
        bundle,
        '--revision',
        String(++release).repeat(40),
        '--poll',
        '250ms',
      ]);

    it('prints the whole scripts.log, far beyond the 2,048-character tail: the first line the hook printed and the last', async () => {
      const r = await deploy();
      assert.equal(r.code, 1, r.log);
      const failure = r.failures[0];
      assert.ok(failure, r.log);
      assert.equal(failure.lifecycleEvent, 'AfterInstall');
      // CodeDeploy's tail has lost the beginning; the scripts.log has all of it.
      assert.ok(failure.logTail.length <= 2048);
      assert.doesNotMatch(failure.logTail, /noisy line 001/);
      const log = failure.scriptsLog;
      assert.equal(log?.status, 'fetched', JSON.stringify(log));
      assert.equal(log.whole, true);
      assert.ok((log.bytes ?? 0) > 4096, `${log.bytes} bytes`);

      const header = r.lines.findIndex((l) =>
        new RegExp(
          `^  scripts\\.log of ${failure.instanceId} \\(.*/logs/scripts\\.log\\), the whole file, [\\d,]+ bytes, through SSM Run Command:$`,
        ).test(l),
      );
      assert.ok(header >= 0, r.log);
      const printed = r.lines.slice(header + 1).filter((l) => l.startsWith('    '));
      const stamp = '\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d ';
      assert.match(printed[0] ?? '', new RegExp(`^    ${stamp}LifecycleEvent - AfterInstall$`));
      assert.match(printed[1] ?? '', new RegExp(`^    ${stamp}Script - hooks/noisy\\.sh$`));
      assert.match(
        printed[2] ?? '',
        new RegExp(`^    ${stamp}\\[stdout\\]noisy line 001 of ${LINES}: \\.+$`),
      );
      const last = printed.findIndex((l) =>
        new RegExp(`\\[stdout\\]noisy line 0${LINES} of ${LINES}:`).test(l),
      );
      assert.equal(last, 2 + LINES - 1, printed.join('\n'));
      assert.match(
        printed[last + 1] ?? '',
        new RegExp(`^    ${stamp}\\[stderr\\]giving up after ${LINES} lines$`),
      );
    });

    it('an instance whose SSM Agent is not registered: one line says so, and the deploy still ends 1', async () => {
      await cloud.control.ssmAgent('absent');
      try {
        const r = await deploy();
        assert.equal(r.code, 1, r.log);
        const failure = r.failures[0];
        assert.ok(failure, r.log);
        assert.equal(failure.scriptsLog?.status, 'not-registered');
        const said = r.lines.filter((l) => l.includes(`scripts.log of ${failure.instanceId}`));
        assert.deepEqual(said.length, 1, r.log);
        assert.match(
          said[0] ?? '',
          /not read \(not-registered\): its SSM Agent is not registered with Systems Manager/,
        );
        assert.ok(
          r.lines.some((l) => l.startsWith(`✗ ${failure.instanceId} failed AfterInstall`)),
          r.log,
        );
      } finally {
        await cloud.control.ssmAgent('online');
      }
    });
  },
);
