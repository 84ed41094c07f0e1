// tier: rehearsal
// Finding B4 of issue 17, with real instances (the synthetic agent runs no hooks, so an image's
// `lacks` cannot fail it): the local cloud's Amazon Linux 2023 has no Node.js, as AWS's has none, and
// hooks/before-install.sh needs 20 or later. Its scenario: the launch template's user data without
// the Node.js install, as the template first had it (findings/b4-no-node-in-user-data.patch): every
// green instance fails BeforeInstall. The shipped template's user data installs nodejs20 with dnf
// (the local cloud's dnf gives an instance the Node.js it runs on, instance/packages.ts), and dev's
// first deployment goes through every hook. Branch rehearsals: prod's jobs are filtered out.
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { finding, jobsOf, type Rehearsal, rehearse, scratchDir, tail } from './findings/support.js';

describe('greenlight rehearse --agent real: Node.js on a stock Amazon Linux 2023 (finding B4)', () => {
  const work = scratchDir('b4');
  let shipped: Rehearsal;
  let patched: Rehearsal;

  before(async () => {
    // Two local clouds side by side: each run waits on its own accelerated clock, not on the CPU.
    [shipped, patched] = await Promise.all([
      rehearse(work('shipped'), '--agent', 'real', '--branch', 'feature/x'),
      rehearse(
        work('b4'),
        '--agent',
        'real',
        '--branch',
        'feature/x',
        '--patch',
        finding('b4-no-node-in-user-data'),
      ),
    ]);
  });

  it('B4: without Node.js in the user data, every green instance fails BeforeInstall', () => {
    assert.equal(patched.code, 1, tail(patched));
    const codeDeploy = patched.result.pipelines[0]?.jobs.find((j) => j.name === 'code_deploy_dev');
    assert.equal(codeDeploy?.outcome, 'failed');
    assert.match(
      patched.stderr,
      /\[code_deploy_dev\].*FAILED in step "check node": node is not installed \(or not on PATH\)/,
    );
    assert.match(patched.stderr, /\[code_deploy_dev\].*failed BeforeInstall \(hooks\/before-install\.sh\)/);
    assert.deepEqual(jobsOf(patched).slice(-1), [['gate_dev', 'not_run']]);
  });

  it("B4 fixed: the user data installs nodejs20, and dev's first deployment runs every hook and passes the gate", () => {
    assert.equal(shipped.code, 0, tail(shipped));
    assert.deepEqual(jobsOf(shipped), [
      ['test', 'skipped'],
      ['sam_deploy_dev', 'success'],
      ['code_deploy_dev', 'success'],
      ['gate_dev', 'success'],
    ]);
    assert.doesNotMatch(shipped.stderr, /failed BeforeInstall/);
  });
});
