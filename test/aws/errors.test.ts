// tier: unit
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  AwsConfigurationError,
  AwsOperationError,
  NO_REGION,
  awsCall,
  classifyAwsError,
  noCredentialsError,
} from '../../src/aws/errors.js';

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

  it('a call made without a region or credentials says what to set, and exits 2 (configuration), not 3', () => {
    const region = new AwsOperationError(
      'GetDeploymentGroup',
      'web/web-dev',
      new AwsConfigurationError(NO_REGION, 'no region', { cause: new Error('Region is missing') }),
    );
    assert.equal(region.exitCode, 2);
    assert.equal(region.message, NO_REGION);
    assert.doesNotMatch(region.message, /Region is missing/);

    const chain = Object.assign(new Error('Could not load credentials from any providers'), {
      name: 'CredentialsProviderError',
    });
    const none = new AwsOperationError('GetApplication', 'web', noCredentialsError(chain, { env: {} }));
    assert.equal(none.exitCode, 2);
    assert.match(
      none.message,
      /^no AWS credentials: the SDK looked for AWS_ACCESS_KEY_ID\/AWS_SECRET_ACCESS_KEY/,
    );
    assert.match(none.message, /web identity token \(AWS_WEB_IDENTITY_TOKEN_FILE/);
    assert.match(none.message, /instance metadata/);
    assert.match(none.message, /set AWS_PROFILE \(or pass --profile\)/);
    assert.match(none.message, /aws sso login/);
    assert.doesNotMatch(none.message, /CredentialsProviderError/);

    const expired = Object.assign(new Error('The SSO session associated with this profile has expired'), {
      name: 'CredentialsProviderError',
    });
    const sso = noCredentialsError(expired, {
      env: { AWS_PROFILE: 'dev', AWS_EC2_METADATA_DISABLED: 'true' },
    });
    assert.equal(sso.exitCode, 2);
    assert.match(
      sso.message,
      /^no AWS credentials from profile dev \(the SDK said: The SSO session .* expired\)/,
    );
    assert.match(sso.message, /aws sso login --profile dev/);
  });

  it('access denied names the IAM action, the resource and the principal that was refused', () => {
    const refused = Object.assign(sdkError('AccessDeniedException', 400), {
      $greenlight: {
        action: 'codedeploy:GetDeploymentGroup',
        principal: 'arn:aws:sts::123456789012:assumed-role/deploy/circleci-1',
        account: '123456789012',
      },
    });
    const error = new AwsOperationError('GetDeploymentGroup', 'web/web-dev', refused);
    assert.equal(error.exitCode, 3);
    assert.match(
      error.message,
      /^GetDeploymentGroup on web\/web-dev failed: AccessDeniedException: .*; arn:aws:sts::123456789012:assumed-role\/deploy\/circleci-1 may not call codedeploy:GetDeploymentGroup on web\/web-dev: allow codedeploy:GetDeploymentGroup/,
    );
    const unknown = new AwsOperationError('GetApplication', 'web', sdkError('AccessDeniedException', 400));
    assert.match(
      unknown.message,
      /the caller \(GetCallerIdentity could not say who\) may not call GetApplication on web/,
    );
  });
});
