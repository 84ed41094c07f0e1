// tier: unit
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { resolveEnvironment } from '../../src/config/environment.js';
import { loadConfig } from '../../src/config/load.js';
import {
  ALARM_NAME,
  APPLICATION_NAME,
  AUTO_SCALING_GROUP_NAME,
  BUCKET_NAME,
  checkName,
  DEPLOYMENT_CONFIG_NAME,
  DEPLOYMENT_GROUP_NAME,
  GITHUB_REPOSITORY,
  KEY_PREFIX,
  TARGET_GROUP_NAME,
  type NameRule,
} from '../../src/config/names.js';
import { readEnvOverrides, readFlagOverrides } from '../../src/config/overrides.js';
import { configText, rejection, sampleEnvironment } from './sample.js';

/** The message and suggestion `rule` gives `name`, or `ok`. */
function verdict(rule: NameRule, name: string): string {
  const problem = checkName(rule, name);
  if (problem === undefined) return 'ok';
  return problem.suggestion === undefined ? problem.message : `${problem.message} → ${problem.suggestion}`;
}

describe("names follow each resource's AWS rule", () => {
  const accepted: [string, NameRule, string[]][] = [
    ['CodeDeploy names', DEPLOYMENT_GROUP_NAME, ['web-dev', 'Web.Dev_1', 'a+b=c,d@e', 'x'.repeat(100)]],
    ['applications', APPLICATION_NAME, ['web', 'web.example.org']],
    ['deployment configs', DEPLOYMENT_CONFIG_NAME, ['web-all-healthy', 'CodeDeployDefault.AllAtOnce']],
    [
      'Auto Scaling groups',
      AUTO_SCALING_GROUP_NAME,
      ['web-dev-asg', 'awseb-e-abc-stack-AWSEBAutoScalingGroup-1X2Y', 'a!#$%&*()[]{}<>?~', 'x'.repeat(255)],
    ],
    [
      'alarms',
      ALARM_NAME,
      ['web-dev-5xx', '5xx rate > 1%', 'TargetTracking-table/orders-AlarmHigh-3f2a', 'é'.repeat(255)],
    ],
    ['target groups', TARGET_GROUP_NAME, ['web-dev-tg', 'a', 'x'.repeat(32)]],
    ['buckets', BUCKET_NAME, ['web-revisions', 'web.revisions.2024', 'abc']],
    ['key prefixes', KEY_PREFIX, ['', 'web/', 'web/builds/', 'web-', 'ünïcode/', 'é'.repeat(490)]],
    [
      'GitHub repositories',
      GITHUB_REPOSITORY,
      ['example/greenlight', 'o/r', 'my-org/site.github.io', 'a/..b'],
    ],
  ];
  for (const [what, rule, names] of accepted) {
    it(`accepts ${what}: ${names.map((n) => (n.length > 20 ? `${n.slice(0, 8)}…` : n)).join(', ')}`, () => {
      for (const name of names) assert.equal(verdict(rule, name), 'ok', name);
    });
  }

  const refused: [string, NameRule, string, string][] = [
    [
      'a path as a deployment group',
      DEPLOYMENT_GROUP_NAME,
      '../../x',
      'expected a deployment group name without "/" (CodeDeploy allows letters, digits and . _ + = , @ -) → x',
    ],
    [
      'a space in an application',
      APPLICATION_NAME,
      'my web',
      'expected a CodeDeploy application name without " " (CodeDeploy allows letters, digits and . _ + = , @ -) → my-web',
    ],
    [
      'dots only',
      DEPLOYMENT_GROUP_NAME,
      '..',
      'expected a deployment group name that is more than dots (greenlight refuses names that read as paths)',
    ],
    [
      'a CodeDeploy name over 100',
      DEPLOYMENT_CONFIG_NAME,
      'x'.repeat(101),
      "expected a deployment config name of at most 100 characters (CodeDeploy's limit; this one has 101)",
    ],
    [
      'a control character',
      DEPLOYMENT_GROUP_NAME,
      'web\u0000dev',
      'expected a deployment group name without "\\u0000" (CodeDeploy allows letters, digits and . _ + = , @ -) → web-dev',
    ],
    [
      'a colon in an ASG',
      AUTO_SCALING_GROUP_NAME,
      'web:asg',
      'expected an Auto Scaling group name without ":" (Auto Scaling allows printable ASCII characters other than spaces and ":") → web-asg',
    ],
    [
      'a path separator in an ASG',
      AUTO_SCALING_GROUP_NAME,
      '../web\\asg',
      'expected an Auto Scaling group name without "/" or "\\\\" (greenlight refuses path separators in names that end up in ARNs) → web-asg',
    ],
    [
      'a space and a colon in an ASG, both repaired',
      AUTO_SCALING_GROUP_NAME,
      'web dev/asg',
      'expected an Auto Scaling group name without " " (Auto Scaling allows printable ASCII characters other than spaces and ":") → web-dev-asg',
    ],
    [
      'an ASG over 255',
      AUTO_SCALING_GROUP_NAME,
      'x'.repeat(256),
      "expected an Auto Scaling group name of at most 255 characters (Auto Scaling's limit; this one has 256)",
    ],
    [
      'a newline in an alarm',
      ALARM_NAME,
      'web-dev\n5xx',
      'expected a CloudWatch alarm name without "\\n" (CloudWatch refuses control characters) → web-dev-5xx',
    ],
    [
      'spaces around an alarm',
      ALARM_NAME,
      ' web-dev-5xx ',
      'expected a CloudWatch alarm name without leading or trailing spaces (greenlight refuses them: they never match the resource) → web-dev-5xx',
    ],
    [
      'a blank alarm',
      ALARM_NAME,
      '   ',
      'expected a CloudWatch alarm name without leading or trailing spaces (greenlight refuses them: they never match the resource)',
    ],
    [
      'an underscore in a target group',
      TARGET_GROUP_NAME,
      'web_dev_tg',
      'expected a target group name: 1 to 32 letters, digits or hyphens, not starting or ending with a hyphen → web-dev-tg',
    ],
    [
      'a hyphen ending a target group',
      TARGET_GROUP_NAME,
      'web-dev-',
      'expected a target group name: 1 to 32 letters, digits or hyphens, not starting or ending with a hyphen → web-dev',
    ],
    [
      'upper case in a bucket',
      BUCKET_NAME,
      'Web_Revisions',
      'expected an S3 bucket name: 3 to 63 lowercase letters, digits, dots or hyphens, starting and ending with a letter or digit → web-revisions',
    ],
    [
      'adjacent periods in a bucket',
      BUCKET_NAME,
      'web..revisions',
      "expected an S3 bucket name without two adjacent periods (S3's rule)",
    ],
    [
      'an IP address as a bucket',
      BUCKET_NAME,
      '10.0.0.1',
      "expected an S3 bucket name that is not an IP address (S3's rule)",
    ],
    [
      "a bucket with S3's reserved prefix",
      BUCKET_NAME,
      'sthree-web',
      'expected an S3 bucket name not starting with "sthree-" (S3 reserves it)',
    ],
    [
      "a bucket with S3's reserved suffix",
      BUCKET_NAME,
      'web-s3alias',
      'expected an S3 bucket name not ending with "-s3alias" (S3 reserves it)',
    ],
    [
      'a leading slash in a key prefix',
      KEY_PREFIX,
      '/web/',
      'expected an S3 key prefix without a leading "/" (S3 keys are not absolute paths; greenlight refuses it) → web/',
    ],
    [
      'a .. segment in a key prefix',
      KEY_PREFIX,
      'web/../other/',
      'expected an S3 key prefix without "." or ".." segments (greenlight refuses keys that read as relative paths)',
    ],
    [
      'a key prefix that leaves no room for the bundle name',
      KEY_PREFIX,
      'é'.repeat(491),
      "expected an S3 key prefix of at most 980 bytes (S3's 1,024-byte key limit, less the commit id and extension greenlight appends; this one has 982)",
    ],
    [
      'a GitHub URL',
      GITHUB_REPOSITORY,
      'https://github.com/example/greenlight.git',
      'expected a GitHub repository as owner/repo → example/greenlight',
    ],
    [
      'a GitHub repository named ..',
      GITHUB_REPOSITORY,
      'example/..',
      'expected a GitHub repository whose name is not "." or ".." (GitHub refuses them)',
    ],
    ['an empty name', DEPLOYMENT_GROUP_NAME, '', 'expected a deployment group name'],
  ];
  for (const [what, rule, name, expected] of refused) {
    it(`refuses ${what}`, () => assert.equal(verdict(rule, name), expected));
  }
});

