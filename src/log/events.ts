import type { ScriptsLogStatus } from '../diagnostics/scripts-log.js';

// Everything greenlight tells a person or a machine is one of these events. The human renderers
// (TTY and plain CI log) and the JSON output are all built from the same stream, so what a person
// reads and what a script parses cannot disagree.

export type Level = 'debug' | 'info' | 'warn' | 'error';

export interface DeploymentOverview {
  Pending: number;
  InProgress: number;
  Succeeded: number;
  Failed: number;
  Skipped: number;
  Ready: number;
}

export type LogEvent =
  | { kind: 'message'; level: Level; text: string }
  /** A step of a command: `group apply`, `create deployment`, `verify` … */
  | { kind: 'step'; step: string; status: 'started' | 'done' | 'skipped' | 'failed'; detail?: string }
  /** The state of a deployment as one poll saw it. Rendered as a redrawn line on a TTY. */
  | {
      kind: 'deployment';
      deploymentId: string;
      status: string;
      overview?: DeploymentOverview;
      /** An in-place deployment: progress is instances done of the fleet, no fleets or traffic switch. */
      inPlace?: boolean;
      /** Lifecycle event → instance ids currently in it. */
      activeEvents?: Record<string, string[]>;
    }
  /** One instance failed a lifecycle event: everything needed to act on it, in the CI log. */
  | {
      kind: 'instance-failed';
      deploymentId: string;
      instanceId: string;
      lifecycleEvent: string;
      scriptName: string;
      errorCode: string;
      message: string;
      logTail: string;
    }
  /**
   * A failed instance's whole scripts.log (diagnostics.fetchLogs), read through SSM Run Command, or
   * why it could not be: the agent not registered, the role refused, no answer in time.
   */
  | {
      kind: 'instance-log';
      deploymentId: string;
      instanceId: string;
      status: ScriptsLogStatus;
      path: string;
      text?: string;
      bytes?: number;
      whole?: boolean;
      reason?: string;
    }
  /** The verifier's verdict on a deployment: the rendered table and the one-line headline. */
  | {
      kind: 'verification';
      deploymentId: string;
      verified: boolean;
      /** `CodeDeploy: Succeeded — greenlight: FAILED, 1 of 6 instances failed (…)`. */
      headline: string;
      /** The per-rule and per-instance table, as printed. */
      table: string;
    }
  /** Emitted by the output itself when nothing else was printed for a while. */
  | { kind: 'heartbeat'; elapsedMs: number; waitingFor: string };

export type LogEventKind = LogEvent['kind'];
export type EventOf<K extends LogEventKind> = Extract<LogEvent, { kind: K }>;

/** Where code under `src/` sends what it has to say. Passed in, never imported as a global. */
export interface Logger {
  emit(event: LogEvent): void;
  /**
   * Columns a rendered block (the verdict's table) may take: a terminal's width, or none (Infinity)
   * for a CI log or a file, whose lines are left whole so that they can be searched. Absent: none.
   */
  columns?(): number;
}

export const silentLogger: Logger = { emit: () => undefined };

export function info(logger: Logger, text: string): void {
  logger.emit({ kind: 'message', level: 'info', text });
}

export function warn(logger: Logger, text: string): void {
  logger.emit({ kind: 'message', level: 'warn', text });
}
