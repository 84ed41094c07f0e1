// EC2 state: instances (pending → running → shutting-down → terminated, on the scheduler's clock),
// launch templates, the images the account can launch, and the account's network (network.ts).
// Implements Ec2Port for Auto Scaling, ELBv2 and CodeDeploy.
import type { AgentMode, Ec2Instance, Ec2Port, Ec2StateName, LaunchRequest, Scheduler } from '../ports.js';
import type { Random } from '../random.js';
import { randomHex } from '../random.js';
import * as errors from './errors.js';
import {
  matchesFilters as matchesEc2Filters,
  tagFields,
  type Ec2Filter,
  type FilterFields,
} from './filters.js';
import { amazonLinux2023, imageRecord, type ImageInput, type ImageRecord } from './images.js';
import {
  Ec2Network,
  type IpPermissionInput,
  type SecurityGroupRecord,
  type SecurityGroupRule,
  type SubnetRecord,
  type VpcRecord,
} from './network.js';
import type { AvailabilityZone } from './zones.js';

/** AWS-time durations of an instance's state changes. */
const BOOT_MS = 20_000;
const SHUTDOWN_MS = 15_000;
/** Terminated instances stay visible to DescribeInstances for a while, as on AWS (usually under an hour). */
const TERMINATED_VISIBLE_MS = 60 * 60_000;

export const INSTANCE_STATE_CODES: Record<Ec2StateName, number> = {
  pending: 0,
  running: 16,
  'shutting-down': 32,
  terminated: 48,
  stopping: 64,
  stopped: 80,
};

/** Amazon Linux 2023 (images.ts): what an instance boots when its launch template names no image. */
export const DEFAULT_IMAGE_ID = 'ami-0abcdef1234567890';
export const DEFAULT_INSTANCE_TYPE = 't3.micro';

export interface InstanceRecord extends Ec2Instance {
  readonly reservationId: string;
  readonly amiLaunchIndex: number;
  readonly subnetId: string;
  readonly vpcId: string;
  readonly securityGroupIds: readonly string[];
  readonly metadataOptions: InstanceMetadataOptions;
  stateTransitionReason: string;
  stateReason?: { code: string; message: string };
}

/** The instance metadata service's settings of an instance (DescribeInstances' MetadataOptions). */
export interface InstanceMetadataOptions {
  readonly httpTokens: 'optional' | 'required';
  readonly httpPutResponseHopLimit: number;
  readonly httpEndpoint: 'enabled' | 'disabled';
  readonly httpProtocolIpv6: 'enabled' | 'disabled';
  readonly instanceMetadataTags: 'enabled' | 'disabled';
}

/** What a launch template version holds; the subset of RequestLaunchTemplateData the local cloud uses. */
export interface LaunchTemplateData {
  ImageId?: string;
  InstanceType?: string;
  KeyName?: string;
  UserData?: string;
  SecurityGroupIds?: string[];
  SecurityGroups?: string[];
  MetadataOptions?: {
    HttpTokens?: string;
    HttpPutResponseHopLimit?: number;
    HttpEndpoint?: string;
    HttpProtocolIpv6?: string;
    InstanceMetadataTags?: string;
  };
  IamInstanceProfile?: { Arn?: string; Name?: string };
  [member: string]: unknown;
}

export interface LaunchTemplateVersionRecord {
  readonly versionNumber: number;
  readonly description?: string;
  readonly createTime: Date;
  readonly data: LaunchTemplateData;
}

export interface LaunchTemplateRecord {
  readonly id: string;
  readonly name: string;
  readonly createTime: Date;
  defaultVersion: number;
  readonly versions: LaunchTemplateVersionRecord[];
  readonly tags: Map<string, string>;
}

/**
 * Hands out the loopback addresses instances use as private IPs. Synthetic instances get 127.0.1.1
 * upward. Instances that run real processes get a range of their own cloud's, 127.<a>.<b>.1 upward
 * from `realBase`, so two local clouds on one host (tests in parallel) never bind the same address
 * and port. As on EC2, the address of an instance that is gone is free again; it is handed out only
 * once the range has none never used, oldest release first, so a fleet replaced again and again (an
 * ELB health check replacing instances nothing answers on) never runs out.
 */
