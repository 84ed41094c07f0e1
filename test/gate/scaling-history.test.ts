// tier: unit
// Which of Auto Scaling's scaling activities say that a health check took an instance out of service:
// the causes AWS writes, as its documentation and its consoles show them. Reading the activities from
// the service is exercised against the local cloud in gate.test.ts.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isHealthFailureCause, terminatedInstance } from '../../src/gate/scaling-history.js';

const AT = 'At 2026-12-05T20:11:53Z';

describe("Auto Scaling's causes", () => {
  it('a health check taking an instance out of service is a failure, whichever check it was', () => {
    for (const why of [
      'an ELB system health check failure',
      'an EC2 health check indicating it has been terminated or stopped',
      'an EC2 instance status checks failure',
      'a user health-check',
      'an EBS health check failure',
      'a VPC Lattice system health check failure',
      'a health check indicating it is unhealthy, now that ReplaceUnhealthy is resumed',
    ]) {
      const cause = `${AT} an instance was taken out of service in response to ${why}.`;
      assert.equal(isHealthFailureCause(cause), true, cause);
    }
  });

  it('scaling in, a rebalance, a refresh or a person terminating an instance is not', () => {
    for (const why of [
      'a difference between desired and actual capacity, shrinking the capacity from 3 to 2',
      'an Availability Zone rebalancing',
      'an instance refresh',
      'a user request, shrinking the capacity from 3 to 2',
      'a launch lifecycle action being abandoned',
    ]) {
      const cause = `${AT} an instance was taken out of service in response to ${why}.`;
      assert.equal(isHealthFailureCause(cause), false, cause);
    }
    // A launch's cause, in the words of a scale-out.
    assert.equal(
      isHealthFailureCause(
        `${AT} an instance was started in response to a difference between desired and actual capacity, increasing the capacity from 2 to 3.`,
      ),
      false,
    );
  });

  it('names the instance of a termination, and none of a launch', () => {
    assert.equal(terminatedInstance('Terminating EC2 instance: i-0abc123def4567890'), 'i-0abc123def4567890');
    assert.equal(terminatedInstance('Launching a new EC2 instance: i-0abc123def4567890'), undefined);
    assert.equal(terminatedInstance('Launching a new EC2 instance.  Status Reason: capacity'), undefined);
  });
});
