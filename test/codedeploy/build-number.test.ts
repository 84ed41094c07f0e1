// tier: unit
// The build number a CI run carries, which deploy compares to refuse an older build over a newer one.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildInfoFromEnv, parseBuildNumber } from '../../src/codedeploy/deploy.js';

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
});
