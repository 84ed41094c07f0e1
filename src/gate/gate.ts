import type { Clock } from '../clock.js';
import { formatDuration } from '../config/duration.js';
import type { EnvironmentConfig } from '../config/environment.js';
import type { Logger } from '../log/events.js';
import { formatElapsed } from '../log/format.js';
import type { Facts } from '../verify/facts.js';
import { patientRead } from '../aws/patient-read.js';
import { gatherRequestFor } from '../verify/follow.js';
import { gatherFacts, type GatherRequest, type VerifyClients } from '../verify/gather.js';
import { readAlarmWindow } from './alarm-history.js';
import { readScalingHistory } from './scaling-history.js';
import { escapedAtStart, judgeAlarms, stateAtStart, type AlarmWindow } from './alarm-window.js';
import type { GateCandidate } from './candidate.js';
import { describeLook, describeProblems, judgeBake, type BakeJudgement, type GateProblem } from './checks.js';
import {
  describeSmoke,
  named,
  startSmoke,
  type SmokeRequest,
  type SmokeResult,
  type SmokeRun,
} from './smoke.js';

// The bake: look at the environment at once, then every poll interval until the bake window has
// passed, failing at the first look that finds a green instance not healthy, the wrong version
// served, an instance Auto Scaling took out of service for failing a health check since the bake
// began (scaling-history.ts: one replaced between two looks leaves no other trace), or an alarm
// that was in ALARM (or INSUFFICIENT_DATA, unless gate.insufficientData says pass) at any moment
// since the bake began. Each look gathers the verifier's facts afresh (the same
// calls and health requests `greenlight verify` makes) and judges them with its rules (checks.ts);
// the alarms are read with their history since the bake's start (alarm-history.ts), so a flap between
// two looks is seen at the next one, and the last look, at the end of the window, sees it all. The smoke
// tests start right after the first good look, so they exercise the fleet while it is watched:
// what their traffic sets off (a 5xx alarm, an instance falling over) fails the gate too. The gate
// passes only once the window is over and the smoke tests, if any, have passed.

/** A bake is always seen at least this many times, whatever --poll says. */
export const MIN_LOOKS = 4;
/**
 * How long one look keeps retrying reads that meet throttling or 5xx (weather, not a verdict) before
 * it ends the gate as an AWS error (exit 3).
 */
const LOOK_READ_BUDGET_MS = 2 * 60_000;

export interface GateRequest {
  readonly env: EnvironmentConfig;
  readonly candidate: GateCandidate;
  readonly bakeMs: number;
  /** The interval asked for; shortened so that every bake gets at least MIN_LOOKS looks. */
  readonly pollMs: number;
  /** --ignore-alarms: alarms already firing that must not fail the gate (while they keep firing). */
  readonly ignoreAlarms: readonly string[];
  readonly smoke?: SmokeRequest;
  readonly signal?: AbortSignal;
}

export interface GateDeps {
  readonly clients: VerifyClients;
  readonly clock: Clock;
  readonly logger: Logger;
}

export interface GateWatched {
  readonly alarms: readonly string[];
  /** What the alarms' states and history since the bake began showed at the last look. */
  readonly alarmHistory: string;
  /** --ignore-alarms names that were excused at some point of the bake. */
  readonly excusedAlarms: readonly string[];
  readonly targetGroups: readonly string[];
  readonly instances: readonly string[];
  /** The release was in place: the instances are the fleet itself, not a green fleet beside a blue one. */
  readonly inPlace?: true;
  /** How the served version was checked, or why it was not. */
  readonly servedVersion: string;
}

/** What one look saw, for the report's history of the bake (alarms, target health, served version). */
export interface GateLook {
  /** Which look of the bake, from 1. */
  readonly look: number;
  readonly at: string;
  /** The look found nothing wrong. */
  readonly ok: boolean;
  /** Each watched alarm's state at the look; `MISSING` when CloudWatch does not know it. */
  readonly alarms: readonly { readonly name: string; readonly state: string }[];
  /** Per target group: its registered targets (any state but `unused`) and how many were healthy. */
  readonly targetGroups: readonly {
    readonly name: string;
    readonly healthy: number;
    readonly total: number;
  }[];
  /** The served-version rule's verdict at the look. */
  readonly served: 'pass' | 'fail' | 'skip';
  /** The versions the health endpoint answered with, and how often (errors as `(error)`). */
  readonly versions: readonly { readonly version: string; readonly answers: number }[];
}

/** An alarm's changes of state since the bake began, as the last look read its history. */
export interface GateAlarmTimeline {
  readonly name: string;
  /** Its state at the last look; absent when CloudWatch does not know it. */
  readonly state?: string;
  readonly changes: readonly { readonly at: string; readonly from: string; readonly to: string }[];
  /** The history had more items than the gate reads. */
  readonly truncated?: boolean;
}

