// The sandboxes of one local cloud: every instance launched with `agent: real` gets one (its own root
// under $TMPDIR/greenlight-localcloud-<pid>-<random>/<instance-id>/), and loses it when it shuts down.
// Reset and close stop them all. When the host cannot confine processes (no bubblewrap, no
// namespaces) this says so once on stderr and `available` is false: the cloud then runs those
// instances with the synthetic agent rather than run hooks unconfined.
import { mkdtempSync, rmSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Ec2Instance, Ec2Port } from '../ports.js';
import {
  checkConfinement,
  SANDBOX_VARIABLE,
  type ConfinementCheck,
  type SandboxBackend,
} from '../sandbox/confinement.js';
import { preparePrograms, type SandboxPrograms } from '../sandbox/programs.js';
import { SandboxedInstance } from './sandboxed-instance.js';

export interface RealInstancesOptions {
  /**
   * Off by default: a bare Cloud (unit tests of the models) runs every instance with the synthetic
   * agent and starts no process. The local cloud's server turns sandboxes on.
   */
  readonly enabled?: boolean;
  /** Where the cloud's directory is made (default: the OS temp dir). */
  readonly baseDir?: string;
  /** Where the "cannot confine" notice goes (default: stderr). */
  readonly warn?: (message: string) => void;
  /** Replaces the host check (tests of the fallback). */
  readonly confinement?: () => ConfinementCheck;
  readonly now: () => Date;
  readonly accountId: string;
  /** Host paths an image lacks (the world's images), hidden in its instances' sandboxes. */
  readonly lacksOf?: (imageId: string) => readonly string[] | undefined;
}

export class RealInstances {
  private check?: ConfinementCheck;
  private dir?: string;
  private programs?: Promise<SandboxPrograms>;
  private endpointUrl?: string;
  private readonly instances = new Map<string, SandboxedInstance>();
  private readonly stopping = new Set<Promise<void>>();
  private readonly onExit = (): void => this.killAllNow();
  /** $LOCALCLOUD_SANDBOX when the cloud was made: the backend its sandboxes use (auto when unset). */
  private readonly backendAsked = process.env[SANDBOX_VARIABLE];

  constructor(private readonly options: RealInstancesOptions) {}

  /** True when instances can be sandboxed here; checked (and explained) once. */
  get available(): boolean {
    if (!this.check) {
      this.check = this.options.confinement
        ? this.options.confinement()
        : checkConfinement(this.backendAsked === undefined ? {} : { backend: this.backendAsked });
      if (!this.check.ok) {
        const warn = this.options.warn ?? ((message: string) => process.stderr.write(`${message}\n`));
        warn(
          `local cloud: instances with agent: real cannot be sandboxed on this host (${this.check.reason}); ` +
            'they run with the synthetic agent instead. Hooks are never run unconfined.',
        );
      }
    }
    return this.check.ok;
  }

  /** The sandbox backend in use, once an instance was sandboxed (or the host checked). */
  get backend(): SandboxBackend | undefined {
    return this.check?.ok ? this.check.confinement.backend : undefined;
  }

  /** The cloud's directory (the marker of its sandbox processes), once an instance was sandboxed. */
  get directory(): string | undefined {
    return this.dir;
  }

  setEndpoint(url: string): void {
    this.endpointUrl = url;
  }

  /**
   * Follows one region's EC2: real instances get a sandbox at launch, which runs their user data
   * (`userDataOf`: the launch template's, base64) at first boot, and lose it at shutdown.
   */
  attach(ec2: Ec2Port, region: string, userDataOf?: (instance: Ec2Instance) => string | undefined): void {
    ec2.onStateChange((instance) => {
      if (instance.agent !== 'real') return;
      if (instance.state === 'pending' && !this.instances.has(instance.instanceId))
        this.launch(instance, region, userDataOf?.(instance));
      else if (
        instance.state === 'shutting-down' ||
        instance.state === 'terminated' ||
        instance.state === 'stopped'
      )
        this.stopInstance(instance.instanceId);
    });
  }

  get(instanceId: string): SandboxedInstance | undefined {
    return this.instances.get(instanceId);
  }

  all(): SandboxedInstance[] {
    return [...this.instances.values()];
  }

  /** Kills every instance at once; their directories go in the background (close() waits for that). */
  stopAll(): void {
    for (const id of [...this.instances.keys()]) this.stopInstance(id);
  }

  /** Stops every instance and removes the cloud's directory; nothing of the sandboxes is left. */
  async close(): Promise<void> {
    this.stopAll();
    while (this.stopping.size > 0) await Promise.all([...this.stopping]);
    if (this.dir) await rm(this.dir, { recursive: true, force: true });
    this.dir = undefined;
    this.programs = undefined;
    process.off('exit', this.onExit);
  }

  private launch(instance: Ec2Instance, region: string, userData: string | undefined): void {
    if (!this.options.enabled || !this.available || !this.check?.ok) return;
    if (!this.dir) {
      this.dir = mkdtempSync(join(this.options.baseDir ?? tmpdir(), `greenlight-localcloud-${process.pid}-`));
      process.on('exit', this.onExit);
    }
    const dir = this.dir;
    this.programs ??= preparePrograms(dir);
    const lacks = this.options.lacksOf?.(instance.imageId);
    const sandbox = new SandboxedInstance({
      confinement: this.check.confinement,
      programs: this.programs,
      root: join(dir, instance.instanceId),
      marker: dir,
      identity: {
        instanceId: instance.instanceId,
        privateIpAddress: instance.privateIpAddress,
        availabilityZone: instance.availabilityZone,
        region,
        accountId: this.options.accountId,
        imageId: instance.imageId,
        instanceType: instance.instanceType,
        tags: instance.tags,
      },
      now: this.options.now,
      endpoint: () => this.endpointUrl,
      ...(userData ? { userData } : {}),
      ...(lacks && lacks.length > 0 ? { lacks } : {}),
    });
    this.instances.set(instance.instanceId, sandbox);
  }

  private stopInstance(instanceId: string): void {
    const sandbox = this.instances.get(instanceId);
    if (!sandbox) return;
    this.instances.delete(instanceId);
    const done = sandbox.stop().finally(() => this.stopping.delete(done));
    this.stopping.add(done);
  }

  private killAllNow(): void {
    for (const sandbox of this.instances.values()) sandbox.killNow();
    if (this.dir) rmSync(this.dir, { recursive: true, force: true });
  }
}
