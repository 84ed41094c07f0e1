// Which EC2 instances are Systems Manager's managed nodes: an instance whose SSM Agent runs registers
// once it is running, and answers (PingStatus Online) while its agent runs and it does; once its agent
// stopped, or the instance stopped or is terminating, it is ConnectionLost. One whose agent never ran
// (absent, or stopped from the start) is not a managed node. DescribeInstanceInformation lists them.
// [I] Registration takes no time; AWS's takes seconds after boot.
import { paginate } from '../pagination.js';
import type { Ec2Instance, Ec2Port, Scheduler } from '../ports.js';
import * as errors from './errors.js';
import { INSTANCE_ID, str, strings, type Input } from './input.js';

/** The SSM Agent on an instance: running, stopped (it was, it may be again), or not installed. */
export type SsmAgentState = 'online' | 'stopped' | 'absent';
export const SSM_AGENT_STATES: readonly SsmAgentState[] = ['online', 'stopped', 'absent'];

/** What DescribeInstanceInformation says of every node's agent and platform. */
export const AGENT_VERSION = '3.3.1142.0';
const PLATFORM = { PlatformType: 'Linux', PlatformName: 'Amazon Linux', PlatformVersion: '2023' } as const;
const PAGE_SIZE = 50;

interface ManagedNode {
  agent: SsmAgentState;
  registeredAt?: Date;
  /** When the agent last answered: now while it is online, else when it stopped answering. */
  lastPing?: Date;
}

export interface ManagedNodesDeps {
  readonly region: string;
  readonly scheduler: Scheduler;
  readonly ec2: Ec2Port;
  /** The agent of instances launched from now on (world `instances.ssmAgent`, the control API). */
  readonly newInstanceAgent: () => SsmAgentState;
  /** An instance's agent answers (again): commands waiting for it can be delivered. */
  readonly onOnline: (instanceId: string) => void;
  /** An instance is shutting down or gone: nothing can be delivered to it any more. */
  readonly onGone: (instanceId: string) => void;
}

export class ManagedNodes {
  private readonly nodes = new Map<string, ManagedNode>();

  constructor(private readonly deps: ManagedNodesDeps) {
    deps.ec2.onStateChange((instance) => this.instanceChanged(instance));
  }

  private instanceChanged(instance: Ec2Instance): void {
    const { instanceId, state } = instance;
    let node = this.nodes.get(instanceId);
    if (!node) {
      node = { agent: this.deps.newInstanceAgent() };
      this.nodes.set(instanceId, node);
    }
    if (state === 'running') this.register(instanceId, node);
    else if (state !== 'pending' && node.registeredAt && node.agent === 'online') {
      node.lastPing = this.deps.scheduler.now();
    }
    if (state === 'shutting-down' || state === 'terminated') this.deps.onGone(instanceId);
  }

  /** An agent that runs on a running instance registers (once) and answers. */
  private register(instanceId: string, node: ManagedNode): void {
    if (node.agent !== 'online' || this.deps.ec2.get(instanceId)?.state !== 'running') return;
    node.registeredAt ??= this.deps.scheduler.now();
    this.deps.onOnline(instanceId);
  }

  /** The agent state of each instance SSM knows, and of instances launched from now on. */
  agentStates(): Record<string, SsmAgentState> {
    return Object.fromEntries([...this.nodes].map(([id, node]) => [id, node.agent]));
  }

  knows(instanceId: string): boolean {
    return this.deps.ec2.get(instanceId) !== undefined;
  }

  /** Starts, stops or removes an instance's agent (the control API). */
  setAgent(instanceId: string, agent: SsmAgentState): void {
    const node = this.nodes.get(instanceId) ?? { agent };
    this.nodes.set(instanceId, node);
    const was = node.agent;
    node.agent = agent;
    if (agent === 'online') this.register(instanceId, node);
    else if (was === 'online' && node.registeredAt) node.lastPing = this.deps.scheduler.now();
  }

