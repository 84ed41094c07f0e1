// A fault-matrix scenario is data: the world (fleet size), greenlight.yml changes, what each launched
// instance serves, the faults, the action through greenlight's real command line, and the ground
// truth — what really happened — which the judge holds the observed outcome against.
import type { RuleName } from '../../../src/verify/rules.js';
import type { Observed } from '../runner.js';
import type { ScenarioContext, ScenarioSetup } from '../scenario.js';

/** The greenlight command whose outcome the scenario judges (the last one it runs). */
export type MatrixAction = 'apply' | 'deploy' | 'wait' | 'verify' | 'rollback' | 'gate';

export interface Outcome {
  readonly exitCode: number;
  /**
   * The judged verdict (`verified` of the `--json` result). Absent: the command prints none (apply,
   * wait, a refused deploy) and the judge checks that it printed none that says verified.
   */
  readonly verified?: boolean;
  /** Rules the verdict must fail (others may fail too). */
  readonly failing?: readonly RuleName[];
  /** What stderr must name: `launch:N` is the N-th launched instance's id, anything else literal text. */
  readonly names: readonly string[];
}

export interface MatrixTruth extends Outcome {
  /**
   * A second honest outcome a probabilistic fault may force: e.g. exit 3 naming the operation when
   * the SDK's attempts all met a throttle. Never exit 0 for a scenario whose truth is a failure.
   */
  readonly tolerated?: Outcome & { readonly why: string };
  /**
   * The final state of the group and its ASGs (and, for concurrent actions, of every run), read
   * through the real AWS APIs after the faults are cleared: one line per thing that is wrong.
   */
  finalState?(observed: Observed): Promise<string[]>;
}

export interface MatrixScenario extends Omit<ScenarioSetup, 'name'> {
  /** Names the scenario in the table (and to the runner). */
  readonly id: string;
  readonly category: string;
  /** What really happened, in words. */
  readonly groundTruth: string;
  readonly action: MatrixAction;
  /** Whether the scenario's faults fire by probability (the seeds runner varies them). */
  readonly probabilistic?: boolean;
  readonly expect: MatrixTruth;
}

export type { ScenarioContext };
