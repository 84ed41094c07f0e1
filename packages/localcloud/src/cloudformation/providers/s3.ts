// AWS::S3::Bucket and AWS::S3::BucketPolicy: buckets of the cloud's S3 (versioning as the template
// says; encryption, public access blocks, ownership and lifecycle rules are kept by the stack) and
// their policies.
import type { ProviderContext, ResourceProperties, ResourceProvider } from '../provider.js';
import { calling, text } from './support.js';

function versioningOf(properties: ResourceProperties): 'Enabled' | 'Suspended' | undefined {
  const status = (properties.VersioningConfiguration as { Status?: unknown } | undefined)?.Status;
  return status === 'Enabled' || status === 'Suspended' ? status : undefined;
}

function bucketAttributes(ctx: ProviderContext, name: string): Record<string, unknown> {
  return {
    Arn: `arn:aws:s3:::${name}`,
    DomainName: `${name}.s3.amazonaws.com`,
    RegionalDomainName: `${name}.s3.${ctx.region}.amazonaws.com`,
    DualStackDomainName: `${name}.s3.dualstack.${ctx.region}.amazonaws.com`,
    WebsiteURL: `http://${name}.s3-website-${ctx.region}.amazonaws.com`,
  };
}

const bucket: ResourceProvider = {
  replaceOn: ['BucketName', 'ObjectLockEnabled'],
  nameProperty: 'BucketName',
  async create(properties, ctx) {
    // Bucket names are lower case: CloudFormation lowers the name it makes.
    const name = text(properties.BucketName) ?? ctx.generatedName(63).toLowerCase();
    await calling('S3', () =>
      ctx.cloud.s3.createBucket(name, ctx.region, versioningOf(properties) === 'Enabled'),
    );
    return { physicalId: name, attributes: bucketAttributes(ctx, name) };
  },
  async update(physicalId, properties, previous, ctx) {
    const versioning = versioningOf(properties);
    if (versioning !== versioningOf(previous)) {
      await calling('S3', () => ctx.cloud.s3.setVersioning(physicalId, versioning ?? 'Suspended'));
    }
    return { physicalId, attributes: bucketAttributes(ctx, physicalId) };
  },
  async delete(physicalId, _properties, ctx) {
    await calling('S3', () => ctx.cloud.s3.deleteBucket(physicalId));
  },
};

function policyText(properties: ResourceProperties): string {
  const document = properties.PolicyDocument;
  return typeof document === 'string' ? document : JSON.stringify(document ?? {});
}

const bucketPolicy: ResourceProvider = {
  replaceOn: ['Bucket'],
  async create(properties, ctx) {
    const name = text(properties.Bucket) ?? '';
    await calling('S3', () => ctx.cloud.s3.putBucketPolicy(name, policyText(properties)));
    return { physicalId: name };
  },
  async update(physicalId, properties, _previous, ctx) {
    await calling('S3', () => ctx.cloud.s3.putBucketPolicy(physicalId, policyText(properties)));
    return { physicalId };
  },
  async delete(physicalId, _properties, ctx) {
    await calling('S3', () => ctx.cloud.s3.deleteBucketPolicy(physicalId));
  },
};

export const s3Providers: ReadonlyMap<string, ResourceProvider> = new Map([
  ['AWS::S3::Bucket', bucket],
  ['AWS::S3::BucketPolicy', bucketPolicy],
]);
