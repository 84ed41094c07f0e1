// S3 state: buckets (optionally versioned) and objects, held in memory. Implements S3Port so the
// CodeDeploy agent can fetch revision bundles. Bucket names are global, as on AWS.
import { createHash } from 'node:crypto';
import type { S3Object, S3Port, Scheduler } from '../ports.js';
import { codePointName, xmlIllegalCharacter } from '../protocol/xml.js';
import type { Random } from '../random.js';
import type { ObjectChecksum } from './checksums.js';
import * as errors from './errors.js';

const VERSION_ID_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._';

export interface StoredObject extends S3Object {
  readonly key: string;
  readonly metadata: Record<string, string>;
  /** The additional checksum the upload carried; without one S3 answers a CRC64NVME (objectChecksum). */
  readonly checksum?: ObjectChecksum;
}

/** What DeleteObject leaves in a versioned bucket: the key reads as absent, older versions stay. */
export interface DeleteMarker {
  readonly deleteMarker: true;
  readonly key: string;
  /** `null` when versioning is suspended, as S3 names it. */
  readonly versionId: string;
  readonly lastModified: Date;
}

export type StoredVersion = StoredObject | DeleteMarker;

export function isDeleteMarker(version: StoredVersion): version is DeleteMarker {
  return 'deleteMarker' in version;
}

export interface BucketRecord {
  readonly name: string;
  readonly region: string;
  readonly creationDate: Date;
  versioning?: 'Enabled' | 'Suspended';
  /** The bucket policy's JSON, when one was put (a CloudFormation AWS::S3::BucketPolicy). */
  policy?: string;
  /** Versions of each key, oldest first; the last one is current. */
  readonly objects: Map<string, StoredVersion[]>;
}

/** A version looked up by key (and version id): the object, a delete marker, or nothing at all. */
export type VersionLookup =
  | { readonly found: 'object'; readonly object: StoredObject }
  | { readonly found: 'delete-marker'; readonly marker: DeleteMarker }
  | { readonly found: 'nothing' };

/** What DeleteObject did, for its response headers. */
export interface DeleteResult {
  readonly versionId?: string;
  readonly deleteMarker: boolean;
}

export interface S3ModelDeps {
  readonly scheduler: Scheduler;
  readonly random: Random;
}

export class S3Model implements S3Port {
  private readonly buckets = new Map<string, BucketRecord>();

  constructor(private readonly deps: S3ModelDeps) {}

  /** The current object (or that version of it); undefined when absent or deleted. */
  getObject(bucket: string, key: string, versionId?: string): StoredObject | undefined {
    const lookup = this.lookup(bucket, key, versionId);
    return lookup.found === 'object' ? lookup.object : undefined;
  }

  lookup(bucket: string, key: string, versionId?: string): VersionLookup {
    const versions = this.buckets.get(bucket)?.objects.get(key);
    const version =
      versionId === undefined
        ? versions?.[versions.length - 1]
        : versions?.find((v) => (v.versionId ?? 'null') === versionId);
    if (!version) return { found: 'nothing' };
    return isDeleteMarker(version)
      ? { found: 'delete-marker', marker: version }
      : { found: 'object', object: version };
  }

