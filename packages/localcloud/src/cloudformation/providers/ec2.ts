// AWS::EC2::SecurityGroup, AWS::EC2::SecurityGroupIngress and AWS::EC2::LaunchTemplate: groups and
// rules of the region's EC2 network, and launch templates (an update adds a version and makes it the
// default, as CloudFormation does).
import type { IpPermissionInput } from '../../ec2/network.js';
import type { LaunchTemplateData } from '../../ec2/model.js';
import type { ProviderContext, ResourceProperties, ResourceProvider } from '../provider.js';
import { calling, list, number, tagRecord, text } from './support.js';

const SERVICE = 'Ec2';

/** A rule as the template writes it (one peer) → EC2's IpPermission. */
function permission(rule: Record<string, unknown>): IpPermissionInput {
  const description = text(rule.Description);
  const withDescription = <T extends object>(peer: T): T =>
    description !== undefined ? { ...peer, Description: description } : peer;
  const protocol = text(rule.IpProtocol) ?? '-1';
  const cidr = text(rule.CidrIp);
  const cidr6 = text(rule.CidrIpv6);
  const group = text(rule.SourceSecurityGroupId) ?? text(rule.DestinationSecurityGroupId);
  const groupName = text(rule.SourceSecurityGroupName);
  return {
    IpProtocol: protocol,
    ...(number(rule.FromPort) !== undefined ? { FromPort: number(rule.FromPort) } : {}),
    ...(number(rule.ToPort) !== undefined ? { ToPort: number(rule.ToPort) } : {}),
    ...(cidr !== undefined ? { IpRanges: [withDescription({ CidrIp: cidr })] } : {}),
    ...(cidr6 !== undefined ? { Ipv6Ranges: [withDescription({ CidrIpv6: cidr6 })] } : {}),
    ...(group !== undefined || groupName !== undefined
      ? {
          UserIdGroupPairs: [
            withDescription(group !== undefined ? { GroupId: group } : { GroupName: groupName as string }),
          ],
        }
      : {}),
  };
}

function ingressOf(properties: ResourceProperties): IpPermissionInput[] {
  return list<Record<string, unknown>>(properties.SecurityGroupIngress).map(permission);
}

function egressOf(properties: ResourceProperties): IpPermissionInput[] {
  return list<Record<string, unknown>>(properties.SecurityGroupEgress).map(permission);
}

const securityGroup: ResourceProvider = {
  replaceOn: ['GroupDescription', 'GroupName', 'VpcId'],
  nameProperty: 'GroupName',
  async create(properties, ctx) {
    const name = text(properties.GroupName) ?? ctx.generatedName(255);
    const group = await calling(SERVICE, () => {
      const created = ctx.models.ec2.createSecurityGroup({
        name,
        description: text(properties.GroupDescription) ?? '',
        ...(text(properties.VpcId) !== undefined ? { vpcId: text(properties.VpcId) } : {}),
        tags: tagRecord(properties.Tags),
      });
      const ingress = ingressOf(properties);
      if (ingress.length > 0) ctx.models.ec2.authorizeIngress(created.id, ingress);
      // Given egress rules replace the allow-all rule a new group starts with. (The local cloud's
      // network does not route: the rules are what EC2 answers, not what instances can reach.)
      const egress = egressOf(properties);
      if (egress.length > 0) ctx.models.ec2.replaceEgress(created.id, egress);
      return created;
    });
    return { physicalId: group.id, attributes: { GroupId: group.id, VpcId: group.vpcId } };
  },
  async update(physicalId, properties, previous, ctx) {
    await calling(SERVICE, () => {
      const before = ingressOf(previous);
      if (before.length > 0) ctx.models.ec2.revokeIngress(physicalId, before);
      const after = ingressOf(properties);
      if (after.length > 0) ctx.models.ec2.authorizeIngress(physicalId, after);
      if (JSON.stringify(egressOf(previous)) !== JSON.stringify(egressOf(properties))) {
        ctx.models.ec2.replaceEgress(physicalId, egressOf(properties));
      }
    });
    return { physicalId };
  },
  async delete(physicalId, _properties, ctx) {
    await calling(SERVICE, () => ctx.models.ec2.deleteSecurityGroup(physicalId));
  },
};

const securityGroupIngress: ResourceProvider = {
  async create(properties, ctx) {
    const groupId = text(properties.GroupId) ?? '';
    const rules = await calling(SERVICE, () =>
      ctx.models.ec2.authorizeIngress(groupId, [permission(properties as Record<string, unknown>)]),
    );
    return { physicalId: rules[0]?.ruleId ?? groupId };
  },
  async delete(_physicalId, properties, ctx) {
    const groupId = text(properties.GroupId) ?? '';
    await calling(SERVICE, () =>
      ctx.models.ec2.revokeIngress(groupId, [permission(properties as Record<string, unknown>)]),
    );
  },
};

function templateAttributes(ctx: ProviderContext, id: string): Record<string, unknown> {
  const template = ctx.models.ec2.requireLaunchTemplate({ id });
  return {
    LaunchTemplateId: id,
    // CloudFormation returns version numbers as strings.
    LatestVersionNumber: String(template.versions.length),
    DefaultVersionNumber: String(template.defaultVersion),
  };
}

const launchTemplate: ResourceProvider = {
  replaceOn: ['LaunchTemplateName'],
  nameProperty: 'LaunchTemplateName',
  async create(properties, ctx) {
    const name = text(properties.LaunchTemplateName) ?? ctx.generatedName(128);
    const tags = list<{ ResourceType?: string; Tags?: unknown }>(properties.TagSpecifications).find(
      (spec) => spec.ResourceType === 'launch-template',
    );
    const template = await calling(SERVICE, () =>
      ctx.models.ec2.createLaunchTemplate({
        name,
        data: (properties.LaunchTemplateData ?? {}) as LaunchTemplateData,
        ...(tags ? { tags: tagRecord(tags.Tags) } : {}),
      }),
    );
    return { physicalId: template.id, attributes: templateAttributes(ctx, template.id) };
  },
  async update(physicalId, properties, _previous, ctx) {
    await calling(SERVICE, () => {
      // A new version, made the default, as CloudFormation's handler does.
      ctx.models.ec2.createLaunchTemplateVersion(
        physicalId,
        (properties.LaunchTemplateData ?? {}) as LaunchTemplateData,
        true,
      );
    });
    return { physicalId, attributes: templateAttributes(ctx, physicalId) };
  },
  async delete(physicalId, _properties, ctx) {
    await calling(SERVICE, () => {
      ctx.models.ec2.requireLaunchTemplate({ id: physicalId });
      ctx.models.ec2.deleteLaunchTemplate(physicalId);
    });
  },
};

export const ec2Providers: ReadonlyMap<string, ResourceProvider> = new Map([
  ['AWS::EC2::SecurityGroup', securityGroup],
  ['AWS::EC2::SecurityGroupIngress', securityGroupIngress],
  ['AWS::EC2::LaunchTemplate', launchTemplate],
]);
