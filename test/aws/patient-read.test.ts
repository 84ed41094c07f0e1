// tier: unit
// The patient reader is pure given its clock and the call it repeats: errors shaped as the SDK
// throws them (name and $metadata), a clock the test advances, outcomes asserted.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AwsOperationError } from '../../src/aws/errors.js';
import { isWeather, patientRead } from '../../src/aws/patient-read.js';
import type { Clock } from '../../src/clock.js';

/** A clock whose sleeps return at once and move its time forward by what they were asked. */
function steppingClock(start = 0): Clock & { slept: number[] } {
  let now = start;
  const slept: number[] = [];
  return {
    slept,
    now: () => now,
    sleep: (ms, signal) => {
      if (signal?.aborted) return Promise.reject(new Error('aborted'));
      slept.push(ms);
      now += ms;
      return Promise.resolve();
    },
  };
}

const sdkError = (name: string, status: number) =>
  Object.assign(new Error(`${name} from the service`), { name, $metadata: { httpStatusCode: status } });

describe('patient reads', () => {
  it('throttling, 5xx and dropped connections are weather; denied, not found and bad requests are not', () => {
    assert.ok(isWeather(sdkError('ThrottlingException', 400)));
    assert.ok(isWeather(sdkError('RequestLimitExceeded', 503)));
    assert.ok(isWeather(sdkError('InternalFailure', 500)));
    assert.ok(isWeather(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' })));
    assert.ok(!isWeather(sdkError('AccessDeniedException', 400)));
    assert.ok(!isWeather(sdkError('DeploymentDoesNotExistException', 400)));
    assert.ok(!isWeather(sdkError('ValidationException', 400)));
  });

  it('keeps repeating a throttled read until it answers, with growing, capped waits', async () => {
    const clock = steppingClock();
    const read = patientRead({ clock, deadline: 10 * 60_000, random: () => 0.999 });
    let calls = 0;
    const answer = await read('GetDeployment', 'd-1', () => {
      calls++;
      return calls < 12 ? Promise.reject(sdkError('ThrottlingException', 400)) : Promise.resolve('ok');
    });
    assert.equal(answer, 'ok');
    assert.equal(calls, 12);
    assert.deepEqual(clock.slept.slice(0, 3).map(Math.round), [250, 500, 1000]);
    assert.ok(clock.slept.every((ms) => ms <= 8_000));
  });

  it('gives up at the deadline with an error naming the operation, the resource and how long it tried', async () => {
    const clock = steppingClock();
    const read = patientRead({ clock, deadline: 30_000, random: () => 0.5 });
    await assert.rejects(
      read('DescribeTargetHealth', 'web-dev-tg', () => Promise.reject(sdkError('Throttling', 400))),
      (error: unknown) => {
        assert.ok(error instanceof AwsOperationError);
        assert.equal(error.exitCode, 3);
        assert.match(error.message, /DescribeTargetHealth on web-dev-tg failed: Throttling/);
        assert.match(error.message, /kept retrying this read for \d+s, \d+ rounds/);
        return true;
      },
    );
    assert.ok(clock.now() < 30_000, 'no sleep goes past the deadline');
  });

  it('an error that is not weather fails at once', async () => {
    const clock = steppingClock();
    const read = patientRead({ clock, deadline: 60_000 });
    let calls = 0;
    await assert.rejects(
      read('GetDeploymentGroup', 'web/web-dev', () => {
        calls++;
        return Promise.reject(sdkError('AccessDeniedException', 400));
      }),
      /GetDeploymentGroup on web\/web-dev failed: AccessDeniedException/,
    );
    assert.equal(calls, 1);
  });

  it('SIGTERM ends a patient read with exit 143', async () => {
    const clock = steppingClock();
    const controller = new AbortController();
    const read = patientRead({ clock, deadline: 60_000, signal: controller.signal });
    await assert.rejects(
      read('GetDeployment', 'd-1', () => {
        controller.abort('SIGTERM');
        return Promise.reject(sdkError('ThrottlingException', 400));
      }),
      (error: unknown) => (error as { exitCode?: number }).exitCode === 143,
    );
  });
});
