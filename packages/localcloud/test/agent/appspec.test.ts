// tier: unit
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AppSpecRejectedError, readAppSpecAsAgent } from '../../src/agent/appspec.js';

// The agent's own reading of appspec.yml: what it accepts and with which defaults, what it refuses
// and in which words (application_specification.rb and its helpers in aws/aws-codedeploy-agent).

const HEAD = 'version: 0.0\nos: linux\n';

function rejection(text: string): string {
  try {
    readAppSpecAsAgent(text);
  } catch (error) {
    assert.ok(error instanceof AppSpecRejectedError, String(error));
    return error.message;
  }
  assert.fail(`the agent accepted:\n${text}`);
}

describe('the agent reads an appspec', () => {
  it('into the values it uses, with its defaults: timeout 3600, no runas, no sudo', () => {
    const spec = readAppSpecAsAgent(
      `${HEAD}files:\n  - source: /\n    destination: /opt/web\nfile_exists_behavior: OVERWRITE\n` +
        `permissions:\n  - object: /opt/web\n    owner: web\n    mode: 755\n    type: [directory]\n` +
        `hooks:\n  BeforeInstall:\n    - location: hooks/stop.sh\n` +
        `  ApplicationStart:\n    - location: ' hooks/start.sh '\n      timeout: 60\n      runas: web\n      sudo: true\n`,
    );
    assert.equal(spec.version, 0);
    assert.deepEqual(spec.files, [{ source: '/', destination: '/opt/web' }]);
    assert.equal(spec.fileExistsBehavior, 'OVERWRITE');
    assert.deepEqual(spec.permissions, [
      { object: '/opt/web', pattern: '**', except: [], type: ['directory'], owner: 'web', mode: '755' },
    ]);
    assert.deepEqual(
      [...spec.hooks],
      [
        ['BeforeInstall', [{ location: 'hooks/stop.sh', timeoutSeconds: 3600, sudo: false }]],
        ['ApplicationStart', [{ location: 'hooks/start.sh', timeoutSeconds: 60, runas: 'web', sudo: true }]],
      ],
    );
  });

  it('as Ruby would: timeout.to_i, mode.to_s padded to three digits, YAML 1.1 octal, version 0', () => {
    const spec = readAppSpecAsAgent(
      `version: 0\nos: linux\npermissions:\n  - {object: /a, mode: 0644}\n  - {object: /b, mode: 7}\n  - {object: /c, mode: '0755'}\n` +
        `hooks:\n  ApplicationStart:\n    - {location: a.sh, timeout: 1.9}\n    - {location: b.sh, timeout: ' 45s'}\n` +
        `    - {location: c.sh, timeout: '1_000'}\n    - {location: d.sh, timeout: false}\n`,
    );
    assert.deepEqual(
      spec.permissions.map((p) => p.mode),
      ['420', '007', '0755'],
    );
    assert.deepEqual(
      spec.hooks.get('ApplicationStart')?.map((s) => s.timeoutSeconds),
      [1, 45, 1000, 3600],
    );
  });

  it('lets through what the linter rejects: a timeout above 3600, any runas, scripts on Install, unknown keys', () => {
    const spec = readAppSpecAsAgent(
      `${HEAD}Resources: []\nhooks:\n  Install:\n    - location: a.sh\n  ApplicationStart:\n` +
        `    - {location: b.sh, timeout: 4000, runas: deploy user, runs_as: web}\n  ValidateService:\n`,
    );
    assert.deepEqual([...spec.hooks.keys()], ['Install', 'ApplicationStart']);
    assert.deepEqual(spec.hooks.get('ApplicationStart'), [
      { location: 'b.sh', timeoutSeconds: 4000, runas: 'deploy user', sudo: false },
    ]);
  });

  it('keeps the last of duplicate keys, and follows YAML aliases', () => {
    const spec = readAppSpecAsAgent(
      `${HEAD}x: &start {location: a.sh, timeout: 5}\nhooks:\n  ApplicationStart: [*start]\nos: linux\n`,
    );
    assert.equal(spec.hooks.get('ApplicationStart')?.[0]?.timeoutSeconds, 5);
  });

  it('normalises ACL entries as the agent writes them back', () => {
    const spec = readAppSpecAsAgent(
      `${HEAD}permissions:\n  - object: /opt/web\n    acls: ['u:web:rx', 'd:g:web:5', 'm::rw', 'web:7']\n` +
        `    context: {name: system_u, type: httpd_sys_content_t, range: 's0-s1:c0.c3,c5'}\n`,
    );
    assert.deepEqual(spec.permissions[0]?.acls, [
      'user:web:r-x',
      'default:group:web:r-x',
      'mask::rw-',
      'user:web:rwx',
    ]);
    assert.deepEqual(spec.permissions[0]?.context, {
      type: 'httpd_sys_content_t',
      user: 'system_u',
      range: 's0-s1:c0.c3,c5',
    });
  });
});