/**
 * At most this many looks are kept (and the latest): a longer bake keeps every 2nd look, then every
 * 4th …, so the history stays evenly spread over the whole bake at a bounded size.
 */
export const MAX_LOOK_HISTORY = 240;

/** The looks kept: those whose number is 1 plus a multiple of `stride`, and the latest. */
export interface LookHistory {
  readonly stride: number;
  readonly looks: readonly GateLook[];
}

export interface GateOutcome {
  readonly result: 'passed' | 'failed' | 'cancelled';
  readonly environment: string;
  readonly deploymentId: string;
  readonly revision: string;
  readonly bakeMs: number;
  readonly pollMs: number;
  readonly startedAt: string;
  readonly endedAt: string;
  /** How long the environment was watched. */
  readonly watchedMs: number;
  readonly looks: number;
  readonly watched: GateWatched;
  /** What failed the gate; empty when it passed or was cancelled. */
  readonly problems: readonly GateProblem[];
  /** The last look's rule results, for the reports. */
  readonly lastLook?: BakeJudgement;
  /** What each look saw (at most MAX_LOOK_HISTORY, evenly thinned), oldest first. */
  readonly history: readonly GateLook[];
  /** The alarms' changes of state over the bake, from the last look's reading of their history. */
  readonly alarmTimeline: readonly GateAlarmTimeline[];
  readonly smoke?: SmokeResult;
  /** SIGINT or SIGTERM. */
  readonly cancelledBy?: string;
}

/** The Auto Scaling groups whose instances take the environment's traffic in the bake. */
function bakedGroups(facts: Facts): string[] {
  return [facts.asg, ...facts.otherAsgs].flatMap((g) => (g?.found ? [g.name] : []));
}

export function effectivePollMs(bakeMs: number, pollMs: number): number {
  if (bakeMs <= 0) return pollMs;
  return Math.max(1, Math.min(pollMs, Math.floor(bakeMs / MIN_LOOKS)));
}

