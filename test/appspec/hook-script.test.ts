// tier: unit
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { checkHookScript } from '../../src/appspec/hook-script.js';
import { usersCreatedBy } from '../../src/appspec/run-as.js';
import { repoRoot } from '../cli/spawn.js';

const script = (...lines: string[]): string => ['#!/usr/bin/env bash', ...lines, ''].join('\n');
const messagesOf = (text: string): string[] =>
  checkHookScript(text).map((f) => `${f.line ?? '-'} ${f.message}`);

describe('checkHookScript', () => {
  it('accepts the ways of turning pipefail on', () => {
    for (const line of [
      'set -euo pipefail',
      'set -e -o pipefail',
      'set -Eeuxo pipefail',
      'set -o errexit -o pipefail',
    ]) {
      assert.deepEqual(messagesOf(script(line)), [], line);
    }
  });

  it('flags set flags followed by a bare pipefail, on its line', () => {
    for (const line of ['set -xeE pipefail', 'set -eu pipefail', '  set -e pipefail # strict mode']) {
      const findings = checkHookScript(script('echo start', line));
      assert.equal(findings.length, 1, line);
      assert.equal(findings[0]?.line, 3);
      assert.match(
        findings[0]?.message ?? '',
        /does not turn pipefail on: a word after the flags sets \$1 to "pipefail"/,
      );
    }
  });

  it('flags a background process only when its stdout still goes to the agent', () => {
    const flagged = ['node server.mjs &', 'node server.mjs 2>&1 &', 'nohup ./daemon &'];
    const fine = [
      'node server.mjs > /var/log/web.log 2>&1 < /dev/null &',
      'node server.mjs &>/dev/null &',
      'node server.mjs 1>/dev/null &',
      'true && echo ok',
      '# node server.mjs &',
      'wait',
    ];
    for (const line of flagged) assert.equal(checkHookScript(script(line)).length, 1, line);
    for (const line of fine) assert.deepEqual(messagesOf(script(line)), [], line);
  });

  it('says an empty script is empty, and leaves binaries alone', () => {
    assert.deepEqual(messagesOf('\n'), ['- is empty']);
    assert.deepEqual(messagesOf('\x7fELF\x02\x01\x01\r\n'), []);
  });

  it('reports the first CRLF line and the missing #! line together', () => {
    const findings = checkHookScript('echo one\necho two\r\n');
    assert.deepEqual(
      findings.map((f) => [f.severity, f.line]),
      [
        ['error', 2],
        ['error', 1],
      ],
    );
  });

  it('passes every script of hooks/', () => {
    for (const name of [
      'application-stop',
      'before-install',
      'after-install',
      'application-start',
      'validate-service',
      'before-allow-traffic',
      'before-block-traffic',
      'after-block-traffic',
    ]) {
      assert.deepEqual(messagesOf(readFileSync(`${repoRoot}hooks/${name}.sh`, 'utf8')), [], name);
    }
  });
});

describe('usersCreatedBy', () => {
  it('finds useradd and adduser targets, literal or through a variable of any script', () => {
    const users = usersCreatedBy([
      'readonly APP_USER=web\nWORKER="worker"\n',
      script(
        'id -u "$APP_USER" >/dev/null 2>&1 || useradd --system --shell /bin/sh "$APP_USER"',
        'if ! id deploy; then /usr/sbin/useradd -m deploy; fi',
        'adduser --disabled-password ${WORKER} > /dev/null',
        'useradd -m "$UNKNOWN"',
        '# useradd commented',
      ),
    ]);
    assert.deepEqual([...users].sort(), ['deploy', 'web', 'worker']);
  });

  it('sees the web user that hooks/before-install.sh creates through hooks/lib.sh', () => {
    const texts = ['lib.sh', 'before-install.sh'].map((name) =>
      readFileSync(`${repoRoot}hooks/${name}`, 'utf8'),
    );
    assert.deepEqual([...usersCreatedBy(texts)], ['web']);
  });
});
