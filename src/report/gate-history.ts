import type { GateReport } from '../gate/report-json.js';
import { clockTime, html, num, shortRevision, span, table, type Html } from './markup.js';
import { fillOf, legendSwatch, statusLook, statusPatterns } from './timeline-svg.js';

// The bake as a person wants to see it: each alarm's state over the whole window (from CloudWatch's
// history as the last look read it, so a flap between two looks shows), each look's healthy targets
// per target group, and whether the served version was right at each look — as SVG, with the
// states written in the strips and every look in a table after it.

const LABEL_W = 220;
const PLOT_W = 760;
const RIGHT_PAD = 20;
const ROW_H = 30;
const BAR_H = 20;

/** An alarm state in the timeline's vocabulary of looks: OK good, ALARM bad, no data grey. */
function alarmLook(state: string) {
  const status =
    state === 'OK'
      ? 'Succeeded'
      : state === 'ALARM'
        ? 'Failed'
        : state === 'INSUFFICIENT_DATA'
          ? 'Skipped'
          : 'Pending';
  return statusLook(status);
}

const ms = (iso: string): number => Date.parse(iso);

export function gateHistorySvg(gate: GateReport, id: string): Html {
  const start = ms(gate.startedAt);
  const end = Math.max(ms(gate.endedAt), start + gate.bakeMs, start + 1000);
  const x = (t: number): number =>
    LABEL_W + ((Math.min(Math.max(t, start), end) - start) / (end - start)) * PLOT_W;
  const width = LABEL_W + PLOT_W + RIGHT_PAD;
  const rows: Html[] = [];
  let y = 36;
  const heading = (text: string) => {
    rows.push(html`<text x="4" y="${num(y + 16)}" font-weight="700">${text}</text>`);
    y += 24;
  };
  const label = (text: string, sub?: string) =>
    html`<text x="14" y="${num(y + (sub ? 13 : 19))}" font-size="12">${text}</text
      >${sub ? html`<text x="14" y="${num(y + 26)}" font-size="11" fill="#424242">${sub}</text>` : html``}`;

  const names = [
    ...new Set([
      ...gate.alarmTimeline.map((a) => a.name),
      ...gate.history.flatMap((l) => l.alarms.map((a) => a.name)),
    ]),
  ];
  if (names.length > 0) heading('Alarms');
  for (const name of names) {
    const timeline = gate.alarmTimeline.find((a) => a.name === name);
    const changes = timeline?.changes ?? [];
    const first =
      changes[0]?.from ??
      gate.history[0]?.alarms.find((a) => a.name === name)?.state ??
      timeline?.state ??
      'MISSING';
    const stretches: { state: string; from: number; to: number }[] = [];
    let state = first;
    let from = start;
    for (const c of changes) {
      stretches.push({ state, from, to: ms(c.at) });
      state = c.to;
      from = ms(c.at);
    }
    stretches.push({ state, from, to: ms(gate.endedAt) });
    const worst = stretches.some((s) => s.state === 'ALARM')
      ? 'was in ALARM'
      : stretches.some((s) => s.state !== 'OK')
        ? `was ${stretches.find((s) => s.state !== 'OK')?.state ?? '?'}`
        : 'OK throughout';
    rows.push(
      html`<g class="alarm" data-alarm="${name}"
        >${label(name, worst)}${stretches.map((s) => {
          const look = alarmLook(s.state);
          const x1 = x(s.from);
          const w = Math.max(2, x(s.to) - x1);
          const iso = new Date(s.from).toISOString();
          const word = s.state === 'INSUFFICIENT_DATA' ? 'NO DATA' : s.state;
          return html`<g class="stretch" data-state="${s.state}" data-start="${iso}"
            ><title>
              ${name}: ${s.state} from ${clockTime(iso)} for ${span(iso, new Date(s.to).toISOString())}</title
            ><rect
              x="${num(x1)}"
              y="${num(y + (ROW_H - BAR_H) / 2)}"
              width="${num(w)}"
              height="${BAR_H}"
              fill="${fillOf(look, id)}"
              stroke="${look.stroke}"
            />${w >= word.length * 7 + 16 ? html`<text x="${num(x1 + 6)}" y="${num(y + ROW_H / 2 + 4)}" font-size="11" font-weight="700" fill="${look.glyphColor}">${look.glyph} ${word}</text>` : html``}</g
          >`;
        })}${timeline?.truncated ? html`<text x="${num(LABEL_W + PLOT_W)}" y="${num(y + 10)}" text-anchor="end" font-size="10">history truncated</text>` : html``}</g
      >`,
    );
    y += ROW_H;
  }

  const looks = gate.history;
  const slot =
    looks.length > 1
      ? Math.min(...looks.slice(1).map((l, i) => x(ms(l.at)) - x(ms(looks[i]?.at ?? l.at))))
      : 24;
  const barW = Math.max(3, Math.min(24, slot - 2));
  const groups = [...new Set(looks.flatMap((l) => l.targetGroups.map((tg) => tg.name)))];
  if (groups.length > 0) heading('Healthy targets at each look');
  for (const name of groups) {
    const bars = looks.map((l) => {
      const tg = l.targetGroups.find((g) => g.name === name);
      const healthy = tg?.healthy ?? 0;
      const total = tg?.total ?? 0;
      const good = total > 0 && healthy === total;
      const look = statusLook(good ? 'Succeeded' : 'Failed');
      const h = total > 0 ? Math.max(2, (healthy / total) * BAR_H) : 2;
      const cx = x(ms(l.at));
      return html`<g class="health" data-look="${l.look}" data-healthy="${healthy}" data-total="${total}"
        ><title>
          look ${l.look} at ${clockTime(l.at)}: ${healthy} of ${total} registered targets healthy in ${name}</title
        ><rect
          x="${num(cx - barW / 2)}"
          y="${num(y + (ROW_H - BAR_H) / 2)}"
          width="${num(barW)}"
          height="${BAR_H}"
          fill="#ffffff"
          stroke="#9e9e9e" /><rect
          x="${num(cx - barW / 2)}"
          y="${num(y + (ROW_H + BAR_H) / 2 - h)}"
          width="${num(barW)}"
          height="${num(h)}"
          fill="${fillOf(look, id)}"
          stroke="${look.stroke}"
      /></g>`;
    });
    const last = looks.at(-1)?.targetGroups.find((g) => g.name === name);
    rows.push(
      html`<g class="target-group" data-target-group="${name}"
        >${label(name, last ? `last look: ${last.healthy} of ${last.total} healthy` : undefined)}${bars}</g
      >`,
    );
    y += ROW_H;
  }

  if (looks.length > 0) {
    heading('Served version at each look');
    rows.push(
      html`<g class="served"
        >${label('health endpoint', `last look: ${looks.at(-1)?.served ?? '?'}`)}${looks.map((l) => {
          const look = statusLook(
            l.served === 'pass' ? 'Succeeded' : l.served === 'fail' ? 'Failed' : 'Pending',
          );
          const cx = x(ms(l.at));
          const versions =
            l.versions.map((v) => `${shortRevision(v.version)} ×${v.answers}`).join(', ') || 'not asked';
          return html`<g class="served-look" data-look="${l.look}" data-served="${l.served}"
            ><title>look ${l.look} at ${clockTime(l.at)}: ${l.served}, ${versions}</title
            ><rect
              x="${num(cx - barW / 2)}"
              y="${num(y + (ROW_H - BAR_H) / 2)}"
              width="${num(barW)}"
              height="${BAR_H}"
              fill="${fillOf(look, id)}"
              stroke="${look.stroke}"
            />${barW >= 12 ? html`<text x="${num(cx)}" y="${num(y + ROW_H / 2 + 4)}" text-anchor="middle" font-size="11" font-weight="700" fill="${look.glyphColor}" aria-hidden="true">${look.glyph}</text>` : html``}</g
          >`;
        })}</g
      >`,
    );
    y += ROW_H;
  }

  const height = y + 10;
  const bakeEnd = start + gate.bakeMs;
  const axis = html`<text x="${LABEL_W}" y="14" font-size="11" fill="#424242"
      >${clockTime(gate.startedAt)} bake began</text
    ><text x="${num(x(end))}" y="14" text-anchor="end" font-size="11" fill="#424242"
      >${clockTime(new Date(end).toISOString())}</text
    ><line
      x1="${num(x(ms(gate.endedAt)))}"
      y1="20"
      x2="${num(x(ms(gate.endedAt)))}"
      y2="${num(height)}"
      stroke="#212121"
      stroke-dasharray="2 3"
    /><text
      x="${num(x(ms(gate.endedAt)))}"
      y="30"
      text-anchor="${x(ms(gate.endedAt)) > LABEL_W + PLOT_W - 80 ? 'end' : 'start'}"
      font-size="11"
      font-weight="700"
      >gate ${gate.result} ${clockTime(gate.endedAt)}</text
    >${bakeEnd > ms(gate.endedAt) ? html`<line x1="${num(x(bakeEnd))}" y1="20" x2="${num(x(bakeEnd))}" y2="${num(height)}" stroke="#616161" stroke-dasharray="6 4" /><text x="${num(x(bakeEnd))}" y="30" text-anchor="end" font-size="11" fill="#424242">planned end of the bake</text>` : html``}`;
  return html`<svg
    class="timeline gate-history"
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
    <title id="${id}-title">The bake: alarms, target health and the served version over time</title>
    <desc id="${id}-desc">
      ${gate.looks} looks from ${clockTime(gate.startedAt)} to ${clockTime(gate.endedAt)}; the gate
      ${gate.result}. The table after the drawing lists what each look saw.
    </desc>
    ${statusPatterns(id)}
    <rect x="0" y="0" width="${width}" height="${num(height)}" fill="#ffffff" />
    ${axis}${rows}
  </svg>`;
}