export interface AddressAllocator {
  next(agent?: AgentMode): string;
  /** The address of an instance no longer listed: free for a later launch. */
  release(address: string, agent?: AgentMode): void;
}

export function createAddressAllocator(realBase: readonly [number, number] = [0, 101]): AddressAllocator {
  const counters = { synthetic: 0, real: 0 };
  const released = { synthetic: [] as string[], real: [] as string[] };
  const kind = (agent: AgentMode | undefined) => (agent === 'real' ? 'real' : 'synthetic');
  const address = (first: number, second: number, counter: number): string | undefined => {
    // 254 hosts per /24: …1.1 … …1.254, …2.1 …
    const x = second + Math.floor(counter / 254);
    const y = 1 + (counter % 254);
    return x > 255 ? undefined : `127.${first}.${x}.${y}`;
  };
  return {
    next(agent) {
      const which = kind(agent);
      const fresh =
        which === 'real'
          ? address(realBase[0], realBase[1], counters.real)
          : address(0, 1, counters.synthetic);
      if (fresh !== undefined) {
        counters[which]++;
        return fresh;
      }
      const reused = released[which].shift();
      if (reused === undefined)
        throw new Error('the local cloud ran out of loopback addresses for instances');
      return reused;
    },
    release(freed, agent) {
      released[kind(agent)].push(freed);
    },
  };
}

export interface Ec2ModelDeps {
  readonly region: string;
  readonly accountId: string;
  readonly scheduler: Scheduler;
  readonly random: Random;
  readonly addresses: AddressAllocator;
}

export type InstanceFilter = Ec2Filter;

const INSTANCE_FILTERS: FilterFields<InstanceRecord> = new Map<
  string,
  (instance: InstanceRecord) => string[]
>([
  ['instance-id', (i) => [i.instanceId]],
  ['instance-state-name', (i) => [i.state]],
  ['instance-state-code', (i) => [String(INSTANCE_STATE_CODES[i.state])]],
  ['availability-zone', (i) => [i.availabilityZone]],
  ['private-ip-address', (i) => [i.privateIpAddress]],
  ['image-id', (i) => [i.imageId]],
  ['instance-type', (i) => [i.instanceType]],
  ['reservation-id', (i) => [i.reservationId]],
  ['subnet-id', (i) => [i.subnetId]],
  ['vpc-id', (i) => [i.vpcId]],
  ['instance.group-id', (i) => [...i.securityGroupIds]],
  ['metadata-options.http-tokens', (i) => [i.metadataOptions.httpTokens]],
  ...tagFields<InstanceRecord>(),
]);

export function matchesFilters(instance: InstanceRecord, filters: readonly InstanceFilter[]): boolean {
  return matchesEc2Filters(instance, filters, INSTANCE_FILTERS);
}

export class Ec2Model implements Ec2Port {
  private readonly instances = new Map<string, InstanceRecord>();
  private readonly launchTemplates = new Map<string, LaunchTemplateRecord>();
  private readonly listeners: ((instance: Ec2Instance) => void)[] = [];
  private readonly images = new Map<string, ImageRecord>();
  private readonly network: Ec2Network;

  constructor(private readonly deps: Ec2ModelDeps) {
    this.network = new Ec2Network({
      region: deps.region,
      accountId: deps.accountId,
      random: deps.random,
      groupInUse: (groupId) =>
        this.all().some((i) => i.state !== 'terminated' && i.securityGroupIds.includes(groupId)),
    });
    this.addImage(amazonLinux2023(DEFAULT_IMAGE_ID));
  }

  // --- Ec2Port -------------------------------------------------------------------------------

