// AWS managed policies as data: the documents of the ones greenlight's sam-template.yaml attaches
// (data/aws-managed-policies.json names its source), so a role that attaches one is evaluated with
// what AWS grants through it. A managed policy not in the data does not exist here.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { IAM_DATA_DIR } from '../assets.js';
import type { ManagedPolicy, PolicyDocument } from './model.js';

interface ManagedPolicyData {
  readonly policies: readonly { arn: string; name: string; document: PolicyDocument }[];
}

let byArn: Map<string, ManagedPolicy> | undefined;

function load(): Map<string, ManagedPolicy> {
  const data = JSON.parse(
    readFileSync(join(IAM_DATA_DIR, 'aws-managed-policies.json'), 'utf8'),
  ) as ManagedPolicyData;
  return new Map(data.policies.map((p) => [p.arn, { name: p.name, arn: p.arn, document: p.document }]));
}

/** The AWS managed policy an ARN names (any partition), or undefined when the data lacks it. */
export function awsManagedPolicy(arn: string): ManagedPolicy | undefined {
  byArn ??= load();
  const policy = byArn.get(arn.replace(/^arn:aws[\w-]*:/, 'arn:aws:'));
  return policy && { ...policy, arn };
}
