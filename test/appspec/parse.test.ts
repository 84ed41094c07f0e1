// tier: unit
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { AppSpecError, formatProblem, type AppSpecProblem } from '../../src/appspec/appspec.js';
import { checkAppSpec, parseAppSpec } from '../../src/appspec/parse.js';
import { repoRoot } from '../cli/spawn.js';

const fixture = (name: string): string =>
  readFileSync(new URL(`../fixtures/appspec/${name}.yml`, import.meta.url), 'utf8');

interface Expected {
  severity: 'error' | 'warning';
  path: string;
  line: number;
  message: RegExp;
}

/** Each fixture breaks one thing of valid.yml: the one problem the linter must report for it. */
const cases: Record<string, Expected> = {
  'version-quoted': {
    severity: 'error',
    path: 'version',
    line: 2,
    message:
      /the version is the string "0\.0", and the agent accepts only the number 0\.0: write version: 0\.0 without quotes/,
  },
  'version-unsupported': {
    severity: 'error',
    path: 'version',
    line: 2,
    message: /unsupported version 1: the only appspec version is 0\.0/,
  },
  'version-missing': {
    severity: 'error',
    path: 'version',
    line: 2,
    message: /required key is missing: add "version: 0\.0"/,
  },
  'os-windows': {
    severity: 'error',
    path: 'os',
    line: 3,
    message: /windows is for Windows Server instances/,
  },
  'os-capitalized': {
    severity: 'error',
    path: 'os',
    line: 3,
    message: /expected linux \(the agent compares exactly\), found "Linux" \(did you mean "linux"\?\)/,
  },
  'os-missing': {
    severity: 'error',
    path: 'os',
    line: 2,
    message: /required key is missing: add "os: linux"/,
  },
  'unknown-key': {
    severity: 'warning',
    path: 'hook',
    line: 4,
    message: /unknown key in an appspec; the agent ignores it \(did you mean "hooks"\?\)/,
  },
  'ecs-resources': {
    severity: 'error',
    path: 'Resources',
    line: 4,
    message: /belongs to ECS and Lambda appspecs/,
  },
  'file-exists-behavior': {
    severity: 'error',
    path: 'file_exists_behavior',
    line: 4,
    message: /expected one of DISALLOW, OVERWRITE, RETAIN, found "overwrite" \(did you mean "OVERWRITE"\?\)/,
  },
  'files-not-a-list': {
    severity: 'error',
    path: 'files',
    line: 4,
    message: /expected a list of \{source, destination\}, found a map/,
  },
  'files-relative-destination': {
    severity: 'error',
    path: 'files[0].destination',
    line: 6,
    message: /"opt\/web" is not an absolute path/,
  },
  'files-no-source': {
    severity: 'error',
    path: 'files[0].source',
    line: 5,
    message: /required key is missing/,
  },
  'files-source-outside': {
    severity: 'error',
    path: 'files[0].source',
    line: 5,
    message: /"\.\.\/secrets" leaves the bundle/,
  },
  'permissions-octal-mode': {
    severity: 'error',
    path: 'permissions[0].mode',
    line: 7,
    message:
      /0644 is an octal number in YAML 1\.1 .* it becomes 420, so the agent would use mode "420" instead of "644"/,
  },
  'permissions-bad-mode': {
    severity: 'error',
    path: 'permissions[0].mode',
    line: 6,
    message: /"789" is not a mode: expected 1 to 4 octal digits/,
  },
  'permissions-numeric-owner': {
    severity: 'error',
    path: 'permissions[0].owner',
    line: 6,
    message: /expected a user name as a string, found 1000/,
  },
  'permissions-no-object': {
    severity: 'error',
    path: 'permissions[0].object',
    line: 5,
    message: /required key is missing/,
  },
  'permissions-bad-type': {
    severity: 'error',
    path: 'permissions[0].type[0]',
    line: 7,
    message: /expected file or directory, found "files" \(did you mean "file"\?\)/,
  },
  'hooks-unknown-event': {
    severity: 'error',
    path: 'hooks.AfterInstal',
    line: 5,
    message:
      /unknown lifecycle event, and the agent fails the deployment on it \(did you mean "AfterInstall"\?\)/,
  },
  'hooks-reserved-event': {
    severity: 'error',
    path: 'hooks.Install',
    line: 5,
    message:
      /Install is done by CodeDeploy itself and cannot run scripts: put them in BeforeInstall or AfterInstall/,
  },
  'hooks-ecs-event': {
    severity: 'error',
    path: 'hooks.AfterAllowTestTraffic',
    line: 5,
    message: /event of ECS deployments/,
  },
  'hooks-no-scripts': { severity: 'error', path: 'hooks.ApplicationStart', line: 5, message: /no scripts/ },
  'hooks-no-location': {
    severity: 'error',
    path: 'hooks.ApplicationStart[0].location',
    line: 6,
    message: /required key is missing/,
  },
  'timeout-negative': {
    severity: 'error',
    path: 'hooks.ApplicationStart[0].timeout',
    line: 7,
    message: /expected a whole number of seconds above 0, found -5/,
  },
  'timeout-fraction': {
    severity: 'error',
    path: 'hooks.ApplicationStart[0].timeout',
    line: 7,
    message: /expected a whole number of seconds above 0, found 1\.5/,
  },
  'timeout-too-long': {
    severity: 'error',
    path: 'hooks.ApplicationStart[0].timeout',
    line: 7,
    message: /4000 s is longer than a lifecycle event may take \(3600 s\)/,
  },
  'timeout-quoted': {
    severity: 'warning',
    path: 'hooks.ApplicationStart[0].timeout',
    line: 7,
    message: /the timeout is the string "300"; the agent converts it, but write it as a number/,
  },
  'timeout-missing': {
    severity: 'warning',
    path: 'hooks.ApplicationStart[0].timeout',
    line: 6,
    message: /no timeout: the agent waits up to 3600 s/,
  },
  'event-total-too-long': {
    severity: 'error',
    path: 'hooks.ApplicationStart',
    line: 5,
    message: /timeouts add up to 4000 s, more than the 3600 s a lifecycle event may take/,
  },
  'runas-invalid': {
    severity: 'error',
    path: 'hooks.ApplicationStart[0].runas',
    line: 8,
    message: /expected a user name .*found "deploy user"/,
  },
  'script-unknown-key': {
    severity: 'warning',
    path: 'hooks.ApplicationStart[0].runs_as',
    line: 8,
    message: /unknown key in a script; the agent ignores it \(did you mean "runas"\?\)/,
  },
  'script-sudo': {
    severity: 'warning',
    path: 'hooks.ApplicationStart[0].sudo',
    line: 8,
    message: /sudo is an undocumented agent key/,
  },
};

