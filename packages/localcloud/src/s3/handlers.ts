// S3 REST, path style: /bucket and /bucket/key. Routing picks the operation from the method, the path
// and the sub-resource in the query string; each handler parses, calls the model and renders.
import { createHash } from 'node:crypto';
import { decodeAwsChunked, isAwsChunked, MalformedChunkError } from '../protocol/aws-chunked.js';
import type { WireRequest } from '../protocol/wire.js';
import { headerValue } from '../protocol/wire.js';
import { escapeXml } from '../protocol/xml.js';
import type { AwsApiError, RequestContext } from '../service.js';
import { encodePageToken, decodePageToken } from '../pagination.js';
import {
  CHECKSUM_ALGORITHMS,
  checksumHeader,
  computeChecksum,
  isChecksumAlgorithm,
  objectChecksum,
  type ObjectChecksum,
} from './checksums.js';
import { checkReadConditions, checkWriteConditions } from './conditions.js';
import * as errors from './errors.js';
import type { S3Model, StoredObject } from './model.js';

const S3_NAMESPACE = 'http://s3.amazonaws.com/doc/2006-03-01/';

export interface S3Request extends WireRequest {
  readonly method: string;
  readonly path: string;
}

export interface S3Response {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body: string | Buffer;
}

export interface S3Route {
  readonly operation: string;
  readonly bucket?: string;
  readonly key?: string;
}

function xml(body: string, status = 200, headers: Record<string, string> = {}): S3Response {
  return {
    status,
    headers: { 'content-type': 'application/xml', ...headers },
    body: `<?xml version="1.0" encoding="UTF-8"?>\n${body}`,
  };
}

/** A path segment, percent-decoded; a malformed escape (`%zz`, a cut UTF-8 sequence) is S3's InvalidURI. */
function decodePathSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw errors.invalidUri();
  }
}

function bucketOperation(method: string, params: URLSearchParams): string | undefined {
  const sub = params.has('versioning') ? 'Versioning' : params.has('location') ? 'Location' : '';
  switch (method) {
    case 'PUT':
      return sub === 'Versioning' ? 'PutBucketVersioning' : sub === '' ? 'CreateBucket' : undefined;
    case 'GET':
      if (sub === 'Versioning') return 'GetBucketVersioning';
      if (sub === 'Location') return 'GetBucketLocation';
      if (params.has('uploads') || params.has('versions')) return undefined;
      return params.get('list-type') === '2' ? 'ListObjectsV2' : 'ListObjects';
    case 'HEAD':
      return 'HeadBucket';
    case 'DELETE':
      return sub === '' ? 'DeleteBucket' : undefined;
    default:
      return undefined;
  }
}

const OBJECT_OPERATIONS = new Map([
  ['PUT', 'PutObject'],
  ['GET', 'GetObject'],
  ['HEAD', 'HeadObject'],
  ['DELETE', 'DeleteObject'],
]);

/**
 * Names the S3 operation a request is, for routing, fault rules and request counts. Throws S3's
 * InvalidURI for a path that does not percent-decode.
 */
export function routeS3(method: string, path: string, search: string): S3Route {
  const params = new URLSearchParams(search);
  const trimmed = path.replace(/^\/+/, '');
  const slash = trimmed.indexOf('/');
  const bucket = decodePathSegment(slash < 0 ? trimmed : trimmed.slice(0, slash));
  const key = slash < 0 ? undefined : decodePathSegment(trimmed.slice(slash + 1));
  if (bucket === '') return { operation: method === 'GET' ? 'ListBuckets' : `Unsupported${method}` };
  if (key === undefined || key === '') {
    return { operation: bucketOperation(method, params) ?? `Unsupported${method}Bucket`, bucket };
  }
  if (params.has('uploads') || params.has('uploadId')) return { operation: 'MultipartUpload', bucket, key };
  const operation = OBJECT_OPERATIONS.get(method);
  if (
    !operation ||
    [...params.keys()].some((k) => ['tagging', 'acl', 'retention', 'legal-hold', 'attributes'].includes(k))
  ) {
    return { operation: `Unsupported${method}Object`, bucket, key };
  }
  return { operation, bucket, key };
}

