// The local cloud's HTTP server: one port on 127.0.0.1 for every service. A request is routed by its
// X-Amz-Target (JSON services), the service in its SigV4 credential scope, or its `Version` form
// field (query services); anything else is S3 (REST, path style). Requests under /_localcloud/ are
// the control API.
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { autoScalingService } from './autoscaling/handlers.js';
import { Cloud, DEFAULT_REGION } from './cloud.js';
import { codeDeployService } from './codedeploy/index.js';
import { cloudWatchService } from './cloudwatch/handlers.js';
import { CONTROL_PREFIX, handleControl } from './control.js';
import { ec2Service } from './ec2/handlers.js';
import { elbv2Service } from './elbv2/handlers.js';
import { ListenerProxies } from './elbv2/listener-proxy.js';
import { internalError } from './faults.js';
import { createJsonCodec } from './protocol/json.js';
import { loadServiceModel } from './protocol/model.js';
import { createQueryCodec, queryParameters } from './protocol/query.js';
import type { WireCodec, WireRequest, WireResponse } from './protocol/wire.js';
import { headerValue } from './protocol/wire.js';
import { handleS3, renderS3Error, routeS3, type S3Response } from './s3/handlers.js';
import { AwsApiError, type RequestContext, type ServiceDefinition, type SigningName } from './service.js';
import { applyWorld, loadWorldFile, parseWorld, type WorldInput } from './world.js';

export const HOST = '127.0.0.1';
/** Bodies above this are refused with the protocol's error, never buffered. */
export const API_BODY_LIMIT = 10 * 1024 * 1024;
export const S3_BODY_LIMIT = 512 * 1024 * 1024;

export interface LocalCloudOptions {
  /** 0 (the default) picks a free port. */
  readonly port?: number;
  readonly timeScale?: number;
  /** A world, or the path of a world file (YAML or JSON), applied before the server answers. */
  readonly world?: WorldInput | string;
  readonly seed?: number;
  /** Page size of CodeDeploy's List* operations (small in tests that exercise pagination). */
  readonly codeDeployPageSize?: number;
}

export interface RunningLocalCloud {
  readonly url: string;
  readonly port: number;
  readonly cloud: Cloud;
  close(): Promise<void>;
}

interface ModelService {
  readonly signingName: SigningName;
  readonly codec: WireCodec;
}

const QUERY_VERSIONS: Record<string, SigningName> = {
  '2011-01-01': 'autoscaling',
  '2015-12-01': 'elasticloadbalancing',
  '2016-11-15': 'ec2',
  '2010-08-01': 'monitoring',
};

/** `Credential=AKID/20240101/us-east-1/autoscaling/aws4_request` → region and service. */
export function credentialScope(
  request: IncomingMessage,
  search: URLSearchParams,
): { region?: string; service?: string } {
  const authorization = headerValue(request.headers, 'authorization') ?? '';
  const credential = /Credential=([^,\s]+)/.exec(authorization)?.[1] ?? search.get('X-Amz-Credential') ?? '';
  const parts = credential.split('/');
  if (parts.length < 5) return {};
  return { region: parts[2], service: parts[3] };
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

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
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
  ];
}