/** Errors the linter reports but the agent lets through (and then misbehaves, or is cut at 3600 s). */
const acceptedByAgent = new Set([
  'ecs-resources',
  'files-relative-destination',
  'files-source-outside',
  'permissions-octal-mode',
  'permissions-numeric-owner',
  'hooks-reserved-event',
  'hooks-no-scripts',
  'timeout-fraction',
  'timeout-too-long',
  'event-total-too-long',
  'runas-invalid',
]);

function onlyProblem(problems: readonly AppSpecProblem[]): AppSpecProblem {
  assert.equal(problems.length, 1, problems.map(formatProblem).join('\n'));
  return problems[0] as AppSpecProblem;
}

describe('checkAppSpec: one fixture per check', () => {
  it('valid.yml has no problem and reads into value objects', () => {
    const spec = parseAppSpec(fixture('valid'), { file: 'appspec.yml' });
    assert.equal(spec.version, 0);
    assert.equal(spec.os, 'linux');
    assert.deepEqual(
      [...spec.hooks],
      [
        [
          'ApplicationStart',
          [{ location: 'hooks/start.sh', timeoutSeconds: 60, timeoutGiven: true, sudo: false }],
        ],
      ],
    );
  });

  for (const [name, expected] of Object.entries(cases)) {
    it(`${name}.yml: ${expected.severity} at ${expected.path}`, () => {
      const { problems } = checkAppSpec(fixture(name), { file: 'appspec.yml' });
      const problem = onlyProblem(problems);
      assert.equal(problem.severity, expected.severity);
      assert.equal(problem.path, expected.path);
      assert.equal(problem.line, expected.line);
      assert.equal(problem.file, 'appspec.yml');
      assert.match(problem.message, expected.message);
      assert.equal(problem.rejectedByAgent, expected.severity === 'error' && !acceptedByAgent.has(name));
      assert.ok(formatProblem(problem).startsWith(`appspec.yml:${expected.line}: ${expected.path}: `));
    });
  }
});

