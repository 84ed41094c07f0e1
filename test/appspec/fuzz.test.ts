// tier: unit
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { stringify } from 'yaml';
import { AppSpecError } from '../../src/appspec/appspec.js';
import { checkAppSpec, parseAppSpec } from '../../src/appspec/parse.js';

// Fixed seed and bounded runs: a regression test in `npm test`, not a fuzzing campaign.
const RUNS = { seed: 20261122, numRuns: 300 };

/** Whatever the text, the answer is value objects or problems: never another exception. */
function onlyProblems(text: string): void {
  const { problems } = checkAppSpec(text, { file: 'appspec.yml' });
  for (const problem of problems) {
    assert.ok(problem.severity === 'error' || problem.severity === 'warning');
    assert.ok(problem.message.length > 0);
    assert.ok(!problem.message.includes('    at '), 'no stack trace in a message');
  }
  try {
    parseAppSpec(text, { file: 'appspec.yml' });
  } catch (error) {
    if (!(error instanceof AppSpecError)) throw error;
    assert.ok(error.problems.length > 0, 'an AppSpecError names at least one problem');
  }
}

const keys = [
  'version',
  'os',
  'files',
  'permissions',
  'hooks',
  'file_exists_behavior',
  'location',
  'timeout',
  'runas',
];
const yamlValue = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.string(),
    fc.integer(),
    fc.double(),
    fc.boolean(),
    fc.constant(null),
    fc.constantFrom(
      '0.0',
      'linux',
      'ApplicationStart',
      'Install',
      '0755',
      '__proto__',
      'constructor',
      '/opt/web',
    ),
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(fc.oneof(fc.string(), fc.constantFrom(...keys, '__proto__')), tie('value'), { maxKeys: 4 }),
  ),
})).value;

const validAppSpec = (): Record<string, unknown> => ({
  version: 0,
  os: 'linux',
  files: [{ source: 'app', destination: '/opt/web' }],
  permissions: [{ object: '/opt/web', owner: 'web', mode: 644, type: ['file'] }],
  hooks: { ApplicationStart: [{ location: 'hooks/start.sh', timeout: 60, runas: 'web' }] },
});

describe('checkAppSpec on hostile input', () => {
  it('gives problems, never an exception, on arbitrary text', () => {
    fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 300 }), onlyProblems), RUNS);
  });

  it('gives problems, never an exception, on arbitrary YAML documents', () => {
    fc.assert(
      fc.property(yamlValue, (value) => onlyProblems(stringify(value))),
      RUNS,
    );
  });

  it('gives problems, never an exception, when any part of a valid appspec gets an arbitrary value', () => {
    const paths = [
      ['version'],
      ['os'],
      ['files'],
      ['files', 0],
      ['files', 0, 'source'],
      ['permissions', 0],
      ['permissions', 0, 'mode'],
      ['permissions', 0, 'type'],
      ['hooks'],
      ['hooks', 'ApplicationStart'],
      ['hooks', 'ApplicationStart', 0],
      ['hooks', 'ApplicationStart', 0, 'timeout'],
      ['hooks', 'ApplicationStart', 0, 'runas'],
    ] as const;
    fc.assert(
      fc.property(fc.constantFrom(...paths), yamlValue, (path, value) => {
        const spec = validAppSpec();
        let node: unknown = spec;
        for (const segment of path.slice(0, -1)) node = (node as Record<string | number, unknown>)[segment];
        (node as Record<string | number, unknown>)[path.at(-1) as string | number] = value;
        onlyProblems(stringify(spec));
      }),
      RUNS,
    );
  });

  it('refuses an alias bomb with a problem instead of expanding it', () => {
    const lines = ['a: &a [x, x, x, x, x, x, x, x, x, x]'];
    for (let level = 1; level < 8; level += 1) {
      const previous = String.fromCharCode(96 + level);
      const current = String.fromCharCode(97 + level);
      lines.push(`${current}: &${current} [${Array(10).fill(`*${previous}`).join(', ')}]`);
    }
    assert.throws(() => parseAppSpec(lines.join('\n'), { file: 'appspec.yml' }), AppSpecError);
  });
});
