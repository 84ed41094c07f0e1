import type { InstanceFailure } from '../codedeploy/wait.js';
import type { GateReport } from '../gate/report-json.js';
import type { VerifyReport } from '../verify/report-json.js';
import type { InstanceRow } from '../verify/verdict.js';
import { gateHistorySvg, gateLegend, gateLooksTable } from './gate-history.js';
import { dateTime, html, Html, shortRevision, span, table, type Part } from './markup.js';
import { timelineLegend, timelineSvg, timelineTable } from './timeline-svg.js';

// `--html FILE`: one self-contained page (no network: inline CSS and SVG, no script) that shows a
// person what happened — greenlight's verdict beside CodeDeploy's status, the timeline of every
// instance's lifecycle events, the fleet, each failed rule's evidence, the log tails (and a failed
// instance's whole scripts.log when greenlight fetched it), and for a gate the alarm and health
// history of the bake. It renders the document `--json` prints for deploy, wait, verify, rollback
// and gate, so every command's report looks the same; a command that ended in an error before it
// had a result still gets a page that says so. Pure: the document in, the page out.

export type ReportCommand = 'deploy' | 'wait' | 'verify' | 'rollback' | 'gate';

export interface HtmlReportInput {
  readonly command: ReportCommand;
  readonly exitCode: number;
  /** The command's `--json` result (ReleaseResult, WaitResult, VerifyReleaseResult, RollBackReleaseResult, GateReleaseResult); absent when it ended in an error first. */
  readonly result?: unknown;
  readonly error?: { readonly message: string; readonly code?: string };
  /** The environment (`--env`), when one was named. */
  readonly environment?: string;
  /** When the report was written (ISO-8601). */
  readonly generatedAt: string;
}

/** A whole scripts.log fetched from a failed instance (diagnostics; codedeploy/wait.ts InstanceFailure). */
interface ScriptsLog {
  readonly text: string;
  readonly [more: string]: unknown;
}
type Failure = InstanceFailure & { readonly scriptsLog?: ScriptsLog };

/** The parts of the result documents the page draws; each command's result has some of them. */
interface ResultDocument {
  readonly deploymentId?: string;
  readonly status?: string;
  readonly verified?: boolean;
  readonly created?: boolean;
  readonly revision?: string;
  readonly how?: string;
  readonly failures?: readonly Failure[];
  readonly verification?: VerifyReport;
  readonly rollback?: RollbackPart;
  readonly lastKnownGood?: {
    readonly deploymentId: string;
    readonly revision: string;
    readonly verifiedAt: string;
  };
  readonly passedGate?: {
    readonly deploymentId: string;
    readonly revision: string;
    readonly passedAt: string;
  };
}

interface RollbackPart {
  readonly deploymentId?: string;
  readonly status?: string;
  readonly how?: string;
  readonly revision?: string;
  readonly verified?: boolean;
  readonly refused?: string;
  readonly verification?: VerifyReport;
  readonly to?: { readonly deploymentId: string; readonly revision: string };
}

const EXIT_MEANING: Record<number, string> = {
  0: 'done and verified',
  1: 'the deployment or its verification failed',
  2: 'usage or configuration error',
  3: 'an AWS error the retries could not get past',
  4: 'timed out',
  5: 'failed, rolled back, and the rollback verified',
  130: 'interrupted (SIGINT)',
  143: 'interrupted (SIGTERM)',
};

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null;
const isVerifyReport = (v: unknown): v is VerifyReport =>
  isObject(v) && v.schema === 'greenlight.verify/1' && Array.isArray(v.instances);
const isGateReport = (v: unknown): v is GateReport =>
  isObject(v) && typeof v.looks === 'number' && Array.isArray(v.history) && typeof v.bakeMs === 'number';

