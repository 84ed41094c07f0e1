import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createAwsClients } from '../aws/clients.js';
import { systemClock } from '../clock.js';
import { buildInfoFromEnv, type BuildInfo } from '../codedeploy/deploy.js';
import { applyGroup, groupClientsOf } from '../codedeploy/group.js';
import { resolveEnvironment, type EnvironmentConfig } from '../config/environment.js';
import { loadConfig } from '../config/load.js';
import type { Deps } from '../deps.js';
import { ExitCode, exitCodeOf } from '../exit-codes.js';
import { Output } from '../log/output.js';
import { release as releaseRevision, type ReleaseResult } from '../release.js';
import { rollBackRelease } from '../rollback/roll-back-release.js';
import {
  checkConfinement,
  controlClient,
  startLocalCloud,
  type FaultRule,
  type RunningLocalCloud,
} from '@greenlight/localcloud';
import { htmlReport, type ReportCommand } from '../report/html.js';
import { parseTemplate } from '../sam/template.js';
import type { Logger } from '../log/events.js';
import type { Verdict } from '../verify/verdict.js';
import { verdictJunit } from '../verify/report-junit.js';
import { verdictMarkdown } from '../verify/report-markdown.js';
import { makeReleases, type Release } from './revisions.js';
import { worldFromTemplate } from './template-world.js';
import { describeServed, listenerUrl, servedVersions, watchTraffic, type ReleaseLabel } from './traffic.js';

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
  const narrator = new Narrator(options.logger);
  const agent = introduce(options, narrator);
  const scratch = await mkdtemp(join(tmpdir(), 'greenlight-demo-'));
  // What was started, closed in the reverse order: the output and clients, then the cloud.
  const closers: (() => unknown)[] = [];
  try {
    const stage = await setTheStage(options, agent, scratch, narrator, closers);
    const story = new Story(options, stage, narrator);
    const [v1, v2, v3] = stage.releases;
    await story.createTheGroup();
    await story.deployVerified(
      `2. Deploy ${v1.label} and verify every instance`,
      v1,
      `listener ${stage.listener} serves`,
    );
    await story.deployVerified(
      `3. Deploy ${v2.label} blue/green: green fleet, hooks, traffic moving, blue draining`,
      v2,
      'listener serves',
    );
    await story.deployWithAFault(v3);
    await story.rollBack(v2);
    story.tellTheSummary();
    if (options.keep && !options.signal.aborted) await story.keepTheCloudRunning();
    const { problems } = narrator;
    return {
      exitCode: problems.length > 0 ? 1 : 0,
      agent,
      chapters: story.chapters,
      served: story.served,
      problems,
    };
  } finally {
    for (const close of closers.reverse()) await close();
    await rm(scratch, { recursive: true, force: true });
  }
}

/** Tells the story, and keeps what did not go as told. */
class Narrator {
  readonly problems: string[] = [];
  constructor(private readonly logger: Logger) {}
  readonly say = (text = ''): void => this.logger.emit({ kind: 'message', level: 'info', text });
  readonly title = (text: string): void => {
    this.say('');
    this.logger.emit({ kind: 'step', step: text, status: 'started' });
  };
  readonly expect = (ok: boolean, what: string): void => {
    if (!ok) this.problems.push(what);
  };
}

/** Real instances where sandboxes can confine them, else the synthetic agent; says which. */
function introduce(options: DemoOptions, narrator: Narrator): 'real' | 'synthetic' {
  const confinement =
    options.agent === 'synthetic'
      ? { ok: false as const, reason: 'asked for with --agent synthetic' }
      : checkConfinement();
  narrator.title('greenlight: a blue/green release rehearsed on the local cloud');
  narrator.say(
    confinement.ok
      ? `${options.instances} instances, each a sandbox (${confinement.confinement.backend === 'bubblewrap' ? 'bubblewrap' : "util-linux's unshare"}) running this repository's appspec.yml and hooks/ for real.`
      : `the instances use the synthetic agent, ${options.agent === 'synthetic' ? 'as --agent synthetic asks' : `because real hooks cannot be sandboxed here: ${confinement.reason}`}. ` +
          'Instead lifecycle events are simulated, no hook runs, and the listener answers for each instance with the version it installed.',
  );
  if (confinement.ok && confinement.confinement.note) narrator.say(`note: ${confinement.confinement.note}`);
  return confinement.ok ? 'real' : 'synthetic';
}

