// One contract check for every contract test file: an operation's output, as the SDK parsed it,
// against the full botocore model, forgiving only the deviations deviations.ts lists and explains;
// it remembers which operations it checked, so a file can assert that it covered every one.
import assert from 'node:assert/strict';
import { unexplained } from './deviations.js';
import { loadFullModel, validateOutput } from './validate.js';

export class ContractChecks {
  private readonly checked = new Map<string, Set<string>>();

  check(service: string, operation: string, output: unknown): void {
    const problems = unexplained(
      service,
      operation,
      validateOutput(loadFullModel(service), operation, output),
    );
    assert.deepEqual(problems, [], `${service}:${operation} does not match the model`);
    const set = this.checked.get(service) ?? new Set<string>();
    set.add(operation);
    this.checked.set(service, set);
  }

  /** The operations of `service` checked so far, sorted. */
  exercised(service: string): string[] {
    return [...(this.checked.get(service) ?? [])].sort();
  }
}
