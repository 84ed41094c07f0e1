// tier: unit
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { stringify } from 'yaml';
import { AppSpecRejectedError, readAppSpecAsAgent } from '@greenlight/localcloud';
import { formatProblem } from '../../src/appspec/appspec.js';
import { checkAppSpec } from '../../src/appspec/parse.js';

// greenlight's linter beside the local cloud's agent, which reads appspec files on its own as the
// CodeDeploy agent does. The linter may reject more than the agent (a mode 0644 that becomes 420, a
// timeout cut at 3600 s), never less: whatever the agent fails a deployment on, the linter rejects.

const FIXTURES = new URL('../fixtures/appspec/', import.meta.url);
const fixtureNames = readdirSync(FIXTURES)
  .filter((name) => name.endsWith('.yml'))
  .sort();

/** The agent's message when it fails the deployment on `text`, undefined when it accepts it. */
function agentRejection(text: string): string | undefined {
  try {
    readAppSpecAsAgent(text);
    return undefined;
  } catch (error) {
    if (error instanceof AppSpecRejectedError) return error.message;
    throw error;
  }
}

function linterErrors(text: string) {
  return checkAppSpec(text, { file: 'appspec.yml' }).problems.filter((p) => p.severity === 'error');
}

/** Fixtures the agent accepts and the linter rejects: the linter's stricter reading, on purpose. */
const STRICTER_THAN_THE_AGENT = [
  'ecs-resources.yml',
  'event-total-too-long.yml',
  'files-relative-destination.yml',
  'files-source-outside.yml',
  'hooks-no-scripts.yml',
  'hooks-reserved-event.yml',
  'permissions-numeric-owner.yml',
  'permissions-octal-mode.yml',
  'runas-invalid.yml',
  'timeout-fraction.yml',
  'timeout-too-long.yml',
];

describe('the linter and the agent on test/fixtures/appspec', () => {
  for (const name of fixtureNames) {
    const text = readFileSync(new URL(name, FIXTURES), 'utf8');
    it(name, () => {
      const rejection = agentRejection(text);
      const errors = linterErrors(text);
      if (rejection !== undefined) {
        assert.ok(errors.length > 0, `the agent fails it (${rejection}) and the linter passes it`);
      }
      // The linter says which of its errors the agent fails on; the agent agrees.
      const claimed = errors.filter((p) => p.rejectedByAgent).map(formatProblem);
      assert.equal(
        claimed.length > 0,
        rejection !== undefined,
        rejection === undefined
          ? `the linter says the agent rejects it (${claimed.join('; ')}), the agent accepts it`
          : `the agent rejects it (${rejection}), the linter says it does not`,
      );
      assert.equal(STRICTER_THAN_THE_AGENT.includes(name), rejection === undefined && errors.length > 0);
    });
  }
});

// A valid appspec with one or two of its values replaced: the linter cannot pass a generated appspec
// by catching some other fault in it.
const validAppSpec = (): Record<string, unknown> => ({
  version: 0,
  os: 'linux',
  files: [{ source: 'app', destination: '/opt/web' }],
  file_exists_behavior: 'OVERWRITE',
  permissions: [
    {
      object: '/opt/web',
      pattern: '**',
      except: ['*.log'],
      type: ['file', 'directory'],
      owner: 'web',
      group: 'web',
      mode: 644,
      acls: ['u:web:rwx'],
      context: { name: 'system_u', type: 'httpd_sys_content_t', range: 's0' },
    },
  ],
  hooks: {
    ApplicationStart: [{ location: 'hooks/start.sh', timeout: 60, runas: 'web' }],
    ValidateService: [{ location: 'hooks/check.sh', timeout: 30 }],
  },
});

const PATHS: readonly (readonly (string | number)[])[] = [
  [],
  ['version'],
  ['os'],
  ['files'],
  ['files', 0],
  ['files', 0, 'source'],
  ['files', 0, 'destination'],
  ['file_exists_behavior'],
  ['permissions'],
  ['permissions', 0],
  ...['object', 'pattern', 'except', 'type', 'owner', 'group', 'mode', 'acls', 'context'].map((key) => [
    'permissions',
    0,
    key,
  ]),
  ['permissions', 0, 'except', 0],
  ['permissions', 0, 'type', 0],
  ['permissions', 0, 'acls', 0],
  ['permissions', 0, 'acls', 1],
  ['permissions', 0, 'context', 'name'],
  ['permissions', 0, 'context', 'type'],
  ['permissions', 0, 'context', 'range'],
  ['hooks'],
  ['hooks', 'ApplicationStart'],
  ['hooks', 'ApplicationStart', 0],
  ...['location', 'timeout', 'runas', 'sudo'].map((key) => ['hooks', 'ApplicationStart', 0, key]),
];

