// Deployment configurations: the predefined `CodeDeployDefault.*` ones and how a config becomes a
// minimum-healthy-hosts rule.

import type { MinimumHealthyHostsRule } from './health-rules.js';

export interface MinimumHealthyHosts {
  /** `MOST_CONCURRENCY` only for the predefined OneAtATime, as AWS returns it. */
  readonly type: 'HOST_COUNT' | 'FLEET_PERCENT' | 'MOST_CONCURRENCY';
  readonly value: number;
}

export interface DeploymentConfigRecord {
  readonly deploymentConfigId: string;
  readonly deploymentConfigName: string;
  readonly minimumHealthyHosts: MinimumHealthyHosts;
  readonly createTime: Date;
  readonly computePlatform: 'Server' | 'Lambda' | 'ECS';
  readonly predefined: boolean;
}

// What GetDeploymentConfig shows for the predefined configs. OneAtATime: AWS returns
// MOST_CONCURRENCY/1, a type outside the model's enum, as the model's own MinimumHealthyHosts
// documentation says; we return it too, so clients that trip over it do so here as on AWS. [I] The
// types for AllAtOnce (HOST_COUNT/0) and HalfAtATime (FLEET_PERCENT/50) are not documented (spec §4.1).
// Their ids are fixed, so they read the same in every region and after a reset.
const predefined: ReadonlyArray<[string, MinimumHealthyHosts, string]> = [
  [
    'CodeDeployDefault.OneAtATime',
    { type: 'MOST_CONCURRENCY', value: 1 },
    'f3e1c6a2-0b8e-4f6e-9d57-3d3f0d9a0001',
  ],
  [
    'CodeDeployDefault.HalfAtATime',
    { type: 'FLEET_PERCENT', value: 50 },
    'f3e1c6a2-0b8e-4f6e-9d57-3d3f0d9a0002',
  ],
  ['CodeDeployDefault.AllAtOnce', { type: 'HOST_COUNT', value: 0 }, 'f3e1c6a2-0b8e-4f6e-9d57-3d3f0d9a0003'],
];

export function predefinedDeploymentConfigs(): DeploymentConfigRecord[] {
  return predefined.map(([name, minimumHealthyHosts, id]) => ({
    deploymentConfigId: id,
    deploymentConfigName: name,
    minimumHealthyHosts,
    createTime: new Date(Date.UTC(2014, 10, 12)),
    computePlatform: 'Server',
    predefined: true,
  }));
}

export const defaultDeploymentConfigName = 'CodeDeployDefault.OneAtATime';

export function healthRuleOf(config: DeploymentConfigRecord): MinimumHealthyHostsRule {
  switch (config.deploymentConfigName) {
    case 'CodeDeployDefault.AllAtOnce':
      return { kind: 'all-at-once' };
    case 'CodeDeployDefault.HalfAtATime':
      return { kind: 'half-at-a-time' };
    case 'CodeDeployDefault.OneAtATime':
      return { kind: 'one-at-a-time' };
  }
  const { type, value } = config.minimumHealthyHosts;
  return type === 'FLEET_PERCENT' ? { kind: 'fleet-percent', value } : { kind: 'host-count', value };
}