export function htmlReport(input: HtmlReportInput): string {
  const result = isObject(input.result) ? input.result : undefined;
  const verify = isVerifyReport(result) ? result : undefined;
  const gate = isGateReport(result) ? result : undefined;
  const doc = (result ?? {}) as ResultDocument;
  // A rollback that verified (exit 5) did what it was asked; anything else but 0 is a failure.
  const failed = !(input.exitCode === 0 || (input.command === 'rollback' && input.exitCode === 5));
  const subject = verify?.deploymentId ?? gate?.deploymentId ?? doc.deploymentId;
  const word = outcomeWord(input);
  const title = `greenlight ${input.command}${subject ? ` ${subject}` : ''}: ${word}`;

  const sections: Html[] = [];
  let n = 0;
  const id = () => `figure-${++n}`;
  if (input.error) sections.push(errorSection(input.error));
  if (gate) sections.push(gateSection(gate, id));
  const failures = doc.failures ?? [];
  if (failures.length > 0) sections.push(failuresSection(failures));
  const main = verify ?? doc.verification;
  if (main) {
    sections.push(
      verificationSection(main, {
        heading: `Verification of ${main.deploymentId}`,
        id: id(),
        ...(doc.status !== undefined && !verify ? { codedeployStatus: doc.status } : {}),
        logTails: failures.length === 0,
      }),
    );
  } else if (!gate && result && doc.status) {
    sections.push(codedeployOnly(doc, input.command));
  }
  const rollback = doc.rollback;
  if (rollback && isObject(rollback)) sections.push(rollbackSection(rollback, id));
  const drawn = gate || main || failures.length > 0 || doc.status !== undefined || rollback;
  if (result && !drawn) sections.push(otherResult(result));
  if (!result && !input.error) sections.push(html`<section><p>The command produced no result.</p></section>`);

  const facts: Part[] = [];
  if (input.environment) facts.push(html`<li>environment <strong>${input.environment}</strong></li>`);
  if (subject) facts.push(html`<li>deployment <strong class="mono">${subject}</strong></li>`);
  const revision = verify?.revision ?? gate?.revision ?? doc.verification?.revision ?? doc.revision;
  if (revision) facts.push(html`<li>revision <strong class="mono">${revision}</strong></li>`);
  if (doc.lastKnownGood)
    facts.push(
      html`<li>
        recorded as last-known-good:
        <span class="mono">${doc.lastKnownGood.deploymentId}</span>
        (${shortRevision(doc.lastKnownGood.revision)})
      </li>`,
    );
  if (doc.passedGate)
    facts.push(
      html`<li>
        recorded as having passed the gate: <span class="mono">${doc.passedGate.deploymentId}</span>
      </li>`,
    );

  const page = html`<html lang="en">
    <head>
      <meta charset="utf-8" />
      <meta name="viewport" content="width=device-width, initial-scale=1" />
      <meta name="generator" content="greenlight" />
      <title>${title}</title>
      <style>
        ${new Html(CSS)}
      </style>
    </head>
    <body>
      <header class="page ${failed ? 'bad' : 'good'}">
        <h1>greenlight ${input.command}: <span class="outcome">${failed ? '✗' : '✓'} ${word}</span></h1>
        <p>exit code <strong>${input.exitCode}</strong>: ${exitMeaning(input)}</p>
        <ul class="facts">
          ${facts}
        </ul>
      </header>
      <main>${sections}</main>
      <footer>
        <p>
          Written by greenlight at
          <time datetime="${input.generatedAt}">${dateTime(input.generatedAt)}</time>. Times are UTC, as AWS
          reports them. This page is self-contained: it loads nothing.
        </p>
      </footer>
    </body>
  </html>`;
  return `<!DOCTYPE html>\n${page.value}\n`;
}

function exitMeaning(input: HtmlReportInput): string {
  if (input.command === 'rollback' && input.exitCode === 5) return 'rolled back, and the rollback verified';
  if (input.command === 'gate' && input.exitCode === 1) return 'the bake failed: nothing was promoted';
  if (input.command === 'gate' && input.exitCode === 0) return 'the bake passed';
  return EXIT_MEANING[input.exitCode] ?? 'see the log';
}

function outcomeWord(input: HtmlReportInput): string {
  const code = input.exitCode;
  if (code === 0) return input.command === 'gate' ? 'PASSED' : 'VERIFIED';
  if (code === 5) return input.command === 'rollback' ? 'ROLLED BACK, VERIFIED' : 'FAILED, ROLLED BACK';
  if (code === 4) return 'TIMED OUT';
  if (code === 130 || code === 143) return 'INTERRUPTED';
  if (code === 2) return 'REFUSED';
  if (code === 3) return 'AWS ERROR';
  return 'FAILED';
}

