import { displayWidth, hangingWrap, padEndToWidth, truncateMiddle, wrapText } from '../log/width.js';
import type { InstanceRow, Verdict } from './verdict.js';

// The verdict as a person reads it on stderr: the rules, then one row per instance (failed ones
// first, all of them; verified ones up to a limit, so a 1,000-instance fleet stays readable).
//
// It fits `width` columns (80 unless told): a column is printed only when some row has something in
// it; when the failure columns (event, script, error) do not fit beside the rest, each failed row gets
// them on a line of its own below it; what still does not fit is shortened with an ellipsis in the
// middle (ids and paths differ at both ends), and prose (rule summaries, problems) wraps at spaces.

const MARK = { pass: '✓', fail: '✗', skip: '-' } as const;

export const DEFAULT_TABLE_WIDTH = 80;

export interface TableOptions {
  /** Verified instances listed before "… and N more"; failed instances are always all listed. */
  readonly maxPassing?: number;
  /** Columns the table may take (default 80; Infinity: lines left whole, as in a CI log). */
  readonly width?: number;
}

export function verdictTable(verdict: Verdict, options: TableOptions = {}): string {
  const width = Math.max(40, options.width ?? DEFAULT_TABLE_WIDTH);
  const lines: string[] = [];
  lines.push(
    ...wrapText(
      `verification of ${verdict.deploymentId} (${verdict.revision}, ${verdict.application}/${verdict.deploymentGroup}):`,
      width,
      '  ',
    ),
  );
  const ruleWidth = Math.max(...verdict.rules.map((r) => displayWidth(r.rule)), 0);
  for (const r of verdict.rules) {
    lines.push(...hangingWrap(`  ${MARK[r.verdict]} ${padEndToWidth(r.rule, ruleWidth)} `, r.summary, width));
  }
  const failed = verdict.instances.filter((i) => i.verdict === 'fail');
  const passing = verdict.instances.filter((i) => i.verdict === 'pass');
  const limit = options.maxPassing ?? 20;
  const shown = [...failed, ...passing.slice(0, limit)];
  if (shown.length > 0) {
    lines.push('');
    lines.push(...instanceTable(shown, width - 2).map((l) => `  ${l}`));
    if (passing.length > limit) lines.push(`  … and ${passing.length - limit} more verified instances`);
  }
  for (const i of failed) {
    for (const p of i.problems) lines.push(...hangingWrap(`  ✗ ${p.rule}: `, p.detail, width));
    const tail = i.logTail?.trimEnd();
    if (tail) {
      lines.push(...wrapText(`    log tail of ${i.instanceId}:`, width, '      '));
      for (const l of tail.split('\n')) lines.push(...breakLine(`      ${l}`, width, '      '));
    }
  }
  return lines.join('\n');
}

interface Column {
  readonly title: string;
  readonly value: (i: InstanceRow) => string;
  /** The narrowest it may be shortened to; absent: never shortened. */
  readonly min?: number;
  /** One of the failure columns, which move to a line of their own when they do not fit. */
  readonly failure?: boolean;
}

const COLUMNS: readonly Column[] = [
  { title: '', value: (i) => MARK[i.verdict] },
  { title: 'instance', value: (i) => i.instanceId, min: 12 },
  { title: 'role', value: (i) => i.role, min: 5 },
  { title: 'AZ', value: (i) => i.availabilityZone ?? '', min: 6 },
  { title: 'target', value: (i) => i.targetStatus ?? '', min: 7 },
  { title: 'failed event', value: (i) => i.failedEvent ?? '', min: 8, failure: true },
  { title: 'script', value: (i) => i.scriptName ?? '', min: 10, failure: true },
  { title: 'error', value: (i) => i.errorCode ?? '', min: 8, failure: true },
  { title: 'health', value: (i) => i.health ?? '', min: 7 },
  { title: 'version', value: (i) => shortVersion(i.version), min: 8 },
];

const GAP = '  ';

function shortVersion(version: string | undefined): string {
  if (!version) return '';
  return /^[0-9a-f]{40}$/i.test(version) ? version.slice(0, 12) : version;
}

/** The instance rows as lines of at most `width` columns (see the top of this file for how). */
export function instanceTable(rows: readonly InstanceRow[], width: number): string[] {
  const used = COLUMNS.filter((c, k) => k === 0 || rows.some((r) => c.value(r) !== ''));
  const naturalWidths = (columns: readonly Column[]): number[] =>
    columns.map((c) => Math.max(displayWidth(c.title), ...rows.map((r) => displayWidth(c.value(r)))));
  const total = (widths: readonly number[]): number =>
    widths.reduce((sum, w) => sum + w, 0) + GAP.length * Math.max(0, widths.length - 1);

  let columns = used;
  let detail: Column[] = [];
  if (total(naturalWidths(used)) > width && used.some((c) => c.failure)) {
    columns = used.filter((c) => !c.failure);
    detail = used.filter((c) => c.failure);
  }
  const widths = naturalWidths(columns);
  shrink(columns, widths, width, total);

  const line = (values: readonly string[]): string =>
    values
      .map((v, k) => padEndToWidth(truncateMiddle(v, widths[k] ?? 0), widths[k] ?? 0))
      .join(GAP)
      .trimEnd();
  const out = [line(columns.map((c) => c.title))];
  // The failure columns' own line starts under the instance column.
  const detailIndent = ' '.repeat((widths[0] ?? 1) + GAP.length);
  for (const row of rows) {
    out.push(line(columns.map((c) => c.value(row))));
    const extra = detail.map((c) => c.value(row)).filter((v) => v !== '');
    if (extra.length > 0) {
      out.push(...breakLine(`${detailIndent}${extra.join(GAP)}`, width, detailIndent, true));
    }
  }
  return out;
}

/** Narrows the widest shortenable columns, one column at a time, until the table fits or none can. */
function shrink(
  columns: readonly Column[],
  widths: number[],
  width: number,
  total: (widths: readonly number[]) => number,
): void {
  while (total(widths) > width) {
    let pick = -1;
    columns.forEach((c, k) => {
      const room = (widths[k] ?? 0) - (c.min ?? Infinity);
      if (room > 0 && (pick < 0 || (widths[k] ?? 0) > (widths[pick] ?? 0))) pick = k;
    });
    if (pick < 0) return;
    widths[pick] = (widths[pick] ?? 0) - 1;
  }
}

/**
 * A line cut into pieces of at most `width` columns, continued after `indent`: for log lines, which
 * are kept whole (no ellipsis) but must not be left to the terminal to wrap. `shorten` shortens
 * instead, with an ellipsis in the middle.
 */
function breakLine(text: string, width: number, indent: string, shorten = false): string[] {
  if (displayWidth(text) <= width) return [text];
  if (shorten) return [truncateMiddle(text, width)];
  const out: string[] = [];
  let current = '';
  let currentWidth = 0;
  const room = (): number => Math.max(1, width - (out.length === 0 ? 0 : displayWidth(indent)));
  for (const ch of text) {
    const w = displayWidth(ch);
    if (currentWidth + w > room() && current !== '') {
      out.push(out.length === 0 ? current : `${indent}${current}`);
      current = '';
      currentWidth = 0;
    }
    current += ch;
    currentWidth += w;
  }
  if (current !== '') out.push(out.length === 0 ? current : `${indent}${current}`);
  return out;
}
