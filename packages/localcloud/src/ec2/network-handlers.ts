// EC2 operations on the account's network (network.ts): Availability Zones, VPCs, subnets and security
// groups. Parse the input, call the model, render EC2's shapes.
/* eslint-disable @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-assignment, @typescript-eslint/no-unsafe-argument --
   Inputs are OperationInput (service.ts): botocore shapes the protocol layer has already decoded and type-checked. */
import type { OperationHandler, OperationInput, RequestContext } from '../service.js';
import { paginate } from '../pagination.js';
import * as errors from './errors.js';
import { checkFilterNames, matchesFilters, tagFields, type Ec2Filter, type FilterFields } from './filters.js';
import type { Ec2Model } from './model.js';
import type {
  IpPermissionInput,
  SecurityGroupRecord,
  SecurityGroupRule,
  SubnetRecord,
  VpcRecord,
} from './network.js';
import type { AvailabilityZone } from './zones.js';

function tagList(tags: ReadonlyMap<string, string>): { Key: string; Value: string }[] {
  return [...tags].map(([Key, Value]) => ({ Key, Value }));
}

/** MaxResults outside the operation's range is InvalidParameterValue, worded as EC2 words it. */
export function checkMaxResults(maxResults: number | undefined, min: number, max: number): void {
  if (maxResults !== undefined && (maxResults < min || maxResults > max)) {
    throw errors.invalidParameterValue(
      `Value ( ${maxResults} ) for parameter maxResults is invalid. Expecting a value between ${min} and ${max}.`,
    );
  }
}

/** Tags of the given resource type from TagSpecifications (keys without a prototype: `__proto__` is a key). */
export function tagsFromSpecifications(specs: OperationInput, resourceType: string): Record<string, string> {
  const tags = Object.create(null) as Record<string, string>;
  for (const spec of (specs ?? []) as {
    ResourceType?: string;
    Tags?: { Key?: string; Value?: string }[];
  }[]) {
    if (spec.ResourceType !== undefined && spec.ResourceType !== resourceType) continue;
    for (const tag of spec.Tags ?? []) if (tag.Key !== undefined) tags[tag.Key] = tag.Value ?? '';
  }
  return tags;
}

/** Filters, checked by name up front (an unknown filter fails even when nothing would be compared). */
function filtered<T extends { readonly tags: ReadonlyMap<string, string> }>(
  items: readonly T[],
  filters: readonly Ec2Filter[],
  fields: FilterFields<T>,
): T[] {
  checkFilterNames(fields, filters);
  return items.filter((item) => matchesFilters(item, filters, fields));
}

// --- Availability Zones ------------------------------------------------------------------------------

type ZoneRow = AvailabilityZone & { readonly tags: ReadonlyMap<string, string>; readonly region: string };

const ZONE_FILTERS: FilterFields<ZoneRow> = new Map<string, (zone: ZoneRow) => string[]>([
  ['zone-name', (z) => [z.name]],
  ['zone-id', (z) => [z.id]],
  ['region-name', (z) => [z.region]],
  ['state', () => ['available']],
  ['zone-type', () => ['availability-zone']],
  ['group-name', (z) => [z.region]],
  ['opt-in-status', () => ['opt-in-not-required']],
]);

function zoneView(zone: ZoneRow): Record<string, unknown> {
  return {
    State: 'available',
    OptInStatus: 'opt-in-not-required',
    Messages: [],
    RegionName: zone.region,
    ZoneName: zone.name,
    ZoneId: zone.id,
    GroupName: zone.region,
    NetworkBorderGroup: zone.region,
    ZoneType: 'availability-zone',
  };
}

// --- VPCs and subnets --------------------------------------------------------------------------------

const VPC_FILTERS: FilterFields<VpcRecord> = new Map<string, (vpc: VpcRecord) => string[]>([
  ['vpc-id', (v) => [v.id]],
  ['cidr', (v) => [v.cidrBlock]],
  ['cidr-block-association.cidr-block', (v) => [v.cidrBlock]],
  ['cidr-block-association.association-id', (v) => [v.cidrAssociationId]],
  ['cidr-block-association.state', () => ['associated']],
  ['dhcp-options-id', (v) => [v.dhcpOptionsId]],
  ['is-default', (v) => [String(v.isDefault)]],
  ['isDefault', (v) => [String(v.isDefault)]],
  ['owner-id', (v) => [v.ownerId]],
  ['state', () => ['available']],
  ...tagFields<VpcRecord>(),
]);

