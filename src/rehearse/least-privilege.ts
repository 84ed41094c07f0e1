// Least privilege by running: after a rehearsal, what each role the jobs assumed asked for, what it
// was refused, and what its policies allow that nothing asked for (the local cloud records every
// request signed with an assumed role's session: GET /_localcloud/iam/usage). An action allowed but
// not used is either one greenlight or the SAM CLI calls on a path this rehearsal did not take
// (OTHER_PATHS says which), or one nothing calls: take it out of the role.
import type { RoleUsage } from '@greenlight/localcloud';
import { deployPathsByAction } from '../preflight/permissions.js';

export interface RoleReport {
  readonly roleArn: string;
  /** Distinct actions the role's sessions were allowed. */
  readonly allowed: readonly string[];
  /** `action resource` pairs the role's sessions were refused. */
  readonly denied: readonly string[];
  /** Actions its policies allow that no request used. */
  readonly unused: readonly string[];
  /** Of those, the ones nothing greenlight or the SAM CLI does calls: to take out of the role. */
  readonly uncalled: readonly string[];
}

const SAM_DEPLOY = 'sam deploy, by the SAM CLI (the rehearsal’s stand-in makes fewer calls than it)';
const SAM_S3 = 'sam deploy --s3-bucket';
const FETCH_LOGS =
  'diagnostics.fetchLogs, when an instance fails: its whole scripts.log read through SSM Run Command (src/diagnostics/scripts-log.ts)';

/**
 * The deploy role's actions that greenlight or the SAM CLI calls only on some paths, and which: a
 * rehearsal that did not take the path leaves them unused, and rightly. A deployment's own come from
 * the one list of what a deployment calls (src/preflight/permissions.ts, DEPLOY_PATH).
 */
export const OTHER_PATHS: Readonly<Record<string, string>> = {
  ...deployPathsByAction(),
  'autoscaling:DeleteAutoScalingGroup': 'group apply --clean-orphans: the groups CodeDeploy copied and left',
  'cloudwatch:DescribeAlarmHistory': 'the gate, when an alarm changed state during the bake',
  'autoscaling:DescribeScalingActivities':
    'the gate, at each look: whether Auto Scaling took an instance out of service for a failed health check during the bake (src/gate/scaling-history.ts)',
  'iam:SimulatePrincipalPolicy':
    'preflight, which deploy runs first: whether this role may call what a deployment calls (deploy --skip-preflight does not ask)',
  'codedeploy:CreateDeploymentGroup': 'group apply, when the deployment group does not exist',
  'codedeploy:UpdateDeploymentGroup': 'group apply, when the deployment group drifted from greenlight.yml',
  'codedeploy:CreateDeploymentConfig':
    'group apply, when greenlight.yml names a deployment config that does not exist',
  'codedeploy:TagResource': 'group apply, when the deployment group lacks greenlight’s tags',
  's3:ListBucket': SAM_S3,
  's3:GetBucketLocation': SAM_S3,
  'cloudformation:CreateChangeSet': SAM_DEPLOY,
  'cloudformation:DescribeChangeSet': SAM_DEPLOY,
  'cloudformation:ExecuteChangeSet': `${SAM_DEPLOY}, when the stack changes`,
  'cloudformation:DeleteChangeSet': SAM_DEPLOY,
  'cloudformation:DescribeStacks': SAM_DEPLOY,
  'cloudformation:DescribeStackEvents': `${SAM_DEPLOY}, when the stack changes`,
  'cloudformation:GetTemplate': SAM_DEPLOY,
  'cloudformation:GetTemplateSummary': SAM_DEPLOY,
  'ssm:SendCommand': FETCH_LOGS,
  'ssm:GetCommandInvocation': FETCH_LOGS,
  'ssm:DescribeInstanceInformation':
    "preflight's agents check of an environment with diagnostics.fetchLogs: whether each instance's SSM Agent answers (src/preflight/agents.ts)",
};

export function roleReports(usage: readonly RoleUsage[]): RoleReport[] {
  return usage
    .map((role) => ({
      roleArn: role.roleArn,
      allowed: [...new Set(role.used.filter((u) => u.allowed).map((u) => u.action))].sort(),
      denied: role.used.filter((u) => !u.allowed).map((u) => `${u.action} ${u.resource}`),
      unused: [...role.unused],
      uncalled: role.unused.filter((action) => !Object.hasOwn(OTHER_PATHS, action)),
    }))
    .sort((a, b) => a.roleArn.localeCompare(b.roleArn));
}

/** Lines for the end of a rehearsal. */
export function formatRoleReports(reports: readonly RoleReport[]): string[] {
  return reports.flatMap((r) => {
    const otherPaths = r.unused.filter((action) => !r.uncalled.includes(action));
    return [
      `role ${r.roleArn}: ${r.allowed.length} actions used${r.denied.length ? `, ${r.denied.length} refused` : ''}`,
      ...r.denied.map((d) => `  refused: ${d}`),
      ...(otherPaths.length
        ? [`  allowed for paths this rehearsal did not take: ${otherPaths.join(', ')}`]
        : []),
      ...(r.uncalled.length
        ? [
            `  allowed and called by nothing greenlight or the SAM CLI does — take them out of the role: ${r.uncalled.join(', ')}`,
          ]
        : []),
    ];
  });
}
