// A role's trust policy, evaluated for one sts:AssumeRole* request: which principal asks, for which
// action, with which request context (`oidc.circleci.com/org/<id>:aud`, `…:sub`, `aws:SourceAccount`).
// A small evaluator of its own rather than iam-simulate's: trust policies are resource policies whose
// principals are federated providers and services, and their conditions are a handful of string
// operators. An explicit Deny wins; without a matching Allow the answer is no.

export type TrustPrincipal =
  | { readonly type: 'Federated'; readonly arn: string }
  | { readonly type: 'AWS'; readonly arns: readonly string[]; readonly accountId: string }
  | { readonly type: 'Service'; readonly name: string };

export interface TrustRequest {
  readonly action: string;
  readonly principal: TrustPrincipal;
  /** Condition keys (matched regardless of case) and their values. */
  readonly context: Readonly<Record<string, string | readonly string[]>>;
}

type Statement = Record<string, unknown>;

const asList = (value: unknown): unknown[] =>
  Array.isArray(value) ? value : value === undefined ? [] : [value];

/** IAM's `*` and `?` wildcards, case-sensitive unless told otherwise. */
export function wildcardMatch(pattern: string, value: string, ignoreCase = false): boolean {
  const source = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${source}$`, ignoreCase ? 'is' : 's').test(value);
}

function principalMatches(statement: Statement, principal: TrustPrincipal): boolean {
  const declared = statement.Principal;
  if (declared === '*') return true;
  if (typeof declared !== 'object' || declared === null) return false;
  const values = asList((declared as Record<string, unknown>)[principal.type]).filter(
    (v): v is string => typeof v === 'string',
  );
  switch (principal.type) {
    case 'Federated':
      return values.includes(principal.arn);
    case 'Service':
      return values.includes(principal.name);
    case 'AWS':
      return values.some(
        (value) =>
          value === '*' ||
          value === principal.accountId ||
          value === `arn:aws:iam::${principal.accountId}:root` ||
          principal.arns.includes(value),
      );
  }
}

function actionMatches(statement: Statement, action: string): boolean {
  if (statement.NotAction !== undefined) {
    return !asList(statement.NotAction).some((a) => typeof a === 'string' && wildcardMatch(a, action, true));
  }
  return asList(statement.Action).some((a) => typeof a === 'string' && wildcardMatch(a, action, true));
}

function contextValue(context: TrustRequest['context'], key: string): readonly string[] | undefined {
  const wanted = key.toLowerCase();
  for (const [name, value] of Object.entries(context)) {
    if (name.toLowerCase() === wanted) return typeof value === 'string' ? [value] : value;
  }
  return undefined;
}

/** One operator over one key: true when the request satisfies it. */
function conditionHolds(
  operator: string,
  key: string,
  expected: string[],
  context: TrustRequest['context'],
): boolean {
  let op = operator;
  let quantifier: 'ForAnyValue' | 'ForAllValues' | undefined;
  const qualified = /^(ForAnyValue|ForAllValues):(.+)$/.exec(op);
  if (qualified) {
    quantifier = qualified[1] as 'ForAnyValue' | 'ForAllValues';
    op = qualified[2] as string;
  }
  const ifExists = op.endsWith('IfExists');
  if (ifExists) op = op.slice(0, -'IfExists'.length);
  const actual = contextValue(context, key);
  if (op === 'Null') {
    const wantsAbsent = expected.some((value) => value.toLowerCase() === 'true');
    return wantsAbsent === (actual === undefined);
  }
  if (actual === undefined) {
    if (ifExists) return true;
    // A negated operator over a key the request lacks holds; ForAllValues over nothing holds too.
    return op.startsWith('StringNot') || quantifier === 'ForAllValues';
  }
  const one = (value: string): boolean => {
    switch (op) {
      case 'StringEquals':
        return expected.includes(value);
      case 'StringNotEquals':
        return !expected.includes(value);
      case 'StringEqualsIgnoreCase':
        return expected.some((e) => e.toLowerCase() === value.toLowerCase());
      case 'StringNotEqualsIgnoreCase':
        return !expected.some((e) => e.toLowerCase() === value.toLowerCase());
      case 'StringLike':
        return expected.some((e) => wildcardMatch(e, value));
      case 'StringNotLike':
        return !expected.some((e) => wildcardMatch(e, value));
      case 'Bool':
        return expected.some((e) => e.toLowerCase() === value.toLowerCase());
      default:
        // [I] An operator this evaluator does not know never holds: the trust policy grants nothing
        // through it rather than more than AWS would.
        return false;
    }
  };
  if (quantifier === 'ForAllValues') return actual.every(one);
  return actual.some(one);
}

function conditionsHold(statement: Statement, context: TrustRequest['context']): boolean {
  const condition = statement.Condition;
  if (condition === undefined) return true;
  if (typeof condition !== 'object' || condition === null) return false;
  return Object.entries(condition as Record<string, unknown>).every(([operator, keys]) => {
    if (typeof keys !== 'object' || keys === null) return false;
    return Object.entries(keys as Record<string, unknown>).every(([key, values]) =>
      conditionHolds(operator, key, asList(values).map(String), context),
    );
  });
}

/** `allow` only when a statement allows and none denies. */
export function evaluateTrust(policy: Record<string, unknown>, request: TrustRequest): 'allow' | 'deny' {
  const statements = asList(policy.Statement).filter(
    (s): s is Statement => typeof s === 'object' && s !== null,
  );
  const applies = (s: Statement) =>
    principalMatches(s, request.principal) &&
    actionMatches(s, request.action) &&
    conditionsHold(s, request.context);
  if (statements.some((s) => s.Effect === 'Deny' && applies(s))) return 'deny';
  return statements.some((s) => s.Effect === 'Allow' && applies(s)) ? 'allow' : 'deny';
}
