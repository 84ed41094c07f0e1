// Load balancer listeners as real reverse proxies, each on its load balancer's own loopback address
// (its DNSName, addresses.ts): each forwards a request to the next healthy registered target of its
// target groups (round robin), so `curl` on the listener shows which version serves while traffic
// moves from blue to green. As on AWS, when no target is healthy the
// listener fails open to the unhealthy ones, and answers 503 when it has no target at all.
//
// A synthetic target has no process behind it, so the proxy answers on its behalf: its group's health
// path gets `{"status":"pass","version":"<the revision's commit or S3 key the instance last
// installed>","datetime":…}` (what the example app's /healthcheck answers), which lets the verifier
// check served versions against synthetic fleets; any other path gets a line naming the instance.
//
// Every answer is counted for CloudWatch (RequestCount, HTTPCode_Target_*/HTTPCode_ELB_*,
// TargetResponseTime), through the region's CloudWatch model when it has one.
//
// A listener is bound on the port asked for. A privileged port the process may not bind (EACCES: not
// root, no CAP_NET_BIND_SERVICE) is served on a free port of the same address instead, and the
// listener's `served` says where (the control API's GET /_localcloud/listeners). Any other failure
// (EADDRINUSE above all: whatever holds the port would answer for this load balancer) is no fallback:
// the listener is not served, and CreateListener says so.
import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import type { Elbv2Model, OpenedListener, ServedAt } from './model.js';
import type { ListenerRequest } from '../cloudwatch/aws-metrics.js';
import type { Ec2Port } from '../ports.js';

export interface Backend {
  readonly instanceId: string;
  /** Absent for backends made up outside a listener (tests). */
  readonly targetGroupArn?: string;
  readonly address: string;
  readonly port: number;
  /** The target group's health-check path (what a synthetic target answers with its version). */
  readonly healthPath: string;
  readonly state: string;
  /** Real: forward to address:port. Synthetic: the version to answer with, or undefined. */
  readonly kind: 'real' | 'synthetic';
  readonly version?: string;
}

export interface ListenerProxyDeps {
  /** The region's models a listener's load balancer lives in. */
  readonly modelsOf: (loadBalancerArn: string) =>
    | {
        elbv2: Elbv2Model;
        ec2: Ec2Port;
        cloudwatch?: { recordListenerRequest(request: ListenerRequest): void };
      }
    | undefined;
  readonly isReal: (instanceId: string) => boolean;
  /** The commit or S3 key the instance last installed. */
  readonly versionOf: (instanceId: string) => string | undefined;
  readonly now: () => Date;
}

interface OpenListener {
  readonly server: Server;
  readonly loadBalancerArn: string;
  readonly targetGroupArns: string[];
  next: number;
}

/** The targets of a listener and their health, in registration order. */
export function listenerBackends(
  deps: ListenerProxyDeps,
  loadBalancerArn: string,
  targetGroupArns: readonly string[],
): Backend[] {
  const models = deps.modelsOf(loadBalancerArn);
  if (!models) return [];
  const out: Backend[] = [];
  for (const arn of targetGroupArns) {
    const group = models.elbv2.getTargetGroupByArn(arn);
    if (!group) continue;
    for (const target of group.targets.values()) {
      const instance = models.ec2.get(target.instanceId);
      if (!instance) continue;
      const version = deps.versionOf(target.instanceId);
      out.push({
        instanceId: target.instanceId,
        targetGroupArn: arn,
        address: instance.privateIpAddress,
        port: target.port,
        healthPath: group.healthCheck.path,
        state: models.elbv2.health(arn, target.instanceId).state,
        kind: deps.isReal(target.instanceId) ? 'real' : 'synthetic',
        ...(version !== undefined ? { version } : {}),
      });
    }
  }
  return out;
}

/** Which targets may take a request: the healthy ones, else (fail open) the unhealthy ones. */
export function routable(backends: readonly Backend[]): Backend[] {
  const healthy = backends.filter((b) => b.state === 'healthy');
  return healthy.length > 0 ? healthy : backends.filter((b) => b.state === 'unhealthy');
}

export class ListenerProxies {
  private readonly open = new Set<OpenListener>();

  constructor(private readonly deps: ListenerProxyDeps) {}

