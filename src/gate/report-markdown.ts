import { formatDuration } from '../config/duration.js';
import { formatElapsed } from '../log/format.js';
import type { GateOutcome } from './gate.js';
import { describeSmoke } from './smoke.js';

// `--markdown FILE`: the gate's summary for a pull request comment or a CI artifact.

export function gateMarkdown(o: GateOutcome): string {
  const mark = o.result === 'passed' ? '✅' : o.result === 'failed' ? '❌' : '⏹️';
  const lines = [`## ${mark} greenlight gate ${o.environment}: ${o.result}`, ''];
  lines.push(
    `Deployment ${o.deploymentId} · revision \`${o.revision}\` · bake ${formatDuration(o.bakeMs)}, watched ${formatElapsed(o.watchedMs)} in ${o.looks} looks (every ${formatDuration(o.pollMs)}) · from ${o.startedAt}`,
    '',
  );
  if (o.problems.length > 0) {
    lines.push('### What failed the gate', '', '| kind | what | detail |', '|---|---|---|');
    for (const p of o.problems) lines.push(`| ${p.kind} | ${cell(p.subject)} | ${cell(p.detail)} |`);
    lines.push('');
  }
  if (o.cancelledBy) lines.push(`Cancelled by ${o.cancelledBy}: nothing was promoted.`, '');
  lines.push('### What was watched', '');
  lines.push(`- alarms: ${o.watched.alarms.join(', ') || 'none'}`);
  if (o.watched.alarms.length > 0) lines.push(`- alarm history: ${cell(o.watched.alarmHistory)}`);
  if (o.watched.excusedAlarms.length > 0)
    lines.push(`- let through by --ignore-alarms: ${o.watched.excusedAlarms.join(', ')}`);
  lines.push(
    `- target health: ${o.watched.instances.length} instances in ${o.watched.targetGroups.join(', ') || 'no target group'}`,
  );
  lines.push(`- served version: ${cell(o.watched.servedVersion)}`, '');
  if (o.lastLook) {
    lines.push('| rule | verdict | summary |', '|---|---|---|');
    for (const r of o.lastLook.rules) lines.push(`| ${r.rule} | ${r.verdict} | ${cell(r.summary)} |`);
    lines.push('');
  }
  if (o.smoke) {
    lines.push(
      `### Smoke tests: ${describeSmoke(o.smoke)}`,
      '',
      `\`${o.smoke.command.replace(/`/g, "'")}\``,
      '',
    );
    lines.push(
      '<details><summary>output</summary>',
      '',
      '```',
      o.smoke.output.trimEnd().replace(/```/g, "'''"),
      '```',
      '</details>',
      '',
    );
  }
  return lines.join('\n');
}

function cell(value: string): string {
  return value.replace(/\|/g, '\\|').replace(/\r?\n/g, '<br>');
}
