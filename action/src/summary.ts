import { verdictJunit } from '../../src/verify/report-junit.js';
import { verdictMarkdown } from '../../src/verify/report-markdown.js';
import type { Verdict } from '../../src/verify/verdict.js';
import type { Invocation } from './invocation.js';
import { record, type JsonDocument, type Outcome } from './outcome.js';

// The job summary ($GITHUB_STEP_SUMMARY) of one greenlight step: a line saying the command, the
// verdict and the exit code, then greenlight's own Markdown report — the one verify, gate and
// rollback write with --markdown, or for deploy and wait the report of the verification their
// result carries (the same renderer, src/verify/report-markdown.ts) — or the error that stopped it.

export function summaryMarkdown(
  invocation: Invocation,
  outcome: Outcome,
  document: JsonDocument | undefined,
  written: string | undefined,
): string {
  const env = argAfter(invocation.argv, '--env');
  const title = `### greenlight ${invocation.command}${env ? ` (${env})` : ''}: ${outcome.verdict}, exit ${outcome.exitCode}`;
  const parts = [title, ''];
  if (outcome.deploymentId) parts.push(`Deployment \`${outcome.deploymentId}\``, '');
  if (written !== undefined && written.trim() !== '') {
    parts.push(written.trim(), '');
  } else {
    for (const [heading, verdict] of verifications(document)) {
      if (heading) parts.push(`#### ${heading}`, '');
      parts.push(verdictMarkdown(verdict).trim(), '');
    }
  }
  if (document?.error) parts.push(`**Error:** ${document.error.message.split('\n')[0] ?? ''}`, '');
  if (document === undefined) parts.push('greenlight printed no result (see the step’s log).', '');
  return `${parts.join('\n').trimEnd()}\n`;
}

/** The JUnit report of the result's verification (deploy, wait), or undefined when it has none. */
export function resultJunit(document: JsonDocument | undefined): string | undefined {
  const [first] = verifications(document);
  return first ? verdictJunit(first[1]) : undefined;
}

/** The verifications a deploy or wait result carries: its own, then its rollback's. */
function verifications(document: JsonDocument | undefined): [string | undefined, Verdict][] {
  const result = record(document?.result);
  const found: [string | undefined, Verdict][] = [];
  if (isVerdict(result.verification)) found.push([undefined, result.verification]);
  const rollback = record(result.rollback);
  if (isVerdict(rollback.verification)) found.push(['The rollback', rollback.verification]);
  return found;
}

function isVerdict(value: unknown): value is Verdict {
  const v = record(value);
  return typeof v.verified === 'boolean' && Array.isArray(v.rules) && Array.isArray(v.instances);
}

function argAfter(argv: readonly string[], flag: string): string | undefined {
  const at = argv.indexOf(flag);
  return at >= 0 ? argv[at + 1] : undefined;
}
