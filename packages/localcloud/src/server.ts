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
import { createManualScheduler, type ManualScheduler } from './clock.js';
import { CONTROL_PREFIX, handleControl, refuseRealAgents, type ControlResponse } from './control.js';
import { ec2Service } from './ec2/handlers.js';
import { elbv2Service } from './elbv2/handlers.js';
import { ListenerProxies } from './elbv2/listener-proxy.js';
import { internalError } from './faults.js';
import { createJsonCodec } from './protocol/json.js';
import { loadServiceModel, type Operation, type ServiceModel } from './protocol/model.js';
import { createQueryCodec, queryParameters } from './protocol/query.js';
import type { WireCodec, WireRequest, WireResponse } from './protocol/wire.js';
import { headerValue } from './protocol/wire.js';
import { invalidUri } from './s3/errors.js';
import { handleS3, renderS3Error, routeS3, type S3Response, type S3Route } from './s3/handlers.js';
import { stsService } from './sts/handlers.js';
import {
  AwsApiError,
  type OperationHandler,
  type RequestContext,
  type ServiceDefinition,
  type SigningName,
} from './service.js';
import { applyWorld, loadWorldFile, parseWorld, type WorldInput } from './world.js';

export const HOST = '127.0.0.1';
/** Bodies above this are refused with the protocol's error, never buffered. */
export const API_BODY_LIMIT = 10 * 1024 * 1024;
export const S3_BODY_LIMIT = 512 * 1024 * 1024;

/**
 * How time runs in the cloud (packages/localcloud/README.md, "Time"):
 * - `'scaled'` (the default): wall time, AWS durations divided by `timeScale`;
 * - `'manual'`: virtual time from the instant the cloud starts, moving only when advanced (the
 *   control API's `POST /_localcloud/clock/advance`, or `virtualTime(cloud)` in the same process);
 * - `{ manual: start }`: the same, from a given instant.
 * A manual clock runs synthetic instances only: a world with `agent: real` is refused.
 */
export type ClockOption = 'scaled' | 'manual' | { readonly manual: Date | number | string };

export interface LocalCloudOptions {
  /** 0 (the default) picks a free port. */
  readonly port?: number;
  /** Scaled mode only: AWS durations are divided by it (default 1). */
  readonly timeScale?: number;
  /** Scaled wall time (the default) or a manual, virtual clock. */
  readonly clock?: ClockOption;
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
  /** The manual clock, when the cloud was started with one (`clock: 'manual'`); undefined in scaled mode. */
  readonly manualClock: ManualScheduler | undefined;
  /**
   * Requests this server has received and not yet answered (AWS and control API alike): what an
   * auto-advancing driver waits on before it moves virtual time.
   */
  inFlight(): number;
  close(): Promise<void>;
}

/** The manual scheduler a clock option asks for; undefined for scaled time. */
export function manualSchedulerFor(
  clock: ClockOption | undefined,
  timeScale?: number,
): ManualScheduler | undefined {
  if (clock === undefined || clock === 'scaled') return undefined;
  if (timeScale !== undefined && timeScale !== 1) {
    throw new Error(
      `timeScale ${timeScale} is for a scaled clock; a manual clock runs AWS time only as it is advanced`,
    );
  }
  if (clock === 'manual') return createManualScheduler();
  const start = typeof clock.manual === 'string' ? Date.parse(clock.manual) : clock.manual;
  return createManualScheduler({ start });
}

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
    stsService(),
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
  const manualClock = manualSchedulerFor(options.clock, options.timeScale);
  await listeners.prepare();
  const cloud = new Cloud({
    openListener: (listener) => listeners.openListener(listener),
    closeListener: (port) => listeners.closeListener(port),
    // Real instances run real processes in real time: a manual clock has none (worlds asking for
    // them are refused, see refuseRealAgents).
    realInstances: { enabled: manualClock === undefined },
    ...(manualClock ? { scheduler: manualClock } : {}),
    ...(options.timeScale !== undefined && !manualClock ? { timeScale: options.timeScale } : {}),
    ...(options.seed !== undefined ? { seed: options.seed } : {}),
    ...(options.codeDeployPageSize !== undefined ? { codeDeployPageSize: options.codeDeployPageSize } : {}),
  });
  ref.cloud = cloud;
  cloud.onReset(() => void listeners.closeListeners());
  // Whatever fails from here on (a world refused, the port taken) must not leave timers, sandboxes
  // or listener ports behind.
  const stopCloud = async (): Promise<void> => {
    await cloud.close();
    await listeners.close();
  };
  try {
    if (options.world !== undefined) {
      const world =
        typeof options.world === 'string' ? await loadWorldFile(options.world) : parseWorld(options.world);
      refuseRealAgents(cloud, world);
      applyWorld(cloud, world);
    }
  } catch (error) {
    await stopCloud();
    throw error;
  }

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
    const ctx: RequestContext = {
      region: scope.region ?? DEFAULT_REGION,
      accountId: cloud.accountId,
      requestId,
      ...(scope.accessKeyId ? { accessKeyId: scope.accessKeyId } : {}),
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

  // Counted from the moment the request is parsed until its answer is sent or its connection drops.
  let inFlight = 0;
  const server = createServer({ keepAliveTimeout: 65_000 }, (request, response) => {
    inFlight++;
    response.once('close', () => inFlight--);
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
  // A client-side protocol error (malformed HTTP) must not crash the process; the client gets the
  // answer Node itself would give, when the socket can still carry one.
  server.on('clientError', (_error, socket) => {
    if (socket.writable)
      socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
    else socket.destroy();
  });

  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port ?? 0, HOST, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (error) {
    await stopCloud();
    throw error;
  }
  const port = (server.address() as AddressInfo).port;
  cloud.instances.setEndpoint(`http://${HOST}:${port}`);

  return {
    url: `http://${HOST}:${port}`,
    port,
    cloud,
    manualClock,
    inFlight: () => inFlight,
    close: async () => {
      const closed = new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      });
      await stopCloud();
      await closed;
    },
  };
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