function errorSection(error: NonNullable<HtmlReportInput['error']>): Html {
  return html`<section class="error" aria-labelledby="error-heading">
    <h2 id="error-heading">✗ The command ended with an error</h2>
    <pre>${error.message}</pre>
    ${error.code ? html`<p>error: <span class="mono">${error.code}</span></p>` : html``}
  </section>`;
}

/** greenlight's verdict beside CodeDeploy's own word. */
function cards(v: VerifyReport, codedeployStatus: string): Html {
  const t = v.timeline;
  const took = t.createTime && t.completeTime ? span(t.createTime, t.completeTime) : undefined;
  const cdGood = codedeployStatus === 'Succeeded' || codedeployStatus === 'Ready';
  return html`<div class="cards">
    <div class="card ${v.verified ? 'good' : 'bad'}">
      <h3>greenlight</h3>
      <p class="big">${v.verified ? '✓ VERIFIED' : '✗ FAILED'}</p>
      <p>
        ${v.verified ? `${v.fleetSize} of ${v.fleetSize} instances verified` : `${v.failedInstances} of ${v.fleetSize} instances failed`}${v.phase === 'before-traffic' ? ' (the green fleet, before traffic)' : ''}
      </p>
      <p class="headline">${v.headline}</p>
    </div>
    <div class="card ${cdGood ? 'good' : 'bad'}">
      <h3>CodeDeploy</h3>
      <p class="big">${cdGood ? '✓' : '✗'} ${codedeployStatus}</p>
      <p>deployment <span class="mono">${v.deploymentId}</span> of ${v.application}/${v.deploymentGroup}</p>
      <p>
        ${t.createTime ? html`created <time datetime="${t.createTime}">${dateTime(t.createTime)}</time>` : ''}${took ? `, took ${took}` : t.completeTime ? '' : ', not complete when verified'}
      </p>
    </div>
  </div>`;
}

function verificationSection(
  v: VerifyReport,
  options: { heading: string; id: string; codedeployStatus?: string; logTails: boolean },
): Html {
  const failedRules = v.rules.filter((r) => r.verdict === 'fail');
  const withTails = v.instances.filter((i) => i.logTail);
  return html`<section class="verification" aria-labelledby="${options.id}-heading">
    <h2 id="${options.id}-heading">${options.heading}</h2>
    ${cards(v, options.codedeployStatus ?? v.codedeployStatus)}
    <h3>Timeline</h3>
    ${
      v.timeline.lanes.length > 0
        ? html`${timelineLegend(options.id)}
            <div
              class="scroll"
              role="region"
              aria-label="Timeline of ${v.deploymentId}, scrolls sideways"
              tabindex="0"
            >
              ${timelineSvg(v.timeline, { id: options.id, gatheredAt: v.gatheredAt })}
            </div>
            <details>
              <summary>The timeline as a table</summary>
              ${timelineTable(v.timeline, `Lifecycle events of ${v.deploymentId}, per instance`)}
            </details>`
        : html`<p>No instance of this deployment reported a lifecycle event.</p>`
    }
    <h3>Fleet</h3>
    ${fleetTable(v)}
    ${
      failedRules.length > 0
        ? html`<h3>Failed rules</h3>
            ${failedRules.map((r) => ruleEvidence(r))}`
        : html`<p class="status good">✓ No rule failed.</p>`
    }
    ${
      options.logTails && withTails.length > 0
        ? html`<h3>Log tails</h3>
            ${withTails.map(logTail)}`
        : html``
    }
    <details>
      <summary>Every rule (${v.rules.length})</summary>
      ${table({
        caption: `The rules greenlight applied to ${v.deploymentId}`,
        columns: ['rule', 'verdict', 'summary'],
        rows: v.rules.map((r) => ({
          failed: r.verdict === 'fail',
          cells: [r.rule, verdictCell(r.verdict), r.summary],
        })),
      })}
    </details>
    <p class="muted">Facts gathered at <time datetime="${v.gatheredAt}">${dateTime(v.gatheredAt)}</time>.</p>
  </section>`;
}

