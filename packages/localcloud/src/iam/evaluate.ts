// The one policy evaluator of the local cloud's IAM: how a role's identity policies, as they are now,
// decide one action on one resource (@cloud-copilot/iam-simulate). The request authorizer (a request
// signed with a session of the role), CodeDeploy's service role checks and SimulatePrincipalPolicy all
// ask it, so what a simulation says is what enforcement does.
import { runSimulation } from '@cloud-copilot/iam-simulate';
import { awsManagedPolicy } from './managed-policies.js';
import type { IamModel, PolicyDocument, Role } from './model.js';

export type Decision = 'Allowed' | 'ExplicitlyDenied' | 'ImplicitlyDenied';

/** A statement that decided an evaluation, located as SimulatePrincipalPolicy's MatchedStatements. */
export interface MatchedStatement {
  /** The inline policy's name, or the managed policy's. */
  readonly sourcePolicyId: string;
  /** `role` for an inline policy, `aws-managed` or `user-managed` for an attached one. */
  readonly sourcePolicyType: 'role' | 'aws-managed' | 'user-managed';
  /** Line and column (1-based) of the statement in the document as GetRolePolicy renders it. */
  readonly start: { readonly line: number; readonly column: number };
  /** Just past the statement's closing brace. */
  readonly end: { readonly line: number; readonly column: number };
}

export interface Evaluation {
  readonly decision: Decision;
  /** The allowing statements when allowed; only the denying ones when denied; none otherwise. */
  readonly matched: readonly MatchedStatement[];
}

export interface EvaluationRequest {
  /** Who asks: the session's assumed-role ARN, or the role's own ARN in a simulation. */
  readonly principal: string;
  readonly action: string;
  readonly resource: string;
  readonly accountId: string;
  /** Condition keys and their values (`aws:PrincipalArn` is the role's). */
  readonly context: Readonly<Record<string, string | readonly string[]>>;
}

interface Source {
  readonly id: string;
  readonly type: MatchedStatement['sourcePolicyType'];
  readonly document: PolicyDocument;
}

/** The role's policies, each with what MatchedStatements says of it; none for a deleted role. */
function sourcesOf(iam: IamModel, role: Role | undefined): Source[] {
  if (!role) return [];
  return [
    ...[...role.inlinePolicies].map(([name, document]) => ({ id: name, type: 'role' as const, document })),
    ...role.attachedPolicies.flatMap((arn) => {
      const managed = iam.policies.get(arn) ?? awsManagedPolicy(arn);
      return managed
        ? [
            {
              id: managed.name,
              type: iam.policies.has(arn) ? ('user-managed' as const) : ('aws-managed' as const),
              document: managed.document,
            },
          ]
        : [];
    }),
  ];
}

export async function evaluateRole(
  iam: IamModel,
  role: Role | undefined,
  request: EvaluationRequest,
): Promise<Evaluation> {
  const evaluation = await evaluateOnce(iam, role, request);
  // An action without resource-level permissions is authorized on `*` whatever it acts on (the
  // authorizer asks so, request-actions.ts); a simulation naming a resource for it is answered so.
  if (evaluation === 'must.use.wildcard') return evaluateRole(iam, role, { ...request, resource: '*' });
  return evaluation;
}

async function evaluateOnce(
  iam: IamModel,
  role: Role | undefined,
  request: EvaluationRequest,
): Promise<Evaluation | 'must.use.wildcard'> {
  const sources = sourcesOf(iam, role);
  // Each source under a name of its own: an inline policy and a managed one may share a name.
  const key = (index: number) => `source-${index}`;
  const result = await runSimulation(
    {
      request: {
        principal: request.principal,
        action: request.action,
        resource: { resource: request.resource, accountId: request.accountId },
        contextVariables: Object.fromEntries(
          Object.entries(request.context).map(([k, v]) => [k, typeof v === 'string' ? v : [...v]]),
        ),
      },
      identityPolicies: sources.map((source, index) => ({ name: key(index), policy: source.document })),
      serviceControlPolicies: [],
      resourceControlPolicies: [],
    },
    {},
  );
  // An error (an action the reference lacks, a policy the evaluator cannot read) denies: nothing
  // is allowed that the evaluator did not allow.
  if (result.resultType === 'error') {
    if (result.errors.message === 'must.use.wildcard' && request.resource !== '*') return 'must.use.wildcard';
    return { decision: 'ImplicitlyDenied', matched: [] };
  }
  const decision: Decision =
    result.overallResult === 'Allowed' || result.overallResult === 'ExplicitlyDenied'
      ? result.overallResult
      : 'ImplicitlyDenied';
  if (decision === 'ImplicitlyDenied') return { decision, matched: [] };
  const analyses = result.resultType === 'single' ? [result.result] : result.results;
  const seen = new Set<string>();
  const matched: MatchedStatement[] = [];
  for (const { analysis } of analyses) {
    const identity = analysis.identityAnalysis;
    const statements = decision === 'Allowed' ? identity?.allowStatements : identity?.denyStatements;
    for (const statement of statements ?? []) {
      const index = Number(statement.policyId.slice('source-'.length));
      const source = sources[index];
      const at = `${index}:${statement.statement.index()}`;
      if (!source || seen.has(at)) continue;
      seen.add(at);
      matched.push({
        sourcePolicyId: source.id,
        sourcePolicyType: source.type,
        ...statementPosition(source.document, statement.statement.index()),
      });
    }
  }
  return { decision, matched };
}

/**
 * Where the n-th (1-based) statement is in the document as IAM renders it (JSON on one line, the
 * text GetRolePolicy answers): its opening brace, and just past its closing one.
 */
export function statementPosition(
  document: PolicyDocument,
  n: number,
): Pick<MatchedStatement, 'start' | 'end'> {
  const text = JSON.stringify(document);
  const statements = Array.isArray(document.Statement) ? document.Statement : [document.Statement];
  const bodyStart = text.indexOf('"Statement":') + '"Statement":'.length;
  let from = bodyStart;
  let start = bodyStart;
  let end = bodyStart;
  for (let i = 0; i < n && i < statements.length; i++) {
    const piece = JSON.stringify(statements[i]);
    start = text.indexOf(piece, from);
    end = start + piece.length;
    from = end;
  }
  return { start: { line: 1, column: start + 1 }, end: { line: 1, column: end + 1 } };
}
