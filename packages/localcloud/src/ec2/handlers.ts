// EC2 operations: parse the input, call the model, render the output shape.
/* eslint-disable @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-assignment, @typescript-eslint/no-unsafe-argument --
   Inputs are OperationInput (service.ts): botocore shapes the protocol layer has already decoded and type-checked. */
import { createHash } from 'node:crypto';
import type { OperationInput, RequestContext, ServiceDefinition } from '../service.js';
import { paginate } from '../pagination.js';
import * as errors from './errors.js';
import { imageOperations } from './image-handlers.js';
import { checkMaxResults, networkOperations, tagsFromSpecifications } from './network-handlers.js';
import type {
  Ec2Model,
  InstanceFilter,
  InstanceRecord,
  LaunchTemplateRecord,
  LaunchTemplateVersionRecord,
} from './model.js';
import { INSTANCE_STATE_CODES } from './model.js';

function tagList(tags: Map<string, string>): { Key: string; Value: string }[] {
  return [...tags].map(([Key, Value]) => ({ Key, Value }));
}

function stateView(instance: InstanceRecord, state = instance.state): { Code: number; Name: string } {
  return { Code: INSTANCE_STATE_CODES[state], Name: state };
}

/** Ids of an instance's root volume and network interface, derived from its own so they read the same each time. */
function attachedIds(instance: InstanceRecord): {
  volume: string;
  eni: string;
  attachment: string;
  mac: string;
} {
  const hex = createHash('sha256').update(instance.instanceId).digest('hex');
  const mac = (hex.slice(51, 61).match(/../g) ?? []).join(':');
  return {
    volume: `vol-${hex.slice(0, 17)}`,
    eni: `eni-${hex.slice(17, 34)}`,
    attachment: `eni-attach-${hex.slice(34, 51)}`,
    mac: `0e:${mac}`,
  };
}

function instanceView(instance: InstanceRecord, model: Ec2Model, ownerId: string): Record<string, unknown> {
  const running = instance.state !== 'terminated';
  const securityGroups = instance.securityGroupIds.map((id) => ({
    GroupId: id,
    // A group deleted since launch still shows its id, as the instance keeps it.
    GroupName: model.securityGroup(id)?.name ?? '',
  }));
  const ids = attachedIds(instance);
  const privateDnsName = `ip-${instance.privateIpAddress.replace(/\./g, '-')}.ec2.internal`;
  // The root volume and the primary network interface every VPC instance has, until it is terminated.
  const blockDeviceMappings = running
    ? [
        {
          DeviceName: '/dev/xvda',
          Ebs: {
            AttachTime: instance.launchTime,
            DeleteOnTermination: true,
            Status: 'attached',
            VolumeId: ids.volume,
          },
        },
      ]
    : [];
  const networkInterfaces = running
    ? [
        {
          Attachment: {
            AttachTime: instance.launchTime,
            AttachmentId: ids.attachment,
            DeleteOnTermination: true,
            DeviceIndex: 0,
            Status: 'attached',
            NetworkCardIndex: 0,
          },
          Description: '',
          Groups: securityGroups,
          Ipv6Addresses: [],
          MacAddress: ids.mac,
          NetworkInterfaceId: ids.eni,
          OwnerId: ownerId,
          PrivateDnsName: privateDnsName,
          PrivateIpAddress: instance.privateIpAddress,
          PrivateIpAddresses: [
            { Primary: true, PrivateDnsName: privateDnsName, PrivateIpAddress: instance.privateIpAddress },
          ],
          SourceDestCheck: true,
          Status: 'in-use',
          SubnetId: instance.subnetId,
          VpcId: instance.vpcId,
          InterfaceType: 'interface',
        },
      ]
    : [];
  return {
    InstanceId: instance.instanceId,
    ImageId: instance.imageId,
    State: stateView(instance),
    PrivateDnsName: running ? privateDnsName : '',
    PublicDnsName: '',
    StateTransitionReason: instance.stateTransitionReason,
    AmiLaunchIndex: instance.amiLaunchIndex,
    ProductCodes: [],
    InstanceType: instance.instanceType,
    LaunchTime: instance.launchTime,
    Placement: { AvailabilityZone: instance.availabilityZone, GroupName: '', Tenancy: 'default' },
    Monitoring: { State: 'disabled' },
    ...(running
      ? { SubnetId: instance.subnetId, VpcId: instance.vpcId, PrivateIpAddress: instance.privateIpAddress }
      : {}),
    Architecture: 'x86_64',
    RootDeviceType: 'ebs',
    RootDeviceName: '/dev/xvda',
    BlockDeviceMappings: blockDeviceMappings,
    VirtualizationType: 'hvm',
    ClientToken: '',
    Tags: tagList(instance.tags),
    SecurityGroups: running ? securityGroups : [],
    SourceDestCheck: true,
    Hypervisor: 'xen',
    NetworkInterfaces: networkInterfaces,
    EbsOptimized: false,
    EnaSupport: true,
    MetadataOptions: {
      State: 'applied',
      HttpTokens: instance.metadataOptions.httpTokens,
      HttpPutResponseHopLimit: instance.metadataOptions.httpPutResponseHopLimit,
      HttpEndpoint: instance.metadataOptions.httpEndpoint,
      HttpProtocolIpv6: instance.metadataOptions.httpProtocolIpv6,
      InstanceMetadataTags: instance.metadataOptions.instanceMetadataTags,
    },
    ...(instance.stateReason
      ? { StateReason: { Code: instance.stateReason.code, Message: instance.stateReason.message } }
      : {}),
  };
}

