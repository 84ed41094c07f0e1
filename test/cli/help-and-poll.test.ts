// tier: unit
// Help speaks in durations (`(default: 15s)`, never milliseconds) and says each default once; the
// poll interval follows the endpoint: AWS's 15 s, a second against a local cloud in real time.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { systemClock, type Clock } from '../../src/clock.js';
import {
  AWS_POLL_MS,
  LOCAL_POLL_MS,
  commandPollMs,
  isLocalEndpoint,
  pollMs,
} from '../../src/cli/commands/arguments.js';
import { runCli } from '../../src/cli/run.js';

async function help(argv: string[]): Promise<string> {
  let out = '';
  const code = await runCli([...argv, '--help'], {
    stdout: { write: (s: string) => (out += s) },
    stderr: { write: (s: string) => (out += s) },
    env: {},
    cwd: process.cwd(),
    signal: new AbortController().signal,
  });
  assert.equal(code, 0);
  return out;
}

const COMMANDS = [
  ['deploy'],
  ['wait'],
  ['verify'],
  ['rollback'],
  ['gate'],
  ['status'],
  ['preflight'],
  ['init'],
  ['group', 'plan'],
  ['group', 'apply'],
  ['hooks', 'run'],
  ['sam', 'deploy'],
  ['localcloud'],
  ['demo'],
];

/** Each option's whole help entry, continuation lines joined. */
function entries(text: string): string[] {
  const out: string[] = [];
  for (const line of text.split('\n')) {
    if (/^ {2}-/.test(line)) out.push(line.trim());
    else if (/^ {4,}\S/.test(line) && out.length > 0) out[out.length - 1] += ` ${line.trim()}`;
  }
  return out;
}

describe('help', () => {
  for (const argv of COMMANDS) {
    it(`${argv.join(' ')}: durations in units, each default said once, no empty-list default`, async () => {
      const text = await help(argv);
      for (const entry of entries(text)) {
        if (!entry.startsWith('--port')) {
          assert.doesNotMatch(entry, /default: \d{4,}\)/, `milliseconds in help: ${entry}`);
        }
        if (/<duration>/.test(entry)) assert.doesNotMatch(entry, /default: \d+\)/, entry);
        assert.doesNotMatch(entry, /default: \[\]/, entry);
        assert.ok((entry.match(/default/g) ?? []).length <= 1, `two defaults: ${entry}`);
      }
    });
  }

  it('deploy --help says the poll and busy-timeout defaults in words', async () => {
    const text = entries(await help(['deploy'])).join('\n');
    assert.match(text, /--poll <duration> .*\(default: 15s; 1s against a local cloud\)/);
    assert.match(text, /--busy-timeout <duration> .*\(default: 1h\)/);
  });

  it('hooks run --event names its default events once', async () => {
    const event = entries(await help(['hooks', 'run'])).find((e) => e.startsWith('--event')) ?? '';
    assert.match(event, /default: ApplicationStop, BeforeInstall/);
    assert.equal(event.match(/default/g)?.length, 1);
  });
});

describe('the poll interval', () => {
  const local = { AWS_ENDPOINT_URL: 'http://127.0.0.1:4566' };
  const virtual: Clock = { now: () => 0, sleep: () => Promise.resolve() };

  it('is short against a local cloud in real time, AWS’s 15 s otherwise', () => {
    assert.equal(pollMs(undefined, { env: local, realTime: true }), LOCAL_POLL_MS);
    assert.equal(
      pollMs(undefined, { env: { AWS_ENDPOINT_URL: 'http://localhost:4566' }, realTime: true }),
      1_000,
    );
    assert.equal(pollMs(undefined, { env: {}, realTime: true }), AWS_POLL_MS);
    assert.equal(
      pollMs(undefined, {
        env: { AWS_ENDPOINT_URL: 'https://codedeploy.us-east-1.amazonaws.com' },
        realTime: true,
      }),
      15_000,
    );
  });

  it('--poll always wins', () => {
    assert.equal(pollMs(30_000, { env: local, realTime: true }), 30_000);
    assert.equal(pollMs(500, { env: {}, realTime: true }), 500);
  });

  it('on a virtual clock (AWS time already) it stays 15 s, so tests keep their call counts', () => {
    assert.equal(commandPollMs(undefined, { env: local, clock: virtual }), AWS_POLL_MS);
    assert.equal(commandPollMs(undefined, { env: local, clock: systemClock }), LOCAL_POLL_MS);
  });

  it('knows loopback endpoints, including CodeDeploy’s own variable', () => {
    assert.equal(isLocalEndpoint({ AWS_ENDPOINT_URL: 'http://[::1]:4566' }), true);
    assert.equal(isLocalEndpoint({ AWS_ENDPOINT_URL: 'http://127.0.0.2:80' }), true);
    assert.equal(isLocalEndpoint({ AWS_ENDPOINT_URL_CODEDEPLOY: 'http://localhost:1' }), true);
    assert.equal(isLocalEndpoint({ AWS_ENDPOINT_URL: 'http://127.example.com' }), false);
    assert.equal(isLocalEndpoint({ AWS_ENDPOINT_URL: 'not a url' }), false);
  });
});