function vpcView(vpc: VpcRecord): Record<string, unknown> {
  return {
    CidrBlock: vpc.cidrBlock,
    DhcpOptionsId: vpc.dhcpOptionsId,
    State: 'available',
    VpcId: vpc.id,
    OwnerId: vpc.ownerId,
    InstanceTenancy: 'default',
    CidrBlockAssociationSet: [
      {
        AssociationId: vpc.cidrAssociationId,
        CidrBlock: vpc.cidrBlock,
        CidrBlockState: { State: 'associated' },
      },
    ],
    IsDefault: vpc.isDefault,
    ...(vpc.tags.size > 0 ? { Tags: tagList(vpc.tags) } : {}),
  };
}

/** Addresses of a subnet EC2 lets instances use: the block's size less the five AWS reserves. */
function availableAddresses(cidr: string): number {
  const bits = Number(cidr.split('/')[1]);
  return 2 ** (32 - bits) - 5;
}

const SUBNET_FILTERS: FilterFields<SubnetRecord> = new Map<string, (subnet: SubnetRecord) => string[]>([
  ['subnet-id', (s) => [s.id]],
  ['subnet-arn', (s) => [s.arn]],
  ['vpc-id', (s) => [s.vpcId]],
  ['availability-zone', (s) => [s.availabilityZone]],
  ['availabilityZone', (s) => [s.availabilityZone]],
  ['availability-zone-id', (s) => [s.availabilityZoneId]],
  ['availabilityZoneId', (s) => [s.availabilityZoneId]],
  ['cidr', (s) => [s.cidrBlock]],
  ['cidrBlock', (s) => [s.cidrBlock]],
  ['cidr-block', (s) => [s.cidrBlock]],
  ['default-for-az', (s) => [String(s.defaultForAz)]],
  ['defaultForAz', (s) => [String(s.defaultForAz)]],
  ['map-public-ip-on-launch', (s) => [String(s.mapPublicIpOnLaunch)]],
  ['owner-id', (s) => [s.ownerId]],
  ['state', () => ['available']],
  ...tagFields<SubnetRecord>(),
]);

function subnetView(subnet: SubnetRecord): Record<string, unknown> {
  return {
    AvailabilityZone: subnet.availabilityZone,
    AvailabilityZoneId: subnet.availabilityZoneId,
    AvailableIpAddressCount: availableAddresses(subnet.cidrBlock),
    CidrBlock: subnet.cidrBlock,
    DefaultForAz: subnet.defaultForAz,
    MapPublicIpOnLaunch: subnet.mapPublicIpOnLaunch,
    MapCustomerOwnedIpOnLaunch: false,
    State: 'available',
    SubnetId: subnet.id,
    VpcId: subnet.vpcId,
    OwnerId: subnet.ownerId,
    AssignIpv6AddressOnCreation: false,
    Ipv6CidrBlockAssociationSet: [],
    ...(subnet.tags.size > 0 ? { Tags: tagList(subnet.tags) } : {}),
    SubnetArn: subnet.arn,
    EnableDns64: false,
    Ipv6Native: false,
    PrivateDnsNameOptionsOnLaunch: {
      HostnameType: 'ip-name',
      EnableResourceNameDnsARecord: false,
      EnableResourceNameDnsAAAARecord: false,
    },
  };
}

// --- Security groups ---------------------------------------------------------------------------------

function ruleFields(
  direction: 'ingress' | 'egress',
  prefix: string,
): [string, (group: SecurityGroupRecord) => string[]][] {
  const rules = (g: SecurityGroupRecord) => g[direction];
  const defined = (values: (string | number | undefined)[]) =>
    values.filter((v): v is string | number => v !== undefined).map(String);
  return [
    [`${prefix}ip-permission.cidr`, (g) => defined(rules(g).map((r) => r.cidrIpv4))],
    [`${prefix}ip-permission.ipv6-cidr`, (g) => defined(rules(g).map((r) => r.cidrIpv6))],
    [`${prefix}ip-permission.from-port`, (g) => defined(rules(g).map((r) => r.fromPort))],
    [`${prefix}ip-permission.to-port`, (g) => defined(rules(g).map((r) => r.toPort))],
    [`${prefix}ip-permission.protocol`, (g) => rules(g).map((r) => r.ipProtocol)],
    [`${prefix}ip-permission.group-id`, (g) => defined(rules(g).map((r) => r.referencedGroupId))],
  ];
}

const GROUP_FILTERS: FilterFields<SecurityGroupRecord> = new Map<
  string,
  (group: SecurityGroupRecord) => string[]
>([
  ['group-id', (g) => [g.id]],
  ['group-name', (g) => [g.name]],
  ['description', (g) => [g.description]],
  ['vpc-id', (g) => [g.vpcId]],
  ['owner-id', (g) => [g.ownerId]],
  ...ruleFields('ingress', ''),
  ...ruleFields('egress', 'egress.'),
  ...tagFields<SecurityGroupRecord>(),
]);