describe('checkAppSpec: the document itself', () => {
  const errorOf = (text: string): AppSpecProblem => {
    const problem = onlyProblem(checkAppSpec(text, { file: 'appspec.yml' }).problems);
    assert.equal(problem.severity, 'error');
    return problem;
  };

  it('an empty file', () => {
    assert.match(
      errorOf('').message,
      /the file is empty: an appspec needs at least "version: 0\.0" and "os: linux"/,
    );
  });

  it('a list instead of a map', () => {
    assert.match(
      errorOf('- version: 0.0\n').message,
      /expected a map with version, os, files, permissions and hooks, found a list/,
    );
  });

  it('a YAML syntax error, with its line', () => {
    const problem = errorOf('version: 0.0\nos: linux\nhooks:\n  ApplicationStart: [\n');
    assert.match(problem.message, /^YAML syntax error: /);
    assert.ok(problem.line !== undefined && problem.line >= 4, String(problem.line));
  });

  it('duplicate keys: the agent keeps only the last', () => {
    const problem = errorOf(
      `${fixture('valid')}hooks:\n  ValidateService:\n    - location: hooks/check.sh\n      timeout: 60\n`,
    );
    assert.equal(problem.line, 8);
    assert.match(problem.message, /the agent keeps only the last of the duplicate keys/);
  });

  it('reads YAML 1.1 as the agent does: a quoted mode keeps its zero, 755 stays 755', () => {
    const text = `${fixture('valid')}permissions:\n  - object: /opt/web\n    mode: '0755'\n  - object: /srv\n    mode: 755\n    type: [directory]\n`;
    const spec = parseAppSpec(text, { file: 'appspec.yml' });
    assert.deepEqual(
      spec.permissions.map((p) => [p.object, p.mode, p.type]),
      [
        ['/opt/web', '0755', ['file', 'directory']],
        ['/srv', '755', ['directory']],
      ],
    );
  });

  it('reports every problem, in file order', () => {
    const text = 'version: "0.0"\nos: Linux\nhooks:\n  Install:\n    - location: a.sh\n';
    const lines = checkAppSpec(text, { file: 'appspec.yml' }).problems.map((p) => p.line);
    assert.deepEqual(lines, [1, 2, 4]);
  });
});

describe('checkAppSpec: ACL entries and SELinux contexts, which the agent checks', () => {
  const errorsOf = (permission: string): string[] =>
    checkAppSpec(`${fixture('valid')}permissions:\n  - object: /opt/web\n${permission}`, {
      file: 'appspec.yml',
    })
      .problems.filter((p) => p.severity === 'error' && p.rejectedByAgent)
      .map((p) => `${p.path}: ${p.message}`);

  it('accepts the entries setfacl takes', () => {
    assert.deepEqual(
      errorsOf('    acls: ["u:web:rwx", "d:g:web:5", "m::rw", "mask:r", "default:o::r", "web:r-x"]\n'),
      [],
    );
  });

  it('refuses base entries, unknown tags and permission characters, as the agent does', () => {
    assert.deepEqual(errorsOf('    acls: ["u::rw", "x:web:r", "u:web:rwq", "o:web:r", "d:d:web:r"]\n'), [
      "permissions[0].acls[0]: \"u::rw\" sets a base entry, which the agent refuses: set the owner's, group's and others' bits with mode, and name a user or group here (u:web:rw)",
      'permissions[0].acls[1]: "x:web:r" is not an ACL entry: expected [d:][u|g|m|o:]name:perms, such as u:web:rwx or d:g:web:r-x',
      'permissions[0].acls[2]: "u:web:rwq": invalid permission "q"; write r, w, x and -, or one octal digit',
      'permissions[0].acls[3]: "o:web:r" is not an ACL entry: expected [d:][u|g|m|o:]name:perms, such as u:web:rwx or d:g:web:r-x',
      'permissions[0].acls[4]: "d:d:web:r" is not an ACL entry: expected [d:][u|g|m|o:]name:perms, such as u:web:rwx or d:g:web:r-x',
    ]);
  });

  it('needs a context type, and a range the agent can read', () => {
    assert.deepEqual(errorsOf('    context: {name: system_u, type: t, range: "s0-s1:c0.c3,c5"}\n'), []);
    assert.deepEqual(errorsOf('    context: {name: system_u, range: s1-s0}\n'), [
      'permissions[0].context.type: required key is missing: the SELinux type, e.g. httpd_sys_content_t',
      'permissions[0].context.range: "s1-s0": the high sensitivity is below the low one',
    ]);
    for (const range of ['x0', 's0:c1024', 's0:c3.c1', 's0:c1,c1', 's0-']) {
      assert.equal(errorsOf(`    context: {type: t, range: "${range}"}\n`).length, 1, range);
    }
  });

  it('warns that the agent reads the SELinux user from name, not user', () => {
    const { problems } = checkAppSpec(
      `${fixture('valid')}permissions:\n  - object: /opt/web\n    context: {user: system_u, type: t}\n`,
      { file: 'appspec.yml' },
    );
    assert.deepEqual(
      problems.map((p) => [p.severity, p.path, p.message]),
      [
        [
          'warning',
          'permissions[0].context.user',
          'the agent reads the SELinux user from name and ignores user: write name: system_u',
        ],
      ],
    );
  });
});