function verdictCell(verdict: string): Html {
  if (verdict === 'fail') return html`<span class="status bad">✗ fail</span>`;
  if (verdict === 'pass') return html`<span class="status good">✓ pass</span>`;
  return html`<span class="status neutral">– ${verdict}</span>`;
}

function fleetTable(v: VerifyReport): Html {
  const rows = [...v.instances].sort(
    (a, b) =>
      Number(b.verdict === 'fail') - Number(a.verdict === 'fail') || ROLE_ORDER[a.role] - ROLE_ORDER[b.role],
  );
  return table({
    caption: `The fleet: ${v.fleetSize} instance${v.fleetSize === 1 ? '' : 's'} that should serve${v.instances.length > v.fleetSize ? `, and ${v.instances.length - v.fleetSize} other` : ''}`,
    columns: [
      'instance',
      'verdict',
      'role',
      'Auto Scaling group',
      'AZ',
      'target health',
      'version served',
      'installed by',
    ],
    rows: rows.map((i) => ({
      failed: i.verdict === 'fail',
      cells: [
        html`<span class="mono">${i.instanceId}</span>`,
        html`${verdictCell(i.verdict)}${i.problems.length > 0 ? html`<br /><span class="why">${i.problems.map((p) => p.detail).join('; ')}</span>` : html``}`,
        i.role,
        i.autoScalingGroup ?? '—',
        i.availabilityZone ?? '—',
        healthCell(i),
        i.version ? html`<span class="mono">${shortRevision(i.version)}</span>` : '—',
        i.deployedBy
          ? html`<span class="mono">${i.deployedBy.deploymentId}</span> (${i.deployedBy.status})`
          : 'no deployment',
      ],
    })),
  });
}

const ROLE_ORDER: Record<InstanceRow['role'], number> = {
  green: 0,
  'in-place': 0,
  'scale-out': 1,
  undeployed: 2,
  other: 3,
  blue: 4,
};

function healthCell(i: InstanceRow): Part {
  if (i.targetHealth && i.targetHealth.length > 0) {
    return i.targetHealth.map(
      (h, k) =>
        html`${k > 0 ? html`<br />` : html``}${h.targetGroup}:
          <strong class="${h.state === 'healthy' ? 'status good' : 'status bad'}">${h.state}</strong
          >${h.reason ? ` (${h.reason})` : ''}`,
    );
  }
  return i.health ?? '—';
}

function ruleEvidence(r: VerifyReport['rules'][number]): Html {
  const bad = r.evidence.filter((e) => e.verdict === 'fail');
  return html`<div class="rule">
    <h4><span class="status bad">✗ ${r.rule}</span></h4>
    <p>${r.summary}</p>
    ${
      bad.length > 0
        ? table({
            caption: `Evidence of ${r.rule}`,
            columns: ['instance', 'what was found', 'event', 'script', 'error code'],
            rows: bad.map((e) => ({
              failed: true,
              cells: [
                e.instanceId ? html`<span class="mono">${e.instanceId}</span>` : '—',
                e.detail,
                e.lifecycleEvent ?? '',
                e.scriptName ? html`<span class="mono">${e.scriptName}</span>` : '',
                e.errorCode ?? '',
              ],
            })),
          })
        : html``
    }
  </div>`;
}

function logTail(i: InstanceRow): Html {
  return html`<div class="log">
    <h4>
      <span class="mono">${i.instanceId}</span
      >${i.failedEvent ? ` — ${i.failedEvent}` : ''}${i.scriptName ? html` — <span class="mono">${i.scriptName}</span>` : html``}${i.errorCode ? ` — ${i.errorCode}` : ''}
    </h4>
    <p class="muted">The last lines of the event's log, as CodeDeploy keeps them (about 2 KB).</p>
    <pre>${i.logTail ?? ''}</pre>
  </div>`;
}

