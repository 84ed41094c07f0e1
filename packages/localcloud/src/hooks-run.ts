// runHooksInSandbox (behind `greenlight hooks run`): a bundle's hooks for one instance, run like the
// agent's `codedeploy-local` but confined to a local-cloud sandbox instead of the machine itself.
//
// It drives the local cloud's real agent (agent/) against one sandboxed instance
// directly, with no CodeDeploy API in between: a single instance needs no fleet, ASG, target group or
// deployment state machine, only the agent's contract (download, files and permissions, the hooks'
// environment, timeouts, error codes, log tail, which revision runs which hook), which this reuses
// rather than repeats.
//
// The instance outlives the command in a state directory: its own /etc, /opt, /var, /srv, /home and
// /root are saved after a run and restored into the next one's sandbox, together with the agent's
// deployment root, so a second run's ApplicationStop comes from the previous revision's archive, as
// on a real instance. Processes do not survive: the app a run started is stopped with it.
import { randomBytes, randomInt, randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, open, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEPLOYMENT_ROOT, createRealAgent } from './agent/real-agent.js';
import { createScheduler } from './clock.js';
import type { AgentDeployment, Diagnostics } from './codedeploy/agent.js';
import {
  hookEvents,
  installEvents,
  lifecycleEvents,
  trafficEvents,
  type LifecycleEventName,
} from './codedeploy/lifecycle.js';
import { SandboxedInstance, type SandboxedInstanceDeps } from './instance/sandboxed-instance.js';
import type { Ec2Instance } from './ports.js';
import { checkConfinement, INSTANCE_DIRS, type ConfinementCheck } from './sandbox/confinement.js';
import { preparePrograms } from './sandbox/programs.js';

/** What codedeploy-local calls the application and group when none is given. */
export const LOCAL_APPLICATION = 'default-local-application';
export const LOCAL_DEPLOYMENT_GROUP = 'default-local-deployment-group';
const LOCAL_BUCKET = 'greenlight-hooks-run';

/** Every event the agent runs on an in-place instance with a load balancer, in its order. */
const EVENT_ORDER: readonly LifecycleEventName[] = lifecycleEvents.filter(
  (event) => !trafficEvents.has(event),
);

/** Run when no --event is given: the hooks an instance runs to install a revision. */
export const DEFAULT_EVENTS: readonly LifecycleEventName[] = installEvents.filter((event) =>
  hookEvents.includes(event),
);

/** Instance directories kept between runs; /run and /tmp are a boot's, as on a real instance. */
const KEPT_DIRS = INSTANCE_DIRS.filter((dir) => dir !== 'run' && dir !== 'tmp');

/** Hooks run only confined: without namespaces this refuses (exit 2), it never runs them on the host. */
export class ConfinementUnavailableError extends Error {
  readonly exitCode = 2;
  constructor(reason: string) {
    super(
      `cannot run hooks here: ${reason}. Running hooks needs Linux namespaces (bubblewrap, or util-linux's unshare); hooks are never run unconfined.`,
    );
    this.name = 'ConfinementUnavailableError';
  }
}

export interface EventResult {
  readonly event: LifecycleEventName;
  readonly status: 'Succeeded' | 'Failed' | 'Skipped';
  readonly diagnostics?: Diagnostics;
}

export interface HooksRunResult {
  readonly deploymentId: string;
  readonly instanceId: string;
  /** The revision whose ApplicationStop ran, when a previous run left one. */
  readonly previousDeploymentId?: string;
  readonly commit?: string;
  readonly events: readonly EventResult[];
  readonly succeeded: boolean;
}

/** The revision a hooks run installs: a tar of the bundle's root (where its appspec is). */
export interface SandboxBundle {
  readonly tar: Buffer;
  /** The commit the bundle was made from, given to the hooks as BUNDLE_COMMIT. */
  readonly commit?: string;
}

export interface HooksRunOptions {
  readonly bundle: SandboxBundle;
  /** Hook events to run; eventPlan adds the agent's own events they need. */
  readonly events: readonly LifecycleEventName[];
  /** Where the instance is kept between runs. */
  readonly stateDir: string;
  /** Forget the previous runs first. */
  readonly fresh: boolean;
  readonly signal: AbortSignal;
  /** Told when an event starts and ends, and of each line a script writes, as it comes. */
  readonly onEventStart: (event: LifecycleEventName) => void;
  readonly onEventEnd: (result: EventResult) => void;
  readonly onScriptOutput: (entry: string) => void;
  /** Told once the instance is up, before the first event. */
  readonly onStart: (run: {
    instanceId: string;
    privateIpAddress: string;
    deploymentId: string;
    previousDeploymentId?: string;
  }) => void;
  readonly now?: () => Date;
  /** Replaces the host check (tests of the refusal). */
  readonly confinement?: () => ConfinementCheck;
}

interface SavedState {
  readonly deploymentGroupId: string;
  readonly instanceId: string;
  readonly privateIpAddress: string;
  readonly lastDeploymentId?: string;
}

