import type { DeploymentOverview, EventOf, LogEvent, LogEventKind } from './events.js';
import { displayWidth, wrapText } from './width.js';

// One formatter per kind: adding a kind to LogEvent does not compile until it has a formatter here.
// `width` is the columns a line may take: prose that would be longer wraps at spaces, indented.
type Formatters = { [K in LogEventKind]: (event: EventOf<K>, width: number) => string };

const formatters: Formatters = {
  message: (e, width) =>
    fitLines(e.level === 'info' || e.level === 'debug' ? e.text : `${e.level}: ${e.text}`, width),
  step: (e, width) => fitLines(`${stepMark[e.status]} ${e.step}${e.detail ? `: ${e.detail}` : ''}`, width),
  deployment: (e) => {
    const parts = [`${e.deploymentId} ${e.status}`];
    if (e.overview && e.inPlace) parts.push(`in place: ${formatInPlaceProgress(e.overview)}`);
    if (e.overview) parts.push(formatOverview(e.overview));
    const active = Object.entries(e.activeEvents ?? {}).filter(([, ids]) => ids.length > 0);
    if (active.length > 0) parts.push(active.map(([event, ids]) => `${event}: ${ids.length}`).join(', '));
    return parts.join(' · ');
  },
  'instance-failed': (e, width) => {
    const lines = [
      ...wrapText(
        `✗ ${e.instanceId} failed ${e.lifecycleEvent}${e.scriptName ? ` (${e.scriptName})` : ''}: ${e.errorCode}`,
        width,
        '  ',
      ),
      ...wrapText(`  ${e.message}`, width, '  '),
    ];
    const tail = e.logTail.trimEnd();
    if (tail) lines.push('  log tail:', ...tail.split('\n').map((line) => `    ${line}`));
    return lines.join('\n');
  },
  'instance-log': (e, width) => {
    if (e.status !== 'fetched') {
      return fitLines(
        `  scripts.log of ${e.instanceId} not read (${e.status}): ${e.reason ?? ''}`.trimEnd(),
        width,
      );
    }
    const size = `${(e.bytes ?? 0).toLocaleString('en-US')} bytes`;
    const which = e.whole
      ? `the whole file, ${size}`
      : `its last ${Buffer.byteLength(e.text ?? '').toLocaleString('en-US')} of ${size} (diagnostics.maxLines, maxBytes)`;
    const text = (e.text ?? '').trimEnd();
    return [
      ...wrapText(
        `  scripts.log of ${e.instanceId} (${e.path}), ${which}, through SSM Run Command:`,
        width,
        '    ',
      ),
      ...(text ? text.split('\n').map((line) => `    ${line}`) : ['    (empty)']),
    ].join('\n');
  },
  verification: (e, width) => fitLines(`${e.table}\n${e.verified ? '✓' : '✗'} ${e.headline}`, width),
  heartbeat: (e, width) =>
    fitLines(`… still waiting for ${e.waitingFor} (${formatElapsed(e.elapsedMs)})`, width),
};

const stepMark = { started: '→', done: '✓', skipped: '-', failed: '✗' } as const;

/** `width`: the terminal's columns, to wrap prose at; left out (a log, a test), lines stay whole. */
export function formatEvent(event: LogEvent, width = Infinity): string {
  return (formatters[event.kind] as (e: LogEvent, width: number) => string)(event, Math.max(20, width));
}

/**
 * Each line of `text` that is wider than `width` wrapped at spaces, its continuation indented two
 * columns past the line's own indent; lines that fit are left exactly as they are (tables keep their
 * alignment). An infinite width (a CI log) changes nothing.
 */
export function fitLines(text: string, width: number): string {
  if (!Number.isFinite(width)) return text;
  return text
    .split('\n')
    .flatMap((line) => {
      if (displayWidth(line) <= width) return [line];
      const indent = /^ */.exec(line)?.[0] ?? '';
      return wrapText(line, width, `${indent}  `);
    })
    .join('\n');
}

/** Whether every line of `text` fits `width` columns. */
export function fitsWidth(text: string, width: number): boolean {
  return text.split('\n').every((line) => displayWidth(line) <= width);
}

export function formatOverview(o: DeploymentOverview): string {
  const order: (keyof DeploymentOverview)[] = [
    'Succeeded',
    'Failed',
    'InProgress',
    'Ready',
    'Pending',
    'Skipped',
  ];
  const shown = order.filter((k) => o[k] > 0).map((k) => `${k} ${o[k]}`);
  return shown.length > 0 ? shown.join(', ') : 'no instances yet';
}

/** `2 of 3 instances done`: an instance is done once it Succeeded, Failed or was Skipped. */
export function formatInPlaceProgress(o: DeploymentOverview): string {
  const done = o.Succeeded + o.Failed + o.Skipped;
  const total = done + o.InProgress + o.Pending + o.Ready;
  return `${done} of ${total} instance${total === 1 ? '' : 's'} done`;
}

export function formatElapsed(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}
