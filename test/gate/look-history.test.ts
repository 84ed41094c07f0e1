// tier: unit
// The gate keeps what each look saw for the report's history of the bake, bounded: a long bake's
// history stays evenly spread from its first look to its latest.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MAX_LOOK_HISTORY, recordLook, type GateLook, type LookHistory } from '../../src/gate/gate.js';

const look = (n: number): GateLook => ({
  look: n,
  at: new Date(Date.UTC(2026, 0, 1) + n * 15_000).toISOString(),
  ok: true,
  alarms: [{ name: 'web-dev-5xx', state: 'OK' }],
  targetGroups: [{ name: 'web-dev-tg', healthy: 3, total: 3 }],
  served: 'pass',
  versions: [{ version: 'c'.repeat(40), answers: 3 }],
});

function bake(looks: number, max = MAX_LOOK_HISTORY): LookHistory {
  let history: LookHistory = { stride: 1, looks: [] };
  for (let n = 1; n <= looks; n++) {
    history = recordLook(history, look(n), max);
    assert.ok(history.looks.length <= max + 1, `${history.looks.length} looks kept after ${n}`);
  }
  return history;
}

describe('the gate’s look history', () => {
  it('keeps every look of a bake shorter than the bound', () => {
    assert.deepEqual(
      bake(40).looks,
      Array.from({ length: 40 }, (_, n) => look(n + 1)),
    );
  });

  for (const looks of [MAX_LOOK_HISTORY + 1, MAX_LOOK_HISTORY + 2, 10 * MAX_LOOK_HISTORY + 7, 100_003]) {
    it(`${looks} looks: bounded, the first and the latest kept, evenly spread in order`, () => {
      const { looks: kept, stride } = bake(looks);
      assert.deepEqual(kept[0], look(1));
      assert.deepEqual(kept.at(-1), look(looks));
      assert.ok(kept.length > MAX_LOOK_HISTORY / 2, `${kept.length} looks kept`);
      // Every gap but the one before the latest look is the stride: no stretch of the bake is left out.
      const numbers = kept.map((l) => l.look);
      const gaps = numbers.slice(1).map((n, i) => n - (numbers[i] ?? 0));
      assert.ok(
        gaps.slice(0, -1).every((g) => g === stride),
        `stride ${stride}: ${gaps.join(',')}`,
      );
      assert.ok((gaps.at(-1) ?? 0) >= 1 && (gaps.at(-1) ?? 0) <= stride);
    });
  }
});