  launch(request: LaunchRequest): InstanceRecord[] {
    const template = request.launchTemplate ? this.resolveLaunchTemplate(request.launchTemplate) : undefined;
    const data = template?.version.data ?? {};
    const reservationId = `r-${randomHex(this.deps.random, 17)}`;
    const zones =
      request.availabilityZones.length > 0
        ? request.availabilityZones
        : [this.network.zones[0]?.name ?? `${this.deps.region}a`];
    const metadataOptions = this.metadataOptionsOf(data);
    const launched: InstanceRecord[] = [];
    for (let index = 0; index < request.count; index++) {
      const zone = zones[index % zones.length] as string;
      const subnet = this.subnetFor(zone, request.subnetIds ?? []);
      const tags = new Map(Object.entries(request.tags));
      if (template) {
        tags.set('aws:ec2launchtemplate:id', template.template.id);
        tags.set('aws:ec2launchtemplate:version', String(template.version.versionNumber));
      }
      const instance: InstanceRecord = {
        instanceId: this.newInstanceId(),
        state: 'pending',
        availabilityZone: zone,
        privateIpAddress: this.deps.addresses.next(request.agent),
        launchTime: this.deps.scheduler.now(),
        imageId: data.ImageId ?? DEFAULT_IMAGE_ID,
        instanceType: data.InstanceType ?? DEFAULT_INSTANCE_TYPE,
        ...(request.launchTemplate ? { launchTemplate: request.launchTemplate } : {}),
        tags,
        agent: request.agent,
        reservationId,
        amiLaunchIndex: index,
        subnetId: subnet.id,
        vpcId: subnet.vpcId,
        securityGroupIds: this.securityGroupsFor(data, subnet.vpcId),
        metadataOptions,
        stateTransitionReason: '',
      };
      this.instances.set(instance.instanceId, instance);
      launched.push(instance);
      this.deps.scheduler.after(BOOT_MS, () => {
        if (instance.state === 'pending') this.setState(instance, 'running');
      });
    }
    for (const instance of launched) this.notify(instance);
    return launched;
  }

  /** Skips the boot time: a world file describes instances that are already running. */
  boot(instanceId: string): void {
    const instance = this.instances.get(instanceId);
    if (instance?.state === 'pending') this.setState(instance, 'running');
  }

  terminate(instanceId: string): void {
    const instance = this.instances.get(instanceId);
    if (!instance || instance.state === 'shutting-down' || instance.state === 'terminated') return;
    const now = this.deps.scheduler.now();
    instance.stateTransitionReason = `User initiated (${now.toISOString().replace('T', ' ').slice(0, 19)} GMT)`;
    instance.stateReason = {
      code: 'Client.UserInitiatedShutdown',
      message: 'Client.UserInitiatedShutdown: User initiated shutdown',
    };
    this.setState(instance, 'shutting-down');
    this.deps.scheduler.after(SHUTDOWN_MS, () => {
      this.setState(instance, 'terminated');
      this.deps.scheduler.after(TERMINATED_VISIBLE_MS, () => {
        this.instances.delete(instanceId);
        this.deps.addresses.release(instance.privateIpAddress, instance.agent);
      });
    });
  }

  get(instanceId: string): InstanceRecord | undefined {
    return this.instances.get(instanceId);
  }

  onStateChange(listener: (instance: Ec2Instance) => void): void {
    this.listeners.push(listener);
  }

  /** Instances in launch order. */
  all(): InstanceRecord[] {
    return [...this.instances.values()];
  }

  // --- Queries the handlers use ----------------------------------------------------------------

  /** The instances with these ids; throws InvalidInstanceID.* naming the ones that do not exist. */
  require(instanceIds: readonly string[]): InstanceRecord[] {
    for (const id of instanceIds) if (!/^i-[0-9a-f]{8,17}$/.test(id)) throw errors.instanceIdMalformed(id);
    const missing = instanceIds.filter((id) => !this.instances.has(id));
    if (missing.length > 0) throw errors.instanceIdNotFound(missing);
    return instanceIds.map((id) => this.instances.get(id) as InstanceRecord);
  }

