import type { EnvironmentConfig } from '../config/environment.js';
import { samDeploy, type SamDeployResult } from './deploy.js';
import type { SamRuntime } from './process.js';
import { environmentStack } from './stack.js';

// What `greenlight sam deploy` runs (and CircleCI's sam_deploy job through deployscripts/sam-deploy.ts):
// the stack of one greenlight.yml environment, checked against the template, deployed with sam.

export interface EnvironmentDeployRequest {
  readonly environment: EnvironmentConfig;
  /** sam-template.yaml, resolved by the caller. */
  readonly templateFile: string;
  /** The template's other parameters (VPC, subnets, AMI, CircleCI ids …). */
  readonly parameters: Readonly<Record<string, string>>;
  readonly roleArn?: string;
  readonly s3Bucket?: string;
  /** Create the change set without executing it. */
  readonly dryRun: boolean;
}

const DONE: Record<SamDeployResult['outcome'], string> = {
  deployed: 'deployed',
  unchanged: 'no changes: the stack is up to date',
  'change-set-created': 'change set created, not executed (--dry-run)',
};

/**
 * Deploys the environment's stack. SamInputError (exit 2) before sam runs when greenlight.yml and
 * the template disagree or a value cannot pass safely; SamFailedError (exit 1) when sam fails.
 */
export async function deployEnvironmentStack(
  request: EnvironmentDeployRequest,
  runtime: SamRuntime,
): Promise<SamDeployResult> {
  const stack = environmentStack({
    environment: request.environment,
    templateFile: request.templateFile,
    parameters: request.parameters,
    ...(request.roleArn ? { roleArn: request.roleArn } : {}),
    ...(request.s3Bucket ? { s3Bucket: request.s3Bucket } : {}),
    noExecuteChangeset: request.dryRun,
  });
  for (const warning of stack.warnings)
    runtime.logger.emit({ kind: 'message', level: 'warn', text: warning });

  const step = `sam deploy ${stack.options.stackName}`;
  runtime.logger.emit({ kind: 'step', step, status: 'started' });
  const result = await samDeploy(stack.options, runtime);
  runtime.logger.emit({ kind: 'step', step, status: 'done', detail: DONE[result.outcome] });
  return result;
}
