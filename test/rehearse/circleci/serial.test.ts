// tier: unit
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SerialGroups, type SerialRequest } from '../../../src/rehearse/circleci/index.js';

const KEY = 'gh/example/greenlight/deploy-dev';
const job = (pipeline: number, name: string, unit = name): SerialRequest => ({
  pipeline,
  job: name,
  serialGroup: KEY,
  unit,
});

describe("CircleCI's serial groups across pipelines", () => {
  it('runs a job without a serial group at once', () => {
    const groups = new SerialGroups();
    assert.equal(groups.request({ pipeline: 1, job: 't', serialGroup: undefined, unit: 't' }).kind, 'start');
  });

  it("one job at a time: a newer pipeline's job that waits makes the older pipeline's next job of the group not run", () => {
    const groups = new SerialGroups();
    assert.equal(groups.request(job(1, 'code_deploy_dev')).kind, 'start');
    // Pipeline 2 is pushed while pipeline 1 deploys: its first job of the group queues.
    groups.queueIfHeld(job(2, 'sam_deploy_dev'));
    assert.deepEqual(groups.request(job(2, 'sam_deploy_dev')), {
      kind: 'wait',
      behind: "pipeline 1's code_deploy_dev",
    });
    groups.release(1, 'code_deploy_dev');
    const gate = groups.request(job(1, 'gate_dev'));
    assert.equal(gate.kind, 'skip');
    assert.match(
      gate.kind === 'skip' ? gate.reason : '',
      /pipeline 2's sam_deploy_dev, of a newer pipeline, waits/,
    );
    assert.equal(groups.request(job(2, 'sam_deploy_dev')).kind, 'start');
  });

  it('a job group holds the lock from its first job to its last: the newer pipeline waits, the older one finishes', () => {
    const groups = new SerialGroups();
    assert.equal(groups.request(job(1, 'sam_deploy_dev', 'deliver_dev')).kind, 'start');
    groups.release(1, 'sam_deploy_dev'); // a job of the group ended: not the unit
    assert.equal(groups.request(job(1, 'code_deploy_dev', 'deliver_dev')).kind, 'start');
    groups.queueIfHeld(job(2, 'sam_deploy_dev', 'deliver_dev'));
    assert.equal(groups.request(job(1, 'gate_dev', 'deliver_dev')).kind, 'start');
    assert.equal(groups.request(job(2, 'sam_deploy_dev', 'deliver_dev')).kind, 'wait');
    groups.release(1, 'deliver_dev');
    assert.equal(groups.request(job(2, 'sam_deploy_dev', 'deliver_dev')).kind, 'start');
    assert.equal(groups.request(job(2, 'code_deploy_dev', 'deliver_dev')).kind, 'start');
  });

  it('first in, first out among waiters, and the newest pipeline wins over an older waiter', () => {
    const groups = new SerialGroups();
    assert.equal(groups.request(job(3, 'a')).kind, 'start');
    groups.queueIfHeld(job(4, 'b'));
    groups.queueIfHeld(job(5, 'c'));
    assert.deepEqual(groups.request(job(5, 'c')), { kind: 'wait', behind: "pipeline 3's a" });
    groups.release(3, 'a');
    // Pipeline 4's job is older than pipeline 5's, which waits: it is skipped, not run after it.
    assert.equal(groups.request(job(4, 'b')).kind, 'skip');
    assert.equal(groups.request(job(5, 'c')).kind, 'start');
    // A newer job that arrives while an older one holds still waits its turn.
    groups.queueIfHeld(job(6, 'd'));
    assert.equal(groups.request(job(6, 'd')).kind, 'wait');
  });
});
