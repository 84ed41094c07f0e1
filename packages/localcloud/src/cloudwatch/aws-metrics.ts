// The metrics AWS publishes by itself, sampled once a minute of AWS time from the other services'
// state: AWS/ApplicationELB (target health; requests, status codes and response times counted by the
// listener proxies), AWS/EC2 and AWS/AutoScaling. Each sample is stamped with the start of the minute
// it covers, as CloudWatch's one-minute datapoints are.
//
// Dimensions are AWS's: LoadBalancer = app/<name>/<id> and TargetGroup = targetgroup/<name>/<id>
// (the tails of their ARNs), InstanceId, AutoScalingGroupName. As on AWS, the request metrics of a
// minute without requests are not published (their reporting criterion is a nonzero value), while
// host counts are published whenever a load balancer checks the target group. RequestCount counts
// the requests for which a target was chosen (a 503 for want of targets is only an
// HTTPCode_ELB_5XX_Count), as AWS documents it.
//
// EC2's metrics come every five minutes (basic monitoring), the others every minute.
//
// [I] Simplifications: no AvailabilityZone dimension; CPUUtilization is 0 (instances have no CPU
// accounting here) and StatusCheckFailed 0 for running instances; group metrics are published for
// every group, without EnableMetricsCollection.
import type { AutoScalingGroup, Ec2Instance, TargetHealth } from '../ports.js';
import type { Dimension, MetricId, MetricStore, Sample } from './metric-store.js';
import { valueSample, valuesSample } from './metric-store.js';

/** What the sampler reads of ELBv2, EC2 and Auto Scaling (their models satisfy it). */
export interface MetricSources {
  readonly elbv2: {
    allTargetGroups(): readonly {
      readonly arn: string;
      readonly loadBalancerArns: ReadonlySet<string>;
      readonly targets: ReadonlyMap<string, unknown>;
    }[];
    health(targetGroupArn: string, instanceId: string): TargetHealth;
  };
  readonly ec2: { all(): Ec2Instance[] };
  readonly autoscaling: { all(): readonly AutoScalingGroup[] };
}

/** One request a listener proxy answered. */
export interface ListenerRequest {
  readonly loadBalancerArn: string;
  /** Absent when the load balancer answered itself (no target). */
  readonly targetGroupArn?: string;
  readonly status: number;
  /** True when the status is the load balancer's own (503 with no target, 502 from a dead target). */
  readonly fromLoadBalancer: boolean;
  /** Seconds from the request to the target's answer (TargetResponseTime). */
  readonly responseSeconds?: number;
}

interface Counters {
  requests: number;
  byClass: Map<string, number>;
  elb5xx: number;
  elb4xx: number;
  responseTimes: number[];
}

const counters = (): Counters => ({
  requests: 0,
  byClass: new Map(),
  elb5xx: 0,
  elb4xx: 0,
  responseTimes: [],
});

/** `app/<name>/<id>` of `arn:…:loadbalancer/app/<name>/<id>`. */
export function loadBalancerDimension(arn: string): string {
  return arn.split(':loadbalancer/')[1] ?? arn;
}

/** `targetgroup/<name>/<id>` of `arn:…:targetgroup/<name>/<id>`. */
export function targetGroupDimension(arn: string): string {
  const tail = arn.split(':').slice(5).join(':');
  return tail.startsWith('targetgroup/') ? tail : arn;
}

/** Counts a minute of listener traffic; `drain` hands it over and starts the next minute. */
export class TrafficMeter {
  private byBalancer = new Map<string, Counters>();
  private byTargetGroup = new Map<string, Counters>();

  record(request: ListenerRequest): void {
    const balancer = this.byBalancer.get(request.loadBalancerArn) ?? counters();
    this.byBalancer.set(request.loadBalancerArn, balancer);
    const keys = [balancer];
    if (request.targetGroupArn !== undefined) {
      const key = `${request.loadBalancerArn} ${request.targetGroupArn}`;
      const group = this.byTargetGroup.get(key) ?? counters();
      this.byTargetGroup.set(key, group);
      keys.push(group);
    }
    for (const c of keys) {
      // As on AWS, RequestCount counts the requests for which the load balancer chose a target.
      if (request.targetGroupArn !== undefined) c.requests++;
      if (request.fromLoadBalancer) {
        if (request.status >= 500) c.elb5xx++;
        else if (request.status >= 400) c.elb4xx++;
      } else {
        const cls = `${Math.floor(request.status / 100)}XX`;
        c.byClass.set(cls, (c.byClass.get(cls) ?? 0) + 1);
        if (request.responseSeconds !== undefined) c.responseTimes.push(request.responseSeconds);
      }
    }
  }

  drain(): { byBalancer: Map<string, Counters>; byTargetGroup: Map<string, Counters> } {
    const out = { byBalancer: this.byBalancer, byTargetGroup: this.byTargetGroup };
    this.byBalancer = new Map();
    this.byTargetGroup = new Map();
    return out;
  }
}

const ELB = 'AWS/ApplicationELB';
/** EC2's basic monitoring: a datapoint every five minutes. */
const EC2_PERIOD_MS = 5 * 60_000;

