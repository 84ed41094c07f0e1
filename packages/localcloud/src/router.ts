// Routing a request to the service that answers it: by its X-Amz-Target (JSON services), the
// service in its SigV4 credential scope, or its `Version` form field (query services); anything else
// is S3 (REST, path style). Requests under /_localcloud/ are the control API. Every model-driven
// operation goes through one path: envelope, count, faults, decode, handler, encode.
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { autoScalingService } from './autoscaling/handlers.js';
import { DEFAULT_REGION, type Cloud } from './cloud.js';
import { codeDeployService } from './codedeploy/index.js';
import { cloudFormationService } from './cloudformation/handlers.js';
import { cloudWatchService } from './cloudwatch/handlers.js';
import { CONTROL_PREFIX, handleControl, type ControlResponse } from './control.js';
import { ec2Service } from './ec2/handlers.js';
import { elbv2Service } from './elbv2/handlers.js';
import { authorize } from './iam/authorize.js';
import { iamService } from './iam/handlers.js';
import { createJsonCodec } from './protocol/json.js';
import { loadServiceModel, type Operation, type ServiceModel } from './protocol/model.js';
import { createQueryCodec, queryParameters } from './protocol/query.js';
import type { WireCodec, WireRequest, WireResponse } from './protocol/wire.js';
import { headerValue } from './protocol/wire.js';
import { invalidUri } from './s3/errors.js';
import { handleS3, renderS3Error, routeS3, type S3Response, type S3Route } from './s3/handlers.js';
import { internalError } from './faults.js';
import { stsService } from './sts/handlers.js';
import { ssmService } from './ssm/handlers.js';
import {
  AwsApiError,
  type OperationHandler,
  type RequestContext,
  type ServiceDefinition,
  type SigningName,
} from './service.js';

/** Bodies above this are refused with the protocol's error, never buffered. */
export const API_BODY_LIMIT = 10 * 1024 * 1024;
export const S3_BODY_LIMIT = 512 * 1024 * 1024;

interface ModelService {
  readonly signingName: SigningName;
  readonly codec: WireCodec;
}

// Request-controlled names are looked up in Maps (or with Object.hasOwn): in a plain object,
// `__proto__`, `constructor` or `toString` would find Object.prototype's members.
const QUERY_VERSIONS = new Map<string, SigningName>([
  ['2011-01-01', 'autoscaling'],
  ['2015-12-01', 'elasticloadbalancing'],
  ['2016-11-15', 'ec2'],
  ['2010-08-01', 'monitoring'],
  ['2011-06-15', 'sts'],
  ['2010-05-15', 'cloudformation'],
  ['2010-05-08', 'iam'],
]);

/** `Credential=AKID/20240101/us-east-1/autoscaling/aws4_request` → region, service and access key. */
export function credentialScope(
  request: IncomingMessage,
  search: URLSearchParams,
): { region?: string; service?: string; accessKeyId?: string } {
  const authorization = headerValue(request.headers, 'authorization') ?? '';
  const credential = /Credential=([^,\s]+)/.exec(authorization)?.[1] ?? search.get('X-Amz-Credential') ?? '';
  const parts = credential.split('/');
  if (parts.length < 5) return {};
  return { region: parts[2], service: parts[3], ...(parts[0] ? { accessKeyId: parts[0] } : {}) };
}

class BodyTooLargeError extends Error {}

function readBody(request: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = Number(request.headers['content-length'] ?? 0);
    if (declared > limit) {
      reject(new BodyTooLargeError());
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        request.removeAllListeners('data');
        request.resume();
        reject(new BodyTooLargeError());
        return;
      }
      chunks.push(chunk);
    });
    request.on('end', () => resolve(chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks)));
    request.on('error', reject);
  });
}

function send(
  response: ServerResponse,
  requestId: string,
  wire: WireResponse | S3Response,
  close = false,
): void {
  const headers: Record<string, string> = { ...wire.headers, 'x-amzn-requestid': requestId };
  if (close) headers.connection = 'close';
  if (!('content-length' in headers)) headers['content-length'] = String(Buffer.byteLength(wire.body));
  response.writeHead(wire.status, headers);
  response.end(wire.body);
}

/** A delay fault's wait: unref'd, so a request held when the cloud closes does not hold the process. */
function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}

export function createServices(cloud: Cloud): ServiceDefinition[] {
  const regionOf = (ctx: RequestContext) => cloud.region(ctx.region);
  return [
    ec2Service((ctx) => regionOf(ctx).ec2),
    autoScalingService({
      modelFor: (ctx) => regionOf(ctx).autoscaling,
      now: () => cloud.scheduler.now(),
      random: cloud.random,
    }),
    elbv2Service((ctx) => regionOf(ctx).elbv2),
    cloudWatchService((ctx) => regionOf(ctx).cloudwatch),
    codeDeployService((ctx) => regionOf(ctx).codedeploy),
    stsService(cloud),
    cloudFormationService((ctx) => regionOf(ctx).cloudformation),
    iamService(() => cloud.iam),
    ssmService((ctx) => regionOf(ctx).ssm),
  ];
}