function failuresSection(failures: readonly Failure[]): Html {
  return html`<section class="failures" aria-labelledby="failures-heading">
    <h2 id="failures-heading">
      ✗ ${failures.length} instance${failures.length === 1 ? '' : 's'} failed a lifecycle event
    </h2>
    ${failures.map(
      (f) =>
        html`<article class="failure">
          <h3><span class="mono">${f.instanceId}</span> failed <strong>${f.lifecycleEvent}</strong></h3>
          <dl>
            <dt>deployment</dt>
            <dd class="mono">${f.deploymentId}</dd>
            <dt>script</dt>
            <dd class="mono">${f.scriptName || '—'}</dd>
            <dt>error code</dt>
            <dd>${f.errorCode}</dd>
            <dt>message</dt>
            <dd>${f.message}</dd>
          </dl>
          <h4>Log tail</h4>
          <p class="muted">The last lines of the event's log, as CodeDeploy keeps them (about 2 KB).</p>
          <pre>${f.logTail || '(empty)'}</pre>
          ${f.scriptsLog && typeof f.scriptsLog.text === 'string' ? scriptsLogDetails(f.scriptsLog) : html``}
        </article>`,
    )}
  </section>`;
}

function scriptsLogDetails(log: ScriptsLog): Html {
  // What else the fetch says about the log (its path, whether it was cut …), as it says it.
  const about = Object.entries(log)
    .filter(([k, v]) => k !== 'text' && ['string', 'number', 'boolean'].includes(typeof v))
    .map(([k, v]) => `${k}: ${String(v)}`);
  const lines = log.text.split('\n').length;
  return html`<details class="scripts-log" open="">
    <summary>The whole scripts.log of the deployment (${lines} line${lines === 1 ? '' : 's'})</summary>
    ${about.length > 0 ? html`<p class="muted">${about.join(' · ')}</p>` : html``}
    <pre>${log.text}</pre>
  </details>`;
}

function codedeployOnly(doc: ResultDocument, command: ReportCommand): Html {
  return html`<section aria-labelledby="codedeploy-heading">
    <h2 id="codedeploy-heading">CodeDeploy</h2>
    <div class="cards">
      <div class="card neutral">
        <h3>greenlight</h3>
        <p class="big">not verified</p>
        <p>${command} ran without verifying (--no-wait or --no-verify): this is CodeDeploy's word only.</p>
      </div>
      <div class="card ${doc.status === 'Succeeded' ? 'good' : 'bad'}">
        <h3>CodeDeploy</h3>
        <p class="big">${doc.status}</p>
        ${doc.deploymentId ? html`<p>deployment <span class="mono">${doc.deploymentId}</span></p>` : html``}
      </div>
    </div>
  </section>`;
}

function rollbackSection(r: RollbackPart, id: () => string): Html {
  if (r.refused) {
    return html`<section aria-labelledby="rollback-heading">
      <h2 id="rollback-heading">Rollback</h2>
      <p class="status bad">✗ not rolled back: ${r.refused}</p>
    </section>`;
  }
  if (r.verification) {
    return verificationSection(r.verification, {
      heading: `Rollback: ${r.deploymentId ?? r.verification.deploymentId}${r.revision ? ` to ${shortRevision(r.revision)}` : ''}${r.how ? ` (${r.how})` : ''}`,
      id: id(),
      logTails: true,
    });
  }
  return html`<section aria-labelledby="rollback-heading">
    <h2 id="rollback-heading">Rollback</h2>
    <p>
      CodeDeploy's rollback deployment <span class="mono">${r.deploymentId ?? '?'}</span>:
      ${r.status ?? '?'}${r.verified === undefined ? '' : r.verified ? ', verified' : ', not verified'}.
    </p>
  </section>`;
}

