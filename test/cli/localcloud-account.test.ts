// tier: e2e
// `greenlight localcloud --account-id`: a bad id is the person's to fix (exit 2, saying what an
// account id is), without starting anything.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { greenlight } from './spawn.js';

describe('greenlight localcloud --account-id', () => {
  it('refuses an id that is not 12 digits with exit 2 and what an account id is', async () => {
    for (const id of ['12', 'abcdefghijkl', '1234567890123']) {
      const result = await greenlight(['localcloud', '--port', '0', '--account-id', id]);
      assert.equal(result.code, 2, result.stderr);
      assert.match(result.stderr, new RegExp(`'${id}' is invalid\\. expected an AWS account id: 12 digits`));
      assert.doesNotMatch(result.stderr, /listening on/);
    }
  });
});
