import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  DescribeListenersCommand,
  DescribeLoadBalancersCommand,
  ElasticLoadBalancingV2Client,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { createAwsClients } from '../aws/clients.js';
import { systemClock } from '../clock.js';
import { buildInfoFromEnv } from '../codedeploy/deploy.js';
import { applyGroup } from '../codedeploy/group.js';
import { resolveEnvironment } from '../config/environment.js';
import { loadConfig } from '../config/load.js';
import type { Deps } from '../deps.js';
import { ExitCode, exitCodeOf } from '../exit-codes.js';
import { Output } from '../log/output.js';
import { release as releaseRevision, type ReleaseResult } from '../release.js';
import { rollBackRelease } from '../rollback/roll-back-release.js';
import { startLocalCloud, type RunningLocalCloud } from '../localcloud/server.js';
import { checkConfinement } from '../localcloud/sandbox/bubblewrap.js';
import { parseTemplate } from '../sam/template.js';
import type { Logger } from '../log/events.js';
import type { Verdict } from '../verify/verdict.js';
import { verdictJunit } from '../verify/report-junit.js';
import { verdictMarkdown } from '../verify/report-markdown.js';
import { makeReleases, type Release } from './revisions.js';
import { worldFromTemplate } from './template-world.js';

// `npm start`: a whole blue/green release rehearsed on the local cloud, told as a story. Every step
// is greenlight's own operation — the release `greenlight deploy` runs (src/release.ts), the rollback
// `greenlight rollback` runs — against the local cloud, printing what those commands print, so what
// the demo shows is what a CircleCI job would print.

export interface DemoOptions {
  readonly root: string;
  readonly instances: number;
  readonly keep: boolean;
  readonly timeScale: number;
  /** `synthetic` runs no hook even where sandboxes are available. */
  readonly agent?: 'real' | 'synthetic';
  readonly reportsDir: string;
  /** Where the story is told; the greenlight operations it runs write to `stderr`, as the CLI would. */
  readonly logger: Logger;
  readonly stderr: { write(s: string): unknown; isTTY?: boolean };
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly signal: AbortSignal;
}

export interface Chapter {
  readonly release: string;
  readonly codedeploy: string;
  readonly greenlight: string;
  readonly exitCode: number;
  readonly seconds: number;
}

const REGION = 'us-east-1';
const ACCOUNT = '123456789012';

export interface DemoResult {
  /** 0 when the story went as told. */
  readonly exitCode: number;
  readonly agent: 'real' | 'synthetic';
  readonly chapters: readonly Chapter[];
  /** What the listener served after each release: release label → labels of 8 answers. */
  readonly served: Readonly<Record<string, readonly string[]>>;
  /** What did not go as told. */
  readonly problems: readonly string[];
}