function objectHeaders(object: StoredObject): Record<string, string> {
  const headers: Record<string, string> = {
    etag: object.etag,
    'last-modified': object.lastModified.toUTCString(),
    'content-type': object.contentType ?? 'binary/octet-stream',
    'accept-ranges': 'bytes',
  };
  if (object.versionId) headers['x-amz-version-id'] = object.versionId;
  for (const [name, value] of Object.entries(object.metadata)) headers[`x-amz-meta-${name}`] = value;
  return headers;
}

/**
 * Verifies the checksums a PutObject carries (x-amz-checksum-<algorithm> as a header or an aws-chunked
 * trailer, Content-MD5) and answers the one S3 keeps: the upload's, else the CRC64NVME S3 computes
 * for every object since December 2024.
 */
function verifiedChecksum(
  payload: Buffer,
  headers: WireRequest['headers'],
  trailers: Map<string, string>,
): ObjectChecksum | undefined {
  const md5 = headerValue(headers, 'content-md5');
  if (md5 !== undefined && createHash('md5').update(payload).digest('base64') !== md5)
    throw errors.badDigest('Content-MD5');
  const given = CHECKSUM_ALGORITHMS.flatMap((algorithm) => {
    const value = trailers.get(checksumHeader(algorithm)) ?? headerValue(headers, checksumHeader(algorithm));
    return value === undefined ? [] : [{ algorithm, value }];
  });
  if (given.length > 1) {
    throw errors.invalidChecksumRequest(
      'Expecting a single x-amz-checksum- header. Multiple checksum Types are not allowed.',
    );
  }
  const declared = headerValue(headers, 'x-amz-sdk-checksum-algorithm')?.toUpperCase();
  const [checksum] = given;
  if (!checksum) {
    if (declared !== undefined && headerValue(headers, 'x-amz-trailer') === undefined) {
      throw errors.invalidChecksumRequest(
        'x-amz-sdk-checksum-algorithm specified, but no corresponding x-amz-checksum-* or x-amz-trailer headers were found.',
      );
    }
    return undefined;
  }
  if (declared !== undefined && (!isChecksumAlgorithm(declared) || declared !== checksum.algorithm)) {
    throw errors.invalidChecksumRequest(`Value for x-amz-sdk-checksum-algorithm header is invalid.`);
  }
  if (computeChecksum(checksum.algorithm, payload) !== checksum.value)
    throw errors.badDigest(checksum.algorithm);
  return checksum;
}

/** The checksum headers of a whole object (a range answers none, as S3 does). */
function checksumHeaders(checksum: ObjectChecksum): Record<string, string> {
  return { [checksumHeader(checksum.algorithm)]: checksum.value, 'x-amz-checksum-type': 'FULL_OBJECT' };
}

function readPayload(request: S3Request): { payload: Buffer; checksum: ObjectChecksum | undefined } {
  if (!isAwsChunked(request.headers)) {
    return { payload: request.body, checksum: verifiedChecksum(request.body, request.headers, new Map()) };
  }
  try {
    const { payload, trailers } = decodeAwsChunked(request.body);
    const declared = headerValue(request.headers, 'x-amz-decoded-content-length');
    if (declared !== undefined && Number(declared) !== payload.length) {
      throw errors.invalidRequest(
        `The decoded content length ${payload.length} does not match x-amz-decoded-content-length ${declared}`,
      );
    }
    return { payload, checksum: verifiedChecksum(payload, request.headers, trailers) };
  } catch (error) {
    if (error instanceof MalformedChunkError)
      throw errors.invalidRequest(`Malformed aws-chunked body: ${error.message}`);
    throw error;
  }
}

function contentTypeOf(headers: WireRequest['headers']): string | undefined {
  return headerValue(headers, 'content-type');
}

