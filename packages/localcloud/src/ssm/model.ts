// Systems Manager for one account and region: which EC2 instances are managed nodes
// (managed-nodes.ts) and Run Command with the one document a deployment's diagnostics need,
// AWS-RunShellScript (run-command.ts), over the files synthetic instances have (simulated-files.ts).
import type { SandboxedInstance } from '../instance/sandboxed-instance.js';
import type { Ec2Port, Scheduler } from '../ports.js';
import type { Random } from '../random.js';
import type { Input } from './input.js';
import { ManagedNodes, type SsmAgentState } from './managed-nodes.js';
import { RunCommand } from './run-command.js';
import { SimulatedFiles } from './simulated-files.js';

export { SSM_AGENT_STATES, type SsmAgentState } from './managed-nodes.js';

export interface SsmDeps {
  readonly region: string;
  readonly accountId: string;
  readonly scheduler: Scheduler;
  readonly random: Random;
  readonly ec2: Ec2Port;
  /** The sandbox of a real instance; undefined for a synthetic one (or one the host could not confine). */
  readonly sandboxOf: (instanceId: string) => SandboxedInstance | undefined;
  /** The agent of instances launched from now on (world `instances.ssmAgent`, the control API). */
  readonly newInstanceAgent: () => SsmAgentState;
}

export class SsmModel {
  /** The files of synthetic instances the cloud simulates (their agent's scripts.log). */
  readonly files = new SimulatedFiles();
  private readonly nodes: ManagedNodes;
  private readonly run: RunCommand;

  constructor(deps: SsmDeps) {
    this.nodes = new ManagedNodes({
      region: deps.region,
      scheduler: deps.scheduler,
      ec2: deps.ec2,
      newInstanceAgent: deps.newInstanceAgent,
      onOnline: (instanceId) => this.run.deliverPending(instanceId),
      onGone: (instanceId) => this.run.undeliverable(instanceId),
    });
    this.run = new RunCommand({ ...deps, nodes: this.nodes, files: this.files });
  }

  sendCommand(input: Input): unknown {
    return this.run.sendCommand(input);
  }

  /** The instances a SendCommand reaches (IAM evaluates ssm:SendCommand on each). */
  targetInstances(input: Input): string[] {
    return this.run.targetInstances(input);
  }

  getCommandInvocation(input: Input): unknown {
    return this.run.getCommandInvocation(input);
  }

  listCommandInvocations(input: Input): unknown {
    return this.run.listCommandInvocations(input);
  }

  describeInstanceInformation(input: Input): unknown {
    return this.nodes.describeInstanceInformation(input);
  }

  pingStatus(instanceId: string): 'Online' | 'ConnectionLost' | undefined {
    return this.nodes.pingStatus(instanceId);
  }

  /** The agent state of each instance SSM knows. */
  agentStates(): Record<string, SsmAgentState> {
    return this.nodes.agentStates();
  }

  knows(instanceId: string): boolean {
    return this.nodes.knows(instanceId);
  }

  /** Starts, stops or removes an instance's agent (the control API). */
  setAgent(instanceId: string, agent: SsmAgentState): void {
    this.nodes.setAgent(instanceId, agent);
  }
}
