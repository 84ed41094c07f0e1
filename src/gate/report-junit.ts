import { junitXml, type JunitCase } from '../log/junit.js';
import type { RuleResult } from '../verify/rules.js';
import { describeProblems } from './checks.js';
import type { GateOutcome } from './gate.js';
import { describeSmoke } from './smoke.js';

// `--junit FILE`: the gate as test cases, so CircleCI's Tests tab shows what failed the bake: one
// case for the bake window, one per alarm, instance and rule of the last look, one for the smoke
// tests with their output.

export function gateJunit(outcome: GateOutcome): string {
  const cases: JunitCase[] = [bakeCase(outcome)];
  for (const rule of outcome.lastLook?.rules ?? []) cases.push(...ruleCases(rule));
  for (const name of outcome.watched.excusedAlarms) {
    cases.push({
      classname: 'greenlight.gate.alarms',
      name: `alarms ${name}`,
      skipped: { message: `${name} was let through by --ignore-alarms: not OK since before the bake began` },
    });
  }
  if (outcome.smoke) {
    const s = outcome.smoke;
    cases.push({
      classname: 'greenlight.gate.smoke',
      name: s.command,
      timeMs: s.durationMs,
      ...(s.passed
        ? {}
        : { failure: { message: describeSmoke(s), type: 'smoke', body: s.output.slice(-8_192) } }),
      output: s.output,
    });
  }
  return junitXml({
    name: `greenlight gate ${outcome.environment} ${outcome.deploymentId}`,
    timestamp: outcome.startedAt,
    timeMs: outcome.watchedMs,
    properties: [
      ['revision', outcome.revision],
      ['bakeMs', outcome.bakeMs],
      ['looks', outcome.looks],
    ],
    cases,
  });
}

function bakeCase(o: GateOutcome): JunitCase {
  const bake = { classname: 'greenlight.gate', name: 'bake window', timeMs: o.watchedMs };
  if (o.result === 'passed') return bake;
  if (o.result === 'cancelled')
    return { ...bake, skipped: { message: `cancelled by ${o.cancelledBy ?? '?'}: nothing was promoted` } };
  return {
    ...bake,
    failure: {
      message: describeProblems(o.problems),
      type: 'gate',
      body: o.problems.map((p) => `${p.kind} ${p.subject}: ${p.detail}`).join('\n'),
    },
  };
}

function ruleCases(rule: RuleResult): JunitCase[] {
  const classname = `greenlight.gate.${rule.rule}`;
  if (rule.verdict === 'skip') return [{ classname, name: rule.rule, skipped: { message: rule.summary } }];
  return rule.evidence.map((e) => {
    const name = e.instanceId ? `${rule.rule} ${e.instanceId}` : `${rule.rule}: ${e.detail}`;
    if (e.verdict === 'pass') return { classname, name };
    return { classname, name, failure: { message: e.detail, type: rule.rule, body: e.detail } };
  });
}