function metadataOf(headers: WireRequest['headers']): Record<string, string> {
  // Header names are the caller's: without a prototype, x-amz-meta-__proto__ is metadata like any other.
  const metadata = Object.create(null) as Record<string, string>;
  for (const [name, value] of Object.entries(headers)) {
    if (name.startsWith('x-amz-meta-') && value !== undefined)
      metadata[name.slice(11)] = Array.isArray(value) ? value.join(',') : value;
  }
  return metadata;
}

/**
 * `encoding-type=url` (which boto3 sends with every listing): keys and prefixes come back
 * percent-encoded and the answer says EncodingType, so keys XML cannot carry survive the trip.
 */
function listingEncoder(params: URLSearchParams): ((text: string) => string) | undefined {
  const encoding = params.get('encoding-type');
  if (encoding === null) return undefined;
  if (encoding !== 'url') throw errors.invalidArgument('Invalid Encoding Method specified in Request');
  return (text) => encodeURIComponent(text).replace(/%2F/g, '/');
}

function listObjects(model: S3Model, bucket: string, params: URLSearchParams, v2: boolean): S3Response {
  const encode = listingEncoder(params);
  const text = (value: string) => escapeXml(encode ? encode(value) : value);
  const prefix = params.get('prefix') ?? '';
  const delimiter = params.get('delimiter') ?? '';
  const maxKeys = Math.min(Number(params.get('max-keys') ?? 1000) || 1000, 1000);
  const start = v2 ? (params.get('continuation-token') ?? undefined) : undefined;
  let offset = start !== undefined ? decodePageToken(start) : 0;
  if (offset === undefined) throw errors.invalidRequest('The continuation token provided is incorrect');
  const marker = v2 ? params.get('start-after') : params.get('marker');
  const all = model.listObjects(bucket, prefix).filter((o) => !marker || o.key > marker);
  const contents: StoredObject[] = [];
  const prefixes = new Set<string>();
  for (; offset < all.length && contents.length + prefixes.size < maxKeys; offset++) {
    const object = all[offset] as StoredObject;
    const rest = object.key.slice(prefix.length);
    const cut = delimiter ? rest.indexOf(delimiter) : -1;
    if (cut >= 0) prefixes.add(prefix + rest.slice(0, cut + delimiter.length));
    else contents.push(object);
  }
  const truncated = offset < all.length;
  const parts = [
    `<ListBucketResult xmlns="${S3_NAMESPACE}"><Name>${escapeXml(bucket)}</Name><Prefix>${text(prefix)}</Prefix>`,
    v2 ? `<KeyCount>${contents.length + prefixes.size}</KeyCount>` : `<Marker>${text(marker ?? '')}</Marker>`,
    `<MaxKeys>${maxKeys}</MaxKeys>`,
    delimiter ? `<Delimiter>${text(delimiter)}</Delimiter>` : '',
    encode ? '<EncodingType>url</EncodingType>' : '',
    `<IsTruncated>${truncated}</IsTruncated>`,
    ...contents.map(
      (o) =>
        `<Contents><Key>${text(o.key)}</Key><LastModified>${o.lastModified.toISOString()}</LastModified>` +
        `<ETag>${escapeXml(o.etag)}</ETag>` +
        `<ChecksumAlgorithm>${o.checksum?.algorithm ?? 'CRC64NVME'}</ChecksumAlgorithm>` +
        `<Size>${o.body.length}</Size><StorageClass>STANDARD</StorageClass></Contents>`,
    ),
    ...[...prefixes].map((p) => `<CommonPrefixes><Prefix>${text(p)}</Prefix></CommonPrefixes>`),
    truncated && v2 ? `<NextContinuationToken>${encodePageToken(offset)}</NextContinuationToken>` : '',
    truncated && !v2 && contents.length > 0
      ? `<NextMarker>${text(contents[contents.length - 1]?.key ?? '')}</NextMarker>`
      : '',
    '</ListBucketResult>',
  ];
  return xml(parts.join(''));
}