export async function runGate(request: GateRequest, deps: GateDeps): Promise<GateOutcome> {
  const { env, candidate, signal } = request;
  const { clock, logger } = deps;
  const started = clock.now();
  const deadline = started + request.bakeMs;
  const pollMs = effectivePollMs(request.bakeMs, request.pollMs);
  // The verifier's own request for this environment (its scope makes the fleet), the gate's alarms on top.
  const gather: GatherRequest = {
    ...gatherRequestFor(candidate.deploymentId, env, signal),
    alarms: [...new Set([...env.alarms, ...env.gate.alarms])],
    readBudgetMs: LOOK_READ_BUDGET_MS,
    // A look judges the fleet as it is; the blue fleet's past events draw nothing in the gate's report.
    replacedEvents: false,
  };
  const step = `bake ${candidate.deploymentId} (${candidate.revision}) in ${env.name} for ${formatDuration(request.bakeMs)}`;
  if (pollMs < request.pollMs) {
    logger.emit({
      kind: 'message',
      level: 'info',
      text: `looking every ${formatDuration(pollMs)} instead of ${formatDuration(request.pollMs)}, so the ${formatDuration(request.bakeMs)} bake is seen at least ${MIN_LOOKS} times`,
    });
  }
  logger.emit({ kind: 'step', step, status: 'started' });

  /** The --ignore-alarms names excused as the bake began; each look judges the whole bake with them. */
  let escaped: Set<string> | undefined;
  const watchedAgain = new Set<string>();
  const excusedEver = new Set<string>();
  let looks = 0;
  let last: BakeJudgement | undefined;
  let lastFacts: Facts | undefined;
  let lastSummary = '';
  let history: LookHistory = { stride: 1, looks: [] };
  let alarmTimeline: GateAlarmTimeline[] = [];
  let smoke: SmokeRun | undefined;
  let smokeResult: SmokeResult | undefined;

  const look = async (): Promise<BakeJudgement> => {
    const facts = await gatherFacts(gather, deps.clients, clock);
    const read = patientRead({
      clock,
      deadline: clock.now() + LOOK_READ_BUDGET_MS,
      ...(signal ? { signal } : {}),
    });
    const window = await readAlarmWindow(
      { cloudwatch: deps.clients.cloudwatch, read, clock },
      facts.alarms.map((a) => a.name),
      started,
    );
    if (!escaped) {
      escaped = escapedAtStart(window, request.ignoreAlarms);
      announceEscapes(window, request.ignoreAlarms, escaped, logger);
    }
    const alarms = judgeAlarms(window, escaped, {
      insufficientData: env.gate.insufficientData,
      ignoreMissing: facts.ignoreAlarmFailure,
    });
    const scaling = await readScalingHistory(
      { autoscaling: deps.clients.autoscaling, read },
      bakedGroups(facts),
      started,
    );
    const judgement = judgeBake(facts, alarms, scaling);
    for (const name of escaped) {
      if (!judgement.escaped.has(name) && !watchedAgain.has(name)) {
        watchedAgain.add(name);
        logger.emit({
          kind: 'message',
          level: 'info',
          text: `alarm ${name}, let through by --ignore-alarms, has been OK since: from that moment on it fails the gate like any other`,
        });
      }
    }
    for (const name of judgement.excusedAlarms) excusedEver.add(name);
    looks++;
    last = judgement;
    lastFacts = facts;
    history = recordLook(
      history,
      lookOf(looks, new Date(clock.now()).toISOString(), facts, window, judgement),
    );
    alarmTimeline = window.alarms.map((a) => ({
      name: a.name,
      ...(a.state ? { state: a.state } : {}),
      changes: a.changes.map((c) => ({ at: new Date(c.at).toISOString(), from: c.from, to: c.to })),
      ...(a.truncated ? { truncated: true } : {}),
    }));
    const summary = describeLook(judgement);
    const at = formatElapsed(clock.now() - started);
    // A line when what the look saw changes; otherwise the output's heartbeat says the gate is alive.
    logger.emit({
      kind: 'message',
      level: summary === lastSummary ? 'debug' : 'info',
      text: `look ${looks} at ${at}: ${judgement.ok ? 'good' : 'BAD'} — ${summary}`,
    });
    lastSummary = summary;
    return judgement;
  };

  const finish = async (
    result: GateOutcome['result'],
    problems: readonly GateProblem[] = [],
  ): Promise<GateOutcome> => {
    if (smoke) {
      // Whatever the verdict, nothing the smoke tests started outlives the gate.
      if (!smokeResult) smoke.stop();
      const ending = await smoke.end();
      smokeResult = await smoke.done;
      if (ending.leftovers.length > 0)
        smokeResult = { ...smokeResult, leftovers: ending.leftovers.map(named) };
    }
    const ended = clock.now();
    const watchedMs = ended - started;
    const outcome: GateOutcome = {
      result,
      environment: env.name,
      deploymentId: candidate.deploymentId,
      revision: candidate.revision,
      bakeMs: request.bakeMs,
      pollMs,
      startedAt: new Date(started).toISOString(),
      endedAt: new Date(ended).toISOString(),
      watchedMs,
      looks,
      watched: watchedOf(lastFacts, last, excusedEver),
      problems,
      ...(last ? { lastLook: last } : {}),
      history: history.looks,
      alarmTimeline,
      ...(smokeResult ? { smoke: smokeResult } : {}),
      ...(result === 'cancelled' ? { cancelledBy: String(signal?.reason ?? 'SIGINT') } : {}),
    };
    const detail =
      result === 'passed'
        ? `watched for ${formatElapsed(watchedMs)} in ${looks} looks`
        : result === 'failed'
          ? `after ${formatElapsed(watchedMs)} (look ${looks}): ${describeProblems(problems)}`
          : `cancelled by ${outcome.cancelledBy ?? '?'} after ${formatElapsed(watchedMs)}`;
    logger.emit({ kind: 'step', step, status: result === 'passed' ? 'done' : 'failed', detail });
    return outcome;
  };

  const smokeProblem = (r: SmokeResult): GateProblem => ({
    kind: 'smoke',
    subject: 'smoke',
    detail: `the smoke tests (${r.command}) ${describeSmoke(r)}`,
  });

  try {
    for (;;) {
      if (signal?.aborted) return await finish('cancelled');
      let judgement: BakeJudgement;
      try {
        judgement = await look();
      } catch (error) {
        // SIGINT/SIGTERM in the middle of a look ends its reads: that is a cancel, not an AWS error.
        if (signal?.aborted) return await finish('cancelled');
        throw error;
      }
      if (!judgement.ok) return await finish('failed', judgement.problems);
      if (request.smoke && !smoke) {
        // A message, not a started step: the heartbeat keeps naming the bake, which outlives the tests.
        logger.emit({ kind: 'message', level: 'info', text: `→ smoke tests: ${request.smoke.command}` });
        const run = startSmoke(request.smoke, { clock, logger });
        smoke = run;
        void run.done.then((r) => {
          smokeResult = r;
          logger.emit({
            kind: 'step',
            step: `smoke tests: ${r.command}`,
            status: r.passed ? 'done' : 'failed',
            detail: describeSmoke(r),
          });
        });
      }
      if (smokeResult && !smokeResult.passed) return await finish('failed', [smokeProblem(smokeResult)]);
      const now = clock.now();
      if (now >= deadline && (!smoke || smokeResult)) return await finish('passed');
      // Sleep until the next look; the smoke tests ending or a signal wake the gate early.
      const wake = new AbortController();
      if (smoke && !smokeResult) void smoke.done.then(() => wake.abort());
      const wait = now >= deadline ? pollMs : Math.min(pollMs, deadline - now);
      await clock
        .sleep(wait, signal ? AbortSignal.any([wake.signal, signal]) : wake.signal)
        .catch(() => undefined);
      wake.abort();
      if (signal?.aborted) return await finish('cancelled');
      if (smokeResult && !smokeResult.passed) return await finish('failed', [smokeProblem(smokeResult)]);
    }
  } finally {
    // An AWS error ends the gate by throwing: the smoke tests, and what they left, must not outlive it.
    if (smoke) await smoke.end();
  }
}

