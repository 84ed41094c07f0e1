import type { LogEvent, Logger } from './events.js';
import { formatElapsed, formatEvent } from './format.js';
import { displayWidth, truncateEnd } from './width.js';

// Three renderings of one event stream:
//  - tty:   a terminal; the deployment status line is redrawn in place, everything else scrolls above it.
//  - plain: a CI log; one line per change, timestamped, and a heartbeat when nothing was printed for
//           `heartbeatMs` so CircleCI's no-output timeout never fires.
//  - json:  data on stdout, either one document at the end or one JSON object per line as it happens.
// Human output always goes to stderr, so `--json` output on stdout stays parseable.

export type HumanMode = 'tty' | 'plain';
export type JsonMode = 'off' | 'document' | 'lines';

export interface TextSink {
  write(chunk: string): unknown;
  /** A terminal's width in columns (Node's tty.WriteStream keeps it current on SIGWINCH). */
  readonly columns?: number;
  /** A terminal stream emits `resize` when its width changes. */
  on?(event: 'resize', listener: () => void): unknown;
  off?(event: 'resize', listener: () => void): unknown;
}

/** The width assumed for a terminal that does not say its own: the classic 80 columns. */
export const DEFAULT_COLUMNS = 80;

export interface Timers {
  now(): number;
  setInterval(fn: () => void, ms: number): { unref?(): unknown };
  clearInterval(handle: { unref?(): unknown }): void;
}

export interface OutputOptions {
  stderr: TextSink;
  stdout: TextSink;
  human: HumanMode;
  json: JsonMode;
  verbose?: boolean;
  /** Longest silence in plain mode before a heartbeat line; under a minute by default. */
  heartbeatMs?: number;
  timers?: Timers;
  /**
   * The terminal's width in columns, asked before every redraw of the status line (so a resized
   * terminal is followed). Default: `stderr.columns`, else 80.
   */
  columns?: () => number | undefined;
}

const systemTimers: Timers = {
  now: () => Date.now(),
  setInterval: (fn, ms) => setInterval(fn, ms),
  clearInterval: (handle) => clearInterval(handle as NodeJS.Timeout),
};

export class Output implements Logger {
  private readonly options: Required<Omit<OutputOptions, 'timers' | 'columns'>> & { timers: Timers };
  private readonly columnsOf: () => number | undefined;
  private readonly onResize = (): void => this.drawStatusLine();
  private readonly started: number;
  private lastPrinted: number;
  private readonly lastDeploymentLine = new Map<string, string>();
  private statusLine = '';
  private waitingFor = '';
  private readonly events: (LogEvent & { time: string })[] = [];
  private heartbeat: { unref?(): unknown } | undefined;
  private closed = false;

  constructor(options: OutputOptions) {
    const { columns, ...rest } = options;
    this.options = { verbose: false, heartbeatMs: 50_000, timers: systemTimers, ...rest };
    this.columnsOf = columns ?? (() => options.stderr.columns);
    this.started = this.options.timers.now();
    this.lastPrinted = this.started;
    if (this.options.human === 'plain' || this.options.human === 'tty') {
      // On a terminal the status line's elapsed time ticks every second; a CI log only needs heartbeats.
      const tick = this.options.human === 'tty' ? 1_000 : Math.min(this.options.heartbeatMs, 5_000);
      this.heartbeat = this.options.timers.setInterval(() => this.beat(), tick);
      this.heartbeat.unref?.();
    }
    if (this.options.human === 'tty') this.options.stderr.on?.('resize', this.onResize);
  }

  /**
   * Columns a rendered block may take (Logger.columns): the terminal's width on a terminal; none
   * (Infinity) in a CI log or with --json, whose lines are left whole so they can be searched.
   */
  columns(): number {
    return this.options.human === 'tty' ? this.terminalColumns() : Infinity;
  }

  /** The terminal's width now: re-measured on every draw, so SIGWINCH needs no bookkeeping. */
  private terminalColumns(): number {
    const columns = this.columnsOf();
    return columns !== undefined && Number.isFinite(columns) && columns > 0 ? columns : DEFAULT_COLUMNS;
  }