/** Rules grouped into IpPermissions by protocol and port range, as DescribeSecurityGroups answers. */
function ipPermissions(rules: readonly SecurityGroupRule[], ownerId: string): Record<string, unknown>[] {
  const byRange = new Map<string, SecurityGroupRule[]>();
  for (const rule of rules) {
    const key = `${rule.ipProtocol}/${rule.fromPort ?? ''}/${rule.toPort ?? ''}`;
    byRange.set(key, [...(byRange.get(key) ?? []), rule]);
  }
  const described = (rule: SecurityGroupRule) =>
    rule.description !== undefined ? { Description: rule.description } : {};
  return [...byRange.values()].map((group) => {
    const first = group[0] as SecurityGroupRule;
    return {
      ...(first.fromPort !== undefined ? { FromPort: first.fromPort } : {}),
      IpProtocol: first.ipProtocol,
      IpRanges: group.filter((r) => r.cidrIpv4).map((r) => ({ CidrIp: r.cidrIpv4, ...described(r) })),
      Ipv6Ranges: group.filter((r) => r.cidrIpv6).map((r) => ({ CidrIpv6: r.cidrIpv6, ...described(r) })),
      PrefixListIds: [],
      ...(first.toPort !== undefined ? { ToPort: first.toPort } : {}),
      UserIdGroupPairs: group
        .filter((r) => r.referencedGroupId)
        .map((r) => ({ ...described(r), GroupId: r.referencedGroupId, UserId: ownerId })),
    };
  });
}

function securityGroupView(group: SecurityGroupRecord): Record<string, unknown> {
  return {
    Description: group.description,
    GroupName: group.name,
    IpPermissions: ipPermissions(group.ingress, group.ownerId),
    OwnerId: group.ownerId,
    GroupId: group.id,
    IpPermissionsEgress: ipPermissions(group.egress, group.ownerId),
    ...(group.tags.size > 0 ? { Tags: tagList(group.tags) } : {}),
    VpcId: group.vpcId,
  };
}

function securityGroupRuleView(group: SecurityGroupRecord, rule: SecurityGroupRule, isEgress: boolean) {
  return {
    SecurityGroupRuleId: rule.ruleId,
    GroupId: group.id,
    GroupOwnerId: group.ownerId,
    IsEgress: isEgress,
    IpProtocol: rule.ipProtocol,
    FromPort: rule.fromPort ?? -1,
    ToPort: rule.toPort ?? -1,
    ...(rule.cidrIpv4 !== undefined ? { CidrIpv4: rule.cidrIpv4 } : {}),
    ...(rule.cidrIpv6 !== undefined ? { CidrIpv6: rule.cidrIpv6 } : {}),
    ...(rule.referencedGroupId !== undefined
      ? { ReferencedGroupInfo: { GroupId: rule.referencedGroupId, UserId: group.ownerId } }
      : {}),
    ...(rule.description !== undefined ? { Description: rule.description } : {}),
    Tags: [],
  };
}

/**
 * The permissions of an Authorize/Revoke request: IpPermissions, or the older flat parameters (CidrIp,
 * IpProtocol, FromPort, ToPort, SourceSecurityGroupName), which EC2 still takes and CloudFormation's
 * AWS::EC2::SecurityGroupIngress mirrors.
 */
function permissionsOf(input: OperationInput): IpPermissionInput[] {
  const permissions = (input.IpPermissions ?? []) as IpPermissionInput[];
  const flat =
    input.CidrIp !== undefined ||
    input.IpProtocol !== undefined ||
    input.SourceSecurityGroupName !== undefined;
  if (!flat) return permissions;
  const source = input.SourceSecurityGroupName as string | undefined;
  return [
    ...permissions,
    {
      // A source group alone means every protocol and port of it, as EC2 reads the flat form.
      IpProtocol: input.IpProtocol ?? (source !== undefined ? '-1' : undefined),
      ...(input.FromPort !== undefined ? { FromPort: input.FromPort } : {}),
      ...(input.ToPort !== undefined ? { ToPort: input.ToPort } : {}),
      ...(input.CidrIp !== undefined ? { IpRanges: [{ CidrIp: input.CidrIp }] } : {}),
      ...(source !== undefined ? { UserIdGroupPairs: [{ GroupName: source }] } : {}),
    },
  ];
}

