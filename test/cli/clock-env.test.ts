// tier: unit
// GREENLIGHT_CLOCK: its value read strictly, the accelerated Clock it gives (the same instant the
// local cloud computes from the same anchors; sleeps shortened by the scale, abortable), and its
// refusal whenever an AWS endpoint is not on this machine — against AWS it would pass a bake early.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { acceleratedClock, parseClockSpec, systemClock, type Clock } from '../../src/clock.js';
import { clockFromEnvironment } from '../../src/cli/clock-env.js';
import { readEnvOverrides } from '../../src/config/overrides.js';
import { UsageError } from '../../src/exit-codes.js';

const WALL = Date.parse('2026-12-05T10:00:00Z');
const VIRTUAL = Date.parse('2031-01-01T00:00:00Z');
const VALUE = `accelerated:600:${VIRTUAL}:${WALL}`;
const LOCAL = { AWS_ENDPOINT_URL: 'http://127.0.0.1:4566' };

interface HandWall extends Clock {
  ms: number;
  readonly sleeps: { ms: number; signal?: AbortSignal; wake: () => void }[];
}

/** A wall the test moves; its sleeps are recorded and end when the test says. */
function handWall(): HandWall {
  const wall: HandWall = {
    ms: WALL,
    sleeps: [],
    now: () => wall.ms,
    sleep: (ms, signal) =>
      new Promise<void>((resolve, reject) => {
        signal?.addEventListener('abort', () => reject(signal.reason as Error), { once: true });
        wall.sleeps.push({ ms, ...(signal ? { signal } : {}), wake: resolve });
      }),
  };
  return wall;
}

function usageError(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    assert.ok(error instanceof UsageError, `expected a UsageError, got ${String(error)}`);
    assert.equal(error.exitCode, 2);
    return error.message;
  }
  assert.fail('expected a UsageError');
}

describe('GREENLIGHT_CLOCK', () => {
  it('reads mode, scale and anchors', () => {
    assert.deepEqual(parseClockSpec(VALUE), {
      mode: 'accelerated',
      timeScale: 600,
      virtualEpochMs: VIRTUAL,
      wallEpochMs: WALL,
    });
    assert.equal(parseClockSpec('accelerated:0.5:0:0').timeScale, 0.5);
  });

  it('refuses a malformed value, naming the variable, the value and the format', () => {
    const format = /expected accelerated:<time scale>:<virtual epoch ms>:<wall epoch ms>/;
    for (const [value, why] of [
      ['scaled:60:1:2', /unknown mode "scaled"/],
      ['accelerated:60:1', /expected 4 fields, got 3/],
      ['accelerated:0:1:2', /the time scale "0" is not valid/],
      ['accelerated:fast:1:2', /the time scale "fast" is not valid/],
      ['accelerated:60::2', /the virtual epoch "" is not valid/],
      ['accelerated:60:1:yesterday', /the wall epoch "yesterday" is not valid/],
    ] as const) {
      const message = usageError(() => parseClockSpec(value));
      assert.match(message, new RegExp(`^GREENLIGHT_CLOCK "${value}": `));
      assert.match(message, why);
      assert.match(message, format);
    }
  });

  it('computes the virtual instant from the wall, as the local cloud does', () => {
    const wall = handWall();
    const clock = acceleratedClock(parseClockSpec(VALUE), wall);
    assert.equal(clock.now(), VIRTUAL);
    wall.ms += 3000; // three wall seconds: half an hour at 600×
    assert.equal(new Date(clock.now()).toISOString(), '2031-01-01T00:30:00.000Z');
  });

  it('sleeps ms / scale of the wall, and an abort ends the sleep', async () => {
    const wall = handWall();
    const clock = acceleratedClock(parseClockSpec(VALUE), wall);
    const bake = clock.sleep(30 * 60_000);
    assert.equal(wall.sleeps[0]?.ms, 3000);
    wall.sleeps[0]?.wake();
    await bake;
    const controller = new AbortController();
    const aborted = clock.sleep(15_000, controller.signal);
    assert.equal(wall.sleeps[1]?.ms, 25);
    assert.equal(wall.sleeps[1]?.signal, controller.signal);
    controller.abort(new Error('SIGTERM'));
    await assert.rejects(aborted, /SIGTERM/);
    // On the system clock too: an aborted signal ends the sleep at once.
    const system = acceleratedClock(parseClockSpec(VALUE), systemClock);
    await assert.rejects(system.sleep(60 * 60_000, AbortSignal.abort()), { name: 'AbortError' });
  });

  it('is off when unset or empty', () => {
    assert.equal(clockFromEnvironment(LOCAL), undefined);
    assert.equal(clockFromEnvironment({ ...LOCAL, GREENLIGHT_CLOCK: '' }), undefined);
  });

  it('is not reported as an unknown GREENLIGHT_* override', () => {
    const read = readEnvOverrides({ GREENLIGHT_CLOCK: VALUE, GREENLIGHT_ENVV: 'dev' });
    assert.deepEqual(read.ignored, ['GREENLIGHT_ENVV']);
  });

  it('gives the accelerated clock when every endpoint is loopback: 127.0.0.1, ::1, localhost', () => {
    const wall = handWall();
    for (const url of ['http://127.0.0.1:4566', 'http://[::1]:4566', 'http://localhost:4566']) {
      const clock = clockFromEnvironment({ AWS_ENDPOINT_URL: url, GREENLIGHT_CLOCK: VALUE }, wall);
      assert.equal(clock?.now(), VIRTUAL, url);
    }
    const perService = clockFromEnvironment(
      {
        GREENLIGHT_CLOCK: VALUE,
        AWS_ENDPOINT_URL: 'http://127.0.0.1:4566',
        AWS_ENDPOINT_URL_S3: 'http://localhost:9000',
      },
      wall,
    );
    assert.ok(perService);
  });

  it('refuses (exit 2) when any service would call AWS or another machine', () => {
    const refusals = [
      [{}, /but codedeploy would call AWS itself \(no endpoint is configured\)/],
      [
        { AWS_ENDPOINT_URL: 'https://codedeploy.us-east-1.amazonaws.com' },
        /codedeploy would call https:\/\/codedeploy/,
      ],
      [{ AWS_ENDPOINT_URL: 'http://10.0.0.5:4566' }, /codedeploy would call http:\/\/10\.0\.0\.5:4566/],
      [
        { ...LOCAL, AWS_ENDPOINT_URL_STS: 'https://sts.amazonaws.com' },
        /sts would call https:\/\/sts\.amazonaws\.com/,
      ],
      [{ ...LOCAL, AWS_IGNORE_CONFIGURED_ENDPOINT_URLS: 'true' }, /codedeploy would call AWS itself/],
    ] as const;
    for (const [env, why] of refusals) {
      const message = usageError(() => clockFromEnvironment({ ...env, GREENLIGHT_CLOCK: VALUE }));
      assert.match(message, /^GREENLIGHT_CLOCK is set \(AWS time 600× faster than the wall clock\)/);
      assert.match(message, why);
      assert.match(message, /against AWS a 30-minute bake would pass in seconds/);
      assert.match(message, /or unset GREENLIGHT_CLOCK$/);
    }
  });
});
