// tier: e2e
// GREENLIGHT_CLOCK reaches the greenlight process from its environment (bin/greenlight.js → main.ts →
// runCli): a malformed value, or one set while the SDK would call AWS, ends the command with exit 2
// and a message naming the variable, never a stack trace, before any AWS call.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { greenlight } from './spawn.js';

const CLOCK = `accelerated:600:${Date.parse('2031-01-01T00:00:00Z')}:${Date.parse('2026-12-05T10:00:00Z')}`;

describe('GREENLIGHT_CLOCK in a greenlight process', () => {
  it('is refused with exit 2 against AWS, and when malformed', async () => {
    const againstAws = await greenlight(['status', '--env', 'dev'], {
      env: { GREENLIGHT_CLOCK: CLOCK, AWS_REGION: 'us-east-1', AWS_ENDPOINT_URL: undefined },
    });
    assert.equal(againstAws.code, 2, againstAws.stderr);
    assert.match(
      againstAws.stderr,
      /^error: GREENLIGHT_CLOCK is set \(AWS time 600× faster than the wall clock\) but codedeploy would call AWS itself/m,
    );
    assert.doesNotMatch(againstAws.stderr, /\n\s+at /);

    const malformed = await greenlight(['status', '--env', 'dev'], {
      env: { GREENLIGHT_CLOCK: 'accelerated:fast', AWS_ENDPOINT_URL: 'http://127.0.0.1:9' },
    });
    assert.equal(malformed.code, 2, malformed.stderr);
    assert.match(malformed.stderr, /GREENLIGHT_CLOCK "accelerated:fast": expected 4 fields, got 2/);
  });
});