/** Everything the chapters act on, set up once. */
interface Stage {
  readonly releases: readonly [Release, Release, Release];
  readonly label: ReleaseLabel;
  readonly cloudUrl: string;
  readonly listener: string;
  readonly output: Output;
  readonly deps: Deps;
  readonly env: EnvironmentConfig;
  readonly build: BuildInfo;
}

/**
 * The releases as commits of a scratch repository, the local cloud with the fleet of
 * sam-template.yaml, clients pointed at it, and the dev environment of greenlight.yml.
 */
async function setTheStage(
  options: DemoOptions,
  agent: 'real' | 'synthetic',
  scratch: string,
  narrator: Narrator,
  closers: (() => unknown)[],
): Promise<Stage> {
  const { say } = narrator;
  const releases = await makeReleases({
    sourceRoot: options.root,
    dir: join(scratch, 'repository'),
    labels: ['v1', 'v2', 'v3'],
  });
  const label: ReleaseLabel = (commit) =>
    releases.find((r) => commit && (r.commit === commit || r.commit.startsWith(commit)))?.label ??
    (commit && /^[0-9a-f]{40}$/.test(commit) ? commit.slice(0, 7) : (commit ?? '—'));

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
  const cloud: RunningLocalCloud = await startLocalCloud({ port: 0, timeScale: options.timeScale, world });
  closers.push(() => cloud.close());
  const listener = await listenerUrl(cloud.url, REGION);
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
  closers.push(() => {
    output.close();
    aws.destroy();
  });
  // The served version is checked through the local load balancer, as CI would through the real one.
  const env = resolveEnvironment(loadConfig({ path: join(options.root, 'greenlight.yml') }), 'dev', {
    healthUrl: `${listener}/healthcheck`,
  });
  return {
    releases: releases as [Release, Release, Release],
    label,
    cloudUrl: cloud.url,
    listener,
    output,
    deps: { aws, clock: systemClock, logger: output },
    env,
    // Only whether this runs in CI: the build-order check says it is skipped without a build number.
    build: buildInfoFromEnv(options.env.CI ? { CI: options.env.CI } : {}),
  };
}

/** The chapters: each runs greenlight's own operations and checks they went as told. */
class Story {
  readonly chapters: Chapter[] = [];
  readonly served: Record<string, string[]> = {};

  constructor(
    private readonly options: DemoOptions,
    private readonly stage: Stage,
    private readonly narrator: Narrator,
  ) {}

  async createTheGroup(): Promise<void> {
    const { env, deps, output } = this.stage;
    this.narrator.title('1. Create the CodeDeploy application and deployment group');
    const apply = await this.greenlight('group apply', async () => ({
      exitCode: ExitCode.Ok,
      result: await applyGroup(env, await groupClientsOf(deps.aws), output),
    }));
    this.narrator.expect(apply.code === 0, `group apply exited ${apply.code}`);
  }

  /** A release that verifies, and the listener serving it afterwards. */
  async deployVerified(title: string, release: Release, serves: string): Promise<void> {
    this.narrator.title(title);
    const deployed = await this.deploy(release.label, release);
    this.narrator.expect(
      deployed.code === 0,
      `deploy ${release.label} exited ${deployed.code}, expected 0 (verified)`,
    );
    await this.expectServed(
      release.label,
      release,
      serves,
      `${release.label} is not what the listener serves`,
    );
  }

