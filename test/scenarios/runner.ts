// Runs verifier scenarios (scenario.ts) against one local cloud: reset, world, greenlight.yml, the
// actions through greenlight's real command line (in-process, real SDK clients over HTTP), the
// scenario's own moves through the real AWS APIs, then the observed outcome for the ground truth.
// The cloud runs on a manual clock and greenlight on its virtual time (cloud.clock): time moves only
// when nothing is in flight — the cloud's requests, the health endpoints' (tracked here), pending I/O —
// so a scenario's outcome is the same on an idle machine and under a CPU hog.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { runCli } from '../../src/cli/run.js';
import { sampleEnvironment } from '../config/sample.js';
import { devWorld, startCloud, type TestCloud } from '../support/cloud.js';
import type { ScenarioContext, ScenarioSetup } from './scenario.js';

export interface CliRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export interface Observed {
  readonly runs: readonly CliRun[];
  /** The last run: the scenario's action. */
  readonly last: CliRun;
  /** `--json` result of the last run, when it printed one. */
  readonly result?: Record<string, unknown>;
  readonly junit?: string;
  readonly markdown?: string;
  readonly context: ScenarioContext;
}

/**
 * A version plan's answer for an instance whose health endpoint sends its headers and then one byte
 * every 200 ms, never finishing: an idle timeout never fires on it, only a total deadline does.
 */
export const TRICKLE = 'trickle';

/** Instances' private addresses are 127.0.1.1 upward in launch order (packages/localcloud/src/ec2/model.ts). */
const ADDRESSES = 160;
const address = (n: number) => `127.0.1.${n}`;

/**
 * Health endpoints on every address instances will get, answering what the scenario's version plan
 * says for the n-th launched instance: real HTTP on the instance's own loopback address.
 */
export class VersionServers {
  private servers: Server[] = [];
  port = 0;
  plan: (launchIndex: number) => string | undefined = () => undefined;

  /** `track` counts each server's requests as work in flight (virtual time waits for them). */
  constructor(private readonly track?: (server: Server) => void) {}

  async start(): Promise<void> {
    for (let attempt = 0; attempt < 5; attempt++) {
      try {
        await this.bindAll();
        return;
      } catch {
        await this.close();
      }
    }
    throw new Error('could not bind the version servers');
  }

  private async bindAll(): Promise<void> {
    this.port = 0;
    for (let n = 1; n <= ADDRESSES; n++) {
      const server = createServer((req, res) => {
        const version = this.plan(n);
        if (version === undefined || req.url !== '/healthcheck') {
          res.writeHead(404).end();
          return;
        }
        if (version === TRICKLE) {
          res.writeHead(200, { 'content-type': 'application/json' });
          res.write('{');
          const drip = setInterval(() => res.write(' '), 200);
          res.on('close', () => clearInterval(drip));
          return;
        }
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ status: 'pass', version, datetime: new Date().toISOString() }));
      });
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(this.port, address(n), () => resolve());
      });
      const bound = server.address();
      if (this.port === 0 && bound && typeof bound === 'object') this.port = bound.port;
      this.track?.(server);
      this.servers.push(server);
    }
  }

  async close(): Promise<void> {
    const servers = this.servers;
    this.servers = [];
    await Promise.all(
      servers.map(
        (s) =>
          new Promise<void>((resolve) => {
            s.close(() => resolve());
            s.closeAllConnections();
          }),
      ),
    );
  }
}

/** The revision the local cloud last installed on the running n-th launched instance. */
function installedAt(cloud: TestCloud, launchIndex: number): string | undefined {
  const instance = cloud.lc.cloud
    .region('us-east-1')
    .ec2.all()
    .find((i) => i.privateIpAddress === address(launchIndex) && i.state === 'running');
  return instance ? cloud.lc.cloud.installedVersion(instance.instanceId) : undefined;
}

export interface ScenarioHarness {
  readonly cloud: TestCloud;
  readonly servers: VersionServers;
  run(scenario: ScenarioSetup): Promise<Observed>;
  close(): Promise<void>;
}

export interface HarnessOptions {
  /**
   * Seeds the local cloud's randomness (fault probabilities, jitter, ids); the fault matrix repeats
   * itself with several. Absent: the local cloud's default seed.
   */
  readonly seed?: number;
}

export async function startScenarioHarness(options: HarnessOptions = {}): Promise<ScenarioHarness> {
  const cloud = await startCloud({ world: devWorld(1), seed: options.seed });
  const servers = new VersionServers(cloud.time ? (server) => cloud.time?.track(server) : undefined);
  await servers.start();
  async function cli(dir: string, args: string[], extraEnv: Record<string, string> = {}): Promise<CliRun> {
    let stdout = '';
    let stderr = '';
    const code = await runCli(args, {
      stdout: { write: (s: string) => (stdout += s) },
      stderr: { write: (s: string) => (stderr += s) },
      env: { ...cloud.env, CI: 'true', ...extraEnv },
      cwd: dir,
      signal: new AbortController().signal,
      clock: cloud.clock,
    });
    return { code, stdout, stderr };
  }

  return {
    cloud,
    servers,
    async run(scenario) {
      await cloud.control.reset();
      await cloud.control.loadWorld(scenario.world ?? devWorld(scenario.instances));
      const versions = scenario.versions;
      servers.plan = versions ? (n) => versions(n, installedAt(cloud, n)) : () => undefined;
      const dir = await mkdtemp(join(tmpdir(), 'greenlight-scenario-'));
      try {
        const env = {
          ...sampleEnvironment(),
          alarms: ['web-dev-5xx'],
          ...(scenario.versions
            ? { health: { path: '/healthcheck', port: servers.port, url: `http://127.0.0.1:9/healthcheck` } }
            : {}),
          ...scenario.env,
        };
        await writeFile(
          join(dir, 'greenlight.yml'),
          stringify({ application: 'web', environments: { dev: env } }),
        );
        const runs: CliRun[] = [];
        const context: ScenarioContext = {
          cloud,
          dir,
          facts: {},
          cli: async (args, extraEnv) => {
            const r = await cli(dir, args, extraEnv);
            runs.push(r);
            return r;
          },
        };
        if (scenario.applyFirst !== false) {
          const applied = await context.cli(['group', 'apply', '--env', 'dev']);
          if (applied.code !== 0) throw new Error(`group apply failed: ${applied.stderr}`);
        }
        for (const rule of scenario.faults ?? []) await cloud.fault(rule);
        await scenario.act(context);
        await cloud.clearFaults();
        const last = runs[runs.length - 1];
        if (!last) throw new Error(`${scenario.name} ran no command`);
        const read = (file: string) => readFile(join(dir, file), 'utf8').catch(() => undefined);
        let result: Record<string, unknown> | undefined;
        try {
          result = (JSON.parse(last.stdout) as { result?: Record<string, unknown> }).result;
        } catch {
          result = undefined;
        }
        const junit = await read('verify.xml');
        const markdown = await read('verify.md');
        return {
          runs,
          last,
          ...(result ? { result } : {}),
          ...(junit ? { junit } : {}),
          ...(markdown ? { markdown } : {}),
          context,
        };
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    },
    async close() {
      await servers.close();
      await cloud.close();
    },
  };
}
