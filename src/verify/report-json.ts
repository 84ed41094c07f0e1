import type { Verdict } from './verdict.js';

// `greenlight verify --json`: the verdict as data. The shape is a contract, documented and checked
// by verify-report.schema.json; a change that breaks it bumps SCHEMA_ID.

export const SCHEMA_ID = 'greenlight.verify/1';

export type VerifyReport = { readonly schema: typeof SCHEMA_ID } & Verdict;

export function verdictJson(verdict: Verdict): VerifyReport {
  return { schema: SCHEMA_ID, ...verdict };
}
