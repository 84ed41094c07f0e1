import { junitXml, type JunitCase } from '../log/junit.js';
import type { RuleResult } from './rules.js';
import type { Verdict } from './verdict.js';

// `--junit FILE`: one test case per instance and rule, so CircleCI's Tests tab lists every failed
// instance with its log tail. Rules about the deployment as a whole are one test case each; a rule
// the deployment's style does not support is a skipped test case with the reason.

export function verdictJunit(verdict: Verdict): string {
  return junitXml({
    name: `greenlight verify ${verdict.deploymentId}`,
    timestamp: verdict.gatheredAt,
    properties: [
      ['revision', verdict.revision],
      ['codedeployStatus', verdict.codedeployStatus],
      ['headline', verdict.headline],
    ],
    cases: verdict.rules.flatMap((rule) => testCases(rule, verdict)),
  });
}

function testCases(rule: RuleResult, verdict: Verdict): JunitCase[] {
  const classname = `greenlight.verify.${rule.rule}`;
  if (rule.verdict === 'skip') return [{ classname, name: rule.rule, skipped: { message: rule.summary } }];
  const rows = new Map(verdict.instances.map((i) => [i.instanceId, i] as const));
  return rule.evidence.map((e) => {
    const name = e.instanceId ? `${rule.rule} ${e.instanceId}` : rule.rule;
    if (e.verdict === 'pass') return { classname, name };
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
    return { classname, name, failure: { message: e.detail, type: e.errorCode ?? rule.rule, body } };
  });
}