  /** Throws what CreateBucket would for this name: not valid, or taken. */
  checkBucketName(name: string): void {
    if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(name)) throw errors.invalidBucketName(name);
    if (this.buckets.has(name)) throw errors.bucketAlreadyOwnedByYou(name);
  }

  createBucket(name: string, region: string, versioned = false): BucketRecord {
    this.checkBucketName(name);
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

  /** In name order, as ListBuckets answers. */
  allBuckets(): BucketRecord[] {
    return [...this.buckets.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  deleteBucket(name: string): void {
    const bucket = this.requireBucket(name);
    if (bucket.objects.size > 0) throw errors.bucketNotEmpty();
    this.buckets.delete(name);
  }

  setVersioning(name: string, status: 'Enabled' | 'Suspended'): void {
    this.requireBucket(name).versioning = status;
  }

  /** PutBucketPolicy's part: the policy is kept, not enforced. */
  putBucketPolicy(name: string, policy: string): void {
    this.requireBucket(name).policy = policy;
  }

  /** DeleteBucketPolicy's part; a bucket already gone has no policy left to delete. */
  deleteBucketPolicy(name: string): void {
    const bucket = this.buckets.get(name);
    if (bucket) delete bucket.policy;
  }

  putObject(
    bucketName: string,
    key: string,
    body: Buffer,
    contentType?: string,
    metadata: Record<string, string> = {},
    checksum?: ObjectChecksum,
  ): StoredObject {
    const bucket = this.requireBucket(bucketName);
    // S3 stores such keys, then lists them as character references no XML 1.0 parser accepts; the
    // local cloud refuses them here instead, a deliberate deviation from S3.
    const illegal = xmlIllegalCharacter(key);
    if (illegal !== undefined) {
      throw errors.invalidArgument(
        `Object key contains the character ${codePointName(illegal)}, which the local cloud refuses: XML listings cannot carry it`,
      );
    }
    const object: StoredObject = {
      key,
      body,
      etag: `"${createHash('md5').update(body).digest('hex')}"`,
      ...(bucket.versioning === 'Enabled' ? { versionId: this.newVersionId() } : {}),
      lastModified: this.deps.scheduler.now(),
      ...(contentType ? { contentType } : {}),
      metadata,
      ...(checksum ? { checksum } : {}),
    };
    const versions = bucket.objects.get(key) ?? [];
    // Unversioned buckets keep one copy; versioned ones keep every version.
    if (bucket.versioning === 'Enabled') versions.push(object);
    else versions.splice(0, versions.length, object);
    bucket.objects.set(key, versions);
    return object;
  }

  /**
   * The object (or that version of it). A current version that is a delete marker reads as NoSuchKey;
   * a delete marker asked for by version id is S3's MethodNotAllowed. Both say which marker.
   */
  requireObject(bucketName: string, key: string, versionId?: string): StoredObject {
    this.requireBucket(bucketName);
    const lookup = this.lookup(bucketName, key, versionId);
    if (lookup.found === 'object') return lookup.object;
    if (lookup.found === 'delete-marker') {
      throw versionId === undefined
        ? errors.noSuchKey(lookup.marker.versionId)
        : errors.deleteMarkerMethodNotAllowed(lookup.marker.versionId);
    }
    throw versionId === undefined ? errors.noSuchKey() : errors.noSuchVersion();
  }

  /**
   * S3's DeleteObject. Without a version id: an unversioned bucket forgets the key; a versioned one
   * gets a delete marker on top of the versions it keeps (versioning suspended: a `null` marker
   * replaces the `null` version). With a version id: that version goes for good.
   */
  deleteObject(bucketName: string, key: string, versionId?: string): DeleteResult {
    const bucket = this.requireBucket(bucketName);
    const versions = bucket.objects.get(key) ?? [];
    if (versionId !== undefined) {
      const index = versions.findIndex((v) => (v.versionId ?? 'null') === versionId);
      if (index < 0) {
        // S3 answers 204 for a version that is not there; a malformed id it refuses.
        if (versionId !== 'null' && !/^[A-Za-z0-9._]{1,1024}$/.test(versionId))
          throw errors.invalidArgument('Invalid version id specified');
        return { versionId, deleteMarker: false };
      }
      const [removed] = versions.splice(index, 1);
      if (versions.length === 0) bucket.objects.delete(key);
      return { versionId, deleteMarker: removed !== undefined && isDeleteMarker(removed) };
    }
    if (bucket.versioning === undefined) {
      bucket.objects.delete(key);
      return { deleteMarker: false };
    }
    const marker: DeleteMarker = {
      deleteMarker: true,
      key,
      versionId: bucket.versioning === 'Enabled' ? this.newVersionId() : 'null',
      lastModified: this.deps.scheduler.now(),
    };
    const kept =
      bucket.versioning === 'Enabled' ? versions : versions.filter((v) => (v.versionId ?? 'null') !== 'null');
    bucket.objects.set(key, [...kept, marker]);
    return { versionId: marker.versionId, deleteMarker: true };
  }

  /** Current objects whose key starts with `prefix`, in key order; deleted keys are left out. */
  listObjects(bucketName: string, prefix: string): StoredObject[] {
    const bucket = this.requireBucket(bucketName);
    const current: StoredObject[] = [];
    for (const [key, versions] of bucket.objects) {
      const latest = versions[versions.length - 1];
      if (key.startsWith(prefix) && latest && !isDeleteMarker(latest)) current.push(latest);
    }
    return current.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }

  private newVersionId(): string {
    let id = '';
    for (let i = 0; i < 32; i++)
      id += VERSION_ID_ALPHABET.charAt(Math.floor(this.deps.random() * VERSION_ID_ALPHABET.length));
    return id;
  }
}
