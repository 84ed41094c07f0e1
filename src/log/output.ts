import type { LogEvent, Logger } from './events.js';
import { formatEvent } from './format.js';

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
}

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
}

const systemTimers: Timers = {
  now: () => Date.now(),
  setInterval: (fn, ms) => setInterval(fn, ms),
  clearInterval: (handle) => clearInterval(handle as NodeJS.Timeout),
};

export class Output implements Logger {
  private readonly options: Required<Omit<OutputOptions, 'timers'>> & { timers: Timers };
  private readonly started: number;
  private lastPrinted: number;
  private readonly lastDeploymentLine = new Map<string, string>();
  private statusLine = '';
  private waitingFor = '';
  private readonly events: (LogEvent & { time: string })[] = [];
  private heartbeat: { unref?(): unknown } | undefined;
  private closed = false;

  constructor(options: OutputOptions) {
    this.options = { verbose: false, heartbeatMs: 50_000, timers: systemTimers, ...options };
    this.started = this.options.timers.now();
    this.lastPrinted = this.started;
    if (this.options.human === 'plain' || this.options.human === 'tty') {
      const tick = Math.min(this.options.heartbeatMs, 5_000);
      this.heartbeat = this.options.timers.setInterval(() => this.beat(), tick);
      this.heartbeat.unref?.();
    }
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
    const text = formatEvent(event);
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

  private drawStatusLine(): void {
    if (!this.statusLine) return;
    const elapsed = Math.round((this.options.timers.now() - this.started) / 1000);
    this.options.stderr.write(`\r\x1b[2K${this.statusLine} (${elapsed}s)`);
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