describe('a bad name in greenlight.yml', () => {
  it('is a ConfigError (exit 2) naming the file, the key path and the line, and suggesting a name', () => {
    const env = { ...sampleEnvironment(), deploymentGroup: '../../x' };
    const error = rejection(() => loadConfig({ path: 'greenlight.yml', text: configText(env) }));
    const problem = error.problems.find((p) => p.path === 'environments.dev.deploymentGroup');
    assert.ok(problem, error.message);
    assert.equal(typeof problem.line, 'number');
    assert.ok(
      error.message.includes(
        `greenlight.yml:${problem.line}: environments.dev.deploymentGroup: expected a deployment group name without "/" ` +
          '(CodeDeploy allows letters, digits and . _ + = , @ -), found "../../x" (did you mean "x"?)',
      ),
      error.message,
    );
  });

  it('every bad name is reported at once, each where it was written (defaults included)', () => {
    const env = {
      ...sampleEnvironment(),
      autoScalingGroup: 'web/dev',
      alarms: ['web-dev-5xx', 'web-dev-5xx\t'],
      deploymentConfig: { name: 'web all', minimumHealthyHosts: { type: 'HOST_COUNT', value: 1 } },
      blueGreen: {
        greenFleet: 'COPY_AUTO_SCALING_GROUP',
        ready: { action: 'CONTINUE_DEPLOYMENT' },
        terminateBlue: { action: 'TERMINATE', waitMinutes: 5 },
      },
      gate: { alarms: ['ok', 'new\nline'] },
    };
    delete (env as Record<string, unknown>).revision;
    const text = configText(env, {
      defaults: { revision: { s3: { bucket: 'web-revisions', prefix: '../web/' } } },
    });
    const error = rejection(() =>
      loadConfig({ path: 'g.yml', text: text.replace('application: web', 'application: web app') }),
    );
    const paths = error.problems.map((p) => p.path).sort();
    assert.deepEqual(paths, [
      'application',
      'defaults.revision.s3.prefix',
      'environments.dev.alarms[1]',
      'environments.dev.autoScalingGroup',
      'environments.dev.deploymentConfig.name',
      'environments.dev.gate.alarms[1]',
    ]);
    for (const p of error.problems) assert.equal(typeof p.line, 'number', `${p.path ?? ''} has a line`);
    assert.match(error.message, /application: .*found "web app" \(did you mean "web-app"\?\)/);
    assert.match(error.message, /deploymentConfig\.name: .*found "web all" \(did you mean "web-all"\?\)/);
  });

  it('the accepted names still load as written', () => {
    const env = {
      ...sampleEnvironment(),
      deploymentGroup: 'web.dev_1',
      autoScalingGroup: 'awseb-e-abc-stack-AWSEBAutoScalingGroup-1X2Y',
      alarms: ['TargetTracking-table/orders-AlarmHigh-3f2a'],
    };
    const resolved = resolveEnvironment(loadConfig({ path: 'g.yml', text: configText(env) }), 'dev');
    assert.equal(resolved.deploymentGroup, 'web.dev_1');
    assert.equal(resolved.autoScalingGroup, 'awseb-e-abc-stack-AWSEBAutoScalingGroup-1X2Y');
    assert.deepEqual(resolved.alarms, ['TargetTracking-table/orders-AlarmHigh-3f2a']);
  });
});

describe('a bad name in an override', () => {
  it('--deployment-group and GREENLIGHT_DEPLOYMENT_GROUP follow the same rule (exit 2, with a suggestion)', () => {
    const flag = rejection(() => readFlagOverrides({ deploymentGroup: '../../x' }));
    assert.equal(
      flag.message,
      '--deployment-group: expected a deployment group name without "/" (CodeDeploy allows letters, digits and . _ + = , @ -), found "../../x" (did you mean "x"?)',
    );
    const variable = rejection(() => readEnvOverrides({ GREENLIGHT_DEPLOYMENT_GROUP: 'web dev' }));
    assert.match(
      variable.message,
      /^GREENLIGHT_DEPLOYMENT_GROUP: expected a deployment group name without " " .*\(did you mean "web-dev"\?\)$/,
    );
  });

  it('--deployment-config names a config CodeDeploy could have', () => {
    const error = rejection(() => readFlagOverrides({ deploymentConfig: 'web/all' }));
    assert.match(
      error.message,
      /^--deployment-config: expected a deployment config name without "\/".*found "web\/all" \(did you mean "web-all"\?\)$/,
    );
  });
});
