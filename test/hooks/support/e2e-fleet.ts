// What the end-to-end tests of the example app's hooks share: the world (a 3-instance blue/green
// fleet plus single instances for rehearsals), test-only revisions that make ValidateService fail for
// real, and readers of what the agent and the hooks left on an instance.
import { execFile } from 'node:child_process';
import { readFile, writeFile, mkdir, chmod } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { AppSpec } from '../../../src/appspec/appspec.js';
import { parseAppSpec } from '../../../src/appspec/parse.js';
import {
  DEPLOYMENT_ROOT,
  scriptCommand,
  type LifecycleEventName,
  type SandboxedInstance,
  type WorldInput,
} from '@greenlight/localcloud';

const run = promisify(execFile);

/** The single-instance groups the rehearsals use, each its own ASG so they can run side by side. */
export const REHEARSAL_ASGS = ['web-wrong-version-asg', 'web-silent-asg', 'web-fresh-asg'] as const;

export function e2eWorld(github: Record<string, string>): WorldInput {
  const single = (name: string) => ({
    name,
    instances: 1,
    maxSize: 2,
    availabilityZones: ['us-east-1a'],
    launchTemplate: 'web',
    agent: 'real' as const,
    tags: { Name: name },
  });
  return {
    region: 'us-east-1',
    launchTemplates: [{ name: 'web' }],
    targetGroups: [
      {
        name: 'web-tg',
        port: 8000,
        healthCheck: {
          path: '/healthcheck',
          intervalSeconds: 5,
          timeoutSeconds: 2,
          healthyThreshold: 2,
          unhealthyThreshold: 2,
        },
        deregistrationDelay: 30,
      },
    ],
    loadBalancers: [{ name: 'web-alb', listeners: [{ port: 0, targetGroup: 'web-tg' }] }],
    autoScalingGroups: [
      {
        name: 'web-asg',
        instances: 3,
        maxSize: 10,
        availabilityZones: ['us-east-1a', 'us-east-1b'],
        targetGroups: ['web-tg'],
        launchTemplate: 'web',
        agent: 'real',
        tags: { Name: 'web' },
      },
      ...REHEARSAL_ASGS.map(single),
    ],
    buckets: [],
    github,
  };
}

/** greenlight.yml for the 3-instance fleet: blue/green, blue kept so its block-traffic logs can be read. */
export const E2E_CONFIG = `application: web
environments:
  e2e:
    region: us-east-1
    deploymentGroup: web-e2e
    serviceRoleArn: arn:aws:iam::123456789012:role/web-codedeploy
    autoScalingGroup: web-asg
    targetGroups: [web-tg]
    deploymentConfig: CodeDeployDefault.AllAtOnce
    blueGreen:
      greenFleet: COPY_AUTO_SCALING_GROUP
      ready: { action: CONTINUE_DEPLOYMENT }
      terminateBlue: { action: KEEP_ALIVE }
    autoRollback: []
    revision: { github: example/web }
    health: { path: /healthcheck, port: 8000 }
`;

async function git(dir: string, ...args: string[]): Promise<string> {
  const { stdout } = await run(
    'git',
    ['-c', 'user.name=greenlight e2e', '-c', 'user.email=e2e@greenlight.invalid', ...args],
    { cwd: dir },
  );
  return stdout.trim();
}

/** How long ValidateService waits in the rehearsal revisions, instead of its 75 s. */
export const REHEARSAL_DEADLINE_SECONDS = 6;

/**
 * Commits a test-only revision on top of the repository's HEAD: `change` edits the working tree.
 * Every rehearsal revision also shortens ValidateService's health deadline with the one knob the
 * hooks offer (WEB_HOOK_DEADLINE_SECONDS, shorter only), so the failure comes in seconds; the
 * script is otherwise the repository's.
 */
export async function commitRehearsal(
  repository: string,
  label: string,
  change: (dir: string) => Promise<void>,
): Promise<string> {
  const validate = join(repository, 'hooks/validate-service.sh');
  const text = await readFile(validate, 'utf8');
  const set = 'set -euo pipefail\n';
  await writeFile(
    validate,
    text.replace(set, `${set}export WEB_HOOK_DEADLINE_SECONDS=${REHEARSAL_DEADLINE_SECONDS}\n`),
  );
  await change(repository);
  await git(repository, 'add', '-A');
  await git(repository, 'commit', '-q', '-m', `rehearsal: ${label}`);
  const commit = await git(repository, 'rev-parse', 'HEAD');
  // A tag keeps the commit reachable once the branch moves back.
  await git(repository, 'tag', `rehearsal-${commit.slice(0, 12)}`, commit);
  // Back to the previous tree, so the next rehearsal starts from the real revision.
  await git(repository, 'reset', '-q', '--hard', 'HEAD~1');
  return commit;
}

/** A revision whose AfterInstall, after the real hook, makes the app announce another version. */
export function wrongVersionRevision(repository: string): Promise<string> {
  return commitRehearsal(repository, 'serves the wrong version', async (dir) => {
    const script = join(dir, 'hooks/rehearsal/serve-wrong-version.sh');
    await mkdir(join(dir, 'hooks/rehearsal'), { recursive: true });
    await writeFile(
      script,
      '#!/usr/bin/env bash\n# Test-only: the app will report a version other than the one deployed.\n' +
        'set -euo pipefail\nsed -i "s/^APP_VERSION=.*/APP_VERSION=not-the-deployed-one/" /etc/web/env\n',
    );
    await chmod(script, 0o755);
    const appspec = join(dir, 'appspec.yml');
    const text = await readFile(appspec, 'utf8');
    const afterInstall = '    - location: hooks/after-install.sh\n      timeout: 90\n';
    if (!text.includes(afterInstall)) throw new Error('appspec.yml no longer has the AfterInstall entry');
    await writeFile(
      appspec,
      text.replace(
        afterInstall,
        `${afterInstall}    - location: hooks/rehearsal/serve-wrong-version.sh\n      timeout: 10\n`,
      ),
    );
  });
}