  emit(event: LogEvent): void {
    if (this.closed) return;
    const time = new Date(this.options.timers.now()).toISOString();
    if (event.kind === 'message' && event.level === 'debug' && !this.options.verbose) return;
    if (this.options.json === 'document') this.events.push({ ...event, time });
    if (this.options.json === 'lines')
      this.options.stdout.write(`${JSON.stringify({ type: 'event', time, ...event })}\n`);
    if (event.kind === 'deployment') this.waitingFor = `${event.deploymentId} (${event.status})`;
    if (event.kind === 'step' && event.status === 'started') this.waitingFor = event.step;
    this.render(event);
  }

  /** Ends the output: stops the heartbeat and, in document mode, writes the JSON document. */
  close(result?: { exitCode: number; data?: unknown; error?: { message: string; code?: string } }): void {
    if (this.closed) return;
    this.closed = true;
    if (this.heartbeat) this.options.timers.clearInterval(this.heartbeat);
    if (this.options.human === 'tty') this.options.stderr.off?.('resize', this.onResize);
    this.clearStatusLine();
    if (this.options.json === 'document') {
      const doc = {
        exitCode: result?.exitCode ?? 0,
        result: result?.data ?? null,
        error: result?.error,
        events: this.events,
      };
      this.options.stdout.write(`${JSON.stringify(doc, null, 2)}\n`);
    } else if (this.options.json === 'lines' && result) {
      this.options.stdout.write(
        `${JSON.stringify({ type: 'result', exitCode: result.exitCode, result: result.data ?? null, error: result.error })}\n`,
      );
    }
  }

  private render(event: LogEvent): void {
    // A terminal's lines are wrapped deliberately at its width; a CI log's are left whole (nothing is
    // redrawn there, and the log viewer wraps).
    const text = formatEvent(event, this.columns());
    if (event.kind === 'deployment') {
      if (this.options.human === 'tty') {
        this.statusLine = text;
        this.drawStatusLine();
        return;
      }
      if (this.lastDeploymentLine.get(event.deploymentId) === text) return;
      this.lastDeploymentLine.set(event.deploymentId, text);
    }
    this.printLine(text);
  }

  private printLine(text: string): void {
    const { stderr, human } = this.options;
    if (human === 'tty') {
      this.clearStatusLine();
      stderr.write(`${text}\n`);
      this.drawStatusLine();
    } else {
      const stamp = new Date(this.options.timers.now()).toISOString().slice(11, 19);
      stderr.write(
        text
          .split('\n')
          .map((line) => `[${stamp}] ${line}\n`)
          .join(''),
      );
    }
    this.lastPrinted = this.options.timers.now();
  }

  /**
   * Redraws the status line in place. It is cut to one column less than the terminal's width: a line
   * that wrapped (or left the cursor in the last column's pending wrap) would leave its first row behind
   * when `\r` and erase-line redraw it, a torn copy in the scrollback. The elapsed time stays visible.
   */
  private drawStatusLine(): void {
    if (!this.statusLine || this.closed) return;
    const elapsed = ` (${formatElapsed(this.options.timers.now() - this.started)})`;
    const room = this.terminalColumns() - 1;
    const fitted =
      displayWidth(elapsed) < room
        ? truncateEnd(this.statusLine, room - displayWidth(elapsed)) + elapsed
        : truncateEnd(this.statusLine + elapsed, room);
    this.options.stderr.write(`\r\x1b[2K${fitted}`);
  }

  private clearStatusLine(): void {
    if (this.options.human === 'tty' && this.statusLine) this.options.stderr.write('\r\x1b[2K');
  }

  private beat(): void {
    if (this.closed) return;
    const now = this.options.timers.now();
    if (this.options.human === 'tty') {
      this.drawStatusLine();
      return;
    }
    if (now - this.lastPrinted < this.options.heartbeatMs) return;
    this.printLine(
      formatEvent({
        kind: 'heartbeat',
        elapsedMs: now - this.started,
        waitingFor: this.waitingFor || 'the current step',
      }),
    );
  }
}