/**
 * The chosen hook events in lifecycle order, with the agent's own events they need: DownloadBundle
 * always (the revision's scripts come from its archive), Install when a chosen event comes after it
 * (those hooks expect the revision's files in place).
 */
export function eventPlan(events: readonly LifecycleEventName[]): LifecycleEventName[] {
  const installAt = EVENT_ORDER.indexOf('Install');
  const needsInstall = events.some((event) => EVENT_ORDER.indexOf(event) > installAt);
  const wanted = new Set<LifecycleEventName>([
    ...events,
    'DownloadBundle',
    ...(needsInstall ? (['Install'] as const) : []),
  ]);
  return EVENT_ORDER.filter((event) => wanted.has(event));
}

/** `d-LOCAL` and five characters, the shape of a deployment id (d- and nine). */
export function localDeploymentId(random: (n: number) => number = randomInt): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
  let suffix = '';
  for (let i = 0; i < 5; i++) suffix += alphabet[random(alphabet.length)] ?? 'X';
  return `d-LOCAL${suffix}`;
}

/** The instance of a hooks run: its environment also carries BUNDLE_COMMIT, as a GitHub revision's does. */
class LocalInstance extends SandboxedInstance {
  constructor(
    deps: SandboxedInstanceDeps,
    private readonly commit: string | undefined,
  ) {
    super(deps);
  }

  override baseEnvironment(): Record<string, string> {
    return { ...super.baseEnvironment(), ...(this.commit ? { BUNDLE_COMMIT: this.commit } : {}) };
  }
}

export async function runHooksInSandbox(options: HooksRunOptions): Promise<HooksRunResult> {
  const check = (options.confinement ?? checkConfinement)();
  if (!check.ok) throw new ConfinementUnavailableError(check.reason);
  const now = options.now ?? (() => new Date());
  // --fresh: a new instance; the old one's files go once the sandbox is up (its users may own them).
  const saved = await loadState(options.fresh ? undefined : options.stateDir);
  const work = await mkdtemp(join(tmpdir(), 'greenlight-hooks-run-'));
  const deploymentId = localDeploymentId();
  const instance = new LocalInstance(
    {
      confinement: check.confinement,
      programs: preparePrograms(work),
      root: join(work, saved.instanceId),
      marker: work,
      identity: {
        instanceId: saved.instanceId,
        privateIpAddress: saved.privateIpAddress,
        availabilityZone: 'local-1a',
        region: 'local',
        accountId: '000000000000',
        imageId: 'ami-local',
        instanceType: 'local',
        tags: new Map([['Name', 'greenlight hooks run']]),
      },
      now,
      endpoint: () => undefined,
    },
    options.bundle.commit,
  );
  try {
    await instance.ready();
    if (options.fresh) await instance.asInstanceRoot(['rm', '-rf', '--', options.stateDir]);
    else await restoreInstance(options.stateDir, instance);
    options.onStart({
      instanceId: saved.instanceId,
      privateIpAddress: saved.privateIpAddress,
      deploymentId,
      ...(saved.lastDeploymentId ? { previousDeploymentId: saved.lastDeploymentId } : {}),
    });
    const results = await runEvents(options, instance, saved, deploymentId, now);
    const installed = results.some((r) => r.event === 'Install' && r.status === 'Succeeded');
    await saveInstance(options.stateDir, instance, {
      ...saved,
      ...(installed ? { lastDeploymentId: deploymentId } : {}),
    });
    return {
      deploymentId,
      instanceId: saved.instanceId,
      ...(saved.lastDeploymentId ? { previousDeploymentId: saved.lastDeploymentId } : {}),
      ...(options.bundle.commit ? { commit: options.bundle.commit } : {}),
      events: results,
      succeeded: results.every((r) => r.status === 'Succeeded'),
    };
  } finally {
    await instance.stop();
    await rm(work, { recursive: true, force: true });
  }
}