/** Every look kept, as a table. */
export function gateLooksTable(gate: GateReport): Html {
  const shown = gate.history.length;
  return table({
    caption:
      shown < gate.looks
        ? `What the looks saw (${shown} of ${gate.looks}, evenly spread over the bake)`
        : `What each of the ${gate.looks} looks saw`,
    columns: ['look', 'time (UTC)', 'result', 'alarms', 'healthy targets', 'served version'],
    rows: gate.history.map((l) => ({
      failed: !l.ok,
      cells: [
        l.look,
        html`<time datetime="${l.at}">${clockTime(l.at)}</time>`,
        l.ok ? html`<span class="status good">✓ good</span>` : html`<span class="status bad">✗ BAD</span>`,
        l.alarms.map((a, i) => html`${i > 0 ? ', ' : ''}${a.name}: <strong>${a.state}</strong>`),
        l.targetGroups.map((tg, i) => html`${i > 0 ? ', ' : ''}${tg.name}: ${tg.healthy} of ${tg.total}`),
        html`${l.served}${l.versions.length > 0 ? ` (${l.versions.map((v) => `${shortRevision(v.version)} ×${v.answers}`).join(', ')})` : ''}`,
      ],
    })),
  });
}

/** What the bake's colours, patterns and glyphs mean, in words. */
export function gateLegend(prefix: string): Html {
  return html`<ul class="legend" aria-label="Legend of the bake">
    ${legendSwatch(prefix, 'Succeeded', 'alarm OK, every target healthy, the right version')}${legendSwatch(prefix, 'Failed', 'ALARM, a target not healthy, the wrong version')}${legendSwatch(prefix, 'Skipped', 'INSUFFICIENT_DATA (no data)')}${legendSwatch(prefix, 'Pending', 'unknown, missing or not checked')}
  </ul>`;
}
