// tier: e2e
// Issue 19's acceptance for `greenlight init`: in an empty Node.js app (`npm init -y` and nothing
// else), `greenlight init --yes` writes greenlight.yml, appspec.yml, hooks/ and an example app; the
// app, committed, is deployed blue/green by greenlight to real instances of the local cloud (sandboxes
// running the scaffolded hooks with the CodeDeploy agent's contract), twice, so that the second
// deployment's blue instances drain through the scaffolded BeforeBlockTraffic; greenlight verifies
// both, and the load balancer serves the second commit. A static site (python3's http.server and a
// health document) and a Python app go the same way on one instance each.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import type { DeploymentTarget } from '@aws-sdk/client-codedeploy';
import {
  DescribeListenersCommand,
  DescribeLoadBalancersCommand,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { checkConfinement, type WorldInput } from '@greenlight/localcloud';
import { cliJson } from '../support/in-process.js';
import {
  startRealCloud,
  targetsOf,
  type RealTestCloud,
} from '../../packages/localcloud/test/real/real-cloud.js';

const exec = promisify(execFile);
const confinement = checkConfinement();

/** The apps, each with what sam-template.yaml would make for its dev environment. */
const APPS = { shop: 2, site: 1, ledger: 1 } as const;
type App = keyof typeof APPS;

function world(repositories: Record<App, string>): WorldInput {
  const apps = Object.entries(APPS) as [App, number][];
  return {
    region: 'us-east-1',
    launchTemplates: apps.map(([app]) => ({ name: `${app}-dev` })),
    targetGroups: apps.map(([app]) => ({
      name: `${app}-dev-tg`,
      port: 8000,
      healthCheck: {
        path: '/healthcheck',
        intervalSeconds: 5,
        timeoutSeconds: 2,
        healthyThreshold: 2,
        unhealthyThreshold: 2,
      },
      deregistrationDelay: 30,
    })),
    loadBalancers: apps.map(([app]) => ({
      name: `${app}-dev-alb`,
      listeners: [{ port: 0, targetGroup: `${app}-dev-tg` }],
    })),
    autoScalingGroups: apps.map(([app, instances]) => ({
      name: `${app}-dev-asg`,
      instances,
      maxSize: 6,
      availabilityZones: ['us-east-1a', 'us-east-1b'],
      launchTemplate: `${app}-dev`,
      agent: 'real' as const,
    })),
    alarms: apps.flatMap(([app]) => [
      { name: `${app}-dev-5xx`, state: 'OK' as const },
      { name: `${app}-dev-unhealthy-hosts`, state: 'OK' as const },
    ]),
    buckets: [],
    github: Object.fromEntries(apps.map(([app]) => [`acme/${app}`, repositories[app]])),
  };
}

/** What each hook said, as CodeDeploy reports it (the log tail of a succeeded event too). */
function tail(target: DeploymentTarget | undefined, event: string): string {
  return (
    target?.instanceTarget?.lifecycleEvents?.find((e) => e.lifecycleEventName === event)?.diagnostics
      ?.logTail ?? ''
  );
}

describe(
  'greenlight init --yes, deployed to real instances',
  // The three apps have fleets of their own: they deploy side by side.
  { skip: confinement.ok ? false : `no sandboxes here: ${confinement.reason}`, concurrency: true },
  () => {
    let scratch = '';
    let tc: RealTestCloud;
    let env: Record<string, string | undefined> = {};
    const dirOf = (app: App) => join(scratch, app);
    const git = async (app: App, ...args: string[]) =>
      (
        await exec('git', ['-c', 'user.name=team', '-c', 'user.email=team@example.invalid', ...args], {
          cwd: dirOf(app),
        })
      ).stdout.trim();

    const greenlight = (app: App, args: string[]) => cliJson(args, { env, cwd: dirOf(app) });

    /** init --yes, appspec lint, a commit; returns the commit. */
    async function scaffold(app: App): Promise<string> {
      const init = await greenlight(app, ['init', '--yes']);
      assert.equal(init.code, 0, init.log);
      assert.match(init.log, /account 123456789012: STS GetCallerIdentity/);
      assert.match(init.log, new RegExp(`revision github:acme/${app}: the git remote origin`));
      const lint = await greenlight(app, ['appspec', 'lint']);
      assert.equal(lint.code, 0, lint.log);
      await git(app, 'add', '-A');
      await git(app, 'commit', '-q', '-m', 'greenlight init');
      return git(app, 'rev-parse', 'HEAD');
    }

    /** group apply, then a verified deployment of each commit; returns the deployments' targets. */
    async function deploy(app: App, commits: string[]): Promise<DeploymentTarget[][]> {
      const apply = await greenlight(app, ['group', 'apply', '--env', 'dev']);
      assert.equal(apply.code, 0, apply.log);
      const all: DeploymentTarget[][] = [];
      for (const commit of commits) {
        const done = await greenlight(app, [
          'deploy',
          '--env',
          'dev',
          '--revision',
          commit,
          '--poll',
          '250ms',
        ]);
        assert.equal(done.code, 0, `${app} deploy ${commit}:\n${done.log}`);
        assert.equal(done.result.status, 'Succeeded', JSON.stringify(done.result));
        const targets = await targetsOf(tc, String(done.result.deploymentId));
        for (const target of targets)
          assert.equal(
            target.instanceTarget?.status,
            'Succeeded',
            JSON.stringify(target.instanceTarget?.lifecycleEvents),
          );
        all.push(targets);
      }
      return all;
    }

    async function listener(app: App): Promise<string> {
      const lbs = await tc.elbv2.send(new DescribeLoadBalancersCommand({ Names: [`${app}-dev-alb`] }));
      const lb = lbs.LoadBalancers?.[0];
      const listeners = await tc.elbv2.send(
        new DescribeListenersCommand({ LoadBalancerArn: lb?.LoadBalancerArn }),
      );
      return `http://${lb?.DNSName ?? ''}:${listeners.Listeners?.[0]?.Port ?? 0}`;
    }

    before(async () => {
      scratch = await mkdtemp(join(tmpdir(), 'greenlight-init-e2e-'));
      for (const app of Object.keys(APPS) as App[]) {
        await mkdir(dirOf(app));
        await git(app, 'init', '-q', '-b', 'main');
        await git(app, 'remote', 'add', 'origin', `git@github.com:acme/${app}.git`);
      }
      // `npm init -y` in a clone of github.com/acme/shop; a page in public/; a requirements-free
      // Python project.
      await writeFile(
        join(dirOf('shop'), 'package.json'),
        `${JSON.stringify({ name: 'shop', version: '1.0.0', main: 'index.js', scripts: { test: 'echo "Error: no test specified" && exit 1' } }, null, 2)}\n`,
      );
      await mkdir(join(dirOf('site'), 'public'));
      await writeFile(
        join(dirOf('site'), 'public/index.html'),
        '<!doctype html><title>site</title><p>hello\n',
      );
      await writeFile(
        join(dirOf('ledger'), 'pyproject.toml'),
        '[project]\nname = "ledger"\nversion = "1.0"\n',
      );
      tc = await startRealCloud(world({ shop: dirOf('shop'), site: dirOf('site'), ledger: dirOf('ledger') }));
      env = {
        ...process.env,
        AWS_ENDPOINT_URL: tc.lc.url,
        AWS_REGION: 'us-east-1',
        AWS_ACCESS_KEY_ID: 'local',
        AWS_SECRET_ACCESS_KEY: 'local',
        AWS_CONFIG_FILE: '/nonexistent/greenlight-test/config',
        AWS_SHARED_CREDENTIALS_FILE: '/nonexistent/greenlight-test/credentials',
        CI: 'true',
      };
      delete env.AWS_PROFILE;
    });

    after(async () => {
      await tc?.close();
      if (scratch) await rm(scratch, { recursive: true, force: true });
    });

    it('an empty Node.js app: deployed, then again with its first dependency, verified, drained through the scaffolded hooks; the listener serves the second', async () => {
      const v1 = await scaffold('shop');
      // The team's next commit: its first dependency (a package of the repository, so that npm ci
      // needs no registry here), used by the app. The hooks init wrote install it.
      const shop = dirOf('shop');
      await mkdir(join(shop, 'lib/greeting'), { recursive: true });
      await writeFile(
        join(shop, 'lib/greeting/package.json'),
        '{"name":"greeting","version":"1.0.0","main":"index.js"}\n',
      );
      await writeFile(join(shop, 'lib/greeting/index.js'), "module.exports = 'hello from a dependency';\n");
      const manifest = JSON.parse(await readFile(join(shop, 'package.json'), 'utf8')) as Record<
        string,
        unknown
      >;
      await writeFile(
        join(shop, 'package.json'),
        `${JSON.stringify({ ...manifest, dependencies: { greeting: 'file:lib/greeting' } }, null, 2)}\n`,
      );
      await exec('npm', ['install', '--package-lock-only', '--offline', '--no-audit', '--no-fund'], {
        cwd: shop,
      });
      const index = await readFile(join(shop, 'index.js'), 'utf8');
      await writeFile(
        join(shop, 'index.js'),
        index.replace(
          "send(200, { app: 'shop', version });",
          "send(200, { app: 'shop', version, hello: require('greeting') });",
        ),
      );
      await git('shop', 'add', '-A');
      await git('shop', 'commit', '-q', '-m', 'v2: a dependency');
      const v2 = await git('shop', 'rev-parse', 'HEAD');
      const [, second = []] = await deploy('shop', [v1, v2]);

      // Every green instance of v2 ran every install hook as the app's user where the appspec says so;
      // the blue ones (v1's) drained and stopped.
      const green = second.filter((t) => t.instanceTarget?.instanceLabel === 'Green');
      const blue = second.filter((t) => t.instanceTarget?.instanceLabel === 'Blue');
      assert.deepEqual([green.length, blue.length], [2, 2]);
      assert.match(
        tail(green[0], 'ValidateService'),
        /\[ValidateService\] start: running as shop \(uid \d+\)/,
      );
      assert.match(
        tail(green[0], 'ValidateService'),
        new RegExp(`wait for /healthcheck: http://[\\d.]+:8000/healthcheck answered HTTP 200, version ${v2}`),
      );
      assert.match(
        tail(blue[0], 'BeforeBlockTraffic'),
        /\[BeforeBlockTraffic\] set the drain flag: \/run\/shop\/draining set: \/healthcheck answers 503 from now on/,
      );
      assert.match(
        tail(blue[0], 'BeforeBlockTraffic'),
        /\[BeforeBlockTraffic\] wait for in-flight requests: drained \(in flight: 0\)/,
      );
      assert.match(
        tail(blue[0], 'AfterBlockTraffic'),
        /\[AfterBlockTraffic\] stop shop\.service: shop\.service stopped/,
      );

      const base = await listener('shop');
      for (let i = 0; i < 4; i++) {
        const health = (await (await fetch(`${base}/healthcheck`)).json()) as {
          status?: string;
          version?: string;
        };
        assert.deepEqual([health.status, health.version], ['pass', v2]);
      }
      assert.deepEqual(await (await fetch(`${base}/`)).json(), {
        app: 'shop',
        version: v2,
        hello: 'hello from a dependency',
      });
    });

    it('a static site: served by python3, its health document says the version; the blue instance drains by losing it', async () => {
      const v1 = await scaffold('site');
      await writeFile(
        join(dirOf('site'), 'public/index.html'),
        '<!doctype html><title>site</title><p>hello again\n',
      );
      await git('site', 'commit', '-q', '-am', 'v2');
      const v2 = await git('site', 'rev-parse', 'HEAD');
      const [, second = []] = await deploy('site', [v1, v2]);
      const green = second.find((t) => t.instanceTarget?.instanceLabel === 'Green');
      const blue = second.find((t) => t.instanceTarget?.instanceLabel === 'Blue');
      assert.match(tail(green, 'AfterInstall'), new RegExp(`/opt/site/healthcheck says version ${v2}`));
      assert.match(
        tail(blue, 'BeforeBlockTraffic'),
        /\/run\/site\/draining set, \/opt\/site\/healthcheck removed: \/healthcheck answers 404 from now on/,
      );
      const base = await listener('site');
      assert.deepEqual(await (await fetch(`${base}/healthcheck`)).json(), { status: 'pass', version: v2 });
      assert.equal(
        await (await fetch(`${base}/`)).text(),
        '<!doctype html><title>site</title><p>hello again\n',
      );
      // Only public/ is served.
      assert.equal((await fetch(`${base}/hooks/lib.sh`)).status, 404);
    });

    it('a Python app: its example app, run by the scaffolded unit, serves the deployed version', async () => {
      const v1 = await scaffold('ledger');
      await deploy('ledger', [v1]);
      const health = (await (await fetch(`${await listener('ledger')}/healthcheck`)).json()) as {
        status?: string;
        version?: string;
      };
      assert.deepEqual([health.status, health.version], ['pass', v1]);
    });
  },
);
