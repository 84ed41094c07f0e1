// tier: unit
// Report paths are checked before any AWS call: a directory, a file in the way, or a place that
// cannot be written is exit 2 with the flag and the path named.
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { checkReportPaths, ReportPathError } from '../../src/verify/report-files.js';

describe('report paths', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'greenlight-reports-'));
    await mkdir(join(dir, 'reports'));
    await writeFile(join(dir, 'plain-file'), 'x');
  });
  after(() => rm(dir, { recursive: true, force: true }));

  const refused = (files: { junit?: string; markdown?: string }, pattern: RegExp) =>
    assert.rejects(checkReportPaths(files, dir), (error: unknown) => {
      assert.ok(error instanceof ReportPathError);
      assert.equal(error.exitCode, 2);
      assert.match(error.message, pattern);
      return true;
    });

  it('accepts a new file, a file in a directory still to be made, and an existing file', async () => {
    await checkReportPaths({ junit: 'verify.xml', markdown: 'out/deep/verify.md' }, dir);
    await checkReportPaths({ junit: 'plain-file' }, dir);
  });

  it('refuses a directory, a file under a file, and an empty name', async () => {
    await refused({ junit: 'reports' }, /--junit reports: .*reports is a directory; name a file in it/);
    await refused(
      { markdown: 'plain-file/verify.md' },
      /--markdown plain-file\/verify\.md: .*plain-file is a file/,
    );
    await refused({ junit: ' ' }, /--junit needs a file name/);
  });
});
