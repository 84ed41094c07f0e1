import type { Verdict } from './verdict.js';

// `--markdown FILE`: a summary for a pull request comment or a CI artifact.

export function verdictMarkdown(verdict: Verdict): string {
  const lines: string[] = [];
  const mark = verdict.verified ? '✅' : '❌';
  lines.push(`## ${mark} greenlight verify ${verdict.deploymentId}`, '');
  lines.push(`**${cell(verdict.headline)}**`, '');
  lines.push(
    `Revision \`${verdict.revision}\` · ${verdict.application}/${verdict.deploymentGroup} · ${verdict.phase} · gathered ${verdict.gatheredAt}`,
    '',
  );
  lines.push('| rule | verdict | summary |', '|---|---|---|');
  for (const r of verdict.rules) lines.push(`| ${r.rule} | ${r.verdict} | ${cell(r.summary)} |`);
  const failed = verdict.instances.filter((i) => i.verdict === 'fail');
  if (failed.length > 0) {
    lines.push('', `### Failed instances (${failed.length} of ${verdict.fleetSize})`, '');
    lines.push('| instance | role | AZ | failed event | script | error | health | version | problems |');
    lines.push('|---|---|---|---|---|---|---|---|---|');
    for (const i of failed) {
      lines.push(
        `| ${[
          i.instanceId,
          i.role,
          i.availabilityZone ?? '',
          i.failedEvent ?? '',
          i.scriptName ?? '',
          i.errorCode ?? '',
          i.health ?? '',
          i.version ?? '',
          i.problems.map((p) => `${p.rule}: ${p.detail}`).join('<br>'),
        ]
          .map(cell)
          .join(' | ')} |`,
      );
    }
    for (const i of failed.filter((x) => x.logTail)) {
      lines.push(
        '',
        `<details><summary>log tail of ${i.instanceId}</summary>`,
        '',
        '```',
        (i.logTail ?? '').trimEnd().replace(/```/g, "'''"),
        '```',
        '</details>',
      );
    }
  }
  const passing = verdict.instances.filter((i) => i.verdict === 'pass').length;
  lines.push('', `${passing} instance${passing === 1 ? '' : 's'} verified.`, '');
  return lines.join('\n');
}

function cell(value: string): string {
  return value.replace(/\|/g, '\\|').replace(/\r?\n/g, '<br>');
}