/** Groups a page of instances into reservations, keeping launch order. */
function reservations(
  instances: InstanceRecord[],
  ctx: RequestContext,
  model: Ec2Model,
): Record<string, unknown>[] {
  const byId = new Map<string, InstanceRecord[]>();
  for (const instance of instances) {
    const group = byId.get(instance.reservationId);
    if (group) group.push(instance);
    else byId.set(instance.reservationId, [instance]);
  }
  return [...byId].map(([ReservationId, members]) => ({
    ReservationId,
    OwnerId: ctx.accountId,
    Groups: [],
    Instances: members.map((instance) => instanceView(instance, model, ctx.accountId)),
  }));
}

function launchTemplateView(template: LaunchTemplateRecord, accountId: string): Record<string, unknown> {
  return {
    LaunchTemplateId: template.id,
    LaunchTemplateName: template.name,
    CreateTime: template.createTime,
    CreatedBy: `arn:aws:iam::${accountId}:root`,
    DefaultVersionNumber: template.defaultVersion,
    LatestVersionNumber: template.versions.length,
    ...(template.tags.size > 0 ? { Tags: tagList(template.tags) } : {}),
  };
}

function launchTemplateVersionView(
  template: LaunchTemplateRecord,
  accountId: string,
  version: LaunchTemplateVersionRecord,
): Record<string, unknown> {
  // ResponseLaunchTemplateData has the request's members, so the version's data is answered whole
  // (MetadataOptions, BlockDeviceMappings, TagSpecifications …), as EC2 answers it.
  const data = version.data;
  return {
    LaunchTemplateId: template.id,
    LaunchTemplateName: template.name,
    VersionNumber: version.versionNumber,
    ...(version.description ? { VersionDescription: version.description } : {}),
    CreateTime: version.createTime,
    CreatedBy: `arn:aws:iam::${accountId}:root`,
    DefaultVersion: version.versionNumber === template.defaultVersion,
    LaunchTemplateData: data,
  };
}