export async function runDemo(options: DemoOptions): Promise<DemoResult> {
  const say = (text = '') => options.logger.emit({ kind: 'message', level: 'info', text });
  const title = (text: string) => {
    say('');
    options.logger.emit({ kind: 'step', step: text, status: 'started' });
  };
  const problems: string[] = [];
  const expect = (ok: boolean, what: string) => {
    if (!ok) problems.push(what);
  };

  const confinement =
    options.agent === 'synthetic'
      ? { ok: false as const, reason: 'asked for with --agent synthetic' }
      : checkConfinement();
  const agent = confinement.ok ? 'real' : 'synthetic';
  title('greenlight: a blue/green release rehearsed on the local cloud');
  say(
    confinement.ok
      ? `${options.instances} instances, each a bubblewrap sandbox running this repository's appspec.yml and hooks/ for real.`
      : `the instances use the synthetic agent (${confinement.reason}): lifecycle events are simulated, ` +
          'no hook runs, and the listener answers for each instance with the version it installed.',
  );

  const scratch = await mkdtemp(join(tmpdir(), 'greenlight-demo-'));
  let cloud: RunningLocalCloud | undefined;
  let closeOutput: () => void = () => undefined;
  const chapters: Chapter[] = [];
  const served: Record<string, string[]> = {};
  try {
    const releases = await makeReleases({
      sourceRoot: options.root,
      dir: join(scratch, 'repository'),
      labels: ['v1', 'v2', 'v3'],
    });
    const label = (commit: string | undefined) =>
      releases.find((r) => commit && (r.commit === commit || r.commit.startsWith(commit)))?.label ??
      (commit && /^[0-9a-f]{40}$/.test(commit) ? commit.slice(0, 7) : (commit ?? '—'));
    const [v1, v2, v3] = releases as [Release, Release, Release];

    const template = parseTemplate(
      await readFile(join(options.root, 'sam-template.yaml'), 'utf8'),
      'sam-template.yaml',
    );
    const world = worldFromTemplate(template.document, {
      parameters: { Environment: 'dev' },
      accountId: ACCOUNT,
      region: REGION,
      instances: options.instances,
      agent,
      availabilityZones: ['us-east-1a', 'us-east-1b'],
      github: { 'example/greenlight': join(scratch, 'repository') },
    });
    cloud = await startLocalCloud({ port: 0, timeScale: options.timeScale, world });
    const listener = await listenerUrl(cloud.url);
    say(
      `local cloud: ${cloud.url} (AWS time runs ${options.timeScale}× faster: a 5-minute wait takes ${300 / options.timeScale} s)`,
    );
    say(
      `fleet from sam-template.yaml: ASG web-dev-asg, target group web-dev-tg (health check /healthcheck on 8000), listener ${listener}`,
    );
    say(
      `releases: ${releases.map((r) => `${r.label} = ${r.commit.slice(0, 7)}`).join(', ')} (commits of this checkout's app, appspec and hooks)`,
    );

    // The clients are pointed at the local cloud explicitly, with its static keys and no profile or
    // role, so nothing the demo does can reach a real AWS account.
    const aws = createAwsClients({
      region: REGION,
      endpoint: cloud.url,
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
    // Plain lines even on a terminal: the traffic watcher prints while a deployment runs, and a
    // redrawn status line would be torn by its lines.
    const output = new Output({
      stdout: { write: () => true },
      stderr: { write: (text: string) => options.stderr.write(text) },
      human: 'plain',
      json: 'off',
    });
    closeOutput = () => {
      output.close();
      aws.destroy();
    };
    const deps: Deps = { aws, clock: systemClock, logger: output };
    // The served version is checked through the local load balancer, as CI would through the real one.
    const env = resolveEnvironment(loadConfig({ path: join(options.root, 'greenlight.yml') }), 'dev', {
      healthUrl: `${listener}/healthcheck`,
    });
    // Only whether this runs in CI: the build-order check says it is skipped without a build number.
    const build = buildInfoFromEnv(options.env.CI ? { CI: options.env.CI } : {});
    /** Runs one operation as its command would: a failure is its exit code and a message, not the end. */
    const greenlight = async <T>(what: string, run: () => Promise<{ exitCode: number; result: T }>) => {
      try {
        const { exitCode, result } = await run();
        return { code: exitCode, result: result as Partial<T> };
      } catch (error) {
        output.emit({ kind: 'message', level: 'error', text: `${what}: ${(error as Error).message}` });
        return { code: exitCodeOf(error) ?? ExitCode.Failed, result: {} as Partial<T> };
      }
    };

    title('1. Create the CodeDeploy application and deployment group');
    const apply = await greenlight('group apply', async () => ({
      exitCode: ExitCode.Ok,
      result: await applyGroup(
        env,
        { codedeploy: await aws.codedeploy(), autoscaling: await aws.autoscaling() },
        output,
      ),
    }));
    expect(apply.code === 0, `group apply exited ${apply.code}`);

    const deploy = async (
      chapter: string,
      release: Release,
    ): Promise<Partial<ReleaseResult> & { code: number }> => {
      const watch = watchTraffic(listener, label, say, options.signal);
      const started = Date.now();
      const { code, result } = await greenlight(`deploy ${release.label}`, () =>
        releaseRevision(
          {
            env,
            revision: { type: 'GitHub', commitId: release.commit },
            build,
            pollMs: 500,
            signal: options.signal,
          },
          deps,
        ),
      );
      await watch.stop();
      const verdict = result.verification;
      chapters.push({
        release: chapter,
        codedeploy: result.status ?? '?',
        greenlight: verdict
          ? verdict.verified
            ? 'verified'
            : `FAILED, ${verdict.failedInstances} of ${verdict.fleetSize}`
          : '—',
        exitCode: code,
        seconds: (Date.now() - started) / 1000,
      });
      if (verdict) await writeReports(options.reportsDir, chapter, verdict, say);
      return { ...result, code };
    };

    title(`2. Deploy ${v1.label} and verify every instance`);
    const first = await deploy(v1.label, v1);
    expect(first.code === 0, `deploy ${v1.label} exited ${first.code}, expected 0 (verified)`);
    const served1 = await servedVersions(listener, 8);
    served[v1.label] = served1.map(label);
    say(`listener ${listener} serves: ${describeServed(served1, label)}`);
    expect(
      served1.every((v) => v === v1.commit),
      `${v1.label} is not what the listener serves`,
    );

    title(`3. Deploy ${v2.label} blue/green: green fleet, hooks, traffic moving, blue draining`);
    const second = await deploy(v2.label, v2);
    expect(second.code === 0, `deploy ${v2.label} exited ${second.code}, expected 0 (verified)`);
    const served2 = await servedVersions(listener, 8);
    served[v2.label] = served2.map(label);
    say(`listener serves: ${describeServed(served2, label)}`);
    expect(
      served2.every((v) => v === v2.commit),
      `${v2.label} is not what the listener serves`,
    );

    title(`4. Deploy ${v3.label} with a fault: one instance's AfterInstall fails`);
    const fault = {
      scope: 'instance',
      deploymentGroup: 'web-dev',
      fleet: 'green',
      index: 0,
      event: 'AfterInstall',
      effect: 'fail',
      exitCode: 3,
    };
    await control(cloud.url, 'POST', 'faults', fault);
    say(`injected fault (local cloud control API): ${JSON.stringify(fault)}`);
    say(
      'CodeDeployDefault.AllAtOnce calls a deployment Succeeded when one instance succeeded; greenlight checks every one.',
    );
    const third = await deploy(v3.label, v3);
    await control(cloud.url, 'DELETE', 'faults');
    expect(
      third.status === 'Succeeded',
      `CodeDeploy said ${third.status ?? '?'} for ${v3.label}, expected Succeeded`,
    );
    expect(third.code === 1, `deploy ${v3.label} exited ${third.code}, expected 1 (verification failed)`);
    expect(third.verification?.verified === false, `greenlight did not fail ${v3.label}`);

    title(`5. Roll back to the last verified release (${v2.label}) and verify the rollback`);
    const startedRollback = Date.now();
    const watch = watchTraffic(listener, label, say, options.signal);
    const rollback = await greenlight('rollback', () =>
      rollBackRelease({ env, build, pollMs: 500, signal: options.signal }, deps),
    );
    await watch.stop();
    const rv = rollback.result.verification;
    chapters.push({
      release: `rollback → ${label(rollback.result.revision ?? v2.commit)}`,
      codedeploy: rollback.result.status ?? '?',
      greenlight: rv ? (rv.verified ? 'verified' : 'FAILED') : '—',
      exitCode: rollback.code,
      seconds: (Date.now() - startedRollback) / 1000,
    });
    if (rv) await writeReports(options.reportsDir, 'rollback', rv, say);
    expect(
      rollback.code === 5,
      `rollback exited ${rollback.code}, expected 5 (rolled back, rollback verified)`,
    );
    const served3 = await servedVersions(listener, 8);
    served.rollback = served3.map(label);
    say(`listener serves: ${describeServed(served3, label)}`);
    expect(
      served3.every((v) => v === v2.commit),
      `after the rollback the listener does not serve ${v2.label}`,
    );

    title('Summary');
    say(table(chapters));
    say(`\nreports (JSON, JUnit, Markdown) in ${options.reportsDir}`);
    if (problems.length > 0) {
      say(`\nthe story did not go as told:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    } else {
      say(
        '\nthe story went as told: CodeDeploy said Succeeded for a broken release; greenlight caught it and rolled back.',
      );
    }

    if (options.keep && !options.signal.aborted) {
      title('The local cloud keeps running (Ctrl-C stops it)');
      say(
        `export AWS_ENDPOINT_URL=${cloud.url} AWS_REGION=${REGION} AWS_ACCESS_KEY_ID=local AWS_SECRET_ACCESS_KEY=local`,
      );
      say('greenlight status --env dev');
      say('/usr/bin/aws deploy list-deployments --application-name web --deployment-group-name web-dev');
      say(`curl ${listener}/healthcheck`);
      await new Promise<void>((done) =>
        options.signal.addEventListener('abort', () => done(), { once: true }),
      );
    }
    return { exitCode: problems.length > 0 ? 1 : 0, agent, chapters, served, problems };
  } finally {
    closeOutput();
    await cloud?.close();
    await rm(scratch, { recursive: true, force: true });
  }
}

async function control(url: string, method: string, path: string, body?: unknown): Promise<void> {
  const response = await fetch(`${url}/_localcloud/${path}`, {
    method,
    ...(body !== undefined
      ? { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }
      : {}),
  });
  if (!response.ok)
    throw new Error(`${method} /_localcloud/${path}: ${response.status} ${await response.text()}`);
}

/** The listener's URL, found the way anyone would: DescribeLoadBalancers and DescribeListeners. */
async function listenerUrl(endpoint: string): Promise<string> {
  const elbv2 = new ElasticLoadBalancingV2Client({
    endpoint,
    region: REGION,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  try {
    const lbs = await elbv2.send(new DescribeLoadBalancersCommand({ Names: ['web-dev-alb'] }));
    const lb = lbs.LoadBalancers?.[0];
    const listeners = await elbv2.send(
      new DescribeListenersCommand({ LoadBalancerArn: lb?.LoadBalancerArn }),
    );
    const port = listeners.Listeners?.[0]?.Port;
    if (!lb?.DNSName || !port) throw new Error('the local cloud has no listener for web-dev-alb');
    return `http://${lb.DNSName}:${port}`;
  } finally {
    elbv2.destroy();
  }
}

interface Answer {
  readonly version?: string;
  /** Why the instance said it is not taking traffic (the example app drains before BlockTraffic). */
  readonly not?: string;
}

async function askVersion(listener: string): Promise<Answer> {
  try {
    const response = await fetch(`${listener}/healthcheck`, { signal: AbortSignal.timeout(2_000) });
    const body = (await response.json().catch(() => ({}))) as { version?: string; output?: string };
    if (response.ok) return { ...(body.version ? { version: body.version } : {}) };
    return {
      ...(body.version ? { version: body.version } : {}),
      not: body.output ?? `HTTP ${response.status}`,
    };
  } catch {
    return { not: 'no answer' };
  }
}

async function servedVersions(listener: string, n: number): Promise<(string | undefined)[]> {
  const seen: (string | undefined)[] = [];
  for (let i = 0; i < n; i++) {
    const answer = await askVersion(listener);
    seen.push(answer.not ? answer.not : answer.version);
  }
  return seen;
}

function describeServed(
  versions: readonly (string | undefined)[],
  label: (c: string | undefined) => string,
): string {
  const counts = new Map<string, number>();
  for (const v of versions) counts.set(label(v), (counts.get(label(v)) ?? 0) + 1);
  return [...counts].map(([name, n]) => `${name} ${n}/${versions.length}`).join(', ');
}

/** Asks the listener which version answers while a deployment runs, and says when the mix changes. */
function watchTraffic(
  listener: string,
  label: (c: string | undefined) => string,
  say: (text: string) => void,
  signal: AbortSignal,
): { stop(): Promise<void> } {
  let running = true;
  const loop = (async () => {
    let last = '';
    const window: string[] = [];
    while (running && !signal.aborted) {
      const answer = await askVersion(listener);
      window.push(answer.not ? `${label(answer.version)} (${answer.not})` : label(answer.version));
      if (window.length > 6) window.shift();
      const mix = [...new Set(window)].sort().join(' + ');
      if (mix !== last && window.length >= 3) {
        say(`  [traffic] the listener answers with ${mix}`);
        last = mix;
      }
      await sleep(150);
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
    },
  };
}

async function writeReports(
  dir: string,
  name: string,
  verdict: Verdict,
  say: (text: string) => void,
): Promise<void> {
  await mkdir(dir, { recursive: true });
  const base = resolve(dir, `verify-${name.replace(/[^A-Za-z0-9.-]+/g, '-')}`);
  await writeFile(`${base}.json`, `${JSON.stringify(verdict, null, 2)}\n`);
  await writeFile(`${base}.junit.xml`, verdictJunit(verdict));
  await writeFile(`${base}.md`, verdictMarkdown(verdict));
  say(`  reports: ${base}.{json,junit.xml,md}`);
}

function table(chapters: readonly Chapter[]): string {
  const rows = [
    ['release', 'CodeDeploy', 'greenlight', 'exit', 'time'],
    ...chapters.map((c) => [
      c.release,
      c.codedeploy,
      c.greenlight,
      String(c.exitCode),
      `${c.seconds.toFixed(1)} s`,
    ]),
  ];
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length))) ?? [];
  return rows
    .map((r) =>
      r
        .map((cell, i) => cell.padEnd(widths[i] ?? 0))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}
