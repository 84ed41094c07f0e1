// The local cloud's state: one set of service models per region, wired to one another, plus what is
// global (S3 buckets, fault rules, request counts, GitHub mappings) and the shared clock.
import { AutoScalingModel } from './autoscaling/model.js';
import { createScheduler } from './clock.js';
import { CloudFormationModel } from './cloudformation/model.js';
import { CloudWatchModel } from './cloudwatch/model.js';
import { randomInt } from 'node:crypto';
import { createRealAgent } from './agent/real-agent.js';
import {
  applyWorldResources,
  createCodeDeployModel,
  createSyntheticAgent,
  type Agent,
  type CodeDeployModel,
  type Revision,
} from './codedeploy/index.js';
import { createAddressAllocator, Ec2Model, type AddressAllocator } from './ec2/model.js';
import { Elbv2Model, type ListenerOpener } from './elbv2/model.js';
import { FaultRules } from './faults.js';
import { IamModel } from './iam/model.js';
import { IamUsage } from './iam/usage.js';
import { greenFleetDenial } from './iam/service-role.js';
import { ImageRegistry } from './instance/images.js';
import { RealInstances, type RealInstancesOptions } from './instance/real-instances.js';
import type { AgentMode, Ec2Instance, Scheduler } from './ports.js';
import { seededRandom, type Random } from './random.js';
import { S3Model } from './s3/model.js';
import { SsmModel, type SsmAgentState } from './ssm/model.js';
import { recordingScriptsLog } from './ssm/simulated-log.js';
import type { World, WorldJournal } from './world.js';

export const DEFAULT_ACCOUNT_ID = '123456789012';
export const DEFAULT_REGION = 'us-east-1';

export interface RegionModels {
  readonly region: string;
  readonly ec2: Ec2Model;
  readonly elbv2: Elbv2Model;
  readonly autoscaling: AutoScalingModel;
  readonly cloudwatch: CloudWatchModel;
  readonly codedeploy: CodeDeployModel;
  readonly cloudformation: CloudFormationModel;
  readonly ssm: SsmModel;
}

export interface CloudOptions {
  readonly timeScale?: number;
  /** Seeds ids, fault probabilities and jitter, so a run can be replayed. */
  readonly seed?: number;
  readonly accountId?: string;
  readonly scheduler?: Scheduler;
  /** Page size of CodeDeploy's List* operations (tests make it small to exercise pagination). */
  readonly codeDeployPageSize?: number;
  /** Opens load balancer listener ports (part 2: real reverse proxies). */
  readonly openListener?: ListenerOpener;
  /** Where `agent: real` instances get their sandboxes, and how a host that cannot confine is reported. */
  readonly realInstances?: Pick<RealInstancesOptions, 'enabled' | 'baseDir' | 'warn' | 'confinement'>;
  /** 127.<a>.<b>.0 where real instances' addresses start; random by default (see createAddressAllocator). */
  readonly realAddressBase?: readonly [number, number];
  /** AWS seconds from a launch until the synthetic agent answers (default 0; SyntheticAgentOptions). */
  readonly syntheticAgentStartSeconds?: number;
}

/** Calls per `service:Operation` since the last reset (GET /_localcloud/requests). */
export class RequestCounts {
  private readonly counts = new Map<string, number>();

  record(service: string, operation: string): void {
    const key = `${service}:${operation}`;
    this.counts.set(key, (this.counts.get(key) ?? 0) + 1);
  }

  snapshot(): Record<string, number> {
    return Object.fromEntries([...this.counts].sort(([a], [b]) => a.localeCompare(b)));
  }

  clear(): void {
    this.counts.clear();
  }
}

export class Cloud {
  readonly accountId: string;
  readonly scheduler: Scheduler;
  readonly random: Random;
  readonly faults: FaultRules;
  readonly requests = new RequestCounts();
  /** `owner/repo` → local git repository, from the world file (the real agent uses it). */
  readonly github = new Map<string, string>();
  /** The sandboxes of `agent: real` instances. */
  readonly instances: RealInstances;
  /** What the world's images lack and serve (EC2's own image records are the EC2 model's). */
  readonly images = new ImageRegistry();
  /**
   * The agent of instances whose launch names none: groups made by CreateAutoScalingGroup, by a
   * stack, or by a world group without `agent` (world `instances.agent`, POST /_localcloud/instances/agent).
   */
  defaultAgent: AgentMode = 'synthetic';
  /**
   * The SSM Agent of instances launched from now on (world `instances.ssmAgent`,
   * POST /_localcloud/instances/ssm-agent): online (as Amazon Linux 2023 ships it), stopped or absent.
   */
  defaultSsmAgent: SsmAgentState = 'online';
  /** World instances that already run an app answering this health path (world `serves`). */
  private readonly serving = new Map<string, string>();
  private readonly realAgent: Agent;
  /** Instance → the revision its agent last installed (what a listener answers for a synthetic target). */
  private readonly installedRevisions = new Map<string, Revision>();
  private s3Model: S3Model;
  private iamModel = new IamModel(
    () => this.accountId,
    () => this.scheduler.now(),
  );
  private readonly realAddressBase: readonly [number, number];
  private addresses: AddressAllocator;
  private readonly regions = new Map<string, RegionModels>();
  private readonly resetListeners: (() => void)[] = [];
  private readonly regionListeners: ((models: RegionModels) => void)[] = [];
  private readonly worldListeners: ((world: World, models: RegionModels, journal: WorldJournal) => void)[] =
    [];

