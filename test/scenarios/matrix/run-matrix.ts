// Executes fault-matrix scenarios one after another against one local cloud (reset between them) and
// judges each. A scenario whose own moves break (not greenlight's outcome) is a failed row, not a crash.
import { judge } from './judge.js';
import type { MatrixScenario } from './matrix-scenario.js';
import type { ScenarioHarness } from '../runner.js';
import type { MatrixRow } from './table.js';

export async function runScenario(harness: ScenarioHarness, scenario: MatrixScenario): Promise<MatrixRow> {
  const started = performance.now();
  const base = { category: scenario.category, action: scenario.action };
  try {
    const observed = await harness.run({ ...scenario, name: scenario.id });
    const judgement = await judge(harness.cloud, scenario, observed);
    if (!judgement.pass) {
      const tail = observed.last.stderr.split('\n').slice(-12).join('\n    | ');
      return {
        ...judgement,
        ...base,
        problems: [...judgement.problems, `stderr (tail):\n    | ${tail}`],
        ms: performance.now() - started,
      };
    }
    return { ...judgement, ...base, ms: performance.now() - started };
  } catch (error) {
    return {
      ...base,
      id: scenario.id,
      expected: `exit ${scenario.expect.exitCode}`,
      observed: 'scenario broke',
      pass: false,
      tolerated: false,
      falseVerified: false,
      problems: [error instanceof Error ? (error.stack ?? error.message) : String(error)],
      ms: performance.now() - started,
    };
  }
}

export async function runMatrix(
  harness: ScenarioHarness,
  scenarios: readonly MatrixScenario[],
  onRow: (row: MatrixRow) => void = () => undefined,
): Promise<MatrixRow[]> {
  const rows: MatrixRow[] = [];
  for (const scenario of scenarios) {
    const row = await runScenario(harness, scenario);
    rows.push(row);
    onRow(row);
  }
  return rows;
}
