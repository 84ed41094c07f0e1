// `npm run scenarios -- --seeds N`: the fault matrix N times, each with another seed for the local
// cloud's random (so probabilistic faults fire on other calls), a table per seed and a summary.
// Exit 1 if any scenario failed under any seed, or any failure ended verified.
import { parseArgs } from 'node:util';
import { startScenarioHarness } from '../test/scenarios/runner.js';
import { FIXED_SEED, matrix } from '../test/scenarios/matrix/index.js';
import { runMatrix } from '../test/scenarios/matrix/run-matrix.js';
import { matrixTable, summarize, summaryLine } from '../test/scenarios/matrix/table.js';

const { values } = parseArgs({
  options: {
    seeds: { type: 'string', default: '5' },
    first: { type: 'string', default: String(FIXED_SEED + 1) },
    only: { type: 'string' },
  },
});
const seeds = Number(values.seeds);
const first = Number(values.first);
if (!Number.isInteger(seeds) || seeds < 1 || !Number.isInteger(first)) {
  process.stderr.write('usage: scenarios.ts [--seeds N] [--first SEED] [--only SUBSTRING]\n');
  process.exitCode = 2;
} else {
  // --only a,b: the scenarios whose id contains any of the comma-separated substrings.
  const wanted = (values.only ?? '').split(',').filter((w) => w !== '');
  const chosen = wanted.length > 0 ? matrix.filter((s) => wanted.some((w) => s.id.includes(w))) : matrix;
  const totals: string[] = [];
  let bad = 0;
  for (let i = 0; i < seeds; i++) {
    const seed = first + i;
    const harness = await startScenarioHarness({ seed });
    try {
      const started = performance.now();
      const rows = await runMatrix(harness, chosen, (row) =>
        process.stderr.write(
          `seed ${seed}: ${row.pass ? 'pass' : 'FAIL'} ${row.id} (${Math.round(row.ms)} ms)\n`,
        ),
      );
      const summary = summarize(rows);
      const seconds = ((performance.now() - started) / 1000).toFixed(1);
      process.stdout.write(
        `\n## seed ${seed}\n\n${matrixTable(rows)}\n\n${summaryLine(summary)} in ${seconds} s\n`,
      );
      totals.push(`seed ${seed}: ${summaryLine(summary)}`);
      bad += summary.failed + summary.falseVerified;
    } finally {
      await harness.close();
    }
  }
  process.stdout.write(`\n## summary: ${chosen.length} scenarios × ${seeds} seeds\n\n${totals.join('\n')}\n`);
  process.exitCode = bad > 0 ? 1 : 0;
}
