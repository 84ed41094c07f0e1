// The account's network in a region: the default VPC every account has (172.31.0.0/16), its default
// subnet in each Availability Zone (a /20 each, in zone order), its default security group, and the
// security groups the account creates. There is no routing: instances share the host's loopback
// network whatever their groups say; the groups and their rules are kept and answered as EC2 does.
import { createHash } from 'node:crypto';
import type { Random } from '../random.js';
import { randomHex } from '../random.js';
import * as errors from './errors.js';
import { availabilityZones, type AvailabilityZone } from './zones.js';

export interface VpcRecord {
  readonly id: string;
  readonly cidrBlock: string;
  readonly cidrAssociationId: string;
  readonly dhcpOptionsId: string;
  readonly isDefault: boolean;
  readonly ownerId: string;
  readonly tags: Map<string, string>;
}

export interface SubnetRecord {
  readonly id: string;
  readonly arn: string;
  readonly vpcId: string;
  readonly cidrBlock: string;
  readonly availabilityZone: string;
  readonly availabilityZoneId: string;
  readonly defaultForAz: boolean;
  readonly mapPublicIpOnLaunch: boolean;
  readonly ownerId: string;
  readonly tags: Map<string, string>;
}

/** One rule: a protocol, a port range and one peer (a CIDR block or a security group). */
export interface SecurityGroupRule {
  readonly ruleId: string;
  /** `tcp`, `udp`, `icmp`, `icmpv6`, `-1` (all) or a protocol number. */
  readonly ipProtocol: string;
  /** Absent for `-1`, which has no ports. */
  readonly fromPort?: number;
  readonly toPort?: number;
  readonly cidrIpv4?: string;
  readonly cidrIpv6?: string;
  readonly referencedGroupId?: string;
  readonly description?: string;
}

export interface SecurityGroupRecord {
  readonly id: string;
  readonly arn: string;
  readonly name: string;
  readonly description: string;
  readonly vpcId: string;
  readonly ownerId: string;
  readonly ingress: SecurityGroupRule[];
  readonly egress: SecurityGroupRule[];
  readonly tags: Map<string, string>;
}

/** EC2's IpPermission shape, as AuthorizeSecurityGroupIngress and RevokeSecurityGroupIngress take it. */
export interface IpPermissionInput {
  IpProtocol?: string;
  FromPort?: number;
  ToPort?: number;
  IpRanges?: { CidrIp?: string; Description?: string }[];
  Ipv6Ranges?: { CidrIpv6?: string; Description?: string }[];
  UserIdGroupPairs?: { GroupId?: string; GroupName?: string; UserId?: string; Description?: string }[];
  PrefixListIds?: { PrefixListId?: string; Description?: string }[];
}

export interface Ec2NetworkDeps {
  readonly region: string;
  readonly accountId: string;
  readonly random: Random;
  /** Whether an instance that is not terminated uses the group (DeleteSecurityGroup refuses then). */
  readonly groupInUse: (groupId: string) => boolean;
}

const PROTOCOL_NAMES = new Map([
  ['tcp', 'tcp'],
  ['6', 'tcp'],
  ['udp', 'udp'],
  ['17', 'udp'],
  ['icmp', 'icmp'],
  ['1', 'icmp'],
  ['icmpv6', 'icmpv6'],
  ['58', 'icmpv6'],
  ['-1', '-1'],
  ['all', '-1'],
]);

const IPV4_CIDR = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/;

function isIpv4Cidr(cidr: string): boolean {
  const match = IPV4_CIDR.exec(cidr);
  if (!match) return false;
  const numbers = match.slice(1).map(Number);
  return numbers.slice(0, 4).every((octet) => octet <= 255) && (numbers[4] ?? 33) <= 32;
}

function isIpv6Cidr(cidr: string): boolean {
  const [address = '', bits = '', ...rest] = cidr.split('/');
  return (
    rest.length === 0 &&
    /^[0-9a-fA-F:]+$/.test(address) &&
    address.includes(':') &&
    /^\d{1,3}$/.test(bits) &&
    Number(bits) <= 128
  );
}