  describeInstances(instanceIds: readonly string[], filters: readonly InstanceFilter[]): InstanceRecord[] {
    const candidates = instanceIds.length > 0 ? this.require([...new Set(instanceIds)]) : this.all();
    return candidates.filter((instance) => matchesFilters(instance, filters));
  }

  terminateInstances(instanceIds: readonly string[]): { instance: InstanceRecord; previous: Ec2StateName }[] {
    return this.require(instanceIds).map((instance) => {
      const previous = instance.state;
      this.terminate(instance.instanceId);
      return { instance, previous };
    });
  }

  // --- Images ------------------------------------------------------------------------------------

  /** Makes an image visible to DescribeImages and launchable (replacing one with the same id). */
  addImage(input: ImageInput): ImageRecord {
    const image = imageRecord(input, this.deps.accountId, this.deps.scheduler.now());
    this.images.set(image.imageId, image);
    return image;
  }

  image(imageId: string): ImageRecord | undefined {
    return this.images.get(imageId);
  }

  allImages(): ImageRecord[] {
    return [...this.images.values()];
  }

  // --- The network (network.ts) ------------------------------------------------------------------

  /** The region's Availability Zones, in order (`us-east-1a` …): what Fn::GetAZs answers. */
  availabilityZones(): AvailabilityZone[] {
    return [...this.network.zones];
  }

  defaultVpc(): VpcRecord {
    return this.network.defaultVpc();
  }

  vpcs(): VpcRecord[] {
    return this.network.vpcs();
  }

  vpc(vpcId: string): VpcRecord | undefined {
    return this.network.vpc(vpcId);
  }

  /** Every subnet, the default subnet of each zone first, in zone order. */
  subnets(): SubnetRecord[] {
    return this.network.subnets();
  }

  subnet(subnetId: string): SubnetRecord | undefined {
    return this.network.subnet(subnetId);
  }

  /** The default subnet of a zone of the region (undefined for a zone the region lacks). */
  defaultSubnet(zone: string): SubnetRecord | undefined {
    return this.network.defaultSubnet(zone);
  }

  requireVpcs(vpcIds: readonly string[]): VpcRecord[] {
    return this.network.requireVpcs(vpcIds);
  }

  requireSubnets(subnetIds: readonly string[]): SubnetRecord[] {
    return this.network.requireSubnets(subnetIds);
  }

  securityGroups(): SecurityGroupRecord[] {
    return this.network.securityGroups();
  }

  securityGroup(groupId: string): SecurityGroupRecord | undefined {
    return this.network.securityGroup(groupId);
  }

  /** By name in a VPC (the default VPC unless named). */
  securityGroupByName(name: string, vpcId?: string): SecurityGroupRecord | undefined {
    return this.network.securityGroupByName(name, vpcId);
  }

  /** By id (InvalidGroupId.Malformed, InvalidGroup.NotFound) or by name in the default VPC. */
  requireSecurityGroup(ref: { id?: string; name?: string }): SecurityGroupRecord {
    return this.network.requireSecurityGroupRef(ref);
  }

  /** CreateSecurityGroup: in the default VPC unless `vpcId` says otherwise; egress open, ingress closed. */
  createSecurityGroup(input: {
    name: string;
    description: string;
    vpcId?: string;
    tags?: Record<string, string>;
  }): SecurityGroupRecord {
    return this.network.createSecurityGroup(input);
  }

  /** DeleteSecurityGroup: CannotDelete for a default group, DependencyViolation while it is used. */
  deleteSecurityGroup(groupId: string): void {
    this.network.deleteSecurityGroup(groupId);
  }

  /** AuthorizeSecurityGroupIngress with EC2's IpPermission shape; answers the rules added. */
  authorizeIngress(groupId: string, permissions: readonly IpPermissionInput[]): SecurityGroupRule[] {
    return this.network.authorizeIngress(groupId, permissions);
  }