describe('the agent refuses an appspec, in its own words', () => {
  const cases: [string, string, string][] = [
    [
      'an empty file',
      '',
      "The deployment failed because the application specification file was empty. Make sure your AppSpec file defines at minimum the 'version' and 'os' properties.",
    ],
    [
      'a quoted version',
      "version: '0.0'\nos: linux\n",
      'The deployment failed because an invalid version value (0.0) was entered in the application specification file. Make sure your AppSpec file specifies "0.0" as the version, and then try again.',
    ],
    [
      'version 1.0',
      'version: 1.0\nos: linux\n',
      'The deployment failed because an invalid version value (1.0) was entered in the application specification file. Make sure your AppSpec file specifies "0.0" as the version, and then try again.',
    ],
    [
      'os: windows on Linux',
      'version: 0.0\nos: windows\n',
      'The deployment failed because the application specification file specifies an unsupported operating system (windows). Specify either "linux" or "windows" in the os section of the AppSpec file, and then try again.',
    ],
    [
      'an unknown lifecycle event',
      `${HEAD}hooks:\n  AfterInstal:\n    - location: a.sh\n  BeforeAllowTestTraffic:\n    - location: b.sh\n`,
      'appspec.yml file contains unknown lifecycle events: ["AfterInstal", "BeforeAllowTestTraffic"]',
    ],
    [
      'a script without location',
      `${HEAD}hooks:\n  ApplicationStart:\n    - timeout: 60\n`,
      'The deployment failed because the application specification file specifies a script with no location value. Specify the location in the hooks section of the AppSpec file, and then try again.',
    ],
    [
      'a timeout of 0 seconds',
      `${HEAD}hooks:\n  ApplicationStart:\n    - {location: a.sh, timeout: abc}\n`,
      'The deployment failed because an invalid timeout value was provided for a script in the application specification file. Make corrections in the hooks section of the AppSpec file, and then try again.',
    ],
    [
      'a files entry without source',
      `${HEAD}files:\n  - destination: /opt/web\n`,
      'The deployment failed because the application specification file specifies a destination file, but no source file. Update the files section of the AppSpec file, and then try again.',
    ],
    [
      'a files entry without destination',
      `${HEAD}files:\n  - source: app\n`,
      'The deployment failed because the application specification file specifies only a source file (app). Add the name of the destination file to the files section of the AppSpec file, and then try again.',
    ],
    [
      'a lower-case file_exists_behavior',
      `${HEAD}file_exists_behavior: overwrite\n`,
      'The deployment failed because an invalid file_exists_behavior value (overwrite) was entered in the application specification file. Make sure your AppSpec file specifies one of DISALLOW,OVERWRITE,RETAIN as the file_exists_behavior, and then try again.',
    ],
    [
      'a permission without object',
      `${HEAD}permissions:\n  - owner: web\n`,
      'The deployment failed because a permission listed in the application specification file has no object value. Update the permissions section of the AppSpec file, and then try again.',
    ],
    [
      'a permission type the agent does not know',
      `${HEAD}permissions:\n  - {object: /opt/web, type: [files]}\n`,
      'The deployment failed because the application specification filespecifies a permission for an object type not supported for permissions (files). Update the permissions section of the AppSpec file, and then try again.',
    ],
    [
      '0755 unquoted, which YAML 1.1 makes 493',
      `${HEAD}permissions:\n  - {object: /opt/web, mode: 0755}\n`,
      'The deployment failed because the permissions mode (493) in the application specification file contains an invalid character (9). Update the permissions section of the AppSpec file, and then try again.',
    ],
    [
      'a mode of five digits',
      `${HEAD}permissions:\n  - {object: /opt/web, mode: 12345}\n`,
      'The deployment failed because the length of a permissions mode (12345) in the application specification file is invalid. Permissions modes must be between one and four characters long. Update the permissions section of the AppSpec file, and then try again.',
    ],
    [
      'a base ACL entry',
      `${HEAD}permissions:\n  - {object: /opt/web, acls: ['u::rw']}\n`,
      'The deployment failed because of a problem with the acls permission settings in the application specification file. Use mode to set the base acl entry (u::rw). Update the permissions section of the AppSpec file, and then try again.',
    ],
    [
      'an SELinux context without type',
      `${HEAD}permissions:\n  - {object: /opt/web, context: {name: system_u}}\n`,
      'The deployment failed because the application specification file specifies an invalid context type ({"name"=>"system_u"}). Update the permissions section of the AppSpec file, and then try again.',
    ],
    [
      'an SELinux range whose categories repeat',
      `${HEAD}permissions:\n  - {object: /opt/web, context: {type: t, range: 's0:c1.c3,c2'}}\n`,
      'duplicate categories',
    ],
    [
      'files as a map (Ruby indexes the pairs it yields)',
      `${HEAD}files:\n  source: app\n  destination: /opt/web\n`,
      'no implicit conversion of String into Integer',
    ],
    [
      'scripts as a map',
      `${HEAD}hooks:\n  ApplicationStart:\n    location: a.sh\n`,
      'undefined method `has_key?\' for ["location", "a.sh"]:Array',
    ],
  ];
  for (const [what, text, message] of cases) {
    it(what, () => assert.equal(rejection(text), message));
  }

  it('names the file it read in the unknown-events message', () => {
    assert.throws(
      () => readAppSpecAsAgent(`${HEAD}hooks:\n  Start:\n    - location: a.sh\n`, { file: 'appspec.yaml' }),
      { message: 'appspec.yaml file contains unknown lifecycle events: ["Start"]' },
    );
  });

  it('a YAML syntax error, with its place', () => {
    assert.match(
      rejection(`${HEAD}hooks:\n  ApplicationStart: [\n`),
      /^\(<unknown>\): .* at line \d+ column \d+$/,
    );
  });

  it('parse errors come before the hook check, which comes before what only the Install finds', () => {
    assert.match(
      rejection(
        `${HEAD}files:\n  - {source: 5, destination: /opt}\nhooks:\n  Start:\n    - location: a.sh\n`,
      ),
      /unknown lifecycle events/,
    );
    assert.equal(
      rejection(`${HEAD}files:\n  - {source: 5, destination: /opt}\n`),
      'no implicit conversion of Integer into String',
    );
  });
});
