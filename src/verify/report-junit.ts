import type { RuleResult } from './rules.js';
import type { Verdict } from './verdict.js';

// `--junit FILE`: one test case per instance and rule, so CircleCI's Tests tab lists every failed
// instance with its log tail. Rules about the deployment as a whole are one test case each; a rule
// the deployment's style does not support is a skipped test case with the reason.

export function verdictJunit(verdict: Verdict): string {
  const cases: string[] = [];
  let failures = 0;
  let skipped = 0;
  for (const rule of verdict.rules) {
    for (const c of testCases(rule, verdict)) {
      if (c.includes('<failure')) failures++;
      if (c.includes('<skipped')) skipped++;
      cases.push(c);
    }
  }
  const name = `greenlight verify ${verdict.deploymentId}`;
  const attributes = `name="${attr(name)}" tests="${cases.length}" failures="${failures}" errors="0" skipped="${skipped}" timestamp="${attr(verdict.gatheredAt)}"`;
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites ${attributes}>`,
    `  <testsuite ${attributes}>`,
    `    <properties>`,
    `      <property name="revision" value="${attr(verdict.revision)}"/>`,
    `      <property name="codedeployStatus" value="${attr(verdict.codedeployStatus)}"/>`,
    `      <property name="headline" value="${attr(verdict.headline)}"/>`,
    `    </properties>`,
    ...cases.map((c) => `    ${c}`),
    '  </testsuite>',
    '</testsuites>',
    '',
  ].join('\n');
}

function testCases(rule: RuleResult, verdict: Verdict): string[] {
  const classname = `greenlight.verify.${rule.rule}`;
  if (rule.verdict === 'skip') {
    return [
      `<testcase classname="${classname}" name="${attr(rule.rule)}" time="0"><skipped message="${attr(rule.summary)}"/></testcase>`,
    ];
  }
  const rows = new Map(verdict.instances.map((i) => [i.instanceId, i] as const));
  return rule.evidence.map((e) => {
    const name = e.instanceId ? `${rule.rule} ${e.instanceId}` : rule.rule;
    const head = `<testcase classname="${classname}" name="${attr(name)}" time="0"`;
    if (e.verdict === 'pass') return `${head}/>`;
    const open = `${head}>`;
    const tail = e.logTail ?? (e.instanceId ? rows.get(e.instanceId)?.logTail : undefined);
    const body = [
      e.detail,
      e.lifecycleEvent ? `lifecycle event: ${e.lifecycleEvent}` : '',
      e.scriptName ? `script: ${e.scriptName}` : '',
      e.errorCode ? `error code: ${e.errorCode}` : '',
      tail ? `log tail:\n${tail}` : '',
    ]
      .filter(Boolean)
      .join('\n');
    return `${open}<failure message="${attr(e.detail)}" type="${attr(e.errorCode ?? rule.rule)}">${text(body)}</failure></testcase>`;
  });
}

/** XML 1.0 forbids most control characters even escaped; log tails may carry them. */
function clean(value: string): string {
  // eslint-disable-next-line no-control-regex
  return value.replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g, '�');
}

function text(value: string): string {
  return clean(value).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function attr(value: string): string {
  return text(value)
    .replace(/"/g, '&quot;')
    .replace(/\n/g, '&#10;')
    .replace(/\r/g, '&#13;')
    .replace(/\t/g, '&#9;');
}