export function networkOperations(
  modelFor: (ctx: RequestContext) => Ec2Model,
): Record<string, OperationHandler> {
  return {
    DescribeAvailabilityZones(input: OperationInput, ctx) {
      const zones: ZoneRow[] = modelFor(ctx)
        .availabilityZones()
        .map((zone) => ({ ...zone, region: ctx.region, tags: new Map() }));
      const names: string[] = input.ZoneNames ?? [];
      const ids: string[] = input.ZoneIds ?? [];
      for (const name of names)
        if (!zones.some((z) => z.name === name))
          throw errors.invalidParameterValue(`The zone '${name}' does not exist.`);
      for (const id of ids)
        if (!zones.some((z) => z.id === id))
          throw errors.invalidParameterValue(`The zone '${id}' does not exist.`);
      const named =
        names.length + ids.length === 0
          ? zones
          : zones.filter((z) => names.includes(z.name) || ids.includes(z.id));
      return { AvailabilityZones: filtered(named, input.Filters ?? [], ZONE_FILTERS).map(zoneView) };
    },

    DescribeVpcs(input: OperationInput, ctx) {
      checkMaxResults(input.MaxResults, 5, 1000);
      const model = modelFor(ctx);
      const ids: string[] = input.VpcIds ?? [];
      const vpcs = ids.length > 0 ? model.requireVpcs([...new Set(ids)]) : model.vpcs();
      const found = filtered(vpcs, input.Filters ?? [], VPC_FILTERS);
      const page = paginate(found, input.NextToken, input.MaxResults ?? 1000, errors.invalidNextToken);
      return { Vpcs: page.items.map(vpcView), NextToken: page.nextToken };
    },

    DescribeSubnets(input: OperationInput, ctx) {
      checkMaxResults(input.MaxResults, 5, 1000);
      const model = modelFor(ctx);
      const ids: string[] = input.SubnetIds ?? [];
      const subnets = ids.length > 0 ? model.requireSubnets([...new Set(ids)]) : model.subnets();
      const found = filtered(subnets, input.Filters ?? [], SUBNET_FILTERS);
      const page = paginate(found, input.NextToken, input.MaxResults ?? 1000, errors.invalidNextToken);
      return { Subnets: page.items.map(subnetView), NextToken: page.nextToken };
    },

    DescribeSecurityGroups(input: OperationInput, ctx) {
      checkMaxResults(input.MaxResults, 5, 1000);
      const model = modelFor(ctx);
      const ids: string[] = input.GroupIds ?? [];
      const names: string[] = input.GroupNames ?? [];
      const groups =
        ids.length + names.length === 0
          ? model.securityGroups()
          : [
              ...new Set([
                ...ids.map((id) => model.requireSecurityGroup({ id })),
                ...names.map((name) => model.requireSecurityGroup({ name })),
              ]),
            ];
      const found = filtered(groups, input.Filters ?? [], GROUP_FILTERS);
      const page = paginate(found, input.NextToken, input.MaxResults ?? 1000, errors.invalidNextToken);
      return { SecurityGroups: page.items.map(securityGroupView), NextToken: page.nextToken };
    },

    CreateSecurityGroup(input: OperationInput, ctx) {
      if (input.GroupName === undefined) throw errors.missingParameter('GroupName');
      if (input.Description === undefined) throw errors.missingParameter('GroupDescription');
      const tags = tagsFromSpecifications(input.TagSpecifications, 'security-group');
      const group = modelFor(ctx).createSecurityGroup({
        name: input.GroupName,
        description: input.Description,
        ...(input.VpcId !== undefined ? { vpcId: input.VpcId } : {}),
        tags,
      });
      return { GroupId: group.id, ...(group.tags.size > 0 ? { Tags: tagList(group.tags) } : {}) };
    },

    DeleteSecurityGroup(input: OperationInput, ctx) {
      const model = modelFor(ctx);
      const group = model.requireSecurityGroup({ id: input.GroupId, name: input.GroupName });
      model.deleteSecurityGroup(group.id);
      return {};
    },

    AuthorizeSecurityGroupIngress(input: OperationInput, ctx) {
      const model = modelFor(ctx);
      const group = model.requireSecurityGroup({ id: input.GroupId, name: input.GroupName });
      const added = model.authorizeIngress(group.id, permissionsOf(input));
      return {
        Return: true,
        SecurityGroupRules: added.map((rule) => securityGroupRuleView(group, rule, false)),
      };
    },

    RevokeSecurityGroupIngress(input: OperationInput, ctx) {
      const model = modelFor(ctx);
      const group = model.requireSecurityGroup({ id: input.GroupId, name: input.GroupName });
      const ruleIds: string[] = input.SecurityGroupRuleIds ?? [];
      if (ruleIds.length > 0) {
        model.revokeIngressRules(group.id, ruleIds);
        return { Return: true };
      }
      model.revokeIngress(group.id, permissionsOf(input));
      return { Return: true };
    },
  };
}
