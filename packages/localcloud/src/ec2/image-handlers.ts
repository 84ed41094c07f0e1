// DescribeImages over the images the account can see (images.ts): Amazon's public ones and its own.
/* eslint-disable @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-assignment, @typescript-eslint/no-unsafe-argument --
   Inputs are OperationInput (service.ts): botocore shapes the protocol layer has already decoded and type-checked. */
import { createHash } from 'node:crypto';
import type { OperationHandler, OperationInput, RequestContext } from '../service.js';
import { paginate } from '../pagination.js';
import * as errors from './errors.js';
import { checkFilterNames, matchesFilters, tagFields, type FilterFields } from './filters.js';
import type { ImageRecord } from './images.js';
import type { Ec2Model } from './model.js';
import { checkMaxResults } from './network-handlers.js';

const IMAGE_FILTERS: FilterFields<ImageRecord> = new Map<string, (image: ImageRecord) => string[]>([
  ['image-id', (i) => [i.imageId]],
  ['name', (i) => [i.name]],
  ['description', (i) => [i.description]],
  ['owner-id', (i) => [i.ownerId]],
  ['owner-alias', (i) => (i.ownerAlias !== undefined ? [i.ownerAlias] : [])],
  ['is-public', (i) => [String(i.isPublic)]],
  ['architecture', (i) => [i.architecture]],
  ['platform-details', (i) => [i.platformDetails]],
  ['root-device-name', (i) => [i.rootDeviceName]],
  ['root-device-type', () => ['ebs']],
  ['virtualization-type', () => ['hvm']],
  ['hypervisor', () => ['xen']],
  ['image-type', () => ['machine']],
  ['state', () => ['available']],
  ['imds-support', (i) => (i.imdsSupport !== undefined ? [i.imdsSupport] : [])],
  ...tagFields<ImageRecord>(),
]);

function imageView(image: ImageRecord): Record<string, unknown> {
  // One root volume from a snapshot whose id is derived from the image's, so it reads the same each time.
  const snapshotId = `snap-${createHash('sha256').update(image.imageId).digest('hex').slice(0, 17)}`;
  return {
    Architecture: image.architecture,
    CreationDate: image.creationDate.toISOString(),
    ImageId: image.imageId,
    ImageLocation: `${image.ownerAlias ?? image.ownerId}/${image.name}`,
    ImageType: 'machine',
    Public: image.isPublic,
    OwnerId: image.ownerId,
    PlatformDetails: image.platformDetails,
    UsageOperation: 'RunInstances',
    ProductCodes: [],
    State: 'available',
    BlockDeviceMappings: [
      {
        DeviceName: image.rootDeviceName,
        Ebs: {
          DeleteOnTermination: true,
          SnapshotId: snapshotId,
          VolumeSize: 8,
          VolumeType: 'gp3',
          Encrypted: false,
        },
      },
    ],
    Description: image.description,
    EnaSupport: true,
    Hypervisor: 'xen',
    ...(image.ownerAlias !== undefined ? { ImageOwnerAlias: image.ownerAlias } : {}),
    Name: image.name,
    RootDeviceName: image.rootDeviceName,
    RootDeviceType: 'ebs',
    SriovNetSupport: 'simple',
    ...(image.tags.size > 0 ? { Tags: [...image.tags].map(([Key, Value]) => ({ Key, Value })) } : {}),
    VirtualizationType: 'hvm',
    // No BootMode: AL2023's is uefi-preferred, a value the botocore model the contract tests read lacks.
    ...(image.imdsSupport !== undefined ? { ImdsSupport: image.imdsSupport } : {}),
  };
}

/** `--owners`: account ids, `self`, `amazon`, `aws-marketplace` (none here). */
function ownedBy(image: ImageRecord, owners: readonly string[], accountId: string): boolean {
  return owners.some((owner) =>
    owner === 'self'
      ? image.ownerId === accountId
      : owner === 'amazon'
        ? image.ownerAlias === 'amazon'
        : image.ownerId === owner,
  );
}

/**
 * `--executable-users`: `all` is every public image; `self` or the account's id are images shared
 * with the account, which the local cloud has none of (its own images are not "shared" with it).
 */
function executableBy(image: ImageRecord, users: readonly string[]): boolean {
  return users.some((user) => user === 'all' && image.isPublic);
}

export function imageOperations(
  modelFor: (ctx: RequestContext) => Ec2Model,
): Record<string, OperationHandler> {
  return {
    DescribeImages(input: OperationInput, ctx) {
      const model = modelFor(ctx);
      const ids: string[] = input.ImageIds ?? [];
      if (ids.length > 0 && input.MaxResults !== undefined)
        throw errors.invalidParameterCombination(
          'The parameter imagesSet cannot be used with the parameter maxResults',
        );
      checkMaxResults(input.MaxResults, 1, 1000);
      let images: ImageRecord[];
      if (ids.length > 0) {
        const malformed = ids.find((id) => !/^ami-[0-9a-f]{8,17}$/.test(id));
        if (malformed !== undefined) throw errors.malformedId('InvalidAMIID.Malformed', malformed, 'ami');
        const missing = ids.filter((id) => model.image(id) === undefined);
        if (missing.length > 0) throw errors.imageNotFound(missing);
        images = [...new Set(ids)].map((id) => model.image(id) as ImageRecord);
      } else {
        // Every image the account may launch: its own and the public ones.
        images = model.allImages().filter((i) => i.isPublic || i.ownerId === ctx.accountId);
      }
      const owners: string[] = input.Owners ?? [];
      if (owners.length > 0) images = images.filter((i) => ownedBy(i, owners, ctx.accountId));
      const users: string[] = input.ExecutableUsers ?? [];
      if (users.length > 0) images = images.filter((i) => executableBy(i, users));
      const filters = input.Filters ?? [];
      checkFilterNames(IMAGE_FILTERS, filters);
      images = images.filter((i) => matchesFilters(i, filters, IMAGE_FILTERS));
      const page = paginate(images, input.NextToken, input.MaxResults ?? 1000, errors.invalidNextToken);
      return { Images: page.items.map(imageView), NextToken: page.nextToken };
    },
  };
}
