import type { Timeline, TimelineEvent, TimelineLane } from '../verify/timeline.js';
import { clockTime, html, num, span, table, type Html } from './markup.js';

// The deployment's timeline as inline SVG: one lane per instance, grouped by fleet (green, in-place,
// scale-out, blue), one bar per lifecycle event from its start to its end. A bar's status is told
// three ways, never by colour alone: its colour, its pattern (failed bars cross-hatched, skipped and
// pending ones outlined) and a glyph; a failed lane also says "failed" and the event in words. The
// traffic switch and the blue termination wait are bands across every lane, labelled. Every bar
// carries its instance, event, status and times as data-* attributes and a <title> (a tooltip, and
// what a screen reader or a test reads); the same lanes follow as a table for those who cannot see
// the drawing. The SVG has a fixed width and scrolls in its box on a narrow screen.

const LABEL_W = 250;
const PLOT_W = 880;
const RIGHT_PAD = 150;
const AXIS_H = 44;
const GROUP_H = 24;
const LANE_H = 34;
const BAR_H = 18;

interface StatusLook {
  readonly fill: string;
  /** The pattern drawn over the fill, by id suffix. */
  readonly pattern?: 'hatch' | 'lines' | 'stripes';
  readonly stroke: string;
  readonly glyph: string;
  readonly glyphColor: string;
  readonly word: string;
}

/** Colours chosen for contrast: white glyphs on the dark fills, dark glyphs and a dark outline on the light ones. */
const STATUS: Record<string, StatusLook> = {
  Succeeded: { fill: '#2e7d32', stroke: '#1b5e20', glyph: '✓', glyphColor: '#fff', word: 'succeeded' },
  Failed: {
    fill: '#c62828',
    pattern: 'hatch',
    stroke: '#7f0000',
    glyph: '✗',
    glyphColor: '#fff',
    word: 'failed',
  },
  InProgress: {
    fill: '#1565c0',
    pattern: 'stripes',
    stroke: '#0d47a1',
    glyph: '…',
    glyphColor: '#fff',
    word: 'in progress',
  },
  Skipped: {
    fill: '#eeeeee',
    pattern: 'lines',
    stroke: '#616161',
    glyph: '–',
    glyphColor: '#212121',
    word: 'skipped',
  },
};
const OTHER: StatusLook = {
  fill: '#ffffff',
  stroke: '#616161',
  glyph: '?',
  glyphColor: '#212121',
  word: 'pending',
};

export function statusLook(status: string): StatusLook {
  return STATUS[status] ?? { ...OTHER, word: status.toLowerCase() };
}

const FLEET_TITLE: Record<TimelineLane['lane'], string> = {
  green: 'green fleet (new instances)',
  'in-place': 'instances (in place)',
  'scale-out': 'scale-out (installed by an automatic deployment)',
  blue: 'blue fleet (original instances)',
};

const ms = (iso: string | undefined): number => (iso ? Date.parse(iso) : Number.NaN);
const round = (n: number): number => Math.round(n * 100) / 100;

/** Patterns for one SVG (ids prefixed: a page holds several timelines). */
export function statusPatterns(prefix: string): Html {
  return html`<defs>
    <pattern
      id="${prefix}-hatch"
      width="6"
      height="6"
      patternUnits="userSpaceOnUse"
      patternTransform="rotate(45)"
      ><rect width="6" height="6" fill="#c62828" /><line
        x1="0"
        y1="0"
        x2="0"
        y2="6"
        stroke="#ffffff"
        stroke-width="1.6" /><line x1="3" y1="0" x2="3" y2="6" stroke="#7f0000" stroke-width="1"
    /></pattern>
    <pattern
      id="${prefix}-lines"
      width="6"
      height="6"
      patternUnits="userSpaceOnUse"
      patternTransform="rotate(45)"
      ><rect width="6" height="6" fill="#eeeeee" /><line
        x1="0"
        y1="0"
        x2="0"
        y2="6"
        stroke="#9e9e9e"
        stroke-width="1.2"
    /></pattern>
    <pattern
      id="${prefix}-stripes"
      width="8"
      height="8"
      patternUnits="userSpaceOnUse"
      patternTransform="rotate(-45)"
      ><rect width="8" height="8" fill="#1565c0" /><line
        x1="0"
        y1="0"
        x2="0"
        y2="8"
        stroke="#5e92f3"
        stroke-width="3"
    /></pattern>
  </defs>`;
}