function gateSection(g: GateReport, id: () => string): Html {
  const figure = id();
  const tone = g.result === 'passed' ? 'good' : g.result === 'failed' ? 'bad' : 'neutral';
  return html`<section class="gate" aria-labelledby="${figure}-heading">
    <h2 id="${figure}-heading">The bake of ${g.deploymentId} in ${g.environment}</h2>
    <div class="cards">
      <div class="card ${tone}">
        <h3>gate</h3>
        <p class="big">${g.result === 'passed' ? '✓' : '✗'} ${g.result.toUpperCase()}</p>
        <p>
          watched ${span(g.startedAt, g.endedAt)} of a
          ${span(g.startedAt, new Date(Date.parse(g.startedAt) + g.bakeMs).toISOString())} bake, in ${g.looks}
          looks
        </p>
        ${g.cancelledBy ? html`<p>cancelled by ${g.cancelledBy}</p>` : html``}
      </div>
      <div class="card neutral">
        <h3>watched</h3>
        <p>alarms: ${g.watched.alarms.join(', ') || 'none'}</p>
        <p>
          target groups: ${g.watched.targetGroups.join(', ') || 'none'}; ${g.watched.instances.length} green
          instances
        </p>
        <p>served version: ${g.watched.servedVersion}</p>
      </div>
    </div>
    ${g.problems.length > 0 ? table({ caption: 'What failed the gate', columns: ['what', 'kind', 'detail'], rows: g.problems.map((p) => ({ failed: true, cells: [p.subject, p.kind, p.detail] })) }) : html``}
    <h3>Alarms and health over the bake</h3>
    ${gateLegend(`${figure}-legend`)}
    <div class="scroll" role="region" aria-label="The bake over time, scrolls sideways" tabindex="0">
      ${gateHistorySvg(g, figure)}
    </div>
    <details>
      <summary>Every look as a table</summary>
      ${gateLooksTable(g)}
    </details>
    ${
      g.smoke
        ? html`<h3>Smoke tests</h3>
            <p>
              ${g.smoke.passed ? html`<span class="status good">✓ passed</span>` : html`<span class="status bad">✗ failed</span>`}
              <span class="mono">${g.smoke.command}</span
              >${g.smoke.exitCode !== undefined ? `, exit code ${g.smoke.exitCode}` : ''}${g.smoke.timedOut ? ', timed out' : ''}${g.smoke.truncated ? ' (output: the last 64 KiB)' : ''}
            </p>
            <pre>${g.smoke.output || '(no output)'}</pre>`
        : html``
    }
    ${
      g.rules.length > 0
        ? html`<details>
            <summary>The last look's rules (${g.rules.length})</summary>
            ${table({ caption: 'The rules of the last look', columns: ['rule', 'verdict', 'summary'], rows: g.rules.map((r) => ({ failed: r.verdict === 'fail', cells: [r.rule, verdictCell(r.verdict), r.summary] })) })}
          </details>`
        : html``
    }
  </section>`;
}

/** A result the page has no drawing for (a refused preflight, a rollback that had nothing to do): as data. */
function otherResult(result: Record<string, unknown>): Html {
  return html`<section aria-labelledby="result-heading">
    <h2 id="result-heading">Result</h2>
    <pre>${JSON.stringify(result, null, 2)}</pre>
  </section>`;
}