function announceEscapes(
  window: AlarmWindow,
  ignore: readonly string[],
  escaped: ReadonlySet<string>,
  logger: Logger,
): void {
  const watched = window.alarms.map((a) => a.name);
  for (const name of new Set(ignore)) {
    const alarm = window.alarms.find((a) => a.name === name);
    const state = alarm && stateAtStart(alarm, window.since);
    if (!alarm) {
      logger.emit({
        kind: 'message',
        level: 'warn',
        text: `--ignore-alarms ${name}: the gate does not watch such an alarm (it watches ${watched.join(', ') || 'none'})`,
      });
    } else if (escaped.has(name)) {
      logger.emit({
        kind: 'message',
        level: 'warn',
        text: `--ignore-alarms ${name}: the alarm is ${state ?? '?'} as the gate starts and is let through, an explicit escape; once it is OK again it is watched like any other`,
      });
    } else {
      logger.emit({
        kind: 'message',
        level: 'info',
        text: `--ignore-alarms ${name}: the alarm ${alarm.state === undefined ? 'does not exist in CloudWatch' : state === undefined ? `became ${alarm.state} after the bake began` : `is ${state}`}, so it is watched like any other`,
      });
    }
  }
}

function lookOf(
  look: number,
  at: string,
  facts: Facts,
  window: AlarmWindow,
  judgement: BakeJudgement,
): GateLook {
  const served = judgement.rules.find((r) => r.rule === 'served-version')?.verdict ?? 'skip';
  const answers =
    facts.served.mode === 'instances'
      ? Object.values(facts.served.answers)
      : facts.served.mode === 'load-balancer'
        ? facts.served.answers
        : [];
  const versions = new Map<string, number>();
  for (const a of answers) {
    const version = a.version ?? '(error)';
    versions.set(version, (versions.get(version) ?? 0) + 1);
  }
  return {
    look,
    at,
    ok: judgement.ok,
    alarms: window.alarms.map((a) => ({ name: a.name, state: a.state ?? 'MISSING' })),
    targetGroups: facts.targetGroups.map((tg) => {
      const registered = tg.found ? tg.targets.filter((t) => t.state !== 'unused') : [];
      return {
        name: tg.name,
        healthy: registered.filter((t) => t.state === 'healthy').length,
        total: registered.length,
      };
    }),
    served: served === 'fail' ? 'fail' : served === 'pass' ? 'pass' : 'skip',
    versions: [...versions].map(([version, n]) => ({ version, answers: n })),
  };
}

/**
 * The history with `look` added. Once it holds more than `max` looks, the stride doubles and the
 * looks off it are dropped, so however long the bake the history spans all of it evenly.
 */
export function recordLook(history: LookHistory, look: GateLook, max = MAX_LOOK_HISTORY): LookHistory {
  const onStride = (l: GateLook, stride: number) => (l.look - 1) % stride === 0;
  const previous = history.looks.at(-1);
  // The previous latest look was kept only for being the latest.
  let looks = [
    ...(previous && !onStride(previous, history.stride) ? history.looks.slice(0, -1) : history.looks),
    look,
  ];
  let stride = history.stride;
  while (looks.length > max + 1) {
    stride *= 2;
    looks = looks.filter((l, i) => onStride(l, stride) || i === looks.length - 1);
  }
  return { stride, looks };
}

function watchedOf(
  facts: Facts | undefined,
  last: BakeJudgement | undefined,
  excused: ReadonlySet<string>,
): GateWatched {
  const served = last?.rules.find((r) => r.rule === 'served-version');
  const alarmRule = last?.rules.find((r) => r.rule === 'alarms');
  return {
    alarms: facts?.alarms.map((a) => a.name) ?? [],
    alarmHistory: alarmRule?.summary ?? 'not read',
    excusedAlarms: [...excused],
    targetGroups: facts?.targetGroups.map((tg) => tg.name) ?? [],
    instances: last?.instances ?? [],
    ...(facts?.deployment.deploymentType === 'IN_PLACE' ? { inPlace: true as const } : {}),
    servedVersion: served
      ? `${served.verdict === 'skip' ? 'not checked: ' : ''}${served.summary}`
      : 'not checked',
  };
}