export function fillOf(look: StatusLook, prefix: string): string {
  return look.pattern ? `url(#${prefix}-${look.pattern})` : look.fill;
}

/** The lane's one-word state: a failed event wins, else the target's status. */
function laneState(lane: TimelineLane): { failed?: TimelineEvent; status: string } {
  const failed = lane.events.find((e) => e.status === 'Failed');
  return failed ? { failed, status: 'Failed' } : { status: lane.targetStatus };
}

/** Tick spacing: the first of these that gives at most 8 ticks. */
const STEPS = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 14400, 43200, 86400].map(
  (s) => s * 1000,
);

export interface TimelineSvgOptions {
  /** Unique on the page: pattern ids and the caption's id. */
  readonly id: string;
  /** When the facts were gathered: the right end for what still runs. */
  readonly gatheredAt: string;
}

export function timelineSvg(timeline: Timeline, options: TimelineSvgOptions): Html {
  const { id } = options;
  const lanes = timeline.lanes;
  const times = [
    ms(timeline.createTime),
    ms(timeline.startTime),
    ms(timeline.completeTime),
    ...lanes.flatMap((l) => l.events.flatMap((e) => [ms(e.startTime), ms(e.endTime)])),
    ms(timeline.trafficSwitch?.start),
    ms(timeline.trafficSwitch?.end),
    ms(timeline.terminationWait?.start),
    ms(timeline.terminationWait?.end ?? timeline.terminationWait?.plannedEnd),
  ].filter(Number.isFinite);
  const running = lanes.some((l) => l.events.some((e) => e.startTime && !e.endTime));
  if (running || !timeline.completeTime) times.push(ms(options.gatheredAt));
  if (times.length === 0) {
    return html`<p>CodeDeploy reported no times for this deployment's lifecycle events.</p>`;
  }
  const t0 = Math.min(...times);
  const t1 = Math.max(...times, t0 + 1000);
  const x = (t: number): number => LABEL_W + ((t - t0) / (t1 - t0)) * PLOT_W;
  const now = ms(options.gatheredAt);

  // Rows: a heading per fleet, then its lanes.
  const layout: ({ kind: 'group'; title: string; count: number } | { kind: 'lane'; lane: TimelineLane })[] =
    [];
  for (const kind of ['green', 'in-place', 'scale-out', 'blue'] as const) {
    const these = lanes.filter((l) => l.lane === kind);
    if (these.length === 0) continue;
    layout.push({ kind: 'group', title: FLEET_TITLE[kind], count: these.length });
    for (const lane of these) layout.push({ kind: 'lane', lane });
  }
  let y = AXIS_H;
  const drawn: Html[] = [];
  for (const row of layout) {
    if (row.kind === 'group') {
      drawn.push(
        html`<text class="fleet" x="4" y="${num(y + 17)}" font-weight="700"
          >${row.title}: ${row.count}</text
        >`,
      );
      y += GROUP_H;
      continue;
    }
    drawn.push(laneMarkup(row.lane, y, x, now, id));
    y += LANE_H;
  }
  const height = y + 8;
  const width = LABEL_W + PLOT_W + RIGHT_PAD;

  const step = STEPS.find((s) => (t1 - t0) / s <= 8) ?? 86_400_000;
  const ticks: Html[] = [];
  for (let t = Math.ceil(t0 / step) * step; t <= t1; t += step) {
    const iso = new Date(t).toISOString();
    ticks.push(
      html`<g class="tick"
        ><line
          x1="${num(x(t))}"
          y1="${AXIS_H - 6}"
          x2="${num(x(t))}"
          y2="${num(height)}"
          stroke="#d0d0d0"
          stroke-width="1"
        /><text x="${num(x(t))}" y="${AXIS_H - 10}" text-anchor="middle" font-size="11" fill="#424242"
          >${clockTime(iso)}</text
        ></g
      >`,
    );
  }

  const bands: Html[] = [];
  const sw = timeline.trafficSwitch;
  if (sw) {
    const x1 = x(ms(sw.start));
    const x2 = sw.end ? x(ms(sw.end)) : x(now);
    bands.push(
      html`<g class="marker" data-marker="traffic-switch" data-start="${sw.start}" data-end="${sw.end ?? ''}"
        ><title>
          traffic switch: the green fleet's AllowTraffic,
          ${clockTime(sw.start)}${sw.end ? `–${clockTime(sw.end)} (${span(sw.start, sw.end)})` : ', still running'}</title
        ><rect
          x="${num(x1)}"
          y="${AXIS_H - 4}"
          width="${num(Math.max(2, x2 - x1))}"
          height="${num(height - AXIS_H)}"
          fill="#1565c0"
          fill-opacity="0.12"
          stroke="#1565c0"
          stroke-width="1.5"
        /><text x="${num(x1)}" y="12" font-size="11" font-weight="700" fill="#0d47a1"
          >⇄ traffic switch (AllowTraffic)</text
        ></g
      >`,
    );
  }
  const wait = timeline.terminationWait;
  if (wait?.start) {
    const end = wait.end ?? wait.plannedEnd;
    const x1 = x(ms(wait.start));
    const x2 = end ? x(ms(end)) : x(now);
    // The wait as set and as CodeDeploy's own times show it: they differ when it was cut short
    // (ContinueDeployment), or on a local cloud whose waits run faster than its clock.
    const label = `blue termination wait (${wait.waitMinutes} min set${wait.end ? `; took ${span(wait.start, wait.end)}` : ', planned end'})`;
    bands.push(
      html`<g
        class="marker"
        data-marker="termination-wait"
        data-start="${wait.start}"
        data-end="${wait.end ?? ''}"
        ><title>
          blue termination wait of ${wait.waitMinutes} minutes: from the blue fleet's last event at
          ${clockTime(wait.start)}
          ${wait.end ? `to the blue instances' termination at ${clockTime(wait.end)} (${span(wait.start, wait.end)})` : `, planned to end at ${wait.plannedEnd ? clockTime(wait.plannedEnd) : '?'}`}</title
        ><rect
          x="${num(x1)}"
          y="${AXIS_H - 4}"
          width="${num(Math.max(2, x2 - x1))}"
          height="${num(height - AXIS_H)}"
          fill="#6a1b9a"
          fill-opacity="0.08"
          stroke="#6a1b9a"
          stroke-width="1.5"
          ${wait.end ? '' : html`stroke-dasharray="6 4"`}
        /><text x="${num(x1)}" y="26" font-size="11" font-weight="700" fill="#4a148c">${label}</text></g
      >`,
    );
  }
  const lines: Html[] = [];
  for (const [what, iso] of [
    ['created', timeline.createTime],
    ['completed', timeline.completeTime],
  ] as const) {
    if (!iso) continue;
    lines.push(
      html`<g class="marker" data-marker="deployment-${what}"
        ><title>deployment ${what} at ${clockTime(iso)}</title
        ><line
          x1="${num(x(ms(iso)))}"
          y1="${AXIS_H - 4}"
          x2="${num(x(ms(iso)))}"
          y2="${num(height)}"
          stroke="#212121"
          stroke-width="1.5"
          stroke-dasharray="2 3"
      /></g>`,
    );
  }

  const failedLanes = lanes.filter((l) => laneState(l).failed);
  const summary =
    `${lanes.length} instance${lanes.length === 1 ? '' : 's'}` +
    (failedLanes.length > 0
      ? `; failed: ${failedLanes.map((l) => `${l.instanceId} (${l.lane}) at ${laneState(l).failed?.name ?? '?'}`).join(', ')}`
      : '; no event failed');
  return html`<svg
    class="timeline"
    id="${id}"
    xmlns="http://www.w3.org/2000/svg"
    role="img"
    aria-labelledby="${id}-title ${id}-desc"
    width="${width}"
    height="${num(height)}"
    viewBox="0 0 ${width} ${num(height)}"
    font-family="system-ui, -apple-system, 'Segoe UI', Roboto, 'DejaVu Sans', Arial, sans-serif"
    font-size="12"
  >
    <title id="${id}-title">Lifecycle events per instance over time</title>
    <desc id="${id}-desc">
      ${summary}. Each bar is one lifecycle event from its start to its end; the table after the drawing lists
      the same events.
    </desc>
    ${statusPatterns(id)}
    <rect x="0" y="0" width="${width}" height="${num(height)}" fill="#ffffff" />
    ${ticks}${bands}${lines}${drawn}
  </svg>`;
}

function laneMarkup(
  lane: TimelineLane,
  y: number,
  x: (t: number) => number,
  now: number,
  prefix: string,
): Html {
  const state = laneState(lane);
  const failed = state.status === 'Failed';
  const look = statusLook(state.status);
  const bars: Html[] = [];
  const barY = y + (LANE_H - BAR_H) / 2;
  let rightmost = LABEL_W;
  const started = lane.events.filter((e) => e.startTime);
  for (const [i, e] of started.entries()) {
    const start = ms(e.startTime);
    const end = e.endTime ? ms(e.endTime) : now;
    // Both edges rounded the way they are written, so a bar ends where the next one begins, not past it.
    const x1 = round(x(start));
    // A short event is widened to 3 px to be seen, but never over the next event's start.
    const next = started[i + 1];
    const nextX = next ? round(x(ms(next.startTime))) : Number.POSITIVE_INFINITY;
    const w = Math.max(round(x(end)), Math.min(x1 + 3, nextX)) - x1;
    rightmost = Math.max(rightmost, x1 + w);
    bars.push(barMarkup(lane, e, x1, barY, w, prefix));
  }
  // Events that never ran (Skipped after a failure; Failed without starting: no agent) have an end only.
  const unstarted = lane.events.filter((e) => !e.startTime && e.endTime);
  const skipped = unstarted.filter((e) => e.status === 'Skipped');
  for (const e of unstarted.filter((u) => u.status !== 'Skipped')) {
    const cx = x(ms(e.endTime));
    rightmost = Math.max(rightmost, cx + 7);
    bars.push(
      html`<g
        class="bar"
        data-instance="${lane.instanceId}"
        data-event="${e.name}"
        data-status="${e.status}"
        data-end="${e.endTime ?? ''}"
        ><title>
          ${lane.instanceId} ${e.name}: ${e.status} at ${clockTime(e.endTime ?? '')} without starting</title
        ><path
          d="M ${num(cx)} ${num(barY)} l 7 ${BAR_H / 2} l -7 ${BAR_H / 2} l -7 ${-BAR_H / 2} z"
          fill="${fillOf(statusLook(e.status), prefix)}"
          stroke="${statusLook(e.status).stroke}"
      /></g>`,
    );
  }
  const notes: string[] = [];
  if (state.failed) notes.push(`✗ ${state.failed.name} failed`);
  if (skipped.length > 0) notes.push(`${skipped.length} skipped`);
  const note =
    notes.length > 0
      ? html`<text
          class="lane-note"
          x="${num(rightmost + 6)}"
          y="${num(y + LANE_H / 2 + 4)}"
          font-size="11"
          font-weight="${failed ? 700 : 400}"
          fill="${failed ? '#b71c1c' : '#424242'}"
          >${notes.join(' · ')}</text
        >`
      : html``;
  return html`<g
    class="lane"
    data-instance="${lane.instanceId}"
    data-lane="${lane.lane}"
    data-status="${state.status}"
    data-deployment="${lane.deploymentId}"
  >
    ${failed ? html`<rect class="lane-alert" x="0" y="${num(y + 1)}" width="${LABEL_W + PLOT_W + RIGHT_PAD}" height="${LANE_H - 2}" fill="#fdecea" />` : html``}<line
      x1="0"
      y1="${num(y + LANE_H)}"
      x2="${LABEL_W + PLOT_W + RIGHT_PAD}"
      y2="${num(y + LANE_H)}"
      stroke="#eeeeee"
    />
    <text
      class="lane-label"
      x="14"
      y="${num(y + 14)}"
      font-family="ui-monospace, 'DejaVu Sans Mono', Menlo, Consolas, monospace"
      font-size="12"
      fill="#212121"
      >${lane.instanceId}</text
    >
    <text
      class="lane-status"
      x="14"
      y="${num(y + 28)}"
      font-size="11"
      font-weight="${failed ? 700 : 400}"
      fill="${failed ? '#b71c1c' : '#424242'}"
      >${look.glyph}
      ${failed ? `FAILED ${state.failed?.name ?? ''}` : look.word}${lane.lane === 'scale-out' ? ` · ${lane.deploymentId}` : ''}</text
    >
    ${bars}${note}
  </g>`;
}

function barMarkup(
  lane: TimelineLane,
  e: TimelineEvent,
  x1: number,
  y: number,
  w: number,
  prefix: string,
): Html {
  const look = statusLook(e.status);
  const when = e.endTime
    ? `${clockTime(e.startTime ?? '')}–${clockTime(e.endTime)} (${span(e.startTime ?? '', e.endTime)})`
    : `since ${clockTime(e.startTime ?? '')}, still running`;
  const glyph =
    w >= 12
      ? html`<text
          x="${num(x1 + w / 2)}"
          y="${num(y + BAR_H / 2 + 4)}"
          text-anchor="middle"
          font-size="11"
          font-weight="700"
          fill="${look.glyphColor}"
          aria-hidden="true"
          >${look.glyph}</text
        >`
      : html``;
  return html`<g
    class="bar"
    data-instance="${lane.instanceId}"
    data-event="${e.name}"
    data-status="${e.status}"
    data-start="${e.startTime ?? ''}"
    data-end="${e.endTime ?? ''}"
    ><title>${lane.instanceId} ${e.name}: ${e.status}, ${when}</title
    ><rect
      x="${num(x1)}"
      y="${num(y)}"
      width="${num(w)}"
      height="${BAR_H}"
      fill="${fillOf(look, prefix)}"
      stroke="${look.stroke}"
      stroke-width="1"
    />${glyph}</g
  >`;
}

/** One swatch of the legend: the status drawn as in the figure, and what it means in words. */
export function legendSwatch(prefix: string, status: string, words: string): Html {
  const look = statusLook(status);
  const id = `${prefix}-${status}`;
  return html`<li>
    <svg width="28" height="16" viewBox="0 0 28 16" aria-hidden="true">
      ${statusPatterns(id)}
      <rect x="1" y="1" width="26" height="14" fill="${fillOf(look, id)}" stroke="${look.stroke}" />
      <text x="14" y="12" text-anchor="middle" font-size="11" font-weight="700" fill="${look.glyphColor}">
        ${look.glyph}
      </text>
    </svg>
    ${words}
  </li>`;
}

/** What the timeline's colours, patterns, glyphs and bands mean, in words. */
export function timelineLegend(prefix: string): Html {
  return html`<ul class="legend" aria-label="Legend of the timeline">
    ${legendSwatch(prefix, 'Succeeded', 'succeeded')}${legendSwatch(prefix, 'Failed', 'failed')}${legendSwatch(prefix, 'InProgress', 'in progress')}${legendSwatch(prefix, 'Skipped', 'skipped')}${legendSwatch(prefix, 'Pending', 'pending or unknown')}
    <li><span class="band switch" aria-hidden="true"></span> traffic switch (AllowTraffic)</li>
    <li><span class="band wait" aria-hidden="true"></span> blue termination wait</li>
    <li><span class="band created" aria-hidden="true"></span> deployment created / completed</li>
  </ul>`;
}

/** The same lanes as a table: every event with its status and times. */
export function timelineTable(timeline: Timeline, caption: string): Html {
  return table({
    caption,
    columns: ['instance', 'fleet', 'event', 'status', 'start (UTC)', 'end (UTC)', 'took'],
    rows: timeline.lanes.flatMap((lane) =>
      lane.events.map((e) => ({
        failed: e.status === 'Failed',
        cells: [
          lane.instanceId,
          lane.lane,
          e.name,
          statusCell(e.status),
          e.startTime ? html`<time datetime="${e.startTime}">${clockTime(e.startTime)}</time>` : '—',
          e.endTime ? html`<time datetime="${e.endTime}">${clockTime(e.endTime)}</time>` : '—',
          e.startTime && e.endTime ? span(e.startTime, e.endTime) : '',
        ],
      })),
    ),
  });
}

/** A status as text with its glyph, coloured by a class (the words carry the meaning). */
export function statusCell(status: string): Html {
  const look = statusLook(status);
  const tone = status === 'Failed' ? 'bad' : status === 'Succeeded' ? 'good' : 'neutral';
  return html`<span class="status ${tone}"><span aria-hidden="true">${look.glyph}</span> ${status}</span>`;
}