  /** Online, ConnectionLost, or undefined: not a managed node (its agent never registered). */
  pingStatus(instanceId: string): 'Online' | 'ConnectionLost' | undefined {
    const node = this.nodes.get(instanceId);
    const instance = this.deps.ec2.get(instanceId);
    if (!node?.registeredAt || !instance) return undefined;
    return node.agent === 'online' && instance.state === 'running' ? 'Online' : 'ConnectionLost';
  }

  describeInstanceInformation(input: Input): unknown {
    const maxResults = typeof input.MaxResults === 'number' ? input.MaxResults : PAGE_SIZE;
    if (maxResults < 5 || maxResults > 50)
      throw errors.validationError(maxResults, 'maxResults', 'Member must have value between 5 and 50');
    const accepts = [
      ...(Array.isArray(input.InstanceInformationFilterList)
        ? (input.InstanceInformationFilterList as Input[])
        : []
      ).map((f) => this.nodeFilter(str(f.key) ?? '', strings(f.valueSet))),
      ...(Array.isArray(input.Filters) ? (input.Filters as Input[]) : []).map((f) =>
        this.nodeFilter(str(f.Key) ?? '', strings(f.Values)),
      ),
    ];
    const nodes = this.deps.ec2
      .all()
      .filter((instance) => this.pingStatus(instance.instanceId) !== undefined)
      .filter((instance) => accepts.every((accept) => accept(instance)));
    const page = paginate(nodes, str(input.NextToken), maxResults, () => errors.invalidNextToken());
    return {
      InstanceInformationList: page.items.map((instance) => this.nodeView(instance)),
      ...(page.nextToken ? { NextToken: page.nextToken } : {}),
    };
  }

  private nodeFilter(key: string, values: string[]): (instance: Ec2Instance) => boolean {
    if (values.length === 0) throw errors.invalidFilterValue(`The filter ${key} needs at least one value.`);
    switch (key) {
      case 'InstanceIds':
        for (const id of values)
          if (!INSTANCE_ID.test(id)) throw errors.invalidFilterValue(`${id} is not a valid instance id.`);
        return (instance) => values.includes(instance.instanceId);
      case 'PingStatus':
        return (instance) => values.includes(this.pingStatus(instance.instanceId) ?? '');
      case 'PlatformTypes':
        return () => values.includes(PLATFORM.PlatformType);
      case 'ResourceType':
        return () => values.includes('EC2Instance');
      case 'AgentVersion':
        return () => values.includes(AGENT_VERSION);
      case 'tag-key':
        return (instance) => values.some((tag) => instance.tags.has(tag));
      default:
        if (key.startsWith('tag:')) {
          const tag = key.slice('tag:'.length);
          return (instance) => values.includes(instance.tags.get(tag) ?? '\u0000');
        }
        throw errors.invalidFilterKey(key);
    }
  }

  /** The node's host name, as the agent reports it (`ip-10-0-0-1.ec2.internal`). */
  computerName(instanceId: string): string {
    const ip = this.deps.ec2.get(instanceId)?.privateIpAddress;
    return ip
      ? `ip-${ip.replace(/\./g, '-')}.${this.deps.region === 'us-east-1' ? 'ec2.internal' : `${this.deps.region}.compute.internal`}`
      : '';
  }

  private nodeView(instance: Ec2Instance): unknown {
    const node = this.nodes.get(instance.instanceId) as ManagedNode;
    const status = this.pingStatus(instance.instanceId);
    return {
      InstanceId: instance.instanceId,
      PingStatus: status,
      LastPingDateTime:
        status === 'Online' ? this.deps.scheduler.now() : (node.lastPing ?? node.registeredAt),
      AgentVersion: AGENT_VERSION,
      IsLatestVersion: true,
      ...PLATFORM,
      ResourceType: 'EC2Instance',
      IPAddress: instance.privateIpAddress,
      ComputerName: this.computerName(instance.instanceId),
      SourceId: instance.instanceId,
      SourceType: 'AWS::EC2::Instance',
    };
  }
}