  /** RevokeSecurityGroupIngress; InvalidPermission.NotFound for a rule the group lacks. */
  revokeIngress(groupId: string, permissions: readonly IpPermissionInput[]): SecurityGroupRule[] {
    return this.network.revokeIngress(groupId, permissions);
  }

  /** A group's outbound rules become exactly these (CloudFormation's SecurityGroupEgress). */
  replaceEgress(groupId: string, permissions: readonly IpPermissionInput[]): SecurityGroupRule[] {
    return this.network.replaceEgress(groupId, permissions);
  }

  /** RevokeSecurityGroupIngress by SecurityGroupRuleIds. */
  revokeIngressRules(groupId: string, ruleIds: readonly string[]): SecurityGroupRule[] {
    return this.network.revokeIngressRules(groupId, ruleIds);
  }

  // --- Launch templates ------------------------------------------------------------------------

  /**
   * Creates a launch template. The image it names becomes one of the account's images unless
   * `registerImage` is false: the world's templates name the AMIs the account has (the local cloud
   * builds none), while CreateLaunchTemplate through the API only warns about an unknown image, as EC2 does.
   */
  createLaunchTemplate(input: {
    name: string;
    data: LaunchTemplateData;
    description?: string;
    tags?: Record<string, string>;
    registerImage?: boolean;
  }): LaunchTemplateRecord {
    this.checkLaunchTemplateName(input.name);
    const imageId = input.data.ImageId;
    if (input.registerImage !== false && imageId !== undefined && !this.images.has(imageId)) {
      this.addImage({ imageId, name: imageId, description: `The image launch template ${input.name} names` });
    }
    const now = this.deps.scheduler.now();
    const template: LaunchTemplateRecord = {
      id: `lt-${randomHex(this.deps.random, 17)}`,
      name: input.name,
      createTime: now,
      defaultVersion: 1,
      versions: [
        {
          versionNumber: 1,
          createTime: now,
          data: input.data,
          ...(input.description ? { description: input.description } : {}),
        },
      ],
      tags: new Map(Object.entries(input.tags ?? {})),
    };
    this.launchTemplates.set(template.id, template);
    return template;
  }

  /** Throws what CreateLaunchTemplate would for this name: not valid, or taken. */
  checkLaunchTemplateName(name: string): void {
    if (!/^[a-zA-Z0-9().\-/_]{3,128}$/.test(name)) {
      throw errors.invalidParameterValue(`Launch template name '${name}' is not valid.`);
    }
    if (this.findLaunchTemplateByName(name)) throw errors.launchTemplateNameAlreadyExists(name);
  }

  /**
   * CreateLaunchTemplateVersion's part: a new version with this data, made the default when asked
   * (ModifyLaunchTemplate's part; CloudFormation does both on an update).
   */
  createLaunchTemplateVersion(
    id: string,
    data: LaunchTemplateData,
    makeDefault = false,
  ): LaunchTemplateVersionRecord {
    const template = this.requireLaunchTemplate({ id });
    const version: LaunchTemplateVersionRecord = {
      versionNumber: template.versions.length + 1,
      createTime: this.deps.scheduler.now(),
      data,
    };
    template.versions.push(version);
    if (makeDefault) template.defaultVersion = version.versionNumber;
    return version;
  }

  /** Forgets a launch template (a world that failed to apply takes its templates back). */
  deleteLaunchTemplate(id: string): void {
    this.launchTemplates.delete(id);
  }

  findLaunchTemplateByName(name: string): LaunchTemplateRecord | undefined {
    for (const template of this.launchTemplates.values()) if (template.name === name) return template;
    return undefined;
  }

  /** By id or name, as the APIs accept either. */
  requireLaunchTemplate(ref: { id?: string; name?: string }): LaunchTemplateRecord {
    if (ref.id !== undefined) {
      const template = this.launchTemplates.get(ref.id);
      if (!template) throw errors.launchTemplateIdNotFound(ref.id);
      return template;
    }
    if (ref.name !== undefined) {
      const template = this.findLaunchTemplateByName(ref.name);
      if (!template) throw errors.launchTemplateNameNotFound(ref.name);
      return template;
    }
    throw errors.missingParameter('LaunchTemplateId or LaunchTemplateName');
  }