async function runEvents(
  options: HooksRunOptions,
  instance: SandboxedInstance,
  saved: SavedState,
  deploymentId: string,
  now: () => Date,
): Promise<EventResult[]> {
  const { bundle } = options;
  const etag = `"${randomBytes(16).toString('hex')}"`;
  const key = `${deploymentId}.tar`;
  const agent = createRealAgent({
    sandboxOf: () => instance,
    s3: {
      getObject: (bucket, objectKey) =>
        bucket === LOCAL_BUCKET && objectKey === key
          ? { body: bundle.tar, etag, lastModified: now() }
          : undefined,
    },
    github: () => undefined,
    scheduler: createScheduler({ now }),
  });
  const deployment: AgentDeployment = {
    deploymentId,
    applicationName: LOCAL_APPLICATION,
    deploymentGroupName: LOCAL_DEPLOYMENT_GROUP,
    deploymentGroupId: saved.deploymentGroupId,
    creator: 'user',
    deploymentType: 'IN_PLACE',
    revision: { revisionType: 'S3', s3Location: { bucket: LOCAL_BUCKET, key, bundleType: 'tar' } },
    ignoreApplicationStopFailures: false,
    fileExistsBehavior: 'DISALLOW',
  };
  const ec2: Ec2Instance = {
    instanceId: saved.instanceId,
    state: 'running',
    availabilityZone: 'local-1a',
    privateIpAddress: saved.privateIpAddress,
    launchTime: now(),
    imageId: 'ami-local',
    instanceType: 'local',
    tags: new Map(),
    agent: 'real',
  };
  const logFile = instance.hostPath(
    `${DEPLOYMENT_ROOT}/${saved.deploymentGroupId}/${deploymentId}/logs/scripts.log`,
  );
  const tail = new ScriptsLogTail(logFile, options.onScriptOutput);
  const results: EventResult[] = [];
  let failed = false;
  for (const [index, event] of eventPlan(options.events).entries()) {
    if (failed || options.signal.aborted) {
      results.push({ event, status: 'Skipped' });
      options.onEventEnd({ event, status: 'Skipped' });
      continue;
    }
    options.onEventStart(event);
    const following = tail.follow();
    let outcome;
    try {
      outcome = await agent.runEvent(
        { instance: ec2, deployment, event, fleet: 'in-place', index },
        options.signal,
      );
    } finally {
      await following.stop();
    }
    const result: EventResult = { event, status: outcome.status, diagnostics: outcome.diagnostics };
    results.push(result);
    options.onEventEnd(result);
    failed = outcome.status === 'Failed';
  }
  return results;
}

/** Hands over the lines the agent appends to scripts.log while an event runs. */
class ScriptsLogTail {
  private offset = 0;
  private pending = '';

  constructor(
    private readonly file: string,
    private readonly onEntry: (entry: string) => void,
  ) {}

  follow(): { stop(): Promise<void> } {
    let running = true;
    const loop = (async () => {
      while (running) {
        await this.read();
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      await this.read();
    })();
    return {
      stop: async () => {
        running = false;
        await loop;
      },
    };
  }

  private async read(): Promise<void> {
    if (!existsSync(this.file)) return;
    const handle = await open(this.file, 'r');
    try {
      const { size } = await handle.stat();
      if (size <= this.offset) return;
      const buffer = Buffer.alloc(size - this.offset);
      await handle.read(buffer, 0, buffer.length, this.offset);
      this.offset = size;
      const lines = (this.pending + buffer.toString('utf8')).split('\n');
      this.pending = lines.pop() ?? '';
      // Each line is `YYYY-MM-DD HH:MM:SS <entry>`; the entry is what the agent would show.
      for (const line of lines) this.onEntry(line.replace(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d /, ''));
    } finally {
      await handle.close();
    }
  }
}

// ---- the instance kept between runs ---------------------------------------------------------------

async function loadState(stateDir: string | undefined): Promise<SavedState> {
  try {
    if (stateDir === undefined) throw new Error('a fresh instance');
    const saved = JSON.parse(await readFile(join(stateDir, 'state.json'), 'utf8')) as Partial<SavedState>;
    if (
      typeof saved.deploymentGroupId === 'string' &&
      typeof saved.instanceId === 'string' &&
      typeof saved.privateIpAddress === 'string'
    ) {
      return saved as SavedState;
    }
  } catch {
    // No earlier run (or a state this version cannot read): a fresh instance.
  }
  return {
    deploymentGroupId: randomUUID(),
    instanceId: `i-0local${randomBytes(5).toString('hex')}`,
    // Its own loopback address, like every local-cloud instance: the app can bind port 8000 on it.
    privateIpAddress: `127.0.${randomInt(100, 250)}.${randomInt(2, 250)}`,
  };
}

// Copies run as the instance's root: in a user namespace, files its other users own are only theirs.
async function restoreInstance(stateDir: string, instance: SandboxedInstance): Promise<void> {
  for (const dir of KEPT_DIRS) {
    const saved = join(stateDir, 'instance', dir);
    if (existsSync(saved))
      await instance.asInstanceRoot(['cp', '-a', `${saved}/.`, `${join(instance.root, dir)}/`]);
  }
}

async function saveInstance(stateDir: string, instance: SandboxedInstance, state: SavedState): Promise<void> {
  const root = instance.root;
  await mkdir(stateDir, { recursive: true });
  // The state directory belongs to no repository: it ignores itself, .gitignore included.
  await writeFile(join(stateDir, '.gitignore'), '*\n');
  const target = join(stateDir, 'instance');
  await instance.asInstanceRoot(['rm', '-rf', '--', target]);
  await mkdir(target, { recursive: true });
  for (const dir of KEPT_DIRS) {
    await instance.asInstanceRoot(['cp', '-a', join(root, dir), join(target, dir)]);
  }
  await writeFile(join(stateDir, 'state.json'), `${JSON.stringify(state, null, 2)}\n`);
}