/** A revision whose app runs (systemd calls it active) but never listens. */
export function silentAppRevision(repository: string): Promise<string> {
  return commitRehearsal(repository, 'the app never answers', (dir) =>
    writeFile(
      join(dir, 'example-app/server.mjs'),
      "// Test-only: stays up without listening.\nsetInterval(() => undefined, 60_000);\nprocess.stdout.write('web: not listening\\n');\n",
    ),
  );
}

export async function repositoryAppSpec(repository: string, commit: string): Promise<AppSpec> {
  return parseAppSpec(await git(repository, 'show', `${commit}:appspec.yml`), { file: 'appspec.yml' });
}

/** Host path of a deployment's scripts.log on an instance. */
export function scriptsLogPath(instance: SandboxedInstance, groupId: string, deploymentId: string): string {
  return instance.hostPath(`${DEPLOYMENT_ROOT}/${groupId}/${deploymentId}/logs/scripts.log`);
}

/** Event → the users the hooks said they ran as (`running as <user>`), from scripts.log. */
export function hookUsers(scriptsLog: string): Map<string, string[]> {
  const users = new Map<string, string[]>();
  let event = '';
  for (const line of scriptsLog.split('\n')) {
    const started = / LifecycleEvent - (\w+)$/.exec(line);
    if (started?.[1]) event = started[1];
    const said = /\[stdout\]\[(\w+)\] start: running as (\S+) \(uid \d+\)/.exec(line);
    if (said?.[1] && said[2]) {
      if (said[1] !== event) throw new Error(`${said[1]} logged during ${event}: ${line}`);
      users.set(event, [...(users.get(event) ?? []), said[2]]);
    }
  }
  return users;
}

/** The users the appspec says run the event's scripts (root unless `runas`). */
export function expectedUsers(spec: AppSpec, event: string): string[] {
  return (spec.hooks.get(event as never) ?? []).map((script) => script.runas ?? 'root');
}

export interface AgentVariables {
  readonly deploymentId: string;
  readonly applicationName: string;
  readonly deploymentGroupName: string;
  readonly deploymentGroupId: string;
  readonly commit: string;
}

/**
 * Runs one event's scripts of a deployment's archive again, inside the instance, as the agent runs
 * them: its variables, `su <runas> -c <script>` for runas hooks.
 */
export async function rerunEvent(
  instance: SandboxedInstance,
  spec: AppSpec,
  event: LifecycleEventName,
  vars: AgentVariables,
): Promise<{ code: number; output: string }[]> {
  const archive = `${DEPLOYMENT_ROOT}/${vars.deploymentGroupId}/${vars.deploymentId}/deployment-archive`;
  const env = [
    `LIFECYCLE_EVENT=${event}`,
    `DEPLOYMENT_ID=${vars.deploymentId}`,
    `APPLICATION_NAME=${vars.applicationName}`,
    `DEPLOYMENT_GROUP_NAME=${vars.deploymentGroupName}`,
    `DEPLOYMENT_GROUP_ID=${vars.deploymentGroupId}`,
    `BUNDLE_COMMIT=${vars.commit}`,
  ];
  const results: { code: number; output: string }[] = [];
  for (const script of spec.hooks.get(event as never) ?? []) {
    const command = scriptCommand({
      location: script.location,
      path: `${archive}/${script.location}`,
      timeoutSeconds: script.timeoutSeconds,
      ...(script.runas !== undefined ? { runas: script.runas } : {}),
    });
    const result = await instance.exec(['/usr/bin/env', ...env, ...command]);
    results.push({ code: result.code, output: result.stdout + result.stderr });
  }
  return results;
}

/**
 * What the hooks are responsible for on an instance: the app's files and the unit with modes,
 * owners and contents, the app user and group, whether the service runs, and what it answers.
 */
export async function instanceState(instance: SandboxedInstance, privateIp: string): Promise<string[]> {
  const listing = await instance.exec([
    '/bin/bash',
    '-c',
    `set -euo pipefail
find /opt/web /etc/web -printf '%p %y %m %u:%g\\n' | sort
find /etc/systemd/system -name 'web.service*' -printf '%p %y %m %u:%g %l\\n' | sort
find /opt/web /etc/web /etc/systemd/system/web.service -type f -print0 | sort -z | xargs -0 sha256sum
grep -E '^web:' /etc/passwd /etc/group
echo "web.service: $(systemctl is-active web.service || true)"`,
  ]);
  if (listing.code !== 0) throw new Error(`reading the instance's state failed: ${listing.stderr}`);
  const response = await fetch(`http://${privateIp}:8000/healthcheck`, {
    signal: AbortSignal.timeout(3_000),
  });
  const body = (await response.json()) as Record<string, unknown>;
  delete body.datetime;
  return [...listing.stdout.trim().split('\n'), `/healthcheck: ${response.status} ${JSON.stringify(body)}`];
}