/** A stable id for the account's default resources: the same VPC id in a region after every reset, as on AWS. */
function stableHex(...parts: string[]): string {
  return createHash('sha256').update(parts.join('/')).digest('hex').slice(0, 17);
}

/** How EC2 names a rule in its InvalidPermission messages. */
function describeRule(rule: Omit<SecurityGroupRule, 'ruleId'>): string {
  const peer = rule.cidrIpv4 ?? rule.cidrIpv6 ?? rule.referencedGroupId ?? '';
  const protocol = rule.ipProtocol === '-1' ? 'ALL' : rule.ipProtocol.toUpperCase();
  const ports = rule.ipProtocol === '-1' ? '' : `, from port: ${rule.fromPort}, to port: ${rule.toPort}`;
  return `peer: ${peer}, ${protocol}${ports}, ALLOW`;
}

function sameRule(a: Omit<SecurityGroupRule, 'ruleId'>, b: Omit<SecurityGroupRule, 'ruleId'>): boolean {
  return (
    a.ipProtocol === b.ipProtocol &&
    a.fromPort === b.fromPort &&
    a.toPort === b.toPort &&
    a.cidrIpv4 === b.cidrIpv4 &&
    a.cidrIpv6 === b.cidrIpv6 &&
    a.referencedGroupId === b.referencedGroupId
  );
}

export class Ec2Network {
  readonly zones: AvailabilityZone[];
  private readonly vpcsById = new Map<string, VpcRecord>();
  private readonly subnetsById = new Map<string, SubnetRecord>();
  private readonly groupsById = new Map<string, SecurityGroupRecord>();
  private readonly defaultVpcRecord: VpcRecord;

  constructor(private readonly deps: Ec2NetworkDeps) {
    this.zones = availabilityZones(deps.region);
    const { region, accountId } = deps;
    // Derived from account and region, not drawn from the seeded random: creating a region's network
    // must not move the ids every later resource of the run gets.
    const vpc: VpcRecord = {
      id: `vpc-${stableHex(accountId, region, 'vpc')}`,
      cidrBlock: '172.31.0.0/16',
      cidrAssociationId: `vpc-cidr-assoc-${stableHex(accountId, region, 'vpc-cidr')}`,
      dhcpOptionsId: `dopt-${stableHex(accountId, region, 'dopt')}`,
      isDefault: true,
      ownerId: accountId,
      tags: new Map(),
    };
    this.defaultVpcRecord = vpc;
    this.vpcsById.set(vpc.id, vpc);
    this.zones.forEach((zone, index) => {
      const id = `subnet-${stableHex(accountId, region, 'subnet', zone.name)}`;
      this.subnetsById.set(id, {
        id,
        arn: `arn:aws:ec2:${region}:${accountId}:subnet/${id}`,
        vpcId: vpc.id,
        cidrBlock: `172.31.${index * 16}.0/20`,
        availabilityZone: zone.name,
        availabilityZoneId: zone.id,
        defaultForAz: true,
        mapPublicIpOnLaunch: true,
        ownerId: accountId,
        tags: new Map(),
      });
    });
    const groupId = `sg-${stableHex(accountId, region, 'sg-default', vpc.id)}`;
    this.groupsById.set(groupId, {
      id: groupId,
      arn: this.groupArn(groupId),
      name: 'default',
      description: 'default VPC security group',
      vpcId: vpc.id,
      ownerId: accountId,
      // A default group lets in what comes from its own members and lets everything out.
      ingress: [{ ruleId: `sgr-${stableHex(groupId, 'in')}`, ipProtocol: '-1', referencedGroupId: groupId }],
      egress: [{ ruleId: `sgr-${stableHex(groupId, 'out')}`, ipProtocol: '-1', cidrIpv4: '0.0.0.0/0' }],
      tags: new Map(),
    });
  }

  // --- VPCs and subnets ----------------------------------------------------------------------------

  defaultVpc(): VpcRecord {
    return this.defaultVpcRecord;
  }

  vpcs(): VpcRecord[] {
    return [...this.vpcsById.values()];
  }

  vpc(id: string): VpcRecord | undefined {
    return this.vpcsById.get(id);
  }