function rangeOf(header: string | undefined, size: number): { start: number; end: number } | undefined {
  if (header === undefined) return undefined;
  const match = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!match) return undefined;
  const [, from = '', to = ''] = match;
  let start: number;
  let end: number;
  if (from === '') {
    start = Math.max(0, size - Number(to));
    end = size - 1;
  } else {
    start = Number(from);
    end = to === '' ? size - 1 : Math.min(Number(to), size - 1);
  }
  if (start >= size || start > end) throw errors.invalidRange();
  return { start, end };
}

/**
 * CreateBucket's LocationConstraint against the region the request was signed for: us-east-1 takes
 * none (and refuses its own name, for historical reasons) but accepts another region's; every other
 * region wants its own name.
 */
function checkLocationConstraint(constraint: string | undefined, region: string): void {
  if (region === 'us-east-1') {
    if (constraint === 'us-east-1') throw errors.invalidLocationConstraint();
    return;
  }
  if (constraint === undefined) throw errors.illegalLocationConstraint('unspecified');
  if (constraint !== region) throw errors.illegalLocationConstraint(constraint);
}

/** Serves one S3 request. `route` comes from routeS3; errors are thrown as AwsApiError. */
export function handleS3(
  model: S3Model,
  route: S3Route,
  request: S3Request,
  ctx: RequestContext,
): S3Response {
  const params = new URLSearchParams(request.search);
  const bucket = route.bucket ?? '';
  const key = route.key ?? '';
  switch (route.operation) {
    case 'ListBuckets':
      return xml(
        `<ListAllMyBucketsResult xmlns="${S3_NAMESPACE}"><Owner><ID>${ctx.accountId}</ID><DisplayName>localcloud</DisplayName></Owner><Buckets>` +
          model
            .allBuckets()
            .map(
              (b) =>
                `<Bucket><Name>${escapeXml(b.name)}</Name><CreationDate>${b.creationDate.toISOString()}</CreationDate></Bucket>`,
            )
            .join('') +
          '</Buckets></ListAllMyBucketsResult>',
      );
    case 'CreateBucket': {
      const text = request.body.toString('utf8');
      const constraint = /<LocationConstraint>([^<]*)<\/LocationConstraint>/.exec(text)?.[1];
      checkLocationConstraint(constraint || undefined, ctx.region);
      const region = constraint || ctx.region;
      const existing = model.allBuckets().find((b) => b.name === bucket);
      // us-east-1 keeps S3's first behaviour: creating a bucket you already own there succeeds
      // (200, nothing changes); every other region answers BucketAlreadyOwnedByYou.
      if (existing && existing.region === 'us-east-1' && region === 'us-east-1')
        return { status: 200, headers: { location: `/${bucket}` }, body: '' };
      model.createBucket(bucket, region);
      return { status: 200, headers: { location: `/${bucket}` }, body: '' };
    }
    case 'HeadBucket': {
      const found = model.requireBucket(bucket);
      return { status: 200, headers: { 'x-amz-bucket-region': found.region }, body: '' };
    }
    case 'DeleteBucket':
      model.deleteBucket(bucket);
      return { status: 204, headers: {}, body: '' };
    case 'GetBucketLocation': {
      const found = model.requireBucket(bucket);
      const location = found.region === 'us-east-1' ? '' : found.region;
      return xml(`<LocationConstraint xmlns="${S3_NAMESPACE}">${location}</LocationConstraint>`);
    }
    case 'GetBucketVersioning': {
      const found = model.requireBucket(bucket);
      const status = found.versioning ? `<Status>${found.versioning}</Status>` : '';
      return xml(`<VersioningConfiguration xmlns="${S3_NAMESPACE}">${status}</VersioningConfiguration>`);
    }
    case 'PutBucketVersioning': {
      const status = /<Status>(Enabled|Suspended)<\/Status>/.exec(request.body.toString('utf8'))?.[1];
      if (status !== 'Enabled' && status !== 'Suspended') throw errors.malformedXml();
      model.setVersioning(bucket, status);
      return { status: 200, headers: {}, body: '' };
    }
    case 'ListObjectsV2':
    case 'ListObjects':
      return listObjects(model, bucket, params, route.operation === 'ListObjectsV2');
    case 'PutObject': {
      model.requireBucket(bucket);
      checkWriteConditions(request.headers, model.getObject(bucket, key));
      const { payload, checksum } = readPayload(request);
      const object = model.putObject(
        bucket,
        key,
        payload,
        contentTypeOf(request.headers),
        metadataOf(request.headers),
        checksum,
      );
      const headers: Record<string, string> = {
        etag: object.etag,
        ...checksumHeaders(objectChecksum(object)),
      };
      if (object.versionId) headers['x-amz-version-id'] = object.versionId;
      return { status: 200, headers, body: '' };
    }
    case 'GetObject':
    case 'HeadObject': {
      const object = model.requireObject(bucket, key, params.get('versionId') ?? undefined);
      const headers = objectHeaders(object);
      if (checkReadConditions(request.headers, object) === 'not-modified') {
        // 304 carries the validators and no content headers, as S3 answers it.
        return {
          status: 304,
          headers: { etag: object.etag, 'last-modified': headers['last-modified'] ?? '' },
          body: '',
        };
      }
      const range = rangeOf(headerValue(request.headers, 'range'), object.body.length);
      if (!range && headerValue(request.headers, 'x-amz-checksum-mode')?.toUpperCase() === 'ENABLED')
        Object.assign(headers, checksumHeaders(objectChecksum(object)));
      const body = range ? object.body.subarray(range.start, range.end + 1) : object.body;
      headers['content-length'] = String(body.length);
      if (range) headers['content-range'] = `bytes ${range.start}-${range.end}/${object.body.length}`;
      return { status: range ? 206 : 200, headers, body: route.operation === 'GetObject' ? body : '' };
    }
    case 'DeleteObject': {
      const deleted = model.deleteObject(bucket, key, params.get('versionId') ?? undefined);
      const headers: Record<string, string> = {};
      if (deleted.deleteMarker) headers['x-amz-delete-marker'] = 'true';
      if (deleted.versionId !== undefined) headers['x-amz-version-id'] = deleted.versionId;
      return { status: 204, headers, body: '' };
    }
    default:
      // Only GET (ListBuckets) means something without a bucket; S3 refuses other methods there.
      if (route.bucket === undefined) throw errors.methodNotAllowed();
      throw errors.notImplemented(`S3 operation ${route.operation}`);
  }
}

export function renderS3Error(
  error: AwsApiError,
  route: S3Route,
  method: string,
  requestId: string,
): S3Response {
  const headers: Record<string, string> = { 'x-amz-request-id': requestId };
  if (error instanceof errors.S3ApiError && error.deleteMarkerVersionId !== undefined) {
    headers['x-amz-delete-marker'] = 'true';
    headers['x-amz-version-id'] = error.deleteMarkerVersionId;
  }
  // HEAD responses carry no body, so the SDK falls back on the status code (404 → NotFound).
  if (method === 'HEAD') return { status: error.status, headers, body: '' };
  const details =
    error instanceof errors.S3ApiError
      ? Object.entries(error.details)
          .map(([name, value]) => `<${name}>${escapeXml(value)}</${name}>`)
          .join('')
      : '';
  const resource =
    route.key !== undefined
      ? `<Key>${escapeXml(route.key)}</Key>`
      : route.bucket
        ? `<BucketName>${escapeXml(route.bucket)}</BucketName>`
        : '';
  return xml(
    `<Error><Code>${escapeXml(error.code)}</Code><Message>${escapeXml(error.message)}</Message>${details}${resource}<RequestId>${requestId}</RequestId></Error>`,
    error.status,
    headers,
  );
}