  constructor(private readonly options: CloudOptions = {}) {
    this.accountId = options.accountId ?? DEFAULT_ACCOUNT_ID;
    // Not the seeded random: ids stay reproducible, and two clouds on one host must not share addresses.
    this.realAddressBase = options.realAddressBase ?? [randomInt(1, 255), randomInt(0, 250)];
    this.addresses = createAddressAllocator(this.realAddressBase);
    this.scheduler = options.scheduler ?? createScheduler({ timeScale: options.timeScale ?? 1 });
    this.random = seededRandom(options.seed ?? 1);
    this.faults = new FaultRules(this.random);
    this.s3Model = new S3Model({ scheduler: this.scheduler, random: this.random });
    this.onWorldApplied((world, models, journal) => applyWorldResources(models.codedeploy, world, journal));
    this.instances = new RealInstances({
      ...options.realInstances,
      now: () => this.scheduler.now(),
      accountId: this.accountId,
      lacksOf: (imageId) => this.images.get(imageId)?.lacks,
    });
    this.realAgent = createRealAgent({
      sandboxOf: (instanceId) => this.instances.get(instanceId),
      s3: { getObject: (bucket, key, version) => this.s3.getObject(bucket, key, version) },
      github: (repository) => this.github.get(repository),
      scheduler: this.scheduler,
    });
  }

  get s3(): S3Model {
    return this.s3Model;
  }

  /** IAM is global: one set of roles, policies and OIDC providers for every region. */
  /** What each role's sessions asked for (iam/usage.ts): least privilege from running. */
  readonly iamUsage = new IamUsage();

  get iam(): IamModel {
    return this.iamModel;
  }

  /** The models of a region, created on first use. */
  region(name: string): RegionModels {
    let models = this.regions.get(name);
    if (!models) {
      models = this.createRegion(name);
      this.regions.set(name, models);
      for (const listener of this.regionListeners) listener(models);
    }
    return models;
  }

  allRegions(): RegionModels[] {
    return [...this.regions.values()];
  }

  /** Forgets everything: every region's state, buckets, fault rules, request counts and timers. */
  reset(): void {
    this.scheduler.cancelAll();
    // Health checks of real targets run until their target group lets them go.
    for (const models of this.regions.values()) models.elbv2.dispose();
    this.regions.clear();
    this.s3Model = new S3Model({ scheduler: this.scheduler, random: this.random });
    this.iamModel = new IamModel(
      () => this.accountId,
      () => this.scheduler.now(),
    );
    this.addresses = createAddressAllocator(this.realAddressBase);
    this.iamUsage.clear();
    this.faults.clear();
    this.requests.clear();
    this.github.clear();
    this.installedRevisions.clear();
    this.serving.clear();
    this.images.clear();
    this.defaultAgent = 'synthetic';
    this.defaultSsmAgent = 'online';
    this.instances.stopAll();
    for (const listener of this.resetListeners) listener();
  }

  /** The commit or S3 key of the revision an instance last installed. */
  installedVersion(instanceId: string): string | undefined {
    const revision = this.installedRevisions.get(instanceId);
    if (!revision) return undefined;
    return revision.revisionType === 'GitHub' ? revision.gitHubLocation.commitId : revision.s3Location.key;
  }

  /** The world says this instance already runs an app that answers `path` (deployed before it began). */
  servesAlready(instanceId: string, path: string): void {
    this.serving.set(instanceId, path);
  }

  /**
   * Whether something on a synthetic instance answers a health check at `path`: a revision a
   * deployment installed (the synthetic app answers whatever its target group checks), the world's
   * word that it already runs one, or an image that serves the path. A bare instance answers nothing.
   */
  answersHealthCheck(ec2: Ec2Model, instanceId: string, path: string): boolean {
    if (this.installedRevisions.has(instanceId)) return true;
    if (this.serving.get(instanceId) === path) return true;
    const imageId = ec2.get(instanceId)?.imageId;
    return imageId !== undefined && this.images.get(imageId)?.serves === path;
  }

  /** Stops every timer and instance process and removes the sandboxes (server shutdown). */
  async close(): Promise<void> {
    this.scheduler.cancelAll();
    for (const models of this.regions.values()) models.elbv2.dispose();
    await this.instances.close();
  }