  /** A ListenerOpener: binds the listener on its load balancer's address. */
  openListener(listener: {
    loadBalancerArn: string;
    address: string;
    port: number;
    targetGroupArns: string[];
  }): OpenedListener {
    const serverFor = (): OpenListener => {
      const open: OpenListener = {
        server: createServer(),
        loadBalancerArn: listener.loadBalancerArn,
        targetGroupArns: listener.targetGroupArns,
        next: 0,
      };
      open.server.on('request', (req: IncomingMessage, res: ServerResponse) => this.serve(open, req, res));
      this.open.add(open);
      return open;
    };
    let closed = false;
    let listening: OpenListener | undefined;
    const bound = (open: OpenListener, port: number): Promise<ServedAt> =>
      listen(open.server, listener.address, port).then(
        (served) => {
          // Closed (deleted, reset) while it was being bound: nothing will close it but this.
          if (closed || !this.open.has(open)) this.closeOpen(open, true);
          else listening = open;
          return served;
        },
        (error: unknown) => {
          this.open.delete(open);
          throw error;
        },
      );
    const served = bound(serverFor(), listener.port).catch((error: unknown) => {
      if (listener.port === 0 || (error as NodeJS.ErrnoException).code !== 'EACCES' || closed) throw error;
      return bound(serverFor(), 0);
    });
    // At once when bound: a listener made again on the same port (a stack's update) binds right after.
    const close = (): void => {
      closed = true;
      if (listening) this.closeOpen(listening);
    };
    return { served, close };
  }

  /** Closes the listeners (reset). */
  closeListeners(): Promise<void> {
    const open = [...this.open];
    this.open.clear();
    return Promise.all(open.map((o) => closeServer(o.server))).then(() => undefined);
  }

  async close(): Promise<void> {
    await this.closeListeners();
  }

  /** Stops listening at once (server.close releases the port before it returns). */
  private closeOpen(open: OpenListener, evenIfForgotten = false): void {
    if (!this.open.delete(open) && !evenIfForgotten) return;
    void closeServer(open.server);
  }

  /** Counts one answer for CloudWatch once it is sent. */
  private meter(
    open: OpenListener,
    res: ServerResponse,
    backend: Backend | undefined,
    fromLoadBalancer: () => boolean,
  ): void {
    const started = performance.now();
    res.once('finish', () => {
      const request: ListenerRequest = {
        loadBalancerArn: open.loadBalancerArn,
        ...(backend?.targetGroupArn !== undefined ? { targetGroupArn: backend.targetGroupArn } : {}),
        status: res.statusCode,
        fromLoadBalancer: fromLoadBalancer(),
        ...(backend && !fromLoadBalancer() ? { responseSeconds: (performance.now() - started) / 1000 } : {}),
      };
      this.deps.modelsOf(open.loadBalancerArn)?.cloudwatch?.recordListenerRequest(request);
    });
  }

  private serve(open: OpenListener, req: IncomingMessage, res: ServerResponse): void {
    const candidates = routable(listenerBackends(this.deps, open.loadBalancerArn, open.targetGroupArns));
    if (candidates.length === 0) {
      this.meter(open, res, undefined, () => true);
      reply(
        res,
        503,
        'text/html',
        '<html><body><h1>503 Service Temporarily Unavailable</h1></body></html>\n',
      );
      return;
    }
    const backend = candidates[open.next++ % candidates.length] as Backend;
    // A target that cannot be reached gets the load balancer's own 502.
    let unreachable = false;
    this.meter(open, res, backend, () => unreachable);
    if (backend.kind === 'synthetic') {
      const path = (req.url ?? '/').split('?')[0];
      req.resume();
      if (path === backend.healthPath) {
        const body = JSON.stringify({
          status: 'pass',
          version: backend.version ?? null,
          datetime: this.deps.now().toISOString(),
        });
        reply(res, 200, 'application/json', body, backend.instanceId);
      } else {
        reply(
          res,
          200,
          'text/plain',
          `${backend.instanceId} serves ${backend.version ?? 'no revision'}\n`,
          backend.instanceId,
        );
      }
      return;
    }
    const upstream = request(
      {
        host: backend.address,
        port: backend.port,
        method: req.method,
        path: req.url,
        headers: { ...req.headers, 'x-forwarded-for': req.socket.remoteAddress ?? '' },
        agent: false,
      },
      (response) => {
        res.writeHead(response.statusCode ?? 502, {
          ...response.headers,
          'x-localcloud-target': backend.instanceId,
        });
        response.pipe(res);
      },
    );
    upstream.on('error', () => {
      unreachable = true;
      if (res.headersSent) res.destroy();
      else
        reply(
          res,
          502,
          'text/html',
          '<html><body><h1>502 Bad Gateway</h1></body></html>\n',
          backend.instanceId,
        );
    });
    req.pipe(upstream);
  }
}

function reply(res: ServerResponse, status: number, type: string, body: string, target?: string): void {
  res.writeHead(status, {
    'content-type': type,
    'content-length': String(Buffer.byteLength(body)),
    ...(target ? { 'x-localcloud-target': target } : {}),
  });
  res.end(body);
}

/** Binds `server`; a listener alone does not keep the process alive (the local cloud's server does). */
function listen(server: Server, address: string, port: number): Promise<ServedAt> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, address, () => {
      server.off('error', reject);
      // A bound server's later errors (a broken connection) are not the listener's to report.
      server.on('error', () => undefined);
      server.unref();
      resolve({ address, port: (server.address() as AddressInfo).port });
    });
  });
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}
