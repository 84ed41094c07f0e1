// tier: unit
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AwsOperationError, awsCall, classifyAwsError } from '../../src/aws/errors.js';

function sdkError(name: string, status = 400, attempts = 1): Error {
  return Object.assign(new Error(`${name} happened`), {
    name,
    $metadata: { httpStatusCode: status, attempts },
  });
}

describe('classifyAwsError', () => {
  const table: [string, number, ReturnType<typeof classifyAwsError>][] = [
    ['DeploymentGroupDoesNotExistException', 400, 'not-found'],
    ['ApplicationDoesNotExistException', 400, 'not-found'],
    ['TargetGroupNotFound', 400, 'not-found'],
    ['InvalidInstanceID.NotFound', 400, 'not-found'],
    ['ThrottlingException', 400, 'throttled'],
    ['Throttling', 400, 'throttled'],
    ['RequestLimitExceeded', 503, 'throttled'],
    ['DeploymentGroupAlreadyExistsException', 400, 'conflict'],
    ['DeploymentLimitExceededException', 400, 'conflict'],
    ['AlreadyExists', 400, 'conflict'],
    ['AccessDeniedException', 400, 'denied'],
    ['UnauthorizedOperation', 403, 'denied'],
    ['InvalidRoleException', 400, 'denied'],
    ['ValidationError', 400, 'validation'],
    ['InvalidDeploymentGroupNameException', 400, 'validation'],
    ['SomethingNew', 404, 'not-found'],
    ['SomethingElse', 500, 'other'],
  ];
  for (const [name, status, expected] of table) {
    it(`${name} (${status}) is ${expected}`, () =>
      assert.equal(classifyAwsError(sdkError(name, status)), expected));
  }

  it('Node network errors are network errors', () => {
    const e = Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
    assert.equal(classifyAwsError(e), 'network');
  });

  it('access denied is never taken for "does not exist"', () => {
    assert.notEqual(classifyAwsError(sdkError('AccessDeniedException', 400)), 'not-found');
  });
});

describe('AwsOperationError', () => {
  it('names the operation, the resource, the code, the attempts and what to do; exit 3', async () => {
    await assert.rejects(
      awsCall('GetDeploymentGroup', 'web/web-dev', () =>
        Promise.reject(sdkError('ThrottlingException', 400, 5)),
      ),
      (error: unknown) => {
        assert.ok(error instanceof AwsOperationError);
        assert.equal(error.exitCode, 3);
        assert.equal(error.errorClass, 'throttled');
        assert.match(
          error.message,
          /^GetDeploymentGroup on web\/web-dev failed: ThrottlingException: ThrottlingException happened \(after 5 attempts\); AWS kept throttling/,
        );
        return true;
      },
    );
  });
});
