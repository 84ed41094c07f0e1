// tier: unit
// What --verbose prints for one AWS call: service, operation, resource, answer, duration, retries.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatCall, operationOfCommand, resourceOf, serviceOfClient } from '../../src/aws/call-log.js';

describe('an AWS call as --verbose prints it', () => {
  it('names the resource a call is about, from its input', () => {
    assert.equal(resourceOf({ applicationName: 'web', deploymentGroupName: 'web-dev' }), 'web/web-dev');
    assert.equal(
      resourceOf({ applicationName: 'web', currentDeploymentGroupName: 'web-dev' }),
      'web/web-dev',
    );
    assert.equal(resourceOf({ applicationName: 'web' }), 'web');
    assert.equal(resourceOf({ deploymentId: 'd-ABCDEFGHI' }), 'd-ABCDEFGHI');
    assert.equal(resourceOf({ Bucket: 'revisions', Key: 'web/a.zip' }), 's3://revisions/web/a.zip');
    assert.equal(resourceOf({ AutoScalingGroupNames: ['a', 'b', 'c', 'd'] }), 'a,b,c,… (4)');
    assert.equal(
      resourceOf({
        TargetGroupArn:
          'arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/web-dev-tg/0123456789abcdef',
      }),
      'targetgroup/web-dev-tg',
    );
    assert.equal(resourceOf({ AlarmNames: ['web-dev-5xx'] }), 'web-dev-5xx');
    assert.equal(resourceOf({}), undefined);
    assert.equal(resourceOf(undefined), undefined);
  });

  it('service and operation from the SDK’s client and command names', () => {
    assert.equal(serviceOfClient('ElasticLoadBalancingV2Client'), 'elasticloadbalancing');
    assert.equal(serviceOfClient('STSClient'), 'sts');
    assert.equal(serviceOfClient('SomethingNewClient'), 'somethingnew');
    assert.equal(operationOfCommand('GetDeploymentGroupCommand'), 'GetDeploymentGroup');
  });

  it('one line: answer, duration and retries', () => {
    assert.equal(
      formatCall({
        service: 'codedeploy',
        operation: 'GetDeploymentGroup',
        resource: 'web/web-dev',
        status: 200,
        durationMs: 34.4,
        retries: 0,
      }),
      'aws codedeploy GetDeploymentGroup web/web-dev → 200 (34 ms)',
    );
    assert.equal(
      formatCall({
        service: 'autoscaling',
        operation: 'DescribeAutoScalingGroups',
        status: 400,
        error: 'Throttling',
        durationMs: 1234,
        retries: 2,
      }),
      'aws autoscaling DescribeAutoScalingGroups → 400 Throttling (1.2 s, 2 retries)',
    );
    assert.match(
      formatCall({
        service: 'sts',
        operation: 'GetCallerIdentity',
        error: 'ECONNREFUSED',
        durationMs: 3,
        retries: 1,
      }),
      /→ no answer ECONNREFUSED \(3 ms, 1 retry\)$/,
    );
  });
});
