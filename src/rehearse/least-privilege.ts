// Least privilege by running: after a rehearsal, what each role the jobs assumed asked for, what it
// was refused, and what its policies allow that nothing asked for (the local cloud records every
// request signed with an assumed role's session: GET /_localcloud/iam/usage).
import type { RoleUsage } from '@greenlight/localcloud';

export interface RoleReport {
  readonly roleArn: string;
  /** Distinct actions the role's sessions were allowed. */
  readonly allowed: readonly string[];
  /** `action resource` pairs the role's sessions were refused. */
  readonly denied: readonly string[];
  /** Actions its policies allow that no request used: candidates to drop. */
  readonly unused: readonly string[];
}

export function roleReports(usage: readonly RoleUsage[]): RoleReport[] {
  return usage
    .map((role) => ({
      roleArn: role.roleArn,
      allowed: [...new Set(role.used.filter((u) => u.allowed).map((u) => u.action))].sort(),
      denied: role.used.filter((u) => !u.allowed).map((u) => `${u.action} ${u.resource}`),
      unused: [...role.unused],
    }))
    .sort((a, b) => a.roleArn.localeCompare(b.roleArn));
}

/** Lines for the end of a rehearsal. */
export function formatRoleReports(reports: readonly RoleReport[]): string[] {
  return reports.flatMap((r) => [
    `role ${r.roleArn}: ${r.allowed.length} actions used${r.denied.length ? `, ${r.denied.length} refused` : ''}`,
    ...r.denied.map((d) => `  refused: ${d}`),
    ...(r.unused.length ? [`  allowed but never used: ${r.unused.join(', ')}`] : []),
  ]);
}
