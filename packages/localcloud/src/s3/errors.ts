// S3's errors, with the codes, statuses and wording S3 uses.
import { AwsApiError } from '../service.js';

export function noSuchBucket(bucket: string): AwsApiError {
  return new AwsApiError('NoSuchBucket', `The specified bucket does not exist: ${bucket}`, { status: 404 });
}

/**
 * An S3 error with S3's extras: the delete marker that hides the key, when there is one
 * (x-amz-delete-marker), and the elements S3 adds to the error's XML (`<Condition>`, `<Header>`).
 */
export class S3ApiError extends AwsApiError {
  readonly deleteMarkerVersionId: string | undefined;
  readonly details: Readonly<Record<string, string>>;
  constructor(
    code: string,
    message: string,
    options: { status: number; deleteMarkerVersionId?: string; details?: Record<string, string> },
  ) {
    super(code, message, { status: options.status });
    this.deleteMarkerVersionId = options.deleteMarkerVersionId;
    this.details = options.details ?? {};
  }
}

/** 412, naming the header whose condition did not hold, as S3 does in `<Condition>`. */
export function preconditionFailed(condition: string): AwsApiError {
  return new S3ApiError(
    'PreconditionFailed',
    'At least one of the pre-conditions you specified did not hold',
    {
      status: 412,
      details: { Condition: condition },
    },
  );
}

export function notImplementedHeader(header: string): AwsApiError {
  return new S3ApiError(
    'NotImplemented',
    'A header you provided implies functionality that is not implemented',
    {
      status: 501,
      details: { Header: header },
    },
  );
}

export function invalidChecksumRequest(message: string): AwsApiError {
  return new AwsApiError('InvalidRequest', message);
}

export function noSuchKey(deleteMarkerVersionId?: string): AwsApiError {
  return new S3ApiError('NoSuchKey', 'The specified key does not exist.', {
    status: 404,
    ...(deleteMarkerVersionId !== undefined ? { deleteMarkerVersionId } : {}),
  });
}

const METHOD_NOT_ALLOWED = 'The specified method is not allowed against this resource.';

export function methodNotAllowed(): AwsApiError {
  return new AwsApiError('MethodNotAllowed', METHOD_NOT_ALLOWED, { status: 405 });
}

export function deleteMarkerMethodNotAllowed(versionId: string): AwsApiError {
  return new S3ApiError('MethodNotAllowed', METHOD_NOT_ALLOWED, {
    status: 405,
    deleteMarkerVersionId: versionId,
  });
}

export function invalidArgument(message: string): AwsApiError {
  return new AwsApiError('InvalidArgument', message);
}

export function noSuchVersion(): AwsApiError {
  return new AwsApiError('NoSuchVersion', 'The specified version does not exist.', { status: 404 });
}

export function bucketAlreadyOwnedByYou(bucket: string): AwsApiError {
  return new AwsApiError(
    'BucketAlreadyOwnedByYou',
    `Your previous request to create the named bucket succeeded and you already own it: ${bucket}`,
    { status: 409 },
  );
}

export function bucketNotEmpty(): AwsApiError {
  return new AwsApiError('BucketNotEmpty', 'The bucket you tried to delete is not empty', { status: 409 });
}

export function invalidBucketName(bucket: string): AwsApiError {
  return new AwsApiError('InvalidBucketName', `The specified bucket is not valid: ${bucket}`);
}

export function badDigest(algorithm: string): AwsApiError {
  return new AwsApiError(
    'BadDigest',
    `The ${algorithm} you specified did not match the calculated checksum.`,
  );
}

export function invalidRequest(message: string): AwsApiError {
  return new AwsApiError('InvalidRequest', message);
}

export function invalidRange(): AwsApiError {
  return new AwsApiError('InvalidRange', 'The requested range is not satisfiable', { status: 416 });
}

export function notImplemented(what: string): AwsApiError {
  return new AwsApiError('NotImplemented', `${what} is not implemented by the local cloud`, { status: 501 });
}

export function malformedXml(): AwsApiError {
  return new AwsApiError(
    'MalformedXML',
    'The XML you provided was not well-formed or did not validate against our published schema',
  );
}

export function invalidUri(): AwsApiError {
  return new AwsApiError('InvalidURI', "Couldn't parse the specified URI.");
}

export function invalidLocationConstraint(): AwsApiError {
  return new AwsApiError('InvalidLocationConstraint', 'The specified location-constraint is not valid');
}

/** `unspecified`, or the constraint that names another region than the endpoint's. */
export function illegalLocationConstraint(constraint: string): AwsApiError {
  return new AwsApiError(
    'IllegalLocationConstraintException',
    `The ${constraint} location constraint is incompatible for the region specific endpoint this request was sent to.`,
  );
}
