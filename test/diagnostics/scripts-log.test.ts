// tier: unit
// The pure parts of reading a failed instance's scripts.log: the commands sent (the file's size, then
// its end, bounded in lines and bytes on the instance), their output read back (whole, or an end
// that starts with a whole line), how each outcome is said in the CI log, and greenlight.yml's
// `diagnostics` with its bounds.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadConfig } from '../../src/config/load.js';
import { parseReadOutput, readCommands, scriptsLogPath } from '../../src/diagnostics/scripts-log.js';
import { formatEvent } from '../../src/log/format.js';
import { configText, rejection, sampleEnvironment } from '../config/sample.js';

const PATH = scriptsLogPath('0f0e0d0c-0b0a-4909-8807-060504030201', 'd-ABCDEFGHI');

describe('scripts.log through SSM Run Command', () => {
  it('is read where the agent keeps it: the size, then the end, bounded on the instance', () => {
    assert.equal(
      PATH,
      '/opt/codedeploy-agent/deployment-root/0f0e0d0c-0b0a-4909-8807-060504030201/d-ABCDEFGHI/logs/scripts.log',
    );
    assert.deepEqual(readCommands(PATH, 2000, 23000), [
      `wc -c '${PATH}'`,
      `tail -n 2000 '${PATH}' | tail -c 23000`,
    ]);
  });

  it('reads the output back: a whole file, and an end cut in a line, which starts at the next one', () => {
    const log = '2031-01-01 00:00:00 LifecycleEvent - AfterInstall\n2031-01-01 00:00:00 [stdout]done\n';
    assert.deepEqual(parseReadOutput(`${Buffer.byteLength(log)} ${PATH}\n${log}`, 23000), {
      bytes: Buffer.byteLength(log),
      text: log,
      whole: true,
    });
    const cut = 'Event - AfterInstall\n2031-01-01 00:00:00 [stdout]done\n';
    assert.deepEqual(parseReadOutput(`90000 ${PATH}\n${cut}`, Buffer.byteLength(cut)), {
      bytes: 90000,
      text: '2031-01-01 00:00:00 [stdout]done\n',
      whole: false,
    });
    // Bounded by lines, not bytes: it starts with a whole line already.
    assert.deepEqual(parseReadOutput(`90000 ${PATH}\n${cut}`, 23000), {
      bytes: 90000,
      text: cut,
      whole: false,
    });
    assert.equal(parseReadOutput('wc: no such file', 23000), undefined);
  });

  it('says in the CI log what was read, or in one line why not', () => {
    const fetched = formatEvent({
      kind: 'instance-log',
      deploymentId: 'd-ABCDEFGHI',
      instanceId: 'i-0123456789abcdef0',
      status: 'fetched',
      path: PATH,
      text: 'first\nlast\n',
      bytes: 11,
      whole: true,
    });
    assert.deepEqual(fetched.split('\n'), [
      `  scripts.log of i-0123456789abcdef0 (${PATH}), the whole file, 11 bytes, through SSM Run Command:`,
      '    first',
      '    last',
    ]);
    const cut = formatEvent({
      kind: 'instance-log',
      deploymentId: 'd-ABCDEFGHI',
      instanceId: 'i-0123456789abcdef0',
      status: 'fetched',
      path: PATH,
      text: 'last\n',
      bytes: 90000,
      whole: false,
    });
    assert.match(cut, /its last 5 of 90,000 bytes \(diagnostics\.maxLines, maxBytes\)/);
    assert.equal(
      formatEvent({
        kind: 'instance-log',
        deploymentId: 'd-ABCDEFGHI',
        instanceId: 'i-0123456789abcdef0',
        status: 'not-registered',
        path: PATH,
        reason: 'its SSM Agent is not registered',
      }),
      '  scripts.log of i-0123456789abcdef0 not read (not-registered): its SSM Agent is not registered',
    );
  });

  it("greenlight.yml's diagnostics: off by default, bounded by what one SSM answer carries", () => {
    const off = loadConfig({ path: 'g.yml', text: configText(sampleEnvironment()) }).environments.get('dev');
    assert.deepEqual(off?.diagnostics, {
      fetchLogs: false,
      maxLines: 2000,
      maxBytes: 23000,
      timeoutMs: 120_000,
    });
    const on = loadConfig({
      path: 'g.yml',
      text: configText({
        ...sampleEnvironment(),
        diagnostics: { fetchLogs: true, maxLines: 300, timeout: '30s' },
      }),
    }).environments.get('dev');
    assert.deepEqual(on?.diagnostics, { fetchLogs: true, maxLines: 300, maxBytes: 23000, timeoutMs: 30_000 });
    const tooMuch = rejection(() =>
      loadConfig({
        path: 'g.yml',
        text: configText({ ...sampleEnvironment(), diagnostics: { fetchLogs: true, maxBytes: 100000 } }),
      }),
    );
    assert.match(
      tooMuch.message,
      /environments\.dev\.diagnostics\.maxBytes: expected at most 23000 bytes: SSM returns the first 24,000 characters/,
    );
    const typo = rejection(() =>
      loadConfig({
        path: 'g.yml',
        text: configText({ ...sampleEnvironment(), diagnostics: { fetchLog: true } }),
      }),
    );
    assert.match(typo.message, /diagnostics\.fetchLog: unknown key/);
  });
});