/** Samples the minute that starts at `minuteStartMs` into the store. */
export function sampleAwsMetrics(
  store: MetricStore,
  sources: MetricSources,
  traffic: TrafficMeter,
  minuteStartMs: number,
): void {
  const put = (namespace: string, metricName: string, dimensions: Dimension[], sample: Sample): void => {
    const id: MetricId = { namespace, metricName, dimensions };
    store.put(id, sample);
  };
  const gauge = (
    namespace: string,
    metricName: string,
    dimensions: Dimension[],
    value: number,
    unit: string,
  ) => put(namespace, metricName, dimensions, valueSample(minuteStartMs, value, unit));

  // Target health, per load balancer and target group.
  for (const group of sources.elbv2.allTargetGroups()) {
    if (group.loadBalancerArns.size === 0) continue;
    let healthy = 0;
    let unhealthy = 0;
    for (const instanceId of group.targets.keys()) {
      const state = sources.elbv2.health(group.arn, instanceId).state;
      if (state === 'healthy') healthy++;
      else if (state === 'unhealthy' || state === 'unhealthy.draining') unhealthy++;
    }
    for (const balancerArn of group.loadBalancerArns) {
      const dims = [
        { Name: 'TargetGroup', Value: targetGroupDimension(group.arn) },
        { Name: 'LoadBalancer', Value: loadBalancerDimension(balancerArn) },
      ];
      gauge(ELB, 'HealthyHostCount', dims, healthy, 'Count');
      gauge(ELB, 'UnHealthyHostCount', dims, unhealthy, 'Count');
    }
  }

  // Listener traffic.
  const { byBalancer, byTargetGroup } = traffic.drain();
  const publishTraffic = (dims: Dimension[], c: Counters, withElbCodes: boolean): void => {
    const count = (name: string, value: number): void => {
      if (value > 0) gauge(ELB, name, dims, value, 'Count');
    };
    count('RequestCount', c.requests);
    for (const [cls, n] of c.byClass) count(`HTTPCode_Target_${cls}_Count`, n);
    if (withElbCodes) {
      count('HTTPCode_ELB_5XX_Count', c.elb5xx);
      count('HTTPCode_ELB_4XX_Count', c.elb4xx);
    }
    if (c.responseTimes.length > 0) {
      put(
        ELB,
        'TargetResponseTime',
        dims,
        valuesSample(
          minuteStartMs,
          c.responseTimes.map((value) => ({ value, count: 1 })),
          'Seconds',
        ),
      );
    }
  };
  for (const [balancerArn, c] of byBalancer)
    publishTraffic([{ Name: 'LoadBalancer', Value: loadBalancerDimension(balancerArn) }], c, true);
  for (const [key, c] of byTargetGroup) {
    const [balancerArn = '', groupArn = ''] = key.split(' ');
    publishTraffic(
      [
        { Name: 'TargetGroup', Value: targetGroupDimension(groupArn) },
        { Name: 'LoadBalancer', Value: loadBalancerDimension(balancerArn) },
      ],
      c,
      false,
    );
  }

  // EC2: running instances, alone and per Auto Scaling group, every five minutes (basic monitoring).
  if (minuteStartMs % EC2_PERIOD_MS !== 0) return sampleGroups(sources, gauge);
  const running = sources.ec2.all().filter((i) => i.state === 'running');
  const byGroup = new Map<string, number>();
  for (const instance of running) {
    const dims = [{ Name: 'InstanceId', Value: instance.instanceId }];
    gauge('AWS/EC2', 'CPUUtilization', dims, 0, 'Percent');
    gauge('AWS/EC2', 'StatusCheckFailed', dims, 0, 'Count');
    const group = instance.tags.get('aws:autoscaling:groupName');
    if (group !== undefined) byGroup.set(group, (byGroup.get(group) ?? 0) + 1);
  }
  for (const group of byGroup.keys()) {
    const dims = [{ Name: 'AutoScalingGroupName', Value: group }];
    gauge('AWS/EC2', 'CPUUtilization', dims, 0, 'Percent');
    gauge('AWS/EC2', 'StatusCheckFailed', dims, 0, 'Count');
  }

  sampleGroups(sources, gauge);
}

/** Auto Scaling group metrics, every minute. */
function sampleGroups(
  sources: MetricSources,
  gauge: (
    namespace: string,
    metricName: string,
    dimensions: Dimension[],
    value: number,
    unit: string,
  ) => void,
): void {
  for (const group of sources.autoscaling.all()) {
    const dims = [{ Name: 'AutoScalingGroupName', Value: group.name }];
    const inState = (prefix: string) =>
      group.instances.filter((i) => i.lifecycleState.startsWith(prefix)).length;
    const total = group.instances.filter(
      (i) => i.lifecycleState !== 'Terminated' && i.lifecycleState !== 'Detached',
    ).length;
    gauge('AWS/AutoScaling', 'GroupMinSize', dims, group.minSize, 'None');
    gauge('AWS/AutoScaling', 'GroupMaxSize', dims, group.maxSize, 'None');
    gauge('AWS/AutoScaling', 'GroupDesiredCapacity', dims, group.desiredCapacity, 'None');
    gauge('AWS/AutoScaling', 'GroupInServiceInstances', dims, inState('InService'), 'None');
    gauge('AWS/AutoScaling', 'GroupPendingInstances', dims, inState('Pending'), 'None');
    gauge('AWS/AutoScaling', 'GroupStandbyInstances', dims, inState('Standby'), 'None');
    gauge('AWS/AutoScaling', 'GroupTerminatingInstances', dims, inState('Terminating'), 'None');
    gauge('AWS/AutoScaling', 'GroupTotalInstances', dims, total, 'None');
  }
}
