// tier: unit
// A deployment group's ARN, which CodeDeploy does not return: built in the service role's partition
// and account (issue 17: `arn:aws:` was hard-coded, wrong in China and GovCloud).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { groupArnFrom } from '../../src/codedeploy/group-tags.js';

const group = { application: 'web', deploymentGroup: 'web-prod' };

describe('groupArnFrom', () => {
  it('takes the partition and the account from the service role', () => {
    assert.equal(
      groupArnFrom('arn:aws:iam::123456789012:role/web-prod-codedeploy', 'us-east-1', group),
      'arn:aws:codedeploy:us-east-1:123456789012:deploymentgroup:web/web-prod',
    );
    assert.equal(
      groupArnFrom('arn:aws-cn:iam::210987654321:role/web-prod-codedeploy', 'cn-north-1', group),
      'arn:aws-cn:codedeploy:cn-north-1:210987654321:deploymentgroup:web/web-prod',
    );
    assert.equal(
      groupArnFrom('arn:aws-us-gov:iam::111122223333:role/r', 'us-gov-west-1', group),
      'arn:aws-us-gov:codedeploy:us-gov-west-1:111122223333:deploymentgroup:web/web-prod',
    );
  });
});
