// tier: e2e
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, chownSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { SANDBOXES, writeTree } from './real-cloud.js';
import { openPathTo } from '../open-path.js';

// `runHooksInSandbox` (what `greenlight hooks run` runs) as a non-root user. CI runs as root, so the
// test makes a throwaway user with a subordinate id range and runs the hooks under it (setpriv
// --reuid/--regid/--init-groups). Where the user's sandbox can map that range (unshare with
// newuidmap, Debian's uidmap), a hook creates a user, chowns a directory to it and runs as it;
// where only one uid can be mapped (bubblewrap, or no newuidmap) the hook fails, and the log says
// why and what to install instead of a bare "Invalid argument".

const packageDir = fileURLToPath(new URL('../../', import.meta.url));
const driver = fileURLToPath(new URL('./hooks-as-user.ts', import.meta.url));

const BUNDLE = {
  'appspec.yml': `version: 0.0
os: linux
hooks:
  BeforeInstall:
    - location: make-user.sh
      timeout: 60
  AfterInstall:
    - location: whoami.sh
      timeout: 60
      runas: web
`,
  'make-user.sh':
    '#!/bin/sh\nset -e\nuseradd --system --no-create-home web\ninstall -d -o web -g web -m 0750 /opt/web\n',
  'whoami.sh': '#!/bin/sh\nset -e\nid -un > /opt/web/whoami\n',
};

interface Person {
  readonly name: string;
  readonly uid: number;
  readonly gid: number;
  /** The command prefix that runs as this person. */
  readonly as: string[];
}

function freeRange(): number {
  let end = 100_000;
  for (const file of ['/etc/subuid', '/etc/subgid']) {
    for (const line of readFileSync(file, 'utf8').split('\n')) {
      const [, start, count] = line.split(':');
      if (Number(start) + Number(count) > end) end = Number(start) + Number(count);
    }
  }
  return end;
}

/** A throwaway user with a subordinate range when this runs as root; this process's user otherwise. */
function person(): Person {
  if (process.getuid?.() !== 0) {
    return { name: 'me', uid: process.getuid?.() ?? 0, gid: process.getgid?.() ?? 0, as: [] };
  }
  const name = `glnr${randomBytes(4).toString('hex')}`;
  execFileSync('useradd', ['--no-create-home', '--shell', '/bin/sh', name]);
  if (
    !readFileSync('/etc/subuid', 'utf8')
      .split('\n')
      .some((line) => line.startsWith(`${name}:`))
  ) {
    const start = freeRange();
    const range = `${String(start)}-${String(start + 65535)}`;
    execFileSync('usermod', ['--add-subuids', range, '--add-subgids', range, name]);
  }
  const uid = Number(execFileSync('id', ['-u', name], { encoding: 'utf8' }).trim());
  const gid = Number(execFileSync('id', ['-g', name], { encoding: 'utf8' }).trim());
  return {
    name,
    uid,
    gid,
    as: ['setpriv', `--reuid=${String(uid)}`, `--regid=${String(gid)}`, '--init-groups', '--'],
  };
}

function runAs(who: Person, sandbox: string, home: string, args: string[]) {
  const [file, ...rest] = [
    ...who.as,
    'env',
    `HOME=${home}`,
    `LOCALCLOUD_SANDBOX=${sandbox}`,
    process.execPath,
    '--import',
    'tsx',
    driver,
    ...args,
  ];
  return spawnSync(file ?? 'env', rest, { cwd: packageDir, encoding: 'utf8', timeout: 300_000 });
}

interface Result {
  succeeded: boolean;
  events: { event: string; status: string; diagnostics?: { logTail: string; message: string } }[];
}

for (const sandbox of SANDBOXES)
  describe(`hooks run as a non-root user (${sandbox})`, () => {
    let who: Person;
    let home: string;
    let bundle: string;
    let closePath = () => {};

    before(() => {
      who = person();
      if (who.as.length > 0) closePath = openPathTo(packageDir);
      home = mkdtempSync(join(tmpdir(), 'greenlight-non-root-'));
      chmodSync(home, 0o755);
      if (who.as.length > 0) chownSync(home, who.uid, who.gid);
      bundle = writeTree(BUNDLE);
      for (const script of ['make-user.sh', 'whoami.sh']) chmodSync(join(bundle, script), 0o755);
      if (who.as.length > 0) execFileSync('chown', ['-R', `${String(who.uid)}:${String(who.gid)}`, bundle]);
    });

    after(() => {
      // The saved instance holds files the hooks' users own: root removes them, and then the user.
      rmSync(home, { recursive: true, force: true });
      rmSync(bundle, { recursive: true, force: true });
      if (who.as.length > 0) execFileSync('userdel', [who.name]);
      closePath();
    });

    it("runs the hooks, with the hooks' users mapped where the user has a subordinate range, else saying what to install", (t) => {
      const check = runAs(who, sandbox, home, ['check']);
      assert.equal(check.status, 0, check.stderr);
      const confinement = JSON.parse(check.stdout) as
        | { ok: true; confinement: { backend: string; users: { kind: string } } }
        | { ok: false; reason: string };
      if (!confinement.ok) {
        if (/user namespace/.test(confinement.reason)) {
          t.skip(confinement.reason);
          return;
        }
        assert.fail(confinement.reason);
      }
      assert.equal(confinement.confinement.backend, sandbox);
      const mapped = confinement.confinement.users.kind === 'subordinate';
      const state = join(home, 'state');
      const run = runAs(who, sandbox, home, ['run', bundle, state]);
      assert.equal(run.status, 0, run.stderr);
      const result = JSON.parse(run.stdout.trim().split('\n').pop() ?? '') as Result;
      const statuses = Object.fromEntries(result.events.map((e) => [e.event, e.status]));
      if (mapped) {
        assert.equal(result.succeeded, true, JSON.stringify(result.events, null, 2));
        assert.equal(statuses.AfterInstall, 'Succeeded');
        assert.ok(
          Object.values(statuses).every((status) => status === 'Succeeded'),
          JSON.stringify(statuses),
        );
        // The hook ran as web, a user that exists only in the instance, mapped into the user's range.
        const whoami = join(state, 'instance', 'opt', 'web', 'whoami');
        assert.equal(readFileSync(whoami, 'utf8').trim(), 'web');
        const subuid = readFileSync('/etc/subuid', 'utf8')
          .split('\n')
          .find((l) => l.startsWith(`${who.name}:`));
        if (subuid)
          assert.ok(
            statSync(whoami).uid > Number(subuid.split(':')[1]),
            'web is a subordinate uid on the host',
          );
      } else {
        assert.equal(result.succeeded, false);
        assert.equal(statuses.BeforeInstall, 'Failed');
        const tail = result.events.find((e) => e.event === 'BeforeInstall')?.diagnostics?.logTail ?? '';
        assert.match(tail, /Invalid argument|cannot set groups|Operation not permitted/);
        assert.match(tail, /no other user exists there/);
        assert.match(
          tail,
          sandbox === 'bubblewrap' ? /bubblewrap maps one uid only/ : /uidmap|\/etc\/subuid/,
        );
      }
    });
  });