describe('parseAppSpec', () => {
  it('reads what the agent lets through as the agent would use it', () => {
    const read = (name: string) => parseAppSpec(fixture(name), { file: 'appspec.yml' });
    assert.equal(read('permissions-octal-mode').permissions[0]?.mode, '420');
    assert.equal(read('permissions-numeric-owner').permissions[0]?.owner, '1000');
    assert.equal(read('files-relative-destination').files[0]?.destination, 'opt/web');
    assert.equal(read('timeout-fraction').hooks.get('ApplicationStart')?.[0]?.timeoutSeconds, 1);
    assert.equal(read('timeout-too-long').hooks.get('ApplicationStart')?.[0]?.timeoutSeconds, 4000);
    assert.equal(read('runas-invalid').hooks.get('ApplicationStart')?.[0]?.runas, 'deploy user');
    assert.deepEqual([...read('hooks-reserved-event').hooks.keys()], []);
  });

  it('strict: throws on every error the linter reports', () => {
    for (const name of acceptedByAgent) {
      assert.throws(
        () => parseAppSpec(fixture(name), { file: 'appspec.yml', strict: true }),
        AppSpecError,
        name,
      );
    }
  });

  it('throws on what the agent rejects, e.g. 0755, which YAML 1.1 turns into 493', () => {
    const text = fixture('permissions-octal-mode').replace('mode: 0644', 'mode: 0755');
    assert.throws(
      () => parseAppSpec(text, { file: 'appspec.yml' }),
      (error: unknown) =>
        error instanceof AppSpecError &&
        /the agent would reject mode "493" instead of "755"/.test(error.message),
    );
  });

  it('throws an AppSpecError (exit code 2) with the errors and their lines', () => {
    assert.throws(
      () => parseAppSpec(fixture('timeout-negative'), { file: 'bundle/appspec.yml' }),
      (error: unknown) => {
        assert.ok(error instanceof AppSpecError);
        assert.equal(error.exitCode, 2);
        assert.equal(error.problems.length, 1);
        assert.match(
          error.message,
          /^bundle\/appspec\.yml: invalid appspec \(1 problem\):\n {2}bundle\/appspec\.yml:7: hooks\.ApplicationStart\[0\]\.timeout: /,
        );
        return true;
      },
    );
  });

  it('accepts warnings: they are not in the way of a deployment', () => {
    const spec = parseAppSpec(fixture('timeout-missing'), { file: 'appspec.yml' });
    assert.equal(spec.hooks.get('ApplicationStart')?.[0]?.timeoutSeconds, 3600);
    assert.equal(spec.hooks.get('ApplicationStart')?.[0]?.timeoutGiven, false);
  });

  it("reads the repository's own appspec.yml into the events of a blue/green deployment", () => {
    const spec = parseAppSpec(readFileSync(`${repoRoot}appspec.yml`, 'utf8'), { file: 'appspec.yml' });
    assert.deepEqual(spec.files, [{ source: 'example-app', destination: '/opt/web' }]);
    assert.equal(spec.fileExistsBehavior, 'OVERWRITE');
    assert.ok(spec.permissions.every((p) => p.owner === 'web' && p.group === 'web'));
    assert.deepEqual(
      [...spec.hooks.keys()],
      [
        'ApplicationStop',
        'BeforeInstall',
        'AfterInstall',
        'ApplicationStart',
        'ValidateService',
        'BeforeAllowTraffic',
        'BeforeBlockTraffic',
        'AfterBlockTraffic',
      ],
    );
    assert.equal(spec.hooks.get('ValidateService')?.[0]?.runas, 'web');
    for (const [event, scripts] of spec.hooks) {
      for (const script of scripts) assert.ok(script.timeoutGiven && script.timeoutSeconds <= 120, event);
    }
  });
});