export function ec2Service(modelFor: (ctx: RequestContext) => Ec2Model): ServiceDefinition {
  return {
    signingName: 'ec2',
    operations: {
      ...networkOperations(modelFor),
      ...imageOperations(modelFor),

      DescribeInstances(input: OperationInput, ctx) {
        const ids: string[] = input.InstanceIds ?? [];
        if (ids.length > 0 && input.MaxResults !== undefined) {
          throw errors.invalidParameterCombination(
            'The parameter instancesSet cannot be used with the parameter maxResults',
          );
        }
        checkMaxResults(input.MaxResults, 5, 1000);
        const model = modelFor(ctx);
        const found = model.describeInstances(ids, (input.Filters ?? []) as InstanceFilter[]);
        const page = paginate(found, input.NextToken, input.MaxResults ?? 1000, errors.invalidNextToken);
        return { Reservations: reservations(page.items, ctx, model), NextToken: page.nextToken };
      },

      DescribeInstanceStatus(input: OperationInput, ctx) {
        checkMaxResults(input.MaxResults, 5, 1000);
        const found = modelFor(ctx)
          .describeInstances(input.InstanceIds ?? [], [])
          .filter((i) => input.IncludeAllInstances === true || i.state === 'running');
        const page = paginate(found, input.NextToken, input.MaxResults ?? 1000, errors.invalidNextToken);
        const status = (i: InstanceRecord) => ({
          Status: i.state === 'running' ? 'ok' : 'not-applicable',
          Details: [{ Name: 'reachability', Status: i.state === 'running' ? 'passed' : 'initializing' }],
        });
        return {
          InstanceStatuses: page.items.map((i) => ({
            InstanceId: i.instanceId,
            AvailabilityZone: i.availabilityZone,
            InstanceState: stateView(i),
            InstanceStatus: status(i),
            SystemStatus: status(i),
            Events: [],
          })),
          NextToken: page.nextToken,
        };
      },

      TerminateInstances(input: OperationInput, ctx) {
        if (!input.InstanceIds?.length) throw errors.missingParameter('InstanceId');
        const changes = modelFor(ctx).terminateInstances(input.InstanceIds);
        return {
          TerminatingInstances: changes.map(({ instance, previous }) => ({
            InstanceId: instance.instanceId,
            CurrentState: stateView(instance),
            PreviousState: stateView(instance, previous),
          })),
        };
      },

      DescribeTags(input: OperationInput, ctx) {
        const filters = (input.Filters ?? []) as InstanceFilter[];
        const rows = modelFor(ctx)
          .all()
          .filter((i) => i.state !== 'terminated')
          .flatMap((i) =>
            [...i.tags].map(([Key, Value]) => ({
              Key,
              Value,
              ResourceId: i.instanceId,
              ResourceType: 'instance',
            })),
          );
        const accepted = rows.filter((row) =>
          filters.every((filter) => {
            const field = {
              key: row.Key,
              value: row.Value,
              'resource-id': row.ResourceId,
              'resource-type': row.ResourceType,
            }[filter.Name ?? ''];
            if (field === undefined) throw errors.invalidFilter(filter.Name ?? '');
            return (filter.Values ?? []).includes(field);
          }),
        );
        const page = paginate(accepted, input.NextToken, input.MaxResults ?? 1000, errors.invalidNextToken);
        return { Tags: page.items, NextToken: page.nextToken };
      },

      CreateLaunchTemplate(input: OperationInput, ctx) {
        if (!input.LaunchTemplateName) throw errors.missingParameter('LaunchTemplateName');
        if (!input.LaunchTemplateData) throw errors.missingParameter('LaunchTemplateData');
        const model = modelFor(ctx);
        const template = model.createLaunchTemplate({
          name: input.LaunchTemplateName,
          data: input.LaunchTemplateData,
          description: input.VersionDescription,
          tags: tagsFromSpecifications(input.TagSpecifications, 'launch-template'),
          registerImage: false,
        });
        // EC2 creates a template naming an image it does not know, and says so in a warning.
        const imageId = input.LaunchTemplateData.ImageId as string | undefined;
        const unknownImage = imageId !== undefined && model.image(imageId) === undefined;
        return {
          LaunchTemplate: launchTemplateView(template, ctx.accountId),
          ...(unknownImage
            ? {
                Warning: {
                  Errors: [
                    { Code: 'InvalidAMIID.NotFound', Message: errors.imageNotFound([imageId]).message },
                  ],
                },
              }
            : {}),
        };
      },

      // A new version of a template (a new AMI, say), not made the default: ModifyLaunchTemplate does
      // that. With SourceVersion it starts from that version's data, the request's members winning.
      CreateLaunchTemplateVersion(input: OperationInput, ctx) {
        if (!input.LaunchTemplateData) throw errors.missingParameter('LaunchTemplateData');
        if (!input.LaunchTemplateId && !input.LaunchTemplateName) {
          throw errors.missingParameter('LaunchTemplateId or LaunchTemplateName');
        }
        const model = modelFor(ctx);
        const template = model.requireLaunchTemplate({
          ...(input.LaunchTemplateId ? { id: input.LaunchTemplateId as string } : {}),
          ...(input.LaunchTemplateName ? { name: input.LaunchTemplateName as string } : {}),
        });
        const source =
          input.SourceVersion === undefined
            ? {}
            : model.templateVersion(template, String(input.SourceVersion)).data;
        const version = model.createLaunchTemplateVersion(template.id, {
          ...source,
          ...input.LaunchTemplateData,
        });
        return {
          LaunchTemplateVersion: launchTemplateVersionView(template, ctx.accountId, {
            ...version,
            ...(input.VersionDescription ? { description: input.VersionDescription as string } : {}),
          }),
        };
      },

      DescribeLaunchTemplates(input: OperationInput, ctx) {
        const model = modelFor(ctx);
        const ids: string[] = input.LaunchTemplateIds ?? [];
        const names: string[] = input.LaunchTemplateNames ?? [];
        const templates =
          ids.length + names.length === 0
            ? model.allLaunchTemplates()
            : [
                ...ids.map((id) => model.requireLaunchTemplate({ id })),
                ...names.map((name) => model.requireLaunchTemplate({ name })),
              ];
        const filters = (input.Filters ?? []) as InstanceFilter[];
        const accepted = templates.filter((t) =>
          filters.every((f) => {
            if (f.Name === 'launch-template-name') return (f.Values ?? []).includes(t.name);
            if (f.Name?.startsWith('tag:'))
              return (f.Values ?? []).includes(t.tags.get(f.Name.slice(4)) ?? '\u0000');
            throw errors.invalidFilter(f.Name ?? '');
          }),
        );
        const page = paginate(accepted, input.NextToken, input.MaxResults ?? 1000, errors.invalidNextToken);
        return {
          LaunchTemplates: page.items.map((template) => launchTemplateView(template, ctx.accountId)),
          NextToken: page.nextToken,
        };
      },

      DescribeLaunchTemplateVersions(input: OperationInput, ctx) {
        const model = modelFor(ctx);
        const template = model.requireLaunchTemplate({
          id: input.LaunchTemplateId,
          name: input.LaunchTemplateName,
        });
        const requested: string[] = input.Versions ?? [];
        const versions =
          requested.length > 0
            ? requested.map((v) => model.templateVersion(template, v))
            : [...template.versions].reverse();
        const page = paginate(versions, input.NextToken, input.MaxResults ?? 1000, errors.invalidNextToken);
        return {
          LaunchTemplateVersions: page.items.map((version) =>
            launchTemplateVersionView(template, ctx.accountId, version),
          ),
          NextToken: page.nextToken,
        };
      },
    },
  };
}
