// tier: unit
// greenlight.yml's `gate:` section: which alarms the promotion gate adds, and whether an alarm in
// INSUFFICIENT_DATA during the bake fails it. Every mistake is a ConfigError (exit 2) naming the file,
// the line and the key path.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { resolveEnvironment } from '../../src/config/environment.js';
import { loadConfig } from '../../src/config/load.js';
import { configText, rejection, sampleEnvironment } from './sample.js';

const dev = (changes: Record<string, unknown>, top: Record<string, unknown> = {}) => {
  const text = configText({ ...sampleEnvironment(), ...changes }, top);
  return { text, env: () => resolveEnvironment(loadConfig({ path: 'greenlight.yml', text }), 'dev', {}) };
};

/** The 1-based line of the first line of `text` that contains `needle`. */
const lineOf = (text: string, needle: string) => text.split('\n').findIndex((l) => l.includes(needle)) + 1;

describe('gate: in greenlight.yml', () => {
  it('defaults to no extra alarms, and INSUFFICIENT_DATA failing the gate', () => {
    assert.deepEqual(dev({}).env().gate, { alarms: [], insufficientData: 'fail' });
  });

  it('reads insufficientData: pass and fail', () => {
    assert.equal(dev({ gate: { insufficientData: 'pass' } }).env().gate.insufficientData, 'pass');
    assert.deepEqual(dev({ gate: { alarms: ['web-dev-latency'], insufficientData: 'fail' } }).env().gate, {
      alarms: ['web-dev-latency'],
      insufficientData: 'fail',
    });
  });

  it('merges gate: from defaults: key by key, the environment winning', () => {
    const { env } = dev(
      { gate: { alarms: ['web-dev-latency'] } },
      { defaults: { gate: { insufficientData: 'pass', alarms: ['shared'] } } },
    );
    assert.deepEqual(env().gate, { alarms: ['web-dev-latency'], insufficientData: 'pass' });
  });

  it('refuses another value, naming the line, the key path and the choices', () => {
    const { text, env } = dev({ gate: { insufficientData: 'ignore' } });
    const error = rejection(env);
    assert.equal(error.path, 'environments.dev.gate.insufficientData');
    assert.equal(error.line, lineOf(text, 'insufficientData'));
    assert.match(
      error.message,
      new RegExp(
        `greenlight\\.yml:${lineOf(text, 'insufficientData')}: environments\\.dev\\.gate\\.insufficientData: expected one of fail, pass, found "ignore"`,
      ),
    );
  });

  it('refuses a boolean: the choice is spelled out', () => {
    const error = rejection(dev({ gate: { insufficientData: true } }).env);
    assert.match(
      error.message,
      /environments\.dev\.gate\.insufficientData: expected one of fail, pass, found true/,
    );
  });

  it('names a misspelt key and suggests the right one', () => {
    const { text, env } = dev({ gate: { insuficientData: 'pass' } });
    const error = rejection(env);
    assert.match(
      error.message,
      new RegExp(
        `greenlight\\.yml:${lineOf(text, 'insuficientData')}: environments\\.dev\\.gate\\.insuficientData: unknown key \\(did you mean "insufficientData"\\?\\)`,
      ),
    );
  });
});
