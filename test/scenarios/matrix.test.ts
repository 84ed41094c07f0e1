// tier: e2e
// The fault matrix (issue 10) against the local cloud with a fixed seed: every scenario's observed
// outcome against its ground truth, the table printed, and no failure ever reported as verified.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startScenarioHarness, type ScenarioHarness } from './runner.js';
import { FIXED_SEED, matrix } from './matrix/index.js';
import { runScenario } from './matrix/run-matrix.js';
import { matrixTable, summarize, summaryLine, type MatrixRow } from './matrix/table.js';
import { scenarios as verifierScenarios } from './scenario.js';

describe(`fault matrix (seed ${FIXED_SEED})`, () => {
  let harness: ScenarioHarness;
  const rows: MatrixRow[] = [];
  before(async () => {
    harness = await startScenarioHarness({ seed: FIXED_SEED });
  });
  after(async () => {
    await harness.close();
    if (rows.length > 0) process.stderr.write(`${matrixTable(rows)}\n${summaryLine(summarize(rows))}\n`);
  });

  it('has at least 40 scenarios of its own, with unique ids, none a copy of a verifier scenario', () => {
    assert.ok(matrix.length >= 40, `${matrix.length} scenarios`);
    const ids = matrix.map((s) => s.id);
    assert.equal(new Set(ids).size, ids.length, 'unique ids');
    const verifierTruths = new Set(verifierScenarios.map((s) => s.groundTruth));
    for (const s of matrix)
      assert.ok(!verifierTruths.has(s.groundTruth), `${s.id} repeats a verifier scenario`);
    for (const action of ['apply', 'deploy', 'wait', 'verify', 'rollback', 'gate'])
      assert.ok(
        matrix.some((s) => s.action === action),
        `some scenario judges ${action}`,
      );
  });

  for (const scenario of matrix) {
    it(`${scenario.id} — ${scenario.groundTruth}`, async () => {
      const row = await runScenario(harness, scenario);
      rows.push(row);
      if (scenario.expect.exitCode !== 0)
        assert.ok(!row.falseVerified, `a failure must never end verified: ${row.observed}`);
      assert.ok(row.pass, `expected ${row.expected}, observed ${row.observed}\n${row.problems.join('\n')}`);
    });
  }
});
