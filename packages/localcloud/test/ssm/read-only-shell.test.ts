// tier: e2e
// A synthetic instance's read-only shell answers as the real thing: each script runs through it (on a
// simulated file) and through /bin/sh with GNU coreutils (on the same file, at the same path), and
// stdout, stderr and the exit status must be the same. What it refuses, it refuses as a shell
// would fail it: a status that is not 0, and stderr saying why.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { runReadOnlyScript, type SimulatedFileSystem } from '../../src/ssm/read-only-shell.js';

const dir = mkdtempSync(join(tmpdir(), 'localcloud-read-only-shell-'));
const LOG = join(dir, 'scripts.log');
const BARE = join(dir, 'no-final-newline.log');
const MISSING = join(dir, 'nothing.log');
const lines = Array.from(
  { length: 12 },
  (_, i) => `2031-01-01 00:00:0${i % 10} [stdout]line ${i + 1} é ${'x'.repeat(i)}`,
);
const files = new Map([
  [LOG, `${lines.join('\n')}\n`],
  [BARE, 'one\ntwo words\nthree'],
]);
for (const [path, text] of files) writeFileSync(path, text);

const simulated: SimulatedFileSystem = {
  read: (path) => (files.has(path) ? Buffer.from(files.get(path) as string) : undefined),
  isDirectory: (path) => path === dir,
};

const SCRIPTS: readonly (readonly string[])[] = [
  [`cat ${LOG}`],
  [`cat ${LOG} ${BARE}`],
  [`head -n 3 ${LOG}`],
  [`head -3 ${LOG}`],
  [`head -c 10 ${LOG}`],
  [`head -n 0 ${LOG}`],
  [`tail -n 2 ${LOG}`],
  [`tail -2 ${LOG}`],
  [`tail -n +11 ${LOG}`],
  [`tail -c 15 ${LOG}`],
  [`tail -c +700 ${LOG}`],
  [`tail -n 0 ${LOG}`],
  [`tail -n 1 ${BARE}`],
  [`tail -c 3 ${BARE}`],
  [`wc -c ${LOG}`],
  [`wc -l ${BARE}`],
  [`wc -w ${BARE}`],
  [`tail -n 5 ${LOG} | tail -c 40`],
  [`cat ${LOG} | wc -l`],
  [`cat '${LOG}' "${BARE}" | head -c 20 | wc -c`],
  [`wc -c ${LOG}`, `tail -n 2000 ${LOG} | tail -c 23000`],
  [`tail -c 100 ${MISSING}`],
  [`head -n 1 ${MISSING}`],
  [`cat ${MISSING} ${BARE}`],
  [`wc -c ${MISSING}`],
  [`cat ${MISSING}`, `wc -l ${BARE}`],
  [`cat ${dir}`],
  ['# a comment', '', `head -n 1 ${BARE} # and another`],
];

describe("a synthetic instance's read-only shell", () => {
  after(() => rmSync(dir, { recursive: true, force: true }));

  for (const script of SCRIPTS) {
    it(`answers as sh and coreutils do: ${script.join(' ⏎ ').replaceAll(dir, '…')}`, () => {
      const real = spawnSync('/bin/sh', ['-c', script.join('\n')], {
        env: { LC_ALL: 'C.UTF-8', PATH: '/usr/bin:/bin' },
      });
      const ours = runReadOnlyScript(script, { files: simulated });
      assert.equal(
        ours.stdout.toString('hex'),
        real.stdout.toString('hex'),
        `stdout: ${real.stdout.toString()}`,
      );
      assert.equal(ours.stderr, real.stderr.toString());
      assert.equal(ours.exitCode, real.status);
    });
  }

  it('refuses another program (127) and shell syntax (2), saying why, and runs nothing of that line', () => {
    const program = runReadOnlyScript(['systemctl restart web'], { files: simulated });
    assert.equal(program.exitCode, 127);
    assert.match(
      program.stderr,
      /^sh: line 1: systemctl: not found: a synthetic instance of the local cloud runs no processes; it reads its simulated files with cat, head, tail and wc\n$/,
    );
    for (const line of [
      `cat ${LOG} > /tmp/copy`,
      `cat ${LOG}; rm -rf /`,
      `cat $HOME`,
      `cat ${dir}/*.log`,
      `cat ${LOG} || true`,
      `cat "$(id)"`,
    ]) {
      const run = runReadOnlyScript([line], { files: simulated });
      assert.equal(run.exitCode, 2, line);
      assert.equal(run.stdout.length, 0, line);
      assert.match(
        run.stderr,
        /^sh: line 1: not run: .*: a synthetic instance of the local cloud runs no processes/,
        line,
      );
    }
    const option = runReadOnlyScript([`tail -f ${LOG}`], { files: simulated });
    assert.equal(option.exitCode, 1);
    assert.match(option.stderr, /^tail: option -f is not one/);
  });
});
