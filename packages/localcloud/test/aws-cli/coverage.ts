// Which operations the local cloud implements, and the check that the AWS CLI drove each of them:
// every implemented operation answered through the CLI, nothing else answered, and the server's own
// request counts agree (so a command cannot be credited for a request it never sent).
import assert from 'node:assert/strict';
import { Cloud } from '../../src/cloud.js';
import { routeS3 } from '../../src/s3/handlers.js';
import { createServices } from '../../src/router.js';
import type { SigningName } from '../../src/service.js';
import { loadBotocoreOperations } from './aws-cli.js';

/**
 * Per signing name: the handlers of the model-driven services, and the S3 operations the router
 * names when given each S3 operation's own request line from botocore's model.
 */
export function implementedOperations(): Map<SigningName, Set<string>> {
  const implemented = new Map<SigningName, Set<string>>();
  for (const service of createServices(new Cloud())) {
    implemented.set(service.signingName, new Set(Object.keys(service.operations)));
  }
  const s3 = new Set<string>();
  for (const [name, { http }] of Object.entries(loadBotocoreOperations('s3api'))) {
    const [path = '/', search = ''] = http.requestUri
      .replace('{Bucket}', 'bucket')
      .replace('{Key+}', 'key')
      .split('?');
    if (routeS3(http.method, path, search).operation === name) s3.add(name);
  }
  implemented.set('s3', s3);
  return implemented;
}

/** `{ "s3:PutObject": 2, … }` (GET /_localcloud/requests) → operations per signing name. */
export function requestedOperations(counts: Record<string, number>): Map<string, Set<string>> {
  const requested = new Map<string, Set<string>>();
  for (const key of Object.keys(counts)) {
    const [service = '', operation = ''] = key.split(':');
    const set = requested.get(service) ?? new Set<string>();
    set.add(operation);
    requested.set(service, set);
  }
  return requested;
}

export interface CoverageEvidence {
  /** What the CLI answered (AwsCli.answeredOperations). */
  readonly answered: ReadonlyMap<SigningName, ReadonlySet<string>>;
  /** The server's request counts since the cloud started. */
  readonly requestCounts: Record<string, number>;
}

/** Asserts that, for each of `services`, the CLI answered exactly the implemented operations. */
export function assertCliCoverage(services: readonly SigningName[], evidence: CoverageEvidence): void {
  const implemented = implementedOperations();
  const requested = requestedOperations(evidence.requestCounts);
  for (const service of services) {
    const expected = [...(implemented.get(service) ?? [])].sort();
    assert.ok(expected.length > 0, `the local cloud implements no ${service} operation`);
    assert.deepEqual(
      [...(evidence.answered.get(service) ?? [])].sort(),
      expected,
      `${service}: the AWS CLI must answer every implemented operation (and only those)`,
    );
    assert.deepEqual(
      [...(requested.get(service) ?? [])].sort(),
      expected,
      `${service}: the operations the server counted`,
    );
  }
}
