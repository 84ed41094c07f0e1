// tier: unit
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { InvalidArgumentError as CommanderInvalidArgument } from 'commander';
import fc from 'fast-check';
import {
  parseDeploymentIdArgument,
  parseDurationOption,
  parsePortOption,
  parsePositiveNumberOption,
} from '../../src/cli/commands/arguments.js';
import {
  bundleTypeOf,
  InvalidArgumentError,
  parseDeploymentId,
  parseRevision,
} from '../../src/codedeploy/revision.js';
import { formatDuration, parseDuration } from '../../src/config/duration.js';
import { ConfigError } from '../../src/config/errors.js';
import { readEnvOverrides, readFlagOverrides } from '../../src/config/overrides.js';
import { revisionTag, tagValue } from '../../src/rollback/last-known-good.js';
import { fuzzRuns } from './runs.js';

// Every parser of what a person types: whatever the text, the answer is a value or the parser's own
// error class (exit code 2), never another exception and never a message with a stack trace in it.

const RUNS = fuzzRuns(20261122, 2000);

/** Text a person, a shell or a CI variable could produce, hostile parts included. */
const hostileText = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 80 }),
  fc.string({ unit: 'grapheme', maxLength: 40 }),
  fc.constantFrom(
    '',
    ' ',
    '\0',
    '\u202e',
    '\ud800',
    '__proto__',
    'constructor',
    '; rm -rf /',
    '$(id)',
    '`id`',
    '%00',
    '-1',
    'NaN',
    'Infinity',
    '1e400',
    '9'.repeat(400),
  ),
);

function rejectsOnlyWith<E extends Error>(
  errorClass: abstract new (...args: never[]) => E,
  parse: () => unknown,
): { value?: unknown; error?: E } {
  try {
    return { value: parse() };
  } catch (error) {
    assert.ok(error instanceof errorClass, `expected ${errorClass.name}, got ${String(error)}`);
    assert.ok(error.message.length > 0, 'the message says something');
    assert.doesNotMatch(error.message, /\n\s+at /, 'no stack trace in the message');
    return { error };
  }
}

const hex = (length: number) =>
  fc.string({ unit: fc.constantFrom(...'0123456789abcdefABCDEF'), minLength: length, maxLength: length });
const bucket = fc.stringMatching(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/);
const keyText = fc.string({ unit: 'grapheme-ascii', minLength: 1, maxLength: 60 });

describe('deployment ids', () => {
  it('parseDeploymentId accepts exactly d- and 9 upper-case letters or digits, and rejects with exit 2', () => {
    fc.assert(
      fc.property(fc.oneof(hostileText, fc.stringMatching(/^\s*d-[A-Z0-9]{9}\s*$/)), (text) => {
        const { value, error } = rejectsOnlyWith(InvalidArgumentError, () => parseDeploymentId(text));
        if (error) {
          assert.equal(error.exitCode, 2);
          assert.doesNotMatch(text.trim(), /^d-[A-Z0-9]{9}$/);
        } else assert.equal(value, text.trim());
      }),
      RUNS,
    );
  });

  it('the commander argument parser turns every rejection into commander’s InvalidArgumentError', () => {
    fc.assert(
      fc.property(hostileText, (text) => {
        rejectsOnlyWith(CommanderInvalidArgument, () => parseDeploymentIdArgument(text));
      }),
      RUNS,
    );
  });
});

describe('revisions and S3 URLs', () => {
  it('parseRevision answers a commit, an S3 location or InvalidArgumentError', () => {
    const revisionText = fc.oneof(
      hostileText,
      hex(40),
      fc.tuple(hex(40), fc.constantFrom(' ', '\t', '\n')).map(([h, s]) => `${s}${h}${s}`),
      fc.tuple(hostileText, hostileText).map(([b, k]) => `s3://${b}/${k}`),
      fc
        .tuple(bucket, keyText, fc.option(hostileText))
        .map(([b, k, v]) => `s3://${b}/${k}${v === null ? '' : `?versionId=${v}`}`),
      hostileText.map((t) => `s3://${t}`),
    );
    fc.assert(
      fc.property(revisionText, (text) => {
        const { value, error } = rejectsOnlyWith(InvalidArgumentError, () => parseRevision(text));
        if (error) {
          assert.equal(error.exitCode, 2);
          return;
        }
        const ref = value as ReturnType<typeof parseRevision>;
        if (ref.type === 'GitHub') assert.match(ref.commitId, /^[0-9a-f]{40}$/);
        else {
          assert.match(ref.bucket, /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/);
          assert.ok(ref.key.length > 0 && !ref.key.endsWith('/'));
          assert.ok(!ref.key.includes('?versionId='), 'the version is not left in the key');
        }
      }),
      RUNS,
    );
  });

  it('an S3 URL round-trips: bucket, key and version come back as written', () => {
    fc.assert(
      fc.property(
        bucket,
        keyText.filter((k) => !k.endsWith('/') && !k.includes('?versionId=') && k.trim() === k),
        fc.option(fc.stringMatching(/^[A-Za-z0-9._-]{1,40}$/)),
        (b, k, v) => {
          const ref = parseRevision(`s3://${b}/${k}${v === null ? '' : `?versionId=${v}`}`);
          assert.deepEqual(
            ref,
            v === null ? { type: 'S3', bucket: b, key: k } : { type: 'S3', bucket: b, key: k, version: v },
          );
        },
      ),
      RUNS,
    );
  });

  it('bundleTypeOf names a type only for the extensions CodeDeploy knows', () => {
    fc.assert(
      fc.property(hostileText, (key) => {
        const type = bundleTypeOf(key);
        if (type === undefined) assert.doesNotMatch(key, /\.(zip|tar|tgz|tar\.gz)$/);
        else assert.ok(key.endsWith(`.${type}`) || (type === 'tgz' && key.endsWith('.tar.gz')));
      }),
      RUNS,
    );
  });

  it('the last-known-good tag of any revision label is a value AWS tags accept', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          hostileText,
          fc
            .tuple(bucket, keyText, hostileText, hostileText)
            .map(([b, k, v, e]) => `s3://${b}/${k}?versionId=${v}#${e}`),
        ),
        (label) => {
          for (const tag of [revisionTag(label), tagValue(label)]) {
            assert.ok([...tag].length <= 256 && tag.length <= 256, 'at most 256 characters');
            assert.match(tag, /^[\p{L}\p{N}\s_.:/=+\-@]*$/u);
          }
        },
      ),
      RUNS,
    );
  });
});

