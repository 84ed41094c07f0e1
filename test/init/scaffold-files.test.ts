// tier: unit
// What greenlight init renders for a team's app: hooks for each runtime (held to the rules the
// repository's hooks follow; test/init/scaffold-static.test.ts runs shellcheck and systemd-analyze on
// them), sam-template.yaml with the app's names (checked as the repository's template is), and the
// CircleCI pipeline (CircleCI's schema, its cross-references, greenlight's own rehearsal engine, and
// the same greenlight commands as the repository's pipeline).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parse } from 'yaml';
import { parseAppSpec } from '../../src/appspec/parse.js';
import { renderCircleCiConfig, type PipelineRequest } from '../../src/init/circleci-config.js';
import { HOOK_SCRIPTS, renderAppSpec, renderHooks } from '../../src/init/hooks-files.js';
import { adaptSamTemplate, readRepositorySamTemplate } from '../../src/init/sam-template.js';
import { planWorkflow, readCircleConfig } from '../../src/rehearse/circleci/index.js';
import { parseTemplate } from '../../src/sam/template.js';
import { repoRoot } from '../cli/spawn.js';
import { profiles } from './team-profiles.js';
import {
  compileCircleCiSchema,
  crossReferenceProblems,
  runSteps,
  schemaProblems,
  type CircleConfig,
} from '../pipeline/circleci-config.js';
import { evaluate, templateEvaluation } from '../template/intrinsics.js';
import { checkReferences } from '../template/references.js';
import { checkResources, loadSpecDatabase } from '../template/resource-spec.js';