  subnets(): SubnetRecord[] {
    return [...this.subnetsById.values()];
  }

  subnet(id: string): SubnetRecord | undefined {
    return this.subnetsById.get(id);
  }

  /** The default subnet of an Availability Zone of the region; undefined for a zone the region lacks. */
  defaultSubnet(zone: string): SubnetRecord | undefined {
    for (const subnet of this.subnetsById.values())
      if (subnet.defaultForAz && subnet.availabilityZone === zone) return subnet;
    return undefined;
  }

  /** The VPCs with these ids; throws InvalidVpcID.* naming the ones that do not exist. */
  requireVpcs(ids: readonly string[]): VpcRecord[] {
    for (const id of ids)
      if (!/^vpc-[0-9a-f]{8,17}$/.test(id)) throw errors.malformedId('InvalidVpcID.Malformed', id, 'vpc');
    const missing = ids.filter((id) => !this.vpcsById.has(id));
    if (missing.length > 0) throw errors.notFound('InvalidVpcID.NotFound', 'vpc ID', missing);
    return ids.map((id) => this.vpcsById.get(id) as VpcRecord);
  }

  /** The subnets with these ids; throws InvalidSubnetID.* naming the ones that do not exist. */
  requireSubnets(ids: readonly string[]): SubnetRecord[] {
    for (const id of ids)
      if (!/^subnet-[0-9a-f]{8,17}$/.test(id))
        throw errors.malformedId('InvalidSubnetID.Malformed', id, 'subnet');
    const missing = ids.filter((id) => !this.subnetsById.has(id));
    if (missing.length > 0) throw errors.notFound('InvalidSubnetID.NotFound', 'subnet ID', missing);
    return ids.map((id) => this.subnetsById.get(id) as SubnetRecord);
  }

  // --- Security groups -----------------------------------------------------------------------------

  securityGroups(): SecurityGroupRecord[] {
    return [...this.groupsById.values()];
  }

  securityGroup(id: string): SecurityGroupRecord | undefined {
    return this.groupsById.get(id);
  }

  /** By name within a VPC (the default VPC unless named), as GroupName parameters mean. */
  securityGroupByName(name: string, vpcId = this.defaultVpcRecord.id): SecurityGroupRecord | undefined {
    for (const group of this.groupsById.values())
      if (group.name === name && group.vpcId === vpcId) return group;
    return undefined;
  }

  /** The group with this id; throws InvalidGroupId.Malformed or InvalidGroup.NotFound. */
  requireSecurityGroup(id: string): SecurityGroupRecord {
    if (!/^sg-[0-9a-f]{8,17}$/.test(id)) throw errors.malformedId('InvalidGroupId.Malformed', id, 'sg');
    const group = this.groupsById.get(id);
    if (!group) throw errors.securityGroupNotFound(id);
    return group;
  }

  /** By id, or by name in the default VPC (the GroupId/GroupName pair several operations take). */
  requireSecurityGroupRef(ref: { id?: string; name?: string }): SecurityGroupRecord {
    if (ref.id !== undefined) return this.requireSecurityGroup(ref.id);
    if (ref.name !== undefined) {
      const group = this.securityGroupByName(ref.name);
      if (!group) throw errors.securityGroupNameNotFound(ref.name, this.defaultVpcRecord.id);
      return group;
    }
    throw errors.missingParameter('GroupId or GroupName');
  }

  createSecurityGroup(input: {
    name: string;
    description: string;
    vpcId?: string;
    tags?: Record<string, string>;
  }): SecurityGroupRecord {
    const vpcId = input.vpcId ?? this.defaultVpcRecord.id;
    this.requireVpcs([vpcId]);
    if (input.name.length === 0 || input.name.length > 255)
      throw errors.invalidParameterValue(
        `Invalid value '${input.name}' for groupName. Length must be 1-255.`,
      );
    if (input.name.startsWith('sg-'))
      throw errors.invalidParameterValue(`Group names may not be in the format sg-*.`);
    if (input.description.length > 255)
      throw errors.invalidParameterValue(`Invalid value for groupDescription. Length must be 0-255.`);
    if (this.securityGroupByName(input.name, vpcId)) throw errors.securityGroupDuplicate(input.name, vpcId);
    const id = this.newId('sg');
    const group: SecurityGroupRecord = {
      id,
      arn: this.groupArn(id),
      name: input.name,
      description: input.description,
      vpcId,
      ownerId: this.deps.accountId,
      ingress: [],
      // A new group lets everything out until told otherwise, as on AWS.
      egress: [{ ruleId: this.newId('sgr'), ipProtocol: '-1', cidrIpv4: '0.0.0.0/0' }],
      tags: new Map(Object.entries(input.tags ?? {})),
    };
    this.groupsById.set(id, group);
    return group;
  }