  allLaunchTemplates(): LaunchTemplateRecord[] {
    return [...this.launchTemplates.values()];
  }

  /** Resolves `$Latest`, `$Default` or a version number. */
  templateVersion(template: LaunchTemplateRecord, version: string | undefined): LaunchTemplateVersionRecord {
    const number =
      version === undefined || version === '$Default'
        ? template.defaultVersion
        : version === '$Latest'
          ? template.versions.length
          : Number(version);
    const found = template.versions.find((v) => v.versionNumber === number);
    if (!found) throw errors.launchTemplateVersionNotFound(version ?? '$Default');
    return found;
  }

  private resolveLaunchTemplate(ref: {
    id: string;
    name: string;
    version: string;
  }): { template: LaunchTemplateRecord; version: LaunchTemplateVersionRecord } | undefined {
    // A template deleted after its group was created launches with defaults rather than failing.
    const template = this.launchTemplates.get(ref.id) ?? this.findLaunchTemplateByName(ref.name);
    if (!template) return undefined;
    return { template, version: this.templateVersion(template, ref.version) };
  }

  /** The subnet an instance in `zone` goes to: one of the request's there, else the zone's default subnet. */
  private subnetFor(zone: string, subnetIds: readonly string[]): SubnetRecord {
    for (const id of subnetIds) {
      const subnet = this.network.subnet(id);
      if (subnet?.availabilityZone === zone) return subnet;
    }
    // A zone the region lacks (a world may name any zone): the first default subnet stands in.
    return this.network.defaultSubnet(zone) ?? (this.network.subnets()[0] as SubnetRecord);
  }

  /** The launch template's groups (by id, or by name in the VPC) that exist, else the VPC's default group. */
  private securityGroupsFor(data: LaunchTemplateData, vpcId: string): string[] {
    const ids = (data.SecurityGroupIds ?? []).filter((id) => this.network.securityGroup(id) !== undefined);
    for (const name of data.SecurityGroups ?? []) {
      const group = this.network.securityGroupByName(name, vpcId);
      if (group) ids.push(group.id);
    }
    if (ids.length > 0) return ids;
    const fallback = this.network.securityGroupByName('default', vpcId);
    return fallback ? [fallback.id] : [];
  }

  /**
   * IMDS settings at launch: the template's, else what the image asks for. An image with ImdsSupport
   * v2.0 (Amazon Linux 2023) requires tokens with a hop limit of 2; others leave tokens optional, hop limit 1.
   */
  private metadataOptionsOf(data: LaunchTemplateData): InstanceMetadataOptions {
    const given = data.MetadataOptions ?? {};
    const v2 = this.images.get(data.ImageId ?? DEFAULT_IMAGE_ID)?.imdsSupport === 'v2.0';
    return {
      httpTokens:
        given.HttpTokens === 'required' || given.HttpTokens === 'optional'
          ? given.HttpTokens
          : v2
            ? 'required'
            : 'optional',
      httpPutResponseHopLimit: given.HttpPutResponseHopLimit ?? (v2 ? 2 : 1),
      httpEndpoint: given.HttpEndpoint === 'disabled' ? 'disabled' : 'enabled',
      httpProtocolIpv6: given.HttpProtocolIpv6 === 'enabled' ? 'enabled' : 'disabled',
      instanceMetadataTags: given.InstanceMetadataTags === 'enabled' ? 'enabled' : 'disabled',
    };
  }

  private newInstanceId(): string {
    for (;;) {
      const id = `i-${randomHex(this.deps.random, 17)}`;
      if (!this.instances.has(id)) return id;
    }
  }

  private setState(instance: InstanceRecord, state: Ec2StateName): void {
    instance.state = state;
    this.notify(instance);
  }

  private notify(instance: Ec2Instance): void {
    for (const listener of this.listeners) listener(instance);
  }
}
