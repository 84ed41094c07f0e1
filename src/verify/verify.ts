import type { Clock } from '../clock.js';
import type { Logger } from '../log/events.js';
import { gatherFacts, type GatherRequest, type VerifyClients } from './gather.js';
import { verdictTable } from './report-table.js';
import { judge, type Verdict } from './verdict.js';

// Verifying a deployment: facts, then rules, then a verdict — told to the logger as a table and a
// headline, and returned for the reports and the caller's exit code.

export interface VerifyDeps {
  readonly clients: VerifyClients;
  readonly clock: Clock;
  readonly logger: Logger;
}

export async function verifyDeployment(request: GatherRequest, deps: VerifyDeps): Promise<Verdict> {
  const what =
    request.phase === 'before-traffic'
      ? `verify the green fleet of ${request.deploymentId} before traffic`
      : `verify ${request.deploymentId}`;
  deps.logger.emit({ kind: 'step', step: what, status: 'started' });
  const facts = await gatherFacts(request, deps.clients, deps.clock);
  const verdict = judge(facts);
  deps.logger.emit({ kind: 'step', step: what, status: verdict.verified ? 'done' : 'failed' });
  deps.logger.emit({
    kind: 'verification',
    deploymentId: verdict.deploymentId,
    verified: verdict.verified,
    headline: verdict.headline,
    table: verdictTable(verdict, { width: deps.logger.columns?.() ?? Infinity }),
  });
  return verdict;
}

export type { Verdict, VerifyClients, GatherRequest };