describe('durations', () => {
  it('parseDuration answers whole milliseconds or a ConfigError, on any text', () => {
    const durationText = fc.oneof(
      hostileText,
      fc.stringMatching(/^\s*(\d{1,25}h)?(\d{1,25}m)?(\d{1,25}s)?(\d{1,25}ms)?\s*$/),
    );
    fc.assert(
      fc.property(durationText, (text) => {
        const { value, error } = rejectsOnlyWith(ConfigError, () => parseDuration(text));
        if (error) assert.equal(error.exitCode, 2);
        else assert.ok(Number.isSafeInteger(value) && (value as number) >= 0);
      }),
      RUNS,
    );
  });

  it('formatDuration and parseDuration are inverse on every whole, non-negative number of milliseconds', () => {
    fc.assert(
      fc.property(fc.nat({ max: Number.MAX_SAFE_INTEGER }), (ms) => {
        assert.equal(parseDuration(formatDuration(ms)), ms);
      }),
      RUNS,
    );
  });

  it('the commander duration option turns every rejection into commander’s InvalidArgumentError', () => {
    fc.assert(
      fc.property(hostileText, (text) => {
        rejectsOnlyWith(CommanderInvalidArgument, () => parseDurationOption(text));
      }),
      RUNS,
    );
  });
});

describe('numeric flags', () => {
  it('--port takes 0 to 65535 written in digits, nothing else', () => {
    fc.assert(
      fc.property(fc.oneof(hostileText, fc.nat({ max: 70000 }).map(String)), (text) => {
        const { value } = rejectsOnlyWith(CommanderInvalidArgument, () => parsePortOption(text));
        if (value !== undefined) {
          assert.match(text, /^\d+$/);
          assert.ok(Number.isInteger(value) && (value as number) >= 0 && (value as number) <= 65535);
        }
      }),
      RUNS,
    );
  });

  it('--time-scale and --seed take a finite positive number, nothing else', () => {
    fc.assert(
      fc.property(fc.oneof(hostileText, fc.double().map(String)), (text) => {
        const { value } = rejectsOnlyWith(CommanderInvalidArgument, () => parsePositiveNumberOption(text));
        if (value !== undefined) assert.ok(Number.isFinite(value) && (value as number) > 0);
      }),
      RUNS,
    );
  });
});

describe('GREENLIGHT_* variables and override flags', () => {
  const variables = [
    'GREENLIGHT_ENV',
    'GREENLIGHT_CONFIG',
    'GREENLIGHT_REGION',
    'GREENLIGHT_DEPLOYMENT_GROUP',
    'GREENLIGHT_DEPLOYMENT_CONFIG',
    'GREENLIGHT_BAKE',
    'GREENLIGHT_HEALTH_URL',
    'GREENLIGHT_WAIT_TIMEOUT',
    'GREENLIGHT___PROTO__',
    'GREENLIGHT_',
  ];

  it('readEnvOverrides answers values or a ConfigError, and reports unknown names instead of using them', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.constantFrom(...variables), hostileText, { maxKeys: 6 }), (env) => {
        const { value } = rejectsOnlyWith(ConfigError, () => readEnvOverrides(env));
        if (value === undefined) return;
        const { values, ignored } = value as ReturnType<typeof readEnvOverrides>;
        for (const name of ignored) assert.ok(!variables.slice(0, 8).includes(name), name);
        assert.equal(Object.getPrototypeOf(values), Object.prototype, 'no prototype pollution');
      }),
      RUNS,
    );
  });

  it('readFlagOverrides answers values or a ConfigError naming the flag', () => {
    const flag = fc.constantFrom(
      'env',
      'config',
      'region',
      'deploymentGroup',
      'deploymentConfig',
      'bake',
      'healthUrl',
      'timeout',
    );
    fc.assert(
      fc.property(fc.dictionary(flag, hostileText, { maxKeys: 4 }), (flags) => {
        const { error } = rejectsOnlyWith(ConfigError, () => readFlagOverrides(flags));
        if (error) assert.match(error.message, /--[a-z-]+/, 'names the flag');
      }),
      RUNS,
    );
  });
});
