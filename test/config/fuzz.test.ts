// tier: unit
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { stringify } from 'yaml';
import { ConfigError } from '../../src/config/errors.js';
import { loadConfig } from '../../src/config/load.js';
import { configText, sampleEnvironment } from './sample.js';

// Fixed seeds and bounded runs: this is a regression test in `npm test`, not a fuzzing campaign.
const RUNS = { seed: 20240611, numRuns: 300 };

function onlyConfigErrors(text: string): void {
  try {
    loadConfig({ path: 'fuzz.yml', text });
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    assert.ok(error.message.length > 0);
    assert.ok(!error.message.includes('    at '), 'no stack trace in the message');
  }
}

const keys = Object.keys(sampleEnvironment());
const yamlValue = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.string(),
    fc.integer(),
    fc.double(),
    fc.boolean(),
    fc.constant(null),
    fc.constantFrom('10m', 'CodeDeployDefault.AllAtOnce', 'STOP_DEPLOYMENT', '__proto__', 'constructor'),
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(fc.oneof(fc.string(), fc.constantFrom(...keys, '__proto__')), tie('value'), { maxKeys: 4 }),
  ),
})).value;

describe('loadConfig on hostile input', () => {
  it('throws nothing but ConfigError on arbitrary text', () => {
    fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 300 }), onlyConfigErrors), RUNS);
  });

  it('throws nothing but ConfigError on arbitrary YAML documents', () => {
    fc.assert(
      fc.property(yamlValue, (value) => onlyConfigErrors(stringify(value))),
      RUNS,
    );
  });

  it('throws nothing but ConfigError when any key of a valid environment gets an arbitrary value', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...keys, 'blueGreen.ready', 'deploymentConfig.minimumHealthyHosts'),
        yamlValue,
        (key, value) => {
          const env = sampleEnvironment();
          const [head, tail] = key.split('.') as [string, string | undefined];
          if (tail === undefined) env[head] = value;
          else env[head] = { ...(typeof env[head] === 'object' ? env[head] : {}), [tail]: value };
          onlyConfigErrors(configText(env, { defaults: { tags: value } }));
        },
      ),
      RUNS,
    );
  });

  it('throws a ConfigError on an alias bomb instead of expanding it', () => {
    const lines = ['a: &a [x, x, x, x, x, x, x, x, x, x]'];
    for (let level = 1; level < 8; level += 1) {
      const previous = String.fromCharCode(96 + level);
      const current = String.fromCharCode(97 + level);
      lines.push(`${current}: &${current} [${Array(10).fill(`*${previous}`).join(', ')}]`);
    }
    assert.throws(() => loadConfig({ path: 'bomb.yml', text: lines.join('\n') }), ConfigError);
  });
});
