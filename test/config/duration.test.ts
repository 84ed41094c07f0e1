// tier: unit
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { formatDuration, parseDuration } from '../../src/config/duration.js';
import { ConfigError } from '../../src/config/errors.js';

describe('parseDuration', () => {
  const good: [string, number][] = [
    ['90s', 90_000],
    ['10m', 600_000],
    ['1h30m', 5_400_000],
    ['2h', 7_200_000],
    ['500ms', 500],
    ['0s', 0],
    ['1m30s', 90_000],
    ['1s500ms', 1_500],
    ['1h2m3s4ms', 3_723_004],
    [' 5m ', 300_000],
    ['48h', 172_800_000],
  ];
  for (const [text, ms] of good) {
    it(`reads ${JSON.stringify(text)} as ${ms} ms`, () => {
      assert.equal(parseDuration(text), ms);
    });
  }

  const bad: [string, RegExp][] = [
    ['', /is not a duration/],
    ['90', /add a unit: 90s or 90m/],
    ['10x', /"10x" is not a duration: expected like 90s, 10m, 1h30m, 2h or 500ms/],
    ['1.5h', /not a duration/],
    ['-5m', /not a duration/],
    ['30m1h', /not a duration/],
    ['1h 30m', /not a duration/],
    ['5mm', /not a duration/],
    ['m', /not a duration/],
    ['ten minutes', /not a duration/],
    ['1e3s', /not a duration/],
    ['99999999999999999999h', /too long a duration/],
  ];
  for (const [text, message] of bad) {
    it(`rejects ${JSON.stringify(text)} with a ConfigError`, () => {
      assert.throws(
        () => parseDuration(text),
        (error: unknown) =>
          error instanceof ConfigError && error.exitCode === 2 && message.test(error.message),
      );
    });
  }
});

describe('formatDuration', () => {
  const cases: [number, string][] = [
    [0, '0s'],
    [500, '500ms'],
    [90_000, '1m30s'],
    [600_000, '10m'],
    [5_400_000, '1h30m'],
    [7_200_000, '2h'],
    [1_500, '1s500ms'],
  ];
  for (const [ms, text] of cases) {
    it(`writes ${ms} ms as ${text}`, () => {
      assert.equal(formatDuration(ms), text);
    });
  }

  it('rejects negative and fractional milliseconds', () => {
    assert.throws(() => formatDuration(-1), RangeError);
    assert.throws(() => formatDuration(1.5), RangeError);
    assert.throws(() => formatDuration(Number.NaN), RangeError);
  });

  it('is read back by parseDuration as the same number of milliseconds', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 10 * 365 * 24 * 3_600_000 }), (ms) => {
        assert.equal(parseDuration(formatDuration(ms)), ms);
      }),
      { seed: 42, numRuns: 300 },
    );
  });
});
