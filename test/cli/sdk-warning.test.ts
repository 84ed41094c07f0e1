// tier: e2e
// The AWS SDK's NodeVersionSupportWarning (9 lines on Node 20) is not printed by greenlight: its
// entry point sets the SDK's own switch unless the user set it (README: "Node.js 20 and the AWS SDK's
// notice").
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { greenlight } from './spawn.js';

// A command that builds SDK clients and calls AWS: against a closed loopback port it fails with exit 3
// after the SDK's retries, without reaching any real AWS.
const env = {
  AWS_ENDPOINT_URL: 'http://127.0.0.1:9',
  AWS_REGION: 'us-east-1',
  AWS_ACCESS_KEY_ID: 'local',
  AWS_SECRET_ACCESS_KEY: 'local',
  AWS_MAX_ATTEMPTS: '1',
  AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: undefined,
};

describe('the SDK’s Node version notice', () => {
  it('is not printed by a command that builds SDK clients', async () => {
    const r = await greenlight(['status', '--env', 'dev'], { env });
    assert.notEqual(r.code, 0, 'the call fails: nothing listens there');
    assert.doesNotMatch(r.stderr, /NodeVersionSupportWarning/);
    assert.doesNotMatch(r.stderr, /AWS SDK for JavaScript/);
  });

  it('is the SDK’s to print when the user asks for it (the variable set to false)', async () => {
    const r = await greenlight(['status', '--env', 'dev'], {
      env: { ...env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'false' },
    });
    const major = Number(process.versions.node.split('.')[0]);
    const count = (r.stderr.match(/NodeVersionSupportWarning/g) ?? []).length;
    // The SDK speaks only on Node versions it is leaving behind; when it does, once per run.
    assert.ok(count <= 1, `${count} notices:\n${r.stderr}`);
    if (major < 22) assert.equal(count, 1, r.stderr);
  });
});
