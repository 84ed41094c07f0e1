// Holds what a scenario's command did against its ground truth. The one verdict that must never be
// wrong is "verified": a scenario whose truth is a failure that ends with exit 0 or a verified verdict
// is a false green, counted apart from every other mismatch.
import type { TestCloud } from '../../support/cloud.js';
import type { Observed } from '../runner.js';
import { instanceAt } from '../scenario.js';
import type { MatrixScenario, Outcome } from './matrix-scenario.js';

export interface Judgement {
  readonly id: string;
  readonly expected: string;
  readonly observed: string;
  readonly pass: boolean;
  /** The observed outcome matched the scenario's tolerated alternative, not its main truth. */
  readonly tolerated: boolean;
  /** The truth is a failure, yet greenlight said verified (exit 0 or a verified verdict). */
  readonly falseVerified: boolean;
  /** Why it did not pass, one line each. */
  readonly problems: readonly string[];
}

interface ResultShape {
  /** gate: whether the bake passed (its `verified` is the candidate deployment's, not the gate's). */
  passed?: unknown;
  verified?: unknown;
  rules?: { rule: string; verdict: string }[];
  verification?: { verified?: unknown; rules?: { rule: string; verdict: string }[] };
}

/** The verdict the command printed (a gate's: whether it passed), and the rules it failed. */
export function printedVerdict(observed: Observed): { verified?: boolean; failing: string[] } {
  const result = observed.result as ResultShape | undefined;
  const rules = result?.verification?.rules ?? result?.rules ?? [];
  const said = typeof result?.passed === 'boolean' ? result.passed : result?.verified;
  const verified = typeof said === 'boolean' ? said : undefined;
  return {
    ...(verified !== undefined ? { verified } : {}),
    failing: rules.filter((r) => r.verdict === 'fail').map((r) => r.rule),
  };
}

export function describeOutcome(o: { exitCode: number; verified?: boolean }): string {
  const verdict = o.verified === undefined ? 'no verdict' : o.verified ? 'verified' : 'not verified';
  return `exit ${o.exitCode}, ${verdict}`;
}

/** The problems of one outcome against the observed run; empty when it matches. */
async function mismatches(cloud: TestCloud, outcome: Outcome, observed: Observed): Promise<string[]> {
  const problems: string[] = [];
  const printed = printedVerdict(observed);
  if (observed.last.code !== outcome.exitCode)
    problems.push(`exit ${observed.last.code}, expected ${outcome.exitCode}`);
  if (outcome.verified !== undefined && printed.verified !== outcome.verified)
    problems.push(`verdict ${String(printed.verified)}, expected ${String(outcome.verified)}`);
  if (outcome.verified === undefined && printed.verified === true)
    problems.push('printed a verified verdict where none was expected');
  for (const rule of outcome.failing ?? [])
    if (!printed.failing.includes(rule))
      problems.push(`rule ${rule} did not fail (${printed.failing.join(', ')})`);
  for (const name of outcome.names) {
    const text = name.startsWith('launch:') ? await instanceAt(cloud, Number(name.slice(7))) : name;
    if (!observed.last.stderr.includes(text)) problems.push(`stderr does not name ${name} (${text})`);
  }
  return problems;
}

export async function judge(
  cloud: TestCloud,
  scenario: MatrixScenario,
  observed: Observed,
): Promise<Judgement> {
  const truth = scenario.expect;
  const printed = printedVerdict(observed);
  const seen = {
    exitCode: observed.last.code,
    ...(printed.verified !== undefined ? { verified: printed.verified } : {}),
  };
  const failureTruth = truth.exitCode !== 0;
  // A rollback that verified prints verified (exit 5); only a verdict that says the deployment itself is good counts.
  const falseVerified =
    failureTruth && (observed.last.code === 0 || (printed.verified === true && truth.verified !== true));
  let problems = await mismatches(cloud, truth, observed);
  let tolerated = false;
  if (problems.length > 0 && truth.tolerated) {
    const alternative = await mismatches(cloud, truth.tolerated, observed);
    if (alternative.length === 0) {
      problems = [];
      tolerated = true;
    }
  }
  // The final state belongs to the expected outcome; a tolerated one (an honest give-up before the
  // deployment was even created, say) has nothing of it to check.
  if (truth.finalState && !tolerated) problems.push(...(await truth.finalState(observed)));
  if (falseVerified) problems.unshift('FALSE VERIFIED: the truth is a failure');
  const expected =
    describeOutcome(truth) + (truth.tolerated ? ` (or ${describeOutcome(truth.tolerated)})` : '');
  return {
    id: scenario.id,
    expected,
    observed: describeOutcome(seen) + (tolerated ? ' (tolerated)' : ''),
    pass: problems.length === 0,
    tolerated,
    falseVerified,
    problems,
  };
}
