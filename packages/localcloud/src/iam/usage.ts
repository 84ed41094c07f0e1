// What each role's sessions asked for, and what its policies grant that nothing asked for: least
// privilege read from running, not from reading the policies. Every request signed with an assumed
// role's session is recorded here by the authorizer (authorize.ts) with the decision it got; the
// report compares that with the Allow statements of the role's policies as they are now.
import type { IamModel, PolicyDocument } from './model.js';

export interface ActionUse {
  readonly action: string;
  readonly resource: string;
  readonly allowed: boolean;
  readonly count: number;
}

export interface RoleUsage {
  readonly roleArn: string;
  /** Every action asked for, on each resource, with the decision. */
  readonly used: readonly ActionUse[];
  /**
   * Actions (as the role's Allow statements write them, wildcards included) that no allowed request
   * matched: what the role could drop.
   */
  readonly unused: readonly string[];
}

interface Use {
  readonly action: string;
  readonly resource: string;
  readonly allowed: boolean;
  count: number;
}

export class IamUsage {
  private readonly byRole = new Map<string, Map<string, Use>>();

  record(roleArn: string, action: string, resource: string, allowed: boolean): void {
    let uses = this.byRole.get(roleArn);
    if (!uses) this.byRole.set(roleArn, (uses = new Map<string, Use>()));
    const key = `${allowed ? 'allow' : 'deny'} ${action} ${resource}`;
    const use = uses.get(key);
    if (use) use.count += 1;
    else uses.set(key, { action, resource, allowed, count: 1 });
  }

  clear(): void {
    this.byRole.clear();
  }

  report(iam: IamModel): RoleUsage[] {
    return [...this.byRole].map(([roleArn, uses]) => {
      const used = [...uses.values()].sort(
        (a, b) => a.action.localeCompare(b.action) || a.resource.localeCompare(b.resource),
      );
      const allowedActions = used.filter((u) => u.allowed).map((u) => u.action.toLowerCase());
      const role = iam.roleByArn(roleArn);
      const granted = role ? iam.policiesOf(role).flatMap(({ policy }) => allowedActionsOf(policy)) : [];
      const unused = [...new Set(granted)]
        .filter((pattern) => !allowedActions.some((action) => matches(pattern, action)))
        .sort();
      return { roleArn, used, unused };
    });
  }
}

/** The actions of a policy's Allow statements (NotAction statements grant too much to list). */
function allowedActionsOf(policy: PolicyDocument): string[] {
  const statements = policy.Statement;
  const list = Array.isArray(statements) ? statements : statements ? [statements] : [];
  return list.flatMap((s: unknown) => {
    const statement = s as { Effect?: unknown; Action?: unknown };
    if (statement.Effect !== 'Allow') return [];
    const actions = statement.Action;
    return (Array.isArray(actions) ? actions : [actions]).filter((a): a is string => typeof a === 'string');
  });
}

/** IAM's action matching: case-insensitive, `*` and `?` wildcards. */
function matches(pattern: string, action: string): boolean {
  const regex = new RegExp(
    `^${pattern
      .toLowerCase()
      .replace(/[.+^${}()|[\]\\]/g, '\\$&')
      .replace(/\*/g, '.*')
      .replace(/\?/g, '.')}$`,
  );
  return regex.test(action);
}
