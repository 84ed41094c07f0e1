// The images (AMIs) an account can launch: public ones every account sees (Amazon Linux 2023) and the
// account's own. The local cloud builds no images: the account's are the ones its world's launch
// templates name, registered when the template is created, or added through Ec2Model.addImage.

export interface ImageRecord {
  readonly imageId: string;
  readonly name: string;
  readonly description: string;
  readonly ownerId: string;
  /** `amazon` for Amazon's public images. */
  readonly ownerAlias?: string;
  readonly isPublic: boolean;
  readonly architecture: 'x86_64' | 'arm64';
  readonly creationDate: Date;
  readonly platformDetails: string;
  readonly rootDeviceName: string;
  /** `v2.0`: instances launched from it require IMDSv2 tokens unless their launch says otherwise. */
  readonly imdsSupport?: 'v2.0';
  readonly tags: Map<string, string>;
}

/** What addImage takes: an id, and whatever differs from an image the account made itself. */
export type ImageInput = Pick<ImageRecord, 'imageId'> &
  Partial<Omit<ImageRecord, 'imageId' | 'tags'>> & {
    readonly tags?: Record<string, string>;
  };

/** Owner of Amazon's public images, the account `--owners amazon` stands for. */
export const AMAZON_OWNER_ID = '137112412989';

/**
 * Amazon Linux 2023, as DescribeImages shows it. Its id is also what instances boot when their launch
 * template names no image; one id for every region (on AWS each region has its own).
 */
export function amazonLinux2023(imageId: string): ImageInput {
  return {
    imageId,
    name: 'al2023-ami-2023.6.20241121.0-kernel-6.1-x86_64',
    description: 'Amazon Linux 2023 AMI 2023.6.20241121.0 x86_64 HVM kernel-6.1',
    ownerId: AMAZON_OWNER_ID,
    ownerAlias: 'amazon',
    isPublic: true,
    creationDate: new Date('2024-11-21T18:37:43.000Z'),
    imdsSupport: 'v2.0',
  };
}

export function imageRecord(input: ImageInput, accountId: string, now: Date): ImageRecord {
  return {
    imageId: input.imageId,
    name: input.name ?? input.imageId,
    description: input.description ?? '',
    ownerId: input.ownerId ?? accountId,
    ...(input.ownerAlias !== undefined ? { ownerAlias: input.ownerAlias } : {}),
    isPublic: input.isPublic ?? false,
    architecture: input.architecture ?? 'x86_64',
    creationDate: input.creationDate ?? now,
    platformDetails: input.platformDetails ?? 'Linux/UNIX',
    rootDeviceName: input.rootDeviceName ?? '/dev/xvda',
    ...(input.imdsSupport !== undefined ? { imdsSupport: input.imdsSupport } : {}),
    tags: new Map(Object.entries(input.tags ?? {})),
  };
}