  /** One instance's AfterInstall fails: CodeDeploy says Succeeded, greenlight fails the release. */
  async deployWithAFault(release: Release): Promise<void> {
    const { say, expect } = this.narrator;
    this.narrator.title(`4. Deploy ${release.label} with a fault: one instance's AfterInstall fails`);
    const fault: FaultRule = {
      scope: 'instance',
      deploymentGroup: 'web-dev',
      fleet: 'green',
      index: 0,
      event: 'AfterInstall',
      effect: 'fail',
      exitCode: 3,
    };
    const control = controlClient(this.stage.cloudUrl);
    await control.addFault(fault);
    say(`injected fault (local cloud control API): ${JSON.stringify(fault)}`);
    say(
      'CodeDeployDefault.AllAtOnce calls a deployment Succeeded when one instance succeeded; greenlight checks every one.',
    );
    const third = await this.deploy(release.label, release);
    await control.clearFaults();
    expect(
      third.status === 'Succeeded',
      `CodeDeploy said ${third.status ?? '?'} for ${release.label}, expected Succeeded`,
    );
    expect(
      third.code === 1,
      `deploy ${release.label} exited ${third.code}, expected 1 (verification failed)`,
    );
    expect(third.verification?.verified === false, `greenlight did not fail ${release.label}`);
  }

  /** `greenlight rollback`: back to the last verified release, the rollback verified (exit 5). */
  async rollBack(lastVerified: Release): Promise<void> {
    const { env, build, deps, listener, label } = this.stage;
    this.narrator.title(
      `5. Roll back to the last verified release (${lastVerified.label}) and verify the rollback`,
    );
    const startedRollback = Date.now();
    const watch = watchTraffic(listener, label, this.narrator.say, this.options.signal);
    const rollback = await this.greenlight('rollback', () =>
      rollBackRelease({ env, build, pollMs: 500, signal: this.options.signal }, deps),
    );
    await watch.stop();
    await this.writePage('rollback', 'rollback', rollback);
    const rv = rollback.result.verification;
    this.chapters.push({
      release: `rollback → ${label(rollback.result.revision ?? lastVerified.commit)}`,
      codedeploy: rollback.result.status ?? '?',
      greenlight: rv ? (rv.verified ? 'verified' : 'FAILED') : '—',
      exitCode: rollback.code,
      seconds: (Date.now() - startedRollback) / 1000,
    });
    if (rv) await writeReports(this.options.reportsDir, 'rollback', rv, this.narrator.say);
    this.narrator.expect(
      rollback.code === 5,
      `rollback exited ${rollback.code}, expected 5 (rolled back, rollback verified)`,
    );
    await this.expectServed(
      'rollback',
      lastVerified,
      'listener serves',
      `after the rollback the listener does not serve ${lastVerified.label}`,
    );
  }