describe('the hooks greenlight init writes', () => {
  for (const [name, profile] of Object.entries(profiles)) {
    it(`${name}: every hook keeps the repository's rules, names the app, and the appspec lints clean`, () => {
      const files = renderHooks(profile);
      const verbs = new Set(['daemon-reload', 'enable', 'start', 'stop', 'restart', 'is-active', 'status']);
      assert.deepEqual(
        files.map((f) => f.path),
        [
          'hooks/lib.sh',
          ...HOOK_SCRIPTS.map((s) => `hooks/${s}`),
          `hooks/${profile.app}.service`,
          'hooks/README.md',
        ],
      );
      for (const file of files) {
        assert.doesNotMatch(
          file.text,
          /\{\{|\bweb\b|\/opt\/web|example app/,
          `${file.path} still names the example app`,
        );
        if (!file.path.endsWith('.sh')) continue;
        for (const match of file.text.matchAll(/\bsystemctl\s+([a-z-]+)/g))
          assert.ok(verbs.has(match[1] ?? ''), `${file.path}: systemctl ${match[1]}`);
        if (file.path === 'hooks/lib.sh') continue;
        assert.equal(file.mode, 0o755);
        assert.match(
          file.text,
          /^#!\/usr\/bin\/env bash\n(#[^\n]*\n)+set -euo pipefail\n# shellcheck source=SCRIPTDIR\/lib\.sh\nsource "\$\(dirname "\$\{BASH_SOURCE\[0\]\}"\)\/lib\.sh"\nlog_identity\n/,
          file.path,
        );
      }
      const lib = files[0]?.text ?? '';
      assert.match(
        lib,
        new RegExp(
          `readonly APP_USER=${profile.app}\nreadonly APP_DIR=/opt/${profile.app}\nreadonly APP_PORT=${profile.port}\n`,
        ),
      );
      assert.match(lib, new RegExp(`readonly HEALTH_PATH=${profile.healthPath}\n`));
      assert.match(lib, new RegExp(`wanted=\\$\\{${profile.app.toUpperCase()}_HOOK_DEADLINE_SECONDS:-\\}`));

      const appspec = renderAppSpec(profile);
      const spec = parseAppSpec(appspec.text, { file: 'appspec.yml' });
      assert.deepEqual(spec.files, [{ source: profile.source, destination: `/opt/${profile.app}` }]);
      assert.equal(spec.hooks.get('ValidateService')?.[0]?.runas, profile.app);
      const afterInstall = spec.hooks.get('AfterInstall')?.[0]?.timeoutSeconds;
      assert.equal(afterInstall, profile.runtime === 'static' ? 90 : 300);
    });
  }

  it('a unit that runs the app as its user, from its directory, with the environment the hooks write', () => {
    const units = Object.fromEntries(
      Object.entries(profiles).map(([name, p]) => [
        name,
        renderHooks(p).find((f) => f.path.endsWith('.service'))?.text ?? '',
      ]),
    );
    const setting = (text: string, key: string) => new RegExp(`^${key}=(.*)$`, 'm').exec(text)?.[1];
    assert.equal(setting(units.node ?? '', 'ExecStart'), '/usr/bin/env node /opt/shop/index.js');
    assert.equal(setting(units.node ?? '', 'User'), 'shop');
    assert.equal(setting(units.node ?? '', 'EnvironmentFile'), '/etc/shop/env');
    assert.equal(setting(units.python ?? '', 'ExecStart'), '/usr/bin/env python3 /opt/ledger/app.py');
    assert.equal(
      setting(units.python ?? '', 'Environment'),
      'PATH=/opt/ledger/.venv/bin:/usr/local/bin:/usr/bin',
    );
    assert.equal(
      setting(units.static ?? '', 'ExecStart'),
      '/usr/bin/env python3 -m http.server ${PORT} --bind ${HOST} --directory /opt/site',
    );
  });

  it('AfterInstall installs what the app names at each deployment, as the app user, within a deadline below the timeout', () => {
    const afterInstall = (name: string) =>
      renderHooks(profiles[name]!).find((f) => f.path === 'hooks/after-install.sh')?.text ?? '';
    for (const name of ['node', 'python']) {
      const after = afterInstall(name);
      assert.match(after, /step "install dependencies"/);
      assert.match(after, /timeout --kill-after=5 "\$DEPENDENCIES_DEADLINE" runuser -u "\$APP_USER" --/);
      assert.match(after, /readonly DEPENDENCIES_DEADLINE=240\n/);
    }
    // Decided when it runs: a dependency added after init is installed too.
    assert.match(afterInstall('node'), /dependency_count=\$\(node -e /);
    assert.match(afterInstall('node'), /install_command=\(npm ci\)/);
    assert.match(afterInstall('python'), /pip_arguments=\(--requirement requirements\.txt\)/);
    assert.doesNotMatch(afterInstall('static'), /dependencies/);
  });

  it('a static site writes its health document and drains by taking it away', () => {
    const files = new Map(renderHooks(profiles.static!).map((f) => [f.path, f.text]));
    assert.match(files.get('hooks/lib.sh') ?? '', /readonly HEALTH_DOCUMENT=\/opt\/site\/healthcheck\n/);
    assert.match(files.get('hooks/after-install.sh') ?? '', /write_health_document "\$DEPLOYED_VERSION"/);
    assert.match(
      files.get('hooks/before-allow-traffic.sh') ?? '',
      /write_health_document "\$DEPLOYED_VERSION"/,
    );
    const block = files.get('hooks/before-block-traffic.sh') ?? '';
    assert.match(block, /rm -f "\$HEALTH_DOCUMENT"/);
    assert.doesNotMatch(block, /inFlight/);
    assert.match(files.get('hooks/before-install.sh') ?? '', /step "check python3"/);
    assert.match(
      files.get('hooks/README.md') ?? '',
      /## What the site must do, and what draining means here/,
    );
    assert.match(files.get('hooks/README.md') ?? '', /deregistration delay/);
  });

  it('the README says the contract the app must keep', () => {
    const readme =
      renderHooks(profiles['node with dependencies']!).find((f) => f.path === 'hooks/README.md')?.text ?? '';
    assert.match(readme, /## What the app must do/);
    assert.match(
      readme,
      /\*\*Answer `GET \/healthcheck`\*\* with `200` and a JSON body holding `"status":"pass"` and\n {2}`"version":"<APP_VERSION>"`/,
    );
    assert.match(readme, /`index.js` keeps it: greenlight init wrote it because it did not exist/);
    assert.match(
      readme,
      /installs the dependencies \(named by package\.json, with `npm ci --omit=dev` as the app user\)/,
    );
  });
});

describe('sam-template.yaml for a team', () => {
  const db = loadSpecDatabase();
  const request = {
    app: 'shop',
    environments: ['dev', 'impl', 'prod'],
    port: 3000,
    healthPath: '/health',
    contexts: ['shop-dev', 'shop-impl', 'shop-prod'],
  };

  for (const runtime of ['node', 'python'] as const) {
    it(`${runtime}: the repository's template with the app's names, checked as the repository's is`, () => {
      const text = adaptSamTemplate(readRepositorySamTemplate(), { ...request, runtime });
      const template = parseTemplate(text, 'sam-template.yaml').document;
      assert.deepEqual(checkResources(db, template), []);
      assert.deepEqual(checkReferences(db, template), []);
      const parameters = template.Parameters as Record<string, Record<string, unknown>>;
      assert.equal(parameters.ApplicationName?.Default, 'shop');
      assert.deepEqual(parameters.Environment?.AllowedValues, ['dev', 'impl', 'prod']);
      const value = (env: string, v: unknown) =>
        evaluate(v, templateEvaluation(template, { parameters: { Environment: env } }));
      const resources = template.Resources as Record<string, { Properties: Record<string, unknown> }>;
      const targetGroup = resources.TargetGroup?.Properties ?? {};
      assert.deepEqual(
        [targetGroup.Port, targetGroup.HealthCheckPort, targetGroup.HealthCheckPath],
        [3000, '3000', '/health'],
      );
      assert.equal(value('impl', targetGroup.Name), 'shop-impl-tg');
      // Only production's role is for main's builds alone.
      assert.deepEqual((template.Conditions as Record<string, unknown>).IsProd, {
        'Fn::Equals': [{ Ref: 'Environment' }, 'prod'],
      });
      const data = resources.LaunchTemplate?.Properties.LaunchTemplateData as Record<string, unknown>;
      const userData = Buffer.from(String(value('dev', data.UserData)), 'base64').toString();
      assert.equal(userData.includes('dnf install -y nodejs20'), runtime === 'node');
      assert.match(userData, /\.\/install auto/);
      assert.doesNotMatch(text, /\bweb\b|example app|greenlight-dev/);
    });
  }

  it('fails loudly when the repository template no longer has what it changes', () => {
    const template = readRepositorySamTemplate().replace(
      'IsProd: !Equals [!Ref Environment, prod]',
      'IsProd: !Equals [!Ref Environment, production]',
    );
    assert.throws(
      () => adaptSamTemplate(template, { ...request, runtime: 'node' }),
      /sam-template\.yaml has 0 of IsProd: .* greenlight init expects 1/,
    );
  });
});

describe('the CircleCI pipeline for a team', () => {
  const validate = compileCircleCiSchema();
  const request: PipelineRequest = {
    app: 'shop',
    environments: [
      { name: 'dev', bake: '10m' },
      { name: 'impl', bake: '10m' },
      { name: 'prod', bake: '30m' },
    ],
    runtime: 'node',
    nodeTests: true,
    pythonRequirements: false,
    sam: true,
    s3: false,
    packageSpec: 'greenlight@0.1.0',
  };
  const contexts = ['shop-dev', 'shop-impl', 'shop-prod'];
  const variants: Record<string, PipelineRequest> = {
    'node, sam, GitHub revisions': request,
    'python, no sam, S3 revisions': {
      ...request,
      runtime: 'python',
      pythonRequirements: true,
      sam: false,
      s3: true,
    },
    'static, one environment': {
      ...request,
      runtime: 'static',
      environments: [{ name: 'prod', bake: '30m' }],
    },
  };

  for (const [name, variant] of Object.entries(variants)) {
    it(`${name}: valid for CircleCI's schema, every reference resolves, and the rehearsal engine plans it`, () => {
      const text = renderCircleCiConfig(variant);
      const config = parse(text) as CircleConfig;
      assert.deepEqual(schemaProblems(validate, config), []);
      assert.deepEqual(crossReferenceProblems(config, contexts), []);
      const pipeline = (branch: string) => ({ id: 'p', number: 1, branch, tag: undefined, revision: 'abc' });
      const onMain = planWorkflow(readCircleConfig(text), {
        workflow: 'deliver',
        pipeline: pipeline('main'),
      });
      const names = variant.environments.map((e) => e.name);
      const expected = ['test'];
      names.forEach((env, index) => {
        if (index === names.length - 1) expected.push(`hold_${env}`);
        expected.push(...(variant.sam ? [`sam_deploy_${env}`] : []), `code_deploy_${env}`, `gate_${env}`);
      });
      assert.deepEqual(
        onMain.jobs.map((j) => j.name),
        expected,
      );
      // A branch gets the first environment (when it is not production) and nothing after it.
      const onBranch = planWorkflow(readCircleConfig(text), {
        workflow: 'deliver',
        pipeline: pipeline('feature/x'),
      });
      const first = names.length > 1 ? names[0] : undefined;
      assert.deepEqual(
        onBranch.jobs.map((j) => j.name),
        [
          'test',
          ...(first
            ? [...(variant.sam ? [`sam_deploy_${first}`] : []), `code_deploy_${first}`, `gate_${first}`]
            : []),
        ],
      );
      for (const job of onMain.jobs.filter((j) => j.type === 'build' && j.name !== 'test'))
        assert.ok(
          job.serialGroup?.endsWith(`/deploy-${/_([a-z0-9-]+)$/.exec(job.name)?.[1]}`),
          `${job.name}: ${job.serialGroup}`,
        );
    });
  }

  it('runs the same greenlight commands as the repository’s own pipeline, through the installed CLI', () => {
    const ours = parse(readFileSync(join(repoRoot, '.circleci/config.yml'), 'utf8')) as CircleConfig;
    const theirs = parse(renderCircleCiConfig(request)) as CircleConfig;
    const greenlightLines = (config: CircleConfig, job: string) =>
      runSteps(config, job)
        .flatMap((step) => String(step.command).split('\n'))
        .map((line) => line.trim().replace(/^node bin\/greenlight\.js /, 'greenlight '))
        .filter(
          (line) =>
            line.startsWith('greenlight ') ||
            line.startsWith('--') ||
            line.startsWith('node bin/greenlight.js'),
        );
    for (const job of ['code_deploy', 'gate', 'sam_deploy'])
      assert.deepEqual(greenlightLines(theirs, job), greenlightLines(ours, job), job);
    const commands = (config: CircleConfig) =>
      JSON.stringify((config.commands as Record<string, unknown>).rollback_on_failure);
    assert.equal(
      commands(theirs),
      commands(ours).replace('node bin/greenlight.js rollback', 'greenlight rollback'),
    );
    assert.deepEqual(Object.keys(theirs.jobs as object).sort(), Object.keys(ours.jobs as object).sort());
  });
});