const scalar = fc.oneof(
  fc.constant(null),
  fc.boolean(),
  fc.integer({ min: -5, max: 99999 }),
  fc.double({ noNaN: true, min: -10, max: 10 }),
  fc.constantFrom('', ' ', 'abc', '0', '0.0', '60', '-1', '1.5', ' 45s', '1_000', '0755', '789', '12345'),
  fc.constantFrom(
    'linux',
    'Linux',
    'windows',
    'overwrite',
    'RETAIN',
    '**',
    'file',
    'files',
    'web',
    'deploy user',
  ),
  fc.constantFrom('AfterInstal', 'Install', 'AllowTraffic', 'AfterAllowTestTraffic', '../x', 'opt/web', '/'),
  // ACL entries and SELinux ranges, right and wrong.
  fc.constantFrom(
    'u:web:rw',
    'd:g:web:5',
    'm::rw',
    'mask:r',
    'u::rw',
    'g::r',
    'x:web:r',
    'u:web:rwq',
    'o:web:r',
  ),
  fc.constantFrom('d:d:web:r', 'u:web:r:x:y', 'u', 'web:rw', 'default:o::r'),
  fc.constantFrom('s0', 's0-s1', 's1-s0', 's0:c1.c3,c5', 's0:c3.c1', 's0:c1,c1', 'x0', 's0:c1024', 's0-'),
);
const value: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 6, arbitrary: scalar },
  { weight: 1, arbitrary: fc.array(scalar, { maxLength: 2 }) },
  {
    weight: 1,
    arbitrary: fc.dictionary(fc.constantFrom('location', 'type', 'name', 'object', 'source'), scalar, {
      maxKeys: 2,
    }),
  },
);

/** A copy of `target` with `path` set to `replacement` (where `target` has a map or list on the way). */
function setAt(target: unknown, path: readonly (string | number)[], replacement: unknown): unknown {
  const [head, ...rest] = path;
  if (head === undefined) return replacement;
  if (Array.isArray(target)) {
    const copy: unknown[] = [...(target as unknown[])];
    if (typeof head === 'number') copy[head] = setAt(copy[head], rest, replacement);
    return copy;
  }
  if (typeof target !== 'object' || target === null) return target;
  const copy = { ...(target as Record<string, unknown>) };
  copy[head] = setAt(copy[head], rest, replacement);
  return copy;
}

const events = fc.constantFrom(
  'ApplicationStart',
  'AfterInstal',
  'Install',
  'BlockTraffic',
  'AfterAllowTestTraffic',
);
const mutated = fc
  .tuple(fc.array(fc.tuple(fc.constantFrom(...PATHS), value), { minLength: 1, maxLength: 2 }), events)
  .map(([changes, event]) => {
    let spec: unknown = validAppSpec();
    for (const [path, replacement] of changes) spec = setAt(spec, path, replacement);
    // Some runs move the first event's scripts to another name.
    const hooks = spec instanceof Object ? (spec as { hooks?: unknown }).hooks : undefined;
    if (event !== 'ApplicationStart' && hooks instanceof Object && !Array.isArray(hooks)) {
      const { ApplicationStart: scripts, ...others } = hooks as Record<string, unknown>;
      spec = { ...(spec as object), hooks: { ...others, [event]: scripts } };
    }
    return spec;
  });

describe('the linter and the agent on generated appspecs', () => {
  it('whatever the agent fails a deployment on, the linter rejects', () => {
    let rejected = 0;
    fc.assert(
      fc.property(mutated, (spec) => {
        const text = stringify(spec, { version: '1.1' });
        const rejection = agentRejection(text);
        if (rejection === undefined) return;
        rejected += 1;
        assert.ok(
          linterErrors(text).length > 0,
          `the agent fails it (${rejection}) and the linter passes it:\n${text}`,
        );
      }),
      { seed: 20261123, numRuns: 2000 },
    );
    // The generator is only worth its runs if the agent rejects a good share of them.
    assert.ok(rejected > 300, `the agent rejected only ${rejected} of 2000`);
  });
});