  /**
   * Deletes a group. The default group cannot be; nor a group another group's rules name, or an
   * instance uses (DependencyViolation), as on AWS.
   */
  deleteSecurityGroup(id: string): void {
    const group = this.requireSecurityGroup(id);
    if (group.name === 'default') throw errors.cannotDeleteDefaultGroup(id);
    const referenced = [...this.groupsById.values()].some(
      (other) =>
        other.id !== id && [...other.ingress, ...other.egress].some((rule) => rule.referencedGroupId === id),
    );
    if (referenced || this.deps.groupInUse(id)) throw errors.dependencyViolation(id);
    this.groupsById.delete(id);
  }

  /** Adds inbound rules; the rules it added, in order. Throws InvalidPermission.Duplicate for a rule the group has. */
  authorizeIngress(groupId: string, permissions: readonly IpPermissionInput[]): SecurityGroupRule[] {
    const group = this.requireSecurityGroup(groupId);
    const wanted = this.rulesOf(group, permissions);
    for (const [index, rule] of wanted.entries()) {
      const duplicate =
        group.ingress.some((existing) => sameRule(existing, rule)) ||
        wanted.slice(0, index).some((earlier) => sameRule(earlier, rule));
      if (duplicate) throw errors.permissionDuplicate(describeRule(rule));
    }
    const added = wanted.map((rule) => ({ ruleId: this.newId('sgr'), ...rule }));
    group.ingress.push(...added);
    return added;
  }

  /** Removes inbound rules; throws InvalidPermission.NotFound for a rule the group does not have. */
  revokeIngress(groupId: string, permissions: readonly IpPermissionInput[]): SecurityGroupRule[] {
    const group = this.requireSecurityGroup(groupId);
    const removed: SecurityGroupRule[] = [];
    for (const rule of this.rulesOf(group, permissions)) {
      const index = group.ingress.findIndex((existing) => sameRule(existing, rule));
      if (index < 0) throw errors.permissionNotFound();
      removed.push(...group.ingress.splice(index, 1));
    }
    return removed;
  }

  /** Removes inbound rules by id; InvalidSecurityGroupRuleId.NotFound names an id the group lacks. */
  revokeIngressRules(groupId: string, ruleIds: readonly string[]): SecurityGroupRule[] {
    const group = this.requireSecurityGroup(groupId);
    const missing = ruleIds.find((id) => !group.ingress.some((rule) => rule.ruleId === id));
    if (missing !== undefined) throw errors.securityGroupRuleNotFound(missing);
    const removed = group.ingress.filter((rule) => ruleIds.includes(rule.ruleId));
    group.ingress.splice(
      0,
      group.ingress.length,
      ...group.ingress.filter((rule) => !ruleIds.includes(rule.ruleId)),
    );
    return removed;
  }

  /** One rule per peer of each permission, checked as EC2 checks them. */
  /**
   * Sets a group's outbound rules to exactly these, as CloudFormation's SecurityGroupEgress does (the
   * default allow-all rule goes when rules are given); no rules put the allow-all rule back.
   */
  replaceEgress(groupId: string, permissions: readonly IpPermissionInput[]): SecurityGroupRule[] {
    const group = this.requireSecurityGroup(groupId);
    const wanted: Omit<SecurityGroupRule, 'ruleId'>[] =
      permissions.length > 0
        ? this.rulesOf(group, permissions)
        : [{ ipProtocol: '-1', cidrIpv4: '0.0.0.0/0' }];
    group.egress.splice(
      0,
      group.egress.length,
      ...wanted.map((rule) => ({ ruleId: this.newId('sgr'), ...rule })),
    );
    return [...group.egress];
  }

