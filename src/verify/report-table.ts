import type { InstanceRow, Verdict } from './verdict.js';

// The verdict as a person reads it on stderr: the rules, then one row per instance (failed ones
// first, all of them; verified ones up to a limit, so a 1,000-instance fleet stays readable).

const MARK = { pass: '✓', fail: '✗', skip: '-' } as const;

export interface TableOptions {
  /** Verified instances listed before "… and N more"; failed instances are always all listed. */
  readonly maxPassing?: number;
}

export function verdictTable(verdict: Verdict, options: TableOptions = {}): string {
  const lines: string[] = [];
  lines.push(
    `verification of ${verdict.deploymentId} (${verdict.revision}, ${verdict.application}/${verdict.deploymentGroup}):`,
  );
  for (const r of verdict.rules) lines.push(`  ${MARK[r.verdict]} ${r.rule.padEnd(22)} ${r.summary}`);
  const failed = verdict.instances.filter((i) => i.verdict === 'fail');
  const passing = verdict.instances.filter((i) => i.verdict === 'pass');
  const limit = options.maxPassing ?? 20;
  const shown = [...failed, ...passing.slice(0, limit)];
  if (shown.length > 0) {
    lines.push('');
    lines.push(...instanceTable(shown).map((l) => `  ${l}`));
    if (passing.length > limit) lines.push(`  … and ${passing.length - limit} more verified instances`);
  }
  for (const i of failed) {
    for (const p of i.problems) lines.push(`  ✗ ${p.rule}: ${p.detail}`);
    const tail = i.logTail?.trimEnd();
    if (tail) lines.push(`    log tail of ${i.instanceId}:`, ...tail.split('\n').map((l) => `      ${l}`));
  }
  return lines.join('\n');
}

const COLUMNS: readonly { title: string; value: (i: InstanceRow) => string }[] = [
  { title: '', value: (i) => MARK[i.verdict] },
  { title: 'instance', value: (i) => i.instanceId },
  { title: 'role', value: (i) => i.role },
  { title: 'AZ', value: (i) => i.availabilityZone ?? '' },
  { title: 'target', value: (i) => i.targetStatus ?? '' },
  { title: 'failed event', value: (i) => i.failedEvent ?? '' },
  { title: 'script', value: (i) => i.scriptName ?? '' },
  { title: 'error', value: (i) => i.errorCode ?? '' },
  { title: 'health', value: (i) => i.health ?? '' },
  { title: 'version', value: (i) => shortVersion(i.version) },
];

function shortVersion(version: string | undefined): string {
  if (!version) return '';
  return /^[0-9a-f]{40}$/i.test(version) ? version.slice(0, 12) : version;
}

function instanceTable(rows: readonly InstanceRow[]): string[] {
  const cells = rows.map((r) => COLUMNS.map((c) => c.value(r)));
  const widths = COLUMNS.map((c, k) => Math.max(c.title.length, ...cells.map((row) => row[k]?.length ?? 0)));
  const line = (values: readonly string[]) =>
    values
      .map((v, k) => v.padEnd(widths[k] ?? 0))
      .join('  ')
      .trimEnd();
  return [line(COLUMNS.map((c) => c.title)), ...cells.map(line)];
}