  /** Runs on reset, after the state is gone (part 2: stop instance processes). */
  onReset(listener: () => void): void {
    this.resetListeners.push(listener);
  }

  /** Runs when a region's models are created (e.g. to attach an agent to EC2 state changes). */
  onRegionCreated(listener: (models: RegionModels) => void): void {
    this.regionListeners.push(listener);
  }

  /**
   * Runs while a world is applied, after its load balancers, alarms and buckets and before its Auto
   * Scaling groups launch; CodeDeploy applies `world.applications` here. A listener records in the
   * journal how to undo what it created: a world that fails later is taken back whole.
   */
  onWorldApplied(listener: (world: World, models: RegionModels, journal: WorldJournal) => void): void {
    this.worldListeners.push(listener);
  }

  /** Called by applyWorld. */
  worldApplied(world: World, models: RegionModels, journal: WorldJournal): void {
    for (const listener of this.worldListeners) listener(world, models, journal);
  }

  private recordingInstalls(agent: Agent, installed: (instanceId: string) => void): Agent {
    return {
      runEvent: async (request, signal) => {
        const result = await agent.runEvent(request, signal);
        if (request.event === 'Install' && result.status === 'Succeeded') {
          this.installedRevisions.set(request.instance.instanceId, request.deployment.revision);
          installed(request.instance.instanceId);
        }
        return result;
      },
    };
  }

  private createRegion(region: string): RegionModels {
    const { accountId, scheduler, random } = this;
    const ec2 = new Ec2Model({ region, accountId, scheduler, random, addresses: this.addresses });
    this.instances.attach(ec2, region, (instance) => launchUserData(ec2, instance));
    const ssm = new SsmModel({
      region,
      accountId,
      scheduler,
      random,
      ec2,
      sandboxOf: (instanceId) => this.instances.get(instanceId),
      newInstanceAgent: () => this.defaultSsmAgent,
    });
    const synthetic = this.recordingInstalls(
      // What the synthetic agent did goes to its simulated scripts.log, which SSM reads.
      recordingScriptsLog(
        createSyntheticAgent({
          scheduler,
          random,
          s3: { getObject: (bucket, key, version) => this.s3.getObject(bucket, key, version) },
          ...(this.options.syntheticAgentStartSeconds !== undefined
            ? { startSeconds: this.options.syntheticAgentStartSeconds }
            : {}),
        }),
        ssm.files,
        scheduler,
      ),
      // The installed app now answers its health checks.
      (instanceId) => elbv2.appChanged(instanceId),
    );
    const elbv2 = new Elbv2Model({
      region,
      accountId,
      scheduler,
      random,
      ec2,
      ...(this.options.openListener ? { openListener: this.options.openListener } : {}),
      isReal: (instanceId) => this.instances.get(instanceId) !== undefined,
      answers: (instanceId, path) => this.answersHealthCheck(ec2, instanceId, path),
    });
    const autoscaling = new AutoScalingModel({
      region,
      accountId,
      scheduler,
      random,
      ec2,
      elbv2,
      defaultAgent: () => this.defaultAgent,
    });
    const cloudwatch = new CloudWatchModel({
      region,
      accountId,
      scheduler,
      sources: { elbv2, ec2, autoscaling },
    });
    const codedeploy = createCodeDeployModel({
      region,
      accountId,
      scheduler,
      ec2,
      autoscaling,
      elbv2,
      cloudwatch,
      s3: { getObject: (bucket, key, version) => this.s3.getObject(bucket, key, version) },
      faults: this.faults,
      greenFleetDenial: (request) => greenFleetDenial(this, { ...request, region }),
      random,
      // Without a sandbox (a host that cannot confine) a real instance runs the synthetic agent.
      agentFor: (instance) =>
        instance.agent === 'real' && this.instances.get(instance.instanceId) ? this.realAgent : synthetic,
      ...(this.options.codeDeployPageSize !== undefined ? { pageSize: this.options.codeDeployPageSize } : {}),
    });
    const cloudformation = new CloudFormationModel({ cloud: this, region });
    return { region, ec2, elbv2, autoscaling, cloudwatch, codedeploy, cloudformation, ssm };
  }
}

/** The UserData of the launch template version an instance was launched from (EC2's base64). */
function launchUserData(ec2: Ec2Model, instance: Ec2Instance): string | undefined {
  if (!instance.launchTemplate) return undefined;
  try {
    const template = ec2.requireLaunchTemplate({ id: instance.launchTemplate.id });
    const version = instance.tags.get('aws:ec2launchtemplate:version') ?? instance.launchTemplate.version;
    const data = ec2.templateVersion(template, version).data.UserData;
    return typeof data === 'string' && data !== '' ? data : undefined;
  } catch {
    // A template deleted since the launch: the instance booted without user data.
    return undefined;
  }
}
