// tier: unit
// The build number a CI run carries, which deploy compares to refuse an older build over a newer one.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  buildInfoFromEnv,
  describeDeployment,
  parseBuildNumber,
  parseDescription,
} from '../../src/codedeploy/deploy.js';

const sha = (c: string) => c.repeat(40);

describe('the build number a CI run carries', () => {
  it('is a positive whole number in digits, nothing else', () => {
    assert.equal(parseBuildNumber('12'), 12);
    assert.equal(parseBuildNumber(' 12\n'), 12);
    for (const text of [
      undefined,
      '',
      'abc',
      '0',
      '-1',
      '12.0',
      '1e3',
      '0x10',
      '12a',
      '99999999999999999999',
    ])
      assert.equal(parseBuildNumber(text), undefined, String(text));
  });

  it('outside CI a missing build number is no problem; in CI a missing or unreadable one is said', () => {
    assert.deepEqual(buildInfoFromEnv({}), {});
    assert.deepEqual(buildInfoFromEnv({ CIRCLE_BUILD_NUM: 'abc' }), {});
    assert.deepEqual(buildInfoFromEnv({ CI: 'false', CIRCLE_BUILD_NUM: 'abc' }), {});
    assert.deepEqual(buildInfoFromEnv({ CI: 'true', CIRCLE_BUILD_NUM: '12', CIRCLE_SHA1: sha('a') }), {
      commit: sha('a'),
      buildNumber: 12,
    });
    assert.deepEqual(buildInfoFromEnv({ CI: 'true', CIRCLE_BUILD_NUM: 'abc' }), {
      buildNumberProblem: 'CIRCLE_BUILD_NUM is "abc", not a build number',
    });
    assert.deepEqual(buildInfoFromEnv({ CIRCLECI: 'true' }), {
      buildNumberProblem: 'CIRCLE_BUILD_NUM is not set although CIRCLECI=true',
    });
    assert.deepEqual(buildInfoFromEnv({ CI: '1', CIRCLE_BUILD_NUM: '' }), {
      buildNumberProblem: 'CIRCLE_BUILD_NUM is not set although CI=1',
    });
  });

  it('on GitHub Actions: the run number, with the attempt and the run recorded beside it', () => {
    const github = { CI: 'true', GITHUB_ACTIONS: 'true', GITHUB_SHA: sha('b'), GITHUB_RUN_ID: '9876543210' };
    const build = buildInfoFromEnv({ ...github, GITHUB_RUN_NUMBER: '12', GITHUB_RUN_ATTEMPT: '2' });
    assert.deepEqual(build, { commit: sha('b'), buildNumber: 12, attempt: 2, workflowId: '9876543210' });
    // CircleCI's number is not GitHub's: a stray CIRCLE_BUILD_NUM in a GitHub job is not read.
    assert.deepEqual(
      buildInfoFromEnv({
        ...github,
        GITHUB_RUN_NUMBER: '12',
        GITHUB_RUN_ATTEMPT: '1',
        CIRCLE_BUILD_NUM: '900',
      }),
      { commit: sha('b'), buildNumber: 12, attempt: 1, workflowId: '9876543210' },
    );
    assert.deepEqual(
      buildInfoFromEnv({ ...github, CIRCLE_BUILD_NUM: '900' }).buildNumberProblem,
      'GITHUB_RUN_NUMBER is not set although CI=true',
    );
    assert.equal(
      buildInfoFromEnv({ ...github, GITHUB_RUN_NUMBER: 'x' }).buildNumberProblem,
      'GITHUB_RUN_NUMBER is "x", not a build number',
    );
    // The description keeps the run number where the build-order check reads it.
    const description = describeDeployment(
      { revisionType: 'GitHub', gitHubLocation: { repository: 'o/r', commitId: sha('b') } },
      build,
    );
    assert.equal(description, `greenlight revision=${sha('b')} build=12 attempt=2 workflow=9876543210`);
    assert.deepEqual(parseDescription(description), { buildNumber: 12 });
  });
});