export async function startLocalCloud(options: LocalCloudOptions = {}): Promise<RunningLocalCloud> {
  // Listeners are real reverse proxies; they find targets through the cloud created just below.
  const ref: { cloud?: Cloud } = {};
  const listeners = new ListenerProxies({
    modelsOf: (loadBalancerArn) => {
      const region = loadBalancerArn.split(':')[3];
      return region && ref.cloud ? ref.cloud.region(region) : undefined;
    },
    isReal: (instanceId) => ref.cloud?.instances.get(instanceId) !== undefined,
    versionOf: (instanceId) => ref.cloud?.installedVersion(instanceId),
    now: () => new Date(),
  });
  await listeners.prepare();
  const cloud = new Cloud({
    openListener: (listener) => listeners.openListener(listener),
    realInstances: { enabled: true },
    ...(options.timeScale !== undefined ? { timeScale: options.timeScale } : {}),
    ...(options.seed !== undefined ? { seed: options.seed } : {}),
    ...(options.codeDeployPageSize !== undefined ? { codeDeployPageSize: options.codeDeployPageSize } : {}),
  });
  ref.cloud = cloud;
  cloud.onReset(() => void listeners.closeListeners());
  if (options.world !== undefined) {
    const world =
      typeof options.world === 'string' ? await loadWorldFile(options.world) : parseWorld(options.world);
    applyWorld(cloud, world);
  }

  const services = new Map<SigningName, ServiceDefinition>();
  for (const service of createServices(cloud)) {
    services.set(service.signingName, service);
  }
  const cloudwatchModel = loadServiceModel('cloudwatch');
  const codedeployModel = loadServiceModel('codedeploy');
  const jsonServices: Record<string, ModelService> = {
    CodeDeploy_20141006: {
      signingName: 'codedeploy',
      codec: createJsonCodec({
        model: codedeployModel,
        targetPrefix: 'CodeDeploy_20141006',
        jsonVersion: '1.1',
      }),
    },
    GraniteServiceVersion20100801: {
      signingName: 'monitoring',
      codec: createJsonCodec({
        model: cloudwatchModel,
        targetPrefix: 'GraniteServiceVersion20100801',
        jsonVersion: '1.0',
        queryCompatible: true,
      }),
    },
  };
  const queryServices: Partial<Record<SigningName, ModelService>> = {
    autoscaling: {
      signingName: 'autoscaling',
      codec: createQueryCodec({ model: loadServiceModel('autoscaling'), flavour: 'query' }),
    },
    elasticloadbalancing: {
      signingName: 'elasticloadbalancing',
      codec: createQueryCodec({ model: loadServiceModel('elbv2'), flavour: 'query' }),
    },
    ec2: { signingName: 'ec2', codec: createQueryCodec({ model: loadServiceModel('ec2'), flavour: 'ec2' }) },
    monitoring: {
      signingName: 'monitoring',
      codec: createQueryCodec({ model: cloudwatchModel, flavour: 'query' }),
    },
  };

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
      const operation = codec.model.operations[envelope.operationName];
      const handler = services.get(signingName)?.operations[envelope.operationName];
      if (!operation || !handler) throw codec.unknownOperation(envelope.operationName);
      const input = codec.decodeInput(operation, envelope.payload);
      const output = await handler(input, ctx);
      result = codec.encodeOutput(operation, output, ctx.requestId);
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
    const route = routeS3(method, path, wire.search);
    let result: S3Response;
    try {
      cloud.requests.record('s3', route.operation);
      const fault = cloud.faults.forApiCall('s3', route.operation);
      if (fault?.kind === 'reset') {
        response.socket?.destroy();
        return;
      }
      if (fault?.kind === 'delay') await sleep(fault.ms);
      if (fault?.kind === 'error') throw fault.error;
      result = handleS3(cloud.s3, route, { ...wire, method, path }, ctx);
    } catch (error) {
      result = renderS3Error(asAwsError(error, 's3'), route, method, ctx.requestId);
    }
    send(response, ctx.requestId, result);
  }

  async function serve(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const requestId = randomUUID();
    const url = new URL(request.url ?? '/', 'http://127.0.0.1');
    const method = request.method ?? 'GET';
    const search = url.search.slice(1);
    const params = url.searchParams;

    if (url.pathname.startsWith(CONTROL_PREFIX)) {
      const body = await readBody(request, API_BODY_LIMIT);
      const control = handleControl(cloud, method, url.pathname, body);
      send(response, requestId, {
        status: control.status,
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(control.body),
      });
      return;
    }

    const scope = credentialScope(request, params);
    const ctx: RequestContext = {
      region: scope.region ?? DEFAULT_REGION,
      accountId: cloud.accountId,
      requestId,
    };
    const target = headerValue(request.headers, 'x-amz-target');
    let service: ModelService | undefined;
    if (target !== undefined) {
      service = jsonServices[target.split('.')[0] ?? ''] ?? jsonServices.CodeDeploy_20141006;
    } else if (scope.service !== undefined && scope.service !== 's3') {
      service = queryServices[scope.service as SigningName];
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
      const codec = service?.codec ?? queryServices.autoscaling?.codec;
      if (codec) send(response, requestId, codec.encodeError(codec.bodyTooLarge(limit), requestId), true);
      return;
    }
    const wire: WireRequest = { headers: request.headers, body, search };

    if (!service && unsignedQuery) {
      const version = queryParameters(wire).get('Version') ?? '';
      const signingName = QUERY_VERSIONS[version];
      service = signingName ? queryServices[signingName] : undefined;
      if (!service) {
        const codec = queryServices.autoscaling?.codec as WireCodec;
        const error = new AwsApiError(
          'InvalidAction',
          `The local cloud cannot tell which service API version ${JSON.stringify(version)} belongs to`,
        );
        send(response, requestId, codec.encodeError(error, requestId));
        return;
      }
    }
    if (service) await serveModelRequest(service, wire, ctx, response);
    else await serveS3(wire, method, url.pathname, ctx, response);
  }

  const server = createServer({ keepAliveTimeout: 65_000 }, (request, response) => {
    serve(request, response).catch((error: unknown) => {
      if (response.headersSent) {
        response.destroy();
        return;
      }
      const body = JSON.stringify({
        __type: 'InternalFailure',
        message: (error as Error).message ?? String(error),
      });
      response.writeHead(500, {
        'content-type': 'application/json',
        'content-length': String(Buffer.byteLength(body)),
      });
      response.end(body);
    });
  });
  // A client-side protocol error (malformed HTTP) must not crash the process.
  server.on('clientError', (_error, socket) => socket.destroy());

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, HOST, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  cloud.instances.setEndpoint(`http://${HOST}:${port}`);

  return {
    url: `http://${HOST}:${port}`,
    port,
    cloud,
    close: async () => {
      const closed = new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      });
      await cloud.close();
      await listeners.close();
      await closed;
    },
  };
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
