// tier: e2e
// The unshare backend makes every host mount read-only in the sandbox, matching each mount point
// against /proc/self/mountinfo, where a space in a path is written `\040`. Only such an escaped point
// is decoded (in a subshell); this holds that path to it: a host with a mount whose path has a space
// (made in a mount namespace of this test's own, so the machine's mounts are untouched) boots an
// instance that sees that mount read-only with the flags it had (nosuid, noexec), and a plain mount
// beside it read-only too.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const child = fileURLToPath(new URL('./escaped-mount-child.ts', import.meta.url));
const root = process.getuid?.() === 0;

describe('unshare sandboxes and a host mount point with a space in its path', () => {
  it(
    'boot, and the mount is read-only inside',
    { skip: root ? false : 'needs root to make a mount namespace' },
    () => {
      // Under /mnt: the sandbox binds its own /tmp, /var, /home … over the host's, not /mnt.
      const spaced = mkdtempSync('/mnt/greenlight two words-');
      const plain = mkdtempSync('/mnt/greenlight-plain-');
      try {
        const script = [
          'set -e',
          'mount -t tmpfs -o nosuid,noexec none "$SPACED"',
          'mount -t tmpfs none "$PLAIN"',
          'grep -qF "$(printf %s "$SPACED" | sed "s/ /\\\\\\\\040/g")" /proc/self/mountinfo',
          'exec "$@"',
        ].join('\n');
        const result = spawnSync(
          'unshare',
          [
            ...['--mount', '--propagation', 'private', '--', '/bin/sh', '-c', script, 'sh'],
            ...[process.execPath, '--import', 'tsx', child],
          ],
          {
            encoding: 'utf8',
            timeout: 120_000,
            env: { ...process.env, SPACED: spaced, PLAIN: plain },
          },
        );
        assert.equal(result.status, 0, `${result.stdout}\n${result.stderr}`);
        const report = JSON.parse(result.stdout.trim().split('\n').pop() ?? '{}') as Record<string, string>;
        assert.match(report[spaced] ?? '', /Read-only file system/);
        assert.match(report[plain] ?? '', /Read-only file system/);
        // Matched to its mountinfo line (decoded), the spaced mount kept its flags: read-only, noexec, nosuid.
        assert.match(report.options ?? '', /^ro,nosuid,.*noexec/);
      } finally {
        rmSync(spaced, { recursive: true, force: true });
        rmSync(plain, { recursive: true, force: true });
      }
    },
  );
});
