import type { RuleResult } from '../verify/rules.js';
import { describeProblems } from './checks.js';
import type { GateOutcome } from './gate.js';
import { describeSmoke } from './smoke.js';

// `--junit FILE`: the gate as test cases, so CircleCI's Tests tab shows what failed the bake: one
// case for the bake window, one per alarm, instance and rule of the last look, one for the smoke
// tests with their output.

export function gateJunit(outcome: GateOutcome): string {
  const cases: string[] = [bakeCase(outcome)];
  for (const rule of outcome.lastLook?.rules ?? []) cases.push(...ruleCases(rule));
  for (const name of outcome.watched.excusedAlarms) {
    cases.push(
      `<testcase classname="greenlight.gate.alarms" name="${attr(`alarms ${name}`)}" time="0"><skipped message="${attr(`${name} was let through by --ignore-alarms: not OK since before the bake began`)}"/></testcase>`,
    );
  }
  if (outcome.smoke) {
    const s = outcome.smoke;
    const head = `<testcase classname="greenlight.gate.smoke" name="${attr(s.command)}" time="${seconds(s.durationMs)}">`;
    const failure = s.passed
      ? ''
      : `<failure message="${attr(describeSmoke(s))}" type="smoke">${text(s.output.slice(-8_192))}</failure>`;
    cases.push(`${head}${failure}<system-out>${text(s.output)}</system-out></testcase>`);
  }
  const failures = cases.filter((c) => c.includes('<failure')).length;
  const skipped = cases.filter((c) => c.includes('<skipped')).length;
  const name = `greenlight gate ${outcome.environment} ${outcome.deploymentId}`;
  const attributes = `name="${attr(name)}" tests="${cases.length}" failures="${failures}" errors="0" skipped="${skipped}" time="${seconds(outcome.watchedMs)}" timestamp="${attr(outcome.startedAt)}"`;
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites ${attributes}>`,
    `  <testsuite ${attributes}>`,
    '    <properties>',
    `      <property name="revision" value="${attr(outcome.revision)}"/>`,
    `      <property name="bakeMs" value="${outcome.bakeMs}"/>`,
    `      <property name="looks" value="${outcome.looks}"/>`,
    '    </properties>',
    ...cases.map((c) => `    ${c}`),
    '  </testsuite>',
    '</testsuites>',
    '',
  ].join('\n');
}

function bakeCase(o: GateOutcome): string {
  const head = `<testcase classname="greenlight.gate" name="bake window" time="${seconds(o.watchedMs)}"`;
  if (o.result === 'passed') return `${head}/>`;
  if (o.result === 'cancelled')
    return `${head}><skipped message="${attr(`cancelled by ${o.cancelledBy ?? '?'}: nothing was promoted`)}"/></testcase>`;
  const message = describeProblems(o.problems);
  return `${head}><failure message="${attr(message)}" type="gate">${text(o.problems.map((p) => `${p.kind} ${p.subject}: ${p.detail}`).join('\n'))}</failure></testcase>`;
}

function ruleCases(rule: RuleResult): string[] {
  const classname = `greenlight.gate.${rule.rule}`;
  if (rule.verdict === 'skip') {
    return [
      `<testcase classname="${classname}" name="${attr(rule.rule)}" time="0"><skipped message="${attr(rule.summary)}"/></testcase>`,
    ];
  }
  return rule.evidence.map((e) => {
    const head = `<testcase classname="${classname}" name="${attr(e.instanceId ? `${rule.rule} ${e.instanceId}` : `${rule.rule}: ${e.detail}`)}" time="0"`;
    if (e.verdict === 'pass') return `${head}/>`;
    return `${head}><failure message="${attr(e.detail)}" type="${attr(rule.rule)}">${text(e.detail)}</failure></testcase>`;
  });
}

const seconds = (ms: number) => (ms / 1000).toFixed(3);

/** XML 1.0 forbids most control characters even escaped; test output may carry them. */
function text(value: string): string {
  return (
    value
      // eslint-disable-next-line no-control-regex
      .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g, '\ufffd')
      .replace(/&/g, '&amp;')
      .replace(/</g, '&lt;')
      .replace(/>/g, '&gt;')
  );
}

function attr(value: string): string {
  return text(value)
    .replace(/"/g, '&quot;')
    .replace(/\n/g, '&#10;')
    .replace(/\r/g, '&#13;')
    .replace(/\t/g, '&#9;');
}