  tellTheSummary(): void {
    const { say, title, problems } = this.narrator;
    title('Summary');
    say(table(this.chapters));
    say(`\nreports (HTML, JSON, JUnit, Markdown) in ${this.options.reportsDir}`);
    if (problems.length > 0) {
      say(`\nthe story did not go as told:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    } else {
      say(
        '\nthe story went as told: CodeDeploy said Succeeded for a broken release; greenlight caught it and rolled back.',
      );
    }
  }

  /** --keep: how to point the CLI or the AWS CLI at the cloud, until Ctrl-C. */
  async keepTheCloudRunning(): Promise<void> {
    const { say } = this.narrator;
    const url = this.stage.cloudUrl;
    this.narrator.title(
      'The local cloud keeps running (Ctrl-C stops it); in another terminal, in this directory:',
    );
    say(
      `export AWS_ENDPOINT_URL=${url} AWS_REGION=${REGION} AWS_ACCESS_KEY_ID=local AWS_SECRET_ACCESS_KEY=local`,
    );
    // `npx`: from a clone, `greenlight` is not on PATH; npx runs this package's own bin.
    say('npx greenlight status --env dev');
    // --endpoint-url on the line itself: older AWS CLIs (Debian 12's 2.9 among them) ignore
    // AWS_ENDPOINT_URL and would call the real AWS with whatever credentials the shell has.
    say(
      `/usr/bin/aws --endpoint-url ${url} deploy list-deployments --application-name web --deployment-group-name web-dev`,
    );
    say(`curl ${this.stage.listener}/healthcheck`);
    const { signal } = this.options;
    await new Promise<void>((done) => signal.addEventListener('abort', () => done(), { once: true }));
  }

  /** Runs one operation as its command would: a failure is its exit code and a message, not the end. */
  private async greenlight<T>(
    what: string,
    run: () => Promise<{ exitCode: number; result: T }>,
  ): Promise<{ code: number; result: Partial<T>; error?: { message: string } }> {
    try {
      const { exitCode, result } = await run();
      return { code: exitCode, result };
    } catch (error) {
      const message = (error as Error).message;
      this.stage.output.emit({ kind: 'message', level: 'error', text: `${what}: ${message}` });
      return { code: exitCodeOf(error) ?? ExitCode.Failed, result: {}, error: { message } };
    }
  }

  /** The page `greenlight <command> --html` writes for this chapter: reports/demo/<chapter>.html. */
  private async writePage(
    chapter: string,
    command: ReportCommand,
    ran: { code: number; result: unknown; error?: { message: string } },
  ): Promise<void> {
    const dir = this.options.reportsDir;
    await mkdir(dir, { recursive: true });
    const file = resolve(dir, `${fileName(chapter)}.html`);
    const page = htmlReport({
      command,
      exitCode: ran.code,
      ...(Object.keys(ran.result as object).length > 0 ? { result: ran.result } : {}),
      ...(ran.error ? { error: ran.error } : {}),
      environment: this.stage.env.name,
      generatedAt: new Date().toISOString(),
    });
    await writeFile(file, page);
    this.narrator.say(`  HTML report: ${file}`);
  }

  /** The release `greenlight deploy` runs, with the traffic watched; its chapter and reports recorded. */
  private async deploy(
    chapter: string,
    release: Release,
  ): Promise<Partial<ReleaseResult> & { code: number }> {
    const { env, build, deps, listener, label } = this.stage;
    const watch = watchTraffic(listener, label, this.narrator.say, this.options.signal);
    const started = Date.now();
    const ran = await this.greenlight(`deploy ${release.label}`, () =>
      releaseRevision(
        {
          env,
          revision: { type: 'GitHub', commitId: release.commit },
          build,
          pollMs: 500,
          signal: this.options.signal,
        },
        deps,
      ),
    );
    await watch.stop();
    const { code, result } = ran;
    await this.writePage(chapter, 'deploy', ran);
    const verdict = result.verification;
    this.chapters.push({
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
    if (verdict) await writeReports(this.options.reportsDir, chapter, verdict, this.narrator.say);
    return { ...result, code };
  }

  /** Eight answers of the listener, all from `release`. */
  private async expectServed(key: string, release: Release, serves: string, problem: string): Promise<void> {
    const { listener, label } = this.stage;
    const versions = await servedVersions(listener, 8);
    this.served[key] = versions.map(label);
    this.narrator.say(`${serves}: ${describeServed(versions, label)}`);
    this.narrator.expect(
      versions.every((v) => v === release.commit),
      problem,
    );
  }
}

async function writeReports(
  dir: string,
  name: string,
  verdict: Verdict,
  say: (text: string) => void,
): Promise<void> {
  await mkdir(dir, { recursive: true });
  const base = resolve(dir, `verify-${fileName(name)}`);
  await writeFile(`${base}.json`, `${JSON.stringify(verdict, null, 2)}\n`);
  await writeFile(`${base}.junit.xml`, verdictJunit(verdict));
  await writeFile(`${base}.md`, verdictMarkdown(verdict));
  say(`  reports: ${base}.{json,junit.xml,md}`);
}

function fileName(chapter: string): string {
  return chapter.replace(/[^A-Za-z0-9.-]+/g, '-');
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