  private rulesOf(
    group: SecurityGroupRecord,
    permissions: readonly IpPermissionInput[],
  ): Omit<SecurityGroupRule, 'ruleId'>[] {
    if (permissions.length === 0) throw errors.missingParameter('IpPermissions');
    return permissions.flatMap((permission) => {
      const given = (permission.IpProtocol ?? '').toLowerCase();
      const protocol =
        PROTOCOL_NAMES.get(given) ?? (/^\d{1,3}$/.test(given) && Number(given) <= 255 ? given : undefined);
      if (protocol === undefined)
        throw errors.invalidParameterValue(
          `Invalid value '${permission.IpProtocol ?? ''}' for IP protocol. Unknown protocol.`,
        );
      const ports = this.portsOf(protocol, permission);
      const peers: Omit<SecurityGroupRule, 'ruleId' | 'ipProtocol' | 'fromPort' | 'toPort'>[] = [];
      for (const range of permission.IpRanges ?? []) {
        const cidr = range.CidrIp ?? '';
        if (!isIpv4Cidr(cidr)) throw errors.invalidParameterValue(`CIDR block ${cidr} is malformed`);
        peers.push({
          cidrIpv4: cidr,
          ...(range.Description !== undefined ? { description: range.Description } : {}),
        });
      }
      for (const range of permission.Ipv6Ranges ?? []) {
        const cidr = range.CidrIpv6 ?? '';
        if (!isIpv6Cidr(cidr)) throw errors.invalidParameterValue(`CIDR block ${cidr} is malformed`);
        peers.push({
          cidrIpv6: cidr,
          ...(range.Description !== undefined ? { description: range.Description } : {}),
        });
      }
      for (const pair of permission.UserIdGroupPairs ?? []) {
        const peer = this.peerGroup(pair, group.vpcId);
        peers.push({
          referencedGroupId: peer.id,
          ...(pair.Description !== undefined ? { description: pair.Description } : {}),
        });
      }
      if ((permission.PrefixListIds ?? []).length > 0)
        throw errors.invalidParameterValue('The local cloud has no managed prefix lists');
      if (peers.length === 0)
        throw errors.invalidParameterValue(
          'The request must include an IP range, an IPv6 range or a security group',
        );
      return peers.map((peer) => ({ ipProtocol: protocol, ...ports, ...peer }));
    });
  }

  /** The group a rule's UserIdGroupPair names: by id, or by name in the rule's own VPC. */
  private peerGroup(pair: { GroupId?: string; GroupName?: string }, vpcId: string): SecurityGroupRecord {
    if (pair.GroupId !== undefined) return this.requireSecurityGroup(pair.GroupId);
    if (pair.GroupName === undefined) throw errors.missingParameter('GroupId');
    const group = this.securityGroupByName(pair.GroupName, vpcId);
    if (!group) throw errors.securityGroupNameNotFound(pair.GroupName, vpcId);
    return group;
  }

  private portsOf(protocol: string, permission: IpPermissionInput): { fromPort?: number; toPort?: number } {
    if (protocol === '-1') return {};
    const { FromPort: from, ToPort: to } = permission;
    if (protocol === 'tcp' || protocol === 'udp') {
      if (from === undefined || to === undefined)
        throw errors.invalidParameterValue(
          `Invalid value 'Must specify both from and to ports with TCP/UDP.' for portRange.`,
        );
      if (from < 0 || to > 65535 || from > to)
        throw errors.invalidParameterValue(
          `Invalid value 'Must specify both from and to ports with TCP/UDP.' for portRange. Ports must be 0-65535 and from <= to.`,
        );
    }
    return { ...(from !== undefined ? { fromPort: from } : {}), ...(to !== undefined ? { toPort: to } : {}) };
  }

  private groupArn(id: string): string {
    return `arn:aws:ec2:${this.deps.region}:${this.deps.accountId}:security-group/${id}`;
  }

  private newId(prefix: string): string {
    return `${prefix}-${randomHex(this.deps.random, 17)}`;
  }
}
