// The fault matrix: every scenario, in the order the table shows them.
import { apiFaults } from './api-faults.js';
import { environmentScenarios } from './environment.js';
import { fleetChanges } from './fleet-changes.js';
import { gateScenarios } from './gate.js';
import { inPlaceScenarios } from './in-place.js';
import { instanceFailures } from './instance-failures.js';
import type { MatrixScenario } from './matrix-scenario.js';
import { racesAndHistory } from './races-and-history.js';
import { rollbackTruth } from './rollback-truth.js';

export const matrix: readonly MatrixScenario[] = [
  ...instanceFailures,
  ...fleetChanges,
  ...apiFaults,
  ...racesAndHistory,
  ...rollbackTruth,
  ...gateScenarios,
  ...environmentScenarios,
  ...inPlaceScenarios,
];

/** The seed `npm test` runs the matrix with. */
export const FIXED_SEED = 20240610;