/** The stylesheet: readable on a phone (only the drawings scroll sideways), printable, high contrast. */
const CSS = `
:root{color-scheme:light;--bad:#b71c1c;--good:#1b5e20;--muted:#4a4a4a;--line:#d6d6d6;--tint-bad:#fdecea;--tint-good:#e8f5e9}
*{box-sizing:border-box}
html{-webkit-text-size-adjust:100%}
body{margin:0;font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans",Arial,sans-serif;color:#1a1a1a;background:#fff;overflow-wrap:break-word}
header.page,main,footer{max-width:1200px;margin:0 auto;padding:12px 16px}
header.page{border-bottom:6px solid var(--line)}
header.page.bad{border-bottom-color:var(--bad)}
header.page.good{border-bottom-color:var(--good)}
h1{font-size:1.5rem;margin:.4em 0}
h2{font-size:1.25rem;margin:1.6em 0 .5em;padding-top:.4em;border-top:1px solid var(--line)}
h3{font-size:1.05rem;margin:1.2em 0 .4em}
h4{font-size:1rem;margin:1em 0 .3em}
.bad .outcome,.error h2{color:var(--bad)}
.good .outcome{color:var(--good)}
.facts{list-style:none;padding:0;margin:.3em 0;display:flex;flex-wrap:wrap;gap:.3em 1.5em}
.mono,pre,code{font-family:ui-monospace,"DejaVu Sans Mono",Menlo,Consolas,monospace}
td .mono,th .mono,th.mono{white-space:nowrap}
.muted{color:var(--muted);font-size:.9em}
.cards{display:flex;flex-wrap:wrap;gap:12px}
.card{flex:1 1 260px;min-width:0;border:1px solid var(--line);border-left:8px solid #757575;border-radius:6px;padding:4px 14px}
.card.bad{border-left-color:var(--bad);background:var(--tint-bad)}
.card.good{border-left-color:var(--good);background:var(--tint-good)}
.card h3{margin:.5em 0 0;font-size:.85rem;text-transform:uppercase;letter-spacing:.05em;color:var(--muted)}
.card .big{font-size:1.4rem;font-weight:700;margin:.2em 0}
.card.bad .big{color:var(--bad)}
.card.good .big{color:var(--good)}
.headline{font-size:.9em}
.status{white-space:nowrap}
.status.bad{color:var(--bad);font-weight:700}
.status.good{color:var(--good);font-weight:600}
.status.neutral{color:var(--muted)}
.why{color:var(--bad);font-size:.9em}
.scroll{overflow-x:auto;max-width:100%;border:1px solid var(--line);border-radius:4px;-webkit-overflow-scrolling:touch}
.scroll:focus{outline:3px solid #1565c0;outline-offset:2px}
.scroll svg{display:block}
.legend{list-style:none;padding:0;margin:.3em 0 .6em;display:flex;flex-wrap:wrap;gap:.2em 1.2em;font-size:.9em}
.legend li{display:flex;align-items:center;gap:.4em}
.band{display:inline-block;width:26px;height:14px;border:1.5px solid}
.band.switch{background:rgba(21,101,192,.12);border-color:#1565c0}
.band.wait{background:rgba(106,27,154,.08);border-color:#6a1b9a;border-style:dashed}
.band.created{border:0;border-left:2px dotted #212121;width:2px}
.table-box{max-width:100%}
table{border-collapse:collapse;width:100%;margin:.4em 0 1em}
caption{caption-side:top;text-align:left;font-weight:600;padding:.3em 0}
th,td{text-align:left;vertical-align:top;padding:6px 8px;border-bottom:1px solid var(--line)}
thead th{border-bottom:2px solid #9e9e9e;font-size:.9em}
tr.failed{background:var(--tint-bad)}
pre{white-space:pre-wrap;overflow-wrap:anywhere;background:#f5f5f5;border:1px solid var(--line);border-radius:4px;padding:8px 10px;font-size:.85em;max-height:36em;overflow-y:auto}
dl{display:grid;grid-template-columns:max-content 1fr;gap:.2em 1em;margin:.4em 0}
dt{font-weight:600}
dd{margin:0;min-width:0}
details{margin:.6em 0}
summary{cursor:pointer;font-weight:600;padding:.2em 0}
.failure,.rule,.log{border-left:4px solid var(--bad);padding-left:12px;margin:1em 0}
.error{border:2px solid var(--bad);border-radius:6px;padding:0 14px;margin-top:1em;background:var(--tint-bad)}
footer{color:var(--muted);font-size:.85em;border-top:1px solid var(--line);margin-top:2em}
@media (max-width:640px){
  body{font-size:14px;overflow-wrap:anywhere}
  td .mono,th .mono{white-space:normal}
  header.page,main,footer{padding:8px 10px}
  table.stack,table.stack thead,table.stack tbody,table.stack tr,table.stack th,table.stack td,table.stack caption{display:block;width:100%}
  table.stack thead tr{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0)}
  table.stack tr{border:1px solid var(--line);border-radius:6px;margin:0 0 10px;padding:4px 8px}
  table.stack th,table.stack td{border:0;padding:3px 0}
  table.stack th[scope=row]::before,table.stack td::before{content:attr(data-label) ": ";font-weight:600;color:var(--muted)}
  dl{grid-template-columns:1fr}
}
@media print{
  body{font-size:11pt;color:#000}
  header.page,main,footer{max-width:none;padding:0}
  .scroll{overflow:visible;border:0}
  .scroll svg{width:100%;height:auto}
  details>summary{list-style:none}
  pre{max-height:none;overflow:visible}
  section,article,.card{break-inside:avoid-page}
  h2,h3{break-after:avoid-page}
  *{-webkit-print-color-adjust:exact;print-color-adjust:exact}
}
`;
