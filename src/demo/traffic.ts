import { setTimeout as sleep } from 'node:timers/promises';
import {
  DescribeListenersCommand,
  DescribeLoadBalancersCommand,
  ElasticLoadBalancingV2Client,
} from '@aws-sdk/client-elastic-load-balancing-v2';

// What the demo's load balancer serves: its listener found the way anyone would, the version each
// answer comes from, and the mix of versions watched while a deployment moves traffic.

/** A commit id as the story names it: the release label, else a short id. */
export type ReleaseLabel = (commit: string | undefined) => string;

/** The listener's URL, found the way anyone would: DescribeLoadBalancers and DescribeListeners. */
export async function listenerUrl(endpoint: string, region: string): Promise<string> {
  const elbv2 = new ElasticLoadBalancingV2Client({
    endpoint,
    region,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  try {
    const lbs = await elbv2.send(new DescribeLoadBalancersCommand({ Names: ['web-dev-alb'] }));
    const lb = lbs.LoadBalancers?.[0];
    const listeners = await elbv2.send(
      new DescribeListenersCommand({ LoadBalancerArn: lb?.LoadBalancerArn }),
    );
    const port = listeners.Listeners?.[0]?.Port;
    if (!lb?.DNSName || !port) throw new Error('the local cloud has no listener for web-dev-alb');
    return `http://${lb.DNSName}:${port}`;
  } finally {
    elbv2.destroy();
  }
}

interface Answer {
  readonly version?: string;
  /** Why the instance said it is not taking traffic (the example app drains before BlockTraffic). */
  readonly not?: string;
}

async function askVersion(listener: string): Promise<Answer> {
  try {
    const response = await fetch(`${listener}/healthcheck`, { signal: AbortSignal.timeout(2_000) });
    const body = (await response.json().catch(() => ({}))) as { version?: string; output?: string };
    if (response.ok) return { ...(body.version ? { version: body.version } : {}) };
    return {
      ...(body.version ? { version: body.version } : {}),
      not: body.output ?? `HTTP ${response.status}`,
    };
  } catch {
    return { not: 'no answer' };
  }
}

/** The versions of `n` answers in a row (or why an instance would not answer). */
export async function servedVersions(listener: string, n: number): Promise<(string | undefined)[]> {
  const seen: (string | undefined)[] = [];
  for (let i = 0; i < n; i++) {
    const answer = await askVersion(listener);
    seen.push(answer.not ? answer.not : answer.version);
  }
  return seen;
}

export function describeServed(versions: readonly (string | undefined)[], label: ReleaseLabel): string {
  const counts = new Map<string, number>();
  for (const v of versions) counts.set(label(v), (counts.get(label(v)) ?? 0) + 1);
  return [...counts].map(([name, n]) => `${name} ${n}/${versions.length}`).join(', ');
}

/** Asks the listener which version answers while a deployment runs, and says when the mix changes. */
export function watchTraffic(
  listener: string,
  label: ReleaseLabel,
  say: (text: string) => void,
  signal: AbortSignal,
): { stop(): Promise<void> } {
  let running = true;
  const loop = (async () => {
    let last = '';
    const window: string[] = [];
    while (running && !signal.aborted) {
      const answer = await askVersion(listener);
      window.push(answer.not ? `${label(answer.version)} (${answer.not})` : label(answer.version));
      if (window.length > 6) window.shift();
      const mix = [...new Set(window)].sort().join(' + ');
      if (mix !== last && window.length >= 3) {
        say(`  [traffic] the listener answers with ${mix}`);
        last = mix;
      }
      await sleep(150);
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
    },
  };
}
