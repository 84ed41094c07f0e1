import { formatElapsed } from '../log/format.js';
import { xmlAttribute } from '../log/junit.js';

// Markup that cannot forget to escape: the `html` tag escapes every value put into it (with the one
// escaper the reports share, log/junit.ts, which is valid in HTML text, in double-quoted attributes
// and in inline SVG alike) unless the value is itself `Html` built the same way. Every string that
// comes from AWS or from the person (instance ids, log tails, alarm reasons, revisions) goes through
// it; the report's code never concatenates raw text into markup.

export class Html {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value;
  }
}

export type Part = Html | string | number | boolean | null | undefined | readonly Part[];

function render(part: Part): string {
  if (part instanceof Html) return part.value;
  if (Array.isArray(part)) return (part as readonly Part[]).map(render).join('');
  if (part === undefined || part === null || part === false || part === true) return '';
  return xmlAttribute(String(part));
}

/** Markup with every interpolated value escaped (arrays joined, `undefined`/booleans dropped). */
export function html(strings: TemplateStringsArray, ...values: readonly Part[]): Html {
  let out = strings[0] ?? '';
  values.forEach((value, i) => {
    out += render(value) + (strings[i + 1] ?? '');
  });
  return new Html(out);
}

/** A number for an SVG attribute: two decimals at most, never `NaN`. */
export function num(n: number): string {
  return Number.isFinite(n) ? String(Math.round(n * 100) / 100) : '0';
}

/** `10:01:02` (UTC) of an ISO time; the whole time goes in a `title` or `datetime`. */
export function clockTime(iso: string): string {
  return iso.slice(11, 19);
}

/** `2026-01-02 10:01:02 UTC`. */
export function dateTime(iso: string): string {
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)} UTC`;
}

/** How long from one ISO time to another: `30s`, `4m05s`, `1h02m`. */
export function span(from: string, to: string): string {
  return formatElapsed(Math.max(0, Date.parse(to) - Date.parse(from)));
}

/** A 40-hex commit shortened for a narrow cell; anything else as it is. */
export function shortRevision(revision: string): string {
  return /^[0-9a-f]{40}$/i.test(revision) ? revision.slice(0, 12) : revision;
}

export interface TableRow {
  /** The first is the row's header (`<th scope="row">`). */
  readonly cells: readonly Part[];
  /** Marks a failed row (a tint; the row's own words say that it failed). */
  readonly failed?: boolean;
}

/**
 * A data table: a caption, column headers, a row header per row. On a narrow screen the stylesheet
 * lays each row out as a card (each cell labelled by its column, from `data-label`); the explicit
 * ARIA roles keep it a table for screen readers, which drop the semantics of a table shown as blocks.
 */
export function table(options: {
  readonly caption: Part;
  readonly columns: readonly string[];
  readonly rows: readonly TableRow[];
}): Html {
  const { columns } = options;
  return html`<div class="table-box">
    <table class="stack" role="table">
      <caption>
        ${options.caption}
      </caption>
      <thead role="rowgroup">
        <tr role="row">
          ${columns.map((c) => html`<th scope="col" role="columnheader">${c}</th>`)}
        </tr>
      </thead>
      <tbody role="rowgroup">
        ${options.rows.map(
          (row) =>
            html`<tr role="row" ${row.failed ? html` class="failed"` : html``}>
              ${row.cells.map((cell, i) =>
                i === 0
                  ? html`<th scope="row" role="rowheader" data-label="${columns[0] ?? ''}">${cell}</th>`
                  : html`<td role="cell" data-label="${columns[i] ?? ''}">${cell}</td>`,
              )}
            </tr>`,
        )}
      </tbody>
    </table>
  </div>`;
}
