// tier: unit
// The tests' one way of waiting for an outcome: the value it waited for, or a failure that names
// what it waited for and what it last saw.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { until } from './until.js';

describe('until', () => {
  it('returns the first value the condition accepts, read sync or async', async () => {
    let reads = 0;
    assert.equal(
      await until(
        () => ++reads,
        (n) => n === 3,
        'the third read',
        '1m',
        '1ms',
      ),
      3,
    );
    assert.equal(
      await until(
        () => Promise.resolve('ready'),
        (s) => s === 'ready',
        'ready',
        '1m',
      ),
      'ready',
    );
  });

  it('past its deadline fails, naming what it waited for and the last value it read', async () => {
    await assert.rejects(
      until(
        () => ({ status: 'InProgress' }),
        (d) => d.status === 'Succeeded',
        'd-1 to succeed',
        '20ms',
        '1ms',
      ),
      { message: 'gave up waiting for d-1 to succeed after 20ms; last read: {"status":"InProgress"}' },
    );
  });

  it('refuses a deadline that is not a duration', async () => {
    await assert.rejects(
      until(
        () => 1,
        () => true,
        'x',
        '100',
      ),
      /"100" is not a duration \(add a unit/,
    );
  });
});
