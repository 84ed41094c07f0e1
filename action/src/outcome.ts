import type { ActionCommand } from './invocation.js';

// What greenlight's run means for the workflow: the outputs (the deployment's id, the verdict, the
// exit code) read from the command's `--json` document and its exit code (DESIGN.md's contract).

/** The document `greenlight … --json` prints on stdout when it ends. */
export interface JsonDocument {
  readonly exitCode: number;
  readonly result: unknown;
  readonly error?: { readonly message: string; readonly code?: string };
}

export type ActionVerdict =
  | 'verified'
  | 'unverified'
  | 'passed'
  | 'failed'
  | 'rolled-back'
  | 'usage-error'
  | 'aws-error'
  | 'timed-out'
  | 'cancelled';

export interface Outcome {
  readonly verdict: ActionVerdict;
  readonly deploymentId?: string;
  readonly exitCode: number;
}

const BY_EXIT_CODE: Record<number, ActionVerdict> = {
  1: 'failed',
  2: 'usage-error',
  3: 'aws-error',
  4: 'timed-out',
  5: 'rolled-back',
  130: 'cancelled',
  143: 'cancelled',
};

export function outcome(
  command: ActionCommand,
  exitCode: number,
  document: JsonDocument | undefined,
): Outcome {
  const result = record(document?.result);
  const deploymentId = typeof result.deploymentId === 'string' ? result.deploymentId : undefined;
  let verdict: ActionVerdict;
  if (exitCode !== 0) verdict = BY_EXIT_CODE[exitCode] ?? 'failed';
  else if (result.verified === true) verdict = 'verified';
  // deploy --no-wait/--no-verify, wait --no-verify: CodeDeploy's word, which is not a verdict.
  else if (command === 'deploy' || command === 'wait') verdict = 'unverified';
  else verdict = 'passed';
  return { verdict, exitCode, ...(deploymentId !== undefined ? { deploymentId } : {}) };
}

/** The last JSON document in a command's stdout (greenlight prints one, at the end). */
export function readDocument(stdout: string): JsonDocument | undefined {
  const start = stdout.lastIndexOf('\n{\n');
  const text = start >= 0 ? stdout.slice(start + 1) : stdout.trimStart().startsWith('{') ? stdout : '';
  try {
    const parsed = JSON.parse(text) as unknown;
    const doc = record(parsed);
    return typeof doc.exitCode === 'number' ? (doc as unknown as JsonDocument) : undefined;
  } catch {
    return undefined;
  }
}

export function record(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : {};
}
