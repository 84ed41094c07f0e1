// The matrix as a person reads it: one row per scenario — scenario, expected, observed, pass — and a
// summary line per run.
import type { Judgement } from './judge.js';

export interface MatrixRow extends Judgement {
  readonly category: string;
  readonly action: string;
  readonly ms: number;
}

function pad(text: string, width: number): string {
  return text.length >= width ? text : text + ' '.repeat(width - text.length);
}

export function matrixTable(rows: readonly MatrixRow[]): string {
  const header = ['scenario', 'action', 'expected', 'observed', 'pass'];
  const cells = rows.map((r) => [r.id, r.action, r.expected, r.observed, r.pass ? 'pass' : 'FAIL']);
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => (c[i] ?? '').length)));
  const line = (c: readonly string[]) =>
    c
      .map((v, i) => pad(v, widths[i] ?? 0))
      .join('  ')
      .trimEnd();
  const out = [line(header), line(widths.map((w) => '-'.repeat(w)))];
  for (const [i, row] of rows.entries()) {
    out.push(line(cells[i] ?? []));
    for (const problem of row.problems) out.push(`    ${problem}`);
  }
  return out.join('\n');
}

export interface MatrixSummary {
  readonly scenarios: number;
  readonly passed: number;
  readonly failed: number;
  readonly tolerated: number;
  readonly falseVerified: number;
}

export function summarize(rows: readonly MatrixRow[]): MatrixSummary {
  return {
    scenarios: rows.length,
    passed: rows.filter((r) => r.pass).length,
    failed: rows.filter((r) => !r.pass).length,
    tolerated: rows.filter((r) => r.tolerated).length,
    falseVerified: rows.filter((r) => r.falseVerified).length,
  };
}

export function summaryLine(s: MatrixSummary): string {
  return `${s.passed}/${s.scenarios} passed, ${s.failed} failed, ${s.tolerated} tolerated outcome(s), ${s.falseVerified} false verified`;
}
