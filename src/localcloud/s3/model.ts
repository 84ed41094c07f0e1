// S3 state: buckets (optionally versioned) and objects, held in memory. Implements S3Port so the
// CodeDeploy agent can fetch revision bundles. Bucket names are global, as on AWS.
import { createHash } from 'node:crypto';
import type { S3Object, S3Port, Scheduler } from '../ports.js';
import type { Random } from '../random.js';
import * as errors from './errors.js';

const VERSION_ID_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._';

export interface StoredObject extends S3Object {
  readonly key: string;
  readonly metadata: Record<string, string>;
}

export interface BucketRecord {
  readonly name: string;
  readonly region: string;
  readonly creationDate: Date;
  versioning?: 'Enabled' | 'Suspended';
  /** Versions of each key, oldest first. */
  readonly objects: Map<string, StoredObject[]>;
}

export interface S3ModelDeps {
  readonly scheduler: Scheduler;
  readonly random: Random;
}

export class S3Model implements S3Port {
  private readonly buckets = new Map<string, BucketRecord>();

  constructor(private readonly deps: S3ModelDeps) {}

  getObject(bucket: string, key: string, versionId?: string): StoredObject | undefined {
    const versions = this.buckets.get(bucket)?.objects.get(key);
    if (!versions) return undefined;
    if (versionId === undefined) return versions[versions.length - 1];
    return versions.find((v) => (v.versionId ?? 'null') === versionId);
  }

  createBucket(name: string, region: string, versioned = false): BucketRecord {
    if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(name)) throw errors.invalidBucketName(name);
    if (this.buckets.has(name)) throw errors.bucketAlreadyOwnedByYou(name);
    const bucket: BucketRecord = {
      name,
      region,
      creationDate: this.deps.scheduler.now(),
      ...(versioned ? { versioning: 'Enabled' as const } : {}),
      objects: new Map(),
    };
    this.buckets.set(name, bucket);
    return bucket;
  }

  requireBucket(name: string): BucketRecord {
    const bucket = this.buckets.get(name);
    if (!bucket) throw errors.noSuchBucket(name);
    return bucket;
  }

  allBuckets(): BucketRecord[] {
    return [...this.buckets.values()];
  }

  deleteBucket(name: string): void {
    const bucket = this.requireBucket(name);
    if (bucket.objects.size > 0) throw errors.bucketNotEmpty();
    this.buckets.delete(name);
  }

  setVersioning(name: string, status: 'Enabled' | 'Suspended'): void {
    this.requireBucket(name).versioning = status;
  }

  putObject(
    bucketName: string,
    key: string,
    body: Buffer,
    contentType?: string,
    metadata: Record<string, string> = {},
  ): StoredObject {
    const bucket = this.requireBucket(bucketName);
    const object: StoredObject = {
      key,
      body,
      etag: `"${createHash('md5').update(body).digest('hex')}"`,
      ...(bucket.versioning === 'Enabled' ? { versionId: this.newVersionId() } : {}),
      lastModified: this.deps.scheduler.now(),
      ...(contentType ? { contentType } : {}),
      metadata,
    };
    const versions = bucket.objects.get(key) ?? [];
    // Unversioned buckets keep one copy; versioned ones keep every version.
    if (bucket.versioning === 'Enabled') versions.push(object);
    else versions.splice(0, versions.length, object);
    bucket.objects.set(key, versions);
    return object;
  }

  requireObject(bucketName: string, key: string, versionId?: string): StoredObject {
    this.requireBucket(bucketName);
    const object = this.getObject(bucketName, key, versionId);
    if (!object) throw versionId === undefined ? errors.noSuchKey() : errors.noSuchVersion();
    return object;
  }

  deleteObject(bucketName: string, key: string): void {
    this.requireBucket(bucketName).objects.delete(key);
  }

  /** Current objects whose key starts with `prefix`, in key order. */
  listObjects(bucketName: string, prefix: string): StoredObject[] {
    const bucket = this.requireBucket(bucketName);
    return [...bucket.objects.entries()]
      .filter(([key]) => key.startsWith(prefix))
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([, versions]) => versions[versions.length - 1] as StoredObject);
  }

  private newVersionId(): string {
    let id = '';
    for (let i = 0; i < 32; i++)
      id += VERSION_ID_ALPHABET.charAt(Math.floor(this.deps.random() * VERSION_ID_ALPHABET.length));
    return id;
  }
}
