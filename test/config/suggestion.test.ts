// tier: unit
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { closestMatch, didYouMean } from '../../src/config/suggestion.js';

describe('closestMatch', () => {
  const keys = [
    'region',
    'revision',
    'deploymentGroup',
    'deploymentConfig',
    'targetGroups',
    'bake',
    'alarms',
  ];

  it('finds the key a typo was meant to be', () => {
    assert.equal(closestMatch('regoin', keys), 'region');
    assert.equal(closestMatch('revison', keys), 'revision');
    assert.equal(closestMatch('deploymentgroup', keys), 'deploymentGroup');
    assert.equal(closestMatch('targetGroup', keys), 'targetGroups');
    assert.equal(closestMatch('alarm', keys), 'alarms');
  });

  it('suggests nothing for a word that is not close to any key', () => {
    assert.equal(closestMatch('listener', keys), undefined);
    assert.equal(closestMatch('x', keys), undefined);
    assert.equal(closestMatch('a'.repeat(200), keys), undefined);
  });

  it('words the hint for a message', () => {
    assert.equal(didYouMean('bak', keys), ' (did you mean "bake"?)');
    assert.equal(didYouMean('listener', keys), '');
  });
});