/** The operation's model and handler, when this service implements an operation of that name. */
function implementedOperation(
  model: ServiceModel,
  service: ServiceDefinition | undefined,
  name: string,
): { operation: Operation; handler: OperationHandler } | undefined {
  const operation = Object.hasOwn(model.operations, name) ? model.operations[name] : undefined;
  const handler = service && Object.hasOwn(service.operations, name) ? service.operations[name] : undefined;
  return operation && handler ? { operation, handler } : undefined;
}

/** The cloud's request handler: routes each request and answers it (asAwsError below). */
export function createRouter(
  cloud: Cloud,
): (request: IncomingMessage, response: ServerResponse) => Promise<void> {
  const services = new Map<SigningName, ServiceDefinition>();
  for (const service of createServices(cloud)) {
    services.set(service.signingName, service);
  }
  const cloudwatchModel = loadServiceModel('cloudwatch');
  const codedeployModel = loadServiceModel('codedeploy');
  const codeDeployJson: ModelService = {
    signingName: 'codedeploy',
    codec: createJsonCodec({
      model: codedeployModel,
      targetPrefix: 'CodeDeploy_20141006',
      jsonVersion: '1.1',
    }),
  };
  const jsonServices = new Map<string, ModelService>([
    ['CodeDeploy_20141006', codeDeployJson],
    [
      'AmazonSSM',
      {
        signingName: 'ssm',
        codec: createJsonCodec({
          model: loadServiceModel('ssm'),
          targetPrefix: 'AmazonSSM',
          jsonVersion: '1.1',
        }),
      },
    ],
    [
      'GraniteServiceVersion20100801',
      {
        signingName: 'monitoring',
        codec: createJsonCodec({
          model: cloudwatchModel,
          targetPrefix: 'GraniteServiceVersion20100801',
          jsonVersion: '1.0',
          queryCompatible: true,
        }),
      },
    ],
  ]);
  const autoScalingQuery: ModelService = {
    signingName: 'autoscaling',
    codec: createQueryCodec({ model: loadServiceModel('autoscaling'), flavour: 'query' }),
  };
  const queryServices = new Map<string, ModelService>([
    ['autoscaling', autoScalingQuery],
    [
      'elasticloadbalancing',
      {
        signingName: 'elasticloadbalancing',
        codec: createQueryCodec({ model: loadServiceModel('elbv2'), flavour: 'query' }),
      },
    ],
    [
      'ec2',
      { signingName: 'ec2', codec: createQueryCodec({ model: loadServiceModel('ec2'), flavour: 'ec2' }) },
    ],
    [
      'monitoring',
      { signingName: 'monitoring', codec: createQueryCodec({ model: cloudwatchModel, flavour: 'query' }) },
    ],
    [
      'sts',
      { signingName: 'sts', codec: createQueryCodec({ model: loadServiceModel('sts'), flavour: 'query' }) },
    ],
    [
      'cloudformation',
      {
        signingName: 'cloudformation',
        codec: createQueryCodec({ model: loadServiceModel('cloudformation'), flavour: 'query' }),
      },
    ],
    [
      'iam',
      { signingName: 'iam', codec: createQueryCodec({ model: loadServiceModel('iam'), flavour: 'query' }) },
    ],
  ]);

  /** Runs one model-driven operation: envelope, count, faults, decode, handler, encode. */
  async function serveModelRequest(
    service: ModelService,
    wire: WireRequest,
    ctx: RequestContext,
    response: ServerResponse,
  ): Promise<void> {
    const { codec, signingName } = service;
    let result: WireResponse;
    try {
      const envelope = codec.parseEnvelope(wire);
      cloud.requests.record(signingName, envelope.operationName);
      const fault = cloud.faults.forApiCall(signingName, envelope.operationName);
      if (fault?.kind === 'reset') {
        response.socket?.destroy();
        return;
      }
      if (fault?.kind === 'delay') await sleep(fault.ms);
      if (fault?.kind === 'error') throw fault.error;
      const implemented = implementedOperation(
        codec.model,
        services.get(signingName),
        envelope.operationName,
      );
      if (!implemented) throw codec.unknownOperation(envelope.operationName);
      const input = codec.decodeInput(implemented.operation, envelope.payload);
      await authorize(cloud, { ctx, service: signingName, operation: envelope.operationName, input });
      const output = await implemented.handler(input, ctx);
      result = codec.encodeOutput(implemented.operation, output, ctx.requestId);
    } catch (error) {
      result = codec.encodeError(asAwsError(error, signingName), ctx.requestId);
    }
    send(response, ctx.requestId, result);
  }

  async function serveS3(
    wire: WireRequest,
    method: string,
    path: string,
    ctx: RequestContext,
    response: ServerResponse,
  ): Promise<void> {
    // Until the path is decoded (a bad %-escape is S3's own 400), the error names no bucket or key.
    let route: S3Route = { operation: `${method}Request` };
    let result: S3Response;
    try {
      route = routeS3(method, path, wire.search);
      cloud.requests.record('s3', route.operation);
      const fault = cloud.faults.forApiCall('s3', route.operation);
      if (fault?.kind === 'reset') {
        response.socket?.destroy();
        return;
      }
      if (fault?.kind === 'delay') await sleep(fault.ms);
      if (fault?.kind === 'error') throw fault.error;
      await authorize(cloud, { ctx, service: 's3', operation: route.operation, input: route });
      result = handleS3(cloud.s3, route, { ...wire, method, path }, ctx);
    } catch (error) {
      result = renderS3Error(asAwsError(error, 's3'), route, method, ctx.requestId);
    }
    send(response, ctx.requestId, result);
  }

  async function serve(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const requestId = randomUUID();
    const method = request.method ?? 'GET';
    const url = requestUrl(request.url ?? '/');
    if (!url) {
      const error = invalidUri();
      send(response, requestId, renderS3Error(error, { operation: `${method}Request` }, method, requestId));
      return;
    }
    const { search } = url;
    const params = new URLSearchParams(search);

    if (url.path.startsWith(CONTROL_PREFIX)) {
      let control: ControlResponse;
      let close = false;
      try {
        control = await handleControl(cloud, method, url.path, await readBody(request, API_BODY_LIMIT));
      } catch (error) {
        if (!(error instanceof BodyTooLargeError)) throw error;
        control = { status: 413, body: { error: `the body is larger than ${API_BODY_LIMIT} bytes` } };
        // The rest of the body is not read: the connection cannot carry another request.
        close = true;
      }
      send(
        response,
        requestId,
        {
          status: control.status,
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(control.body),
        },
        close,
      );
      return;
    }

    const scope = credentialScope(request, params);
    const sessionToken =
      headerValue(request.headers, 'x-amz-security-token') ?? params.get('X-Amz-Security-Token');
    const ctx: RequestContext = {
      region: scope.region ?? DEFAULT_REGION,
      accountId: cloud.accountId,
      requestId,
      ...(scope.accessKeyId ? { accessKeyId: scope.accessKeyId } : {}),
      ...(sessionToken ? { sessionToken } : {}),
    };
    const target = headerValue(request.headers, 'x-amz-target');
    let service: ModelService | undefined;
    if (target !== undefined) {
      service = jsonServices.get(target.split('.')[0] ?? '') ?? codeDeployJson;
    } else if (scope.service !== undefined && scope.service !== 's3') {
      service = queryServices.get(scope.service);
    }
    const isForm = (headerValue(request.headers, 'content-type') ?? '').startsWith(
      'application/x-www-form-urlencoded',
    );
    const unsignedQuery =
      scope.service === undefined && target === undefined && (isForm || params.has('Action'));
    const limit = service || unsignedQuery ? API_BODY_LIMIT : S3_BODY_LIMIT;

    let body: Buffer;
    try {
      body = await readBody(request, limit);
    } catch (error) {
      if (!(error instanceof BodyTooLargeError)) throw error;
      const codec = service?.codec ?? autoScalingQuery.codec;
      send(response, requestId, codec.encodeError(codec.bodyTooLarge(limit), requestId), true);
      return;
    }
    const wire: WireRequest = { headers: request.headers, body, search };

    if (!service && unsignedQuery) {
      const version = queryParameters(wire).get('Version') ?? '';
      const signingName = QUERY_VERSIONS.get(version);
      service = signingName ? queryServices.get(signingName) : undefined;
      if (!service) {
        const codec = autoScalingQuery.codec;
        const error = new AwsApiError(
          'InvalidAction',
          `The local cloud cannot tell which service API version ${JSON.stringify(version)} belongs to`,
        );
        send(response, requestId, codec.encodeError(error, requestId));
        return;
      }
    }
    if (service) await serveModelRequest(service, wire, ctx, response);
    else await serveS3(wire, method, url.path, ctx, response);
  }

  return serve;
}

/**
 * The request target's path (still percent-encoded) and query string; undefined when it is neither
 * a path nor a URL. A path is taken as sent: URL resolution would make `//x` a host and drop `..`
 * segments, which are part of S3 keys.
 */
function requestUrl(target: string): { path: string; search: string } | undefined {
  const split = (pathAndQuery: string) => {
    const question = pathAndQuery.indexOf('?');
    return question < 0
      ? { path: pathAndQuery, search: '' }
      : { path: pathAndQuery.slice(0, question), search: pathAndQuery.slice(question + 1) };
  };
  if (target.startsWith('/')) return split(target);
  try {
    const url = new URL(target);
    return { path: url.pathname, search: url.search.slice(1) };
  } catch {
    return undefined;
  }
}

function asAwsError(error: unknown, service: SigningName): AwsApiError {
  if (error instanceof AwsApiError) return error;
  const internal = internalError(service);
  return new AwsApiError(
    internal.code,
    `${internal.message} (${(error as Error)?.message ?? String(error)})`,
    { status: 500 },
  );
}
