import { constants } from 'node:fs';
import { access, mkdir, stat, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import type { Logger } from '../log/events.js';
import { verdictJunit } from './report-junit.js';
import { verdictMarkdown } from './report-markdown.js';
import type { Verdict } from './verdict.js';

export interface ReportFiles {
  /** `--junit FILE` */
  readonly junit?: string;
  /** `--markdown FILE` */
  readonly markdown?: string;
}

/** A report path that cannot be written: exit 2, said before any AWS call is made. */
export class ReportPathError extends Error {
  readonly exitCode = 2;
}

/**
 * Checks that every requested report file can be written — not a directory, its nearest existing
 * ancestor a writable directory — so a typo fails in a second, not after a verdict was reached.
 */
export async function checkReportPaths(files: ReportFiles, cwd: string): Promise<void> {
  for (const [flag, file] of [
    ['--junit', files.junit],
    ['--markdown', files.markdown],
  ] as const) {
    if (file === undefined) continue;
    if (file.trim() === '') throw new ReportPathError(`${flag} needs a file name`);
    const path = resolve(cwd, file);
    const here = await stat(path).catch(() => undefined);
    if (here?.isDirectory())
      throw new ReportPathError(
        `${flag} ${file}: ${path} is a directory; name a file in it, e.g. ${file.replace(/\/+$/, '')}/report.xml`,
      );
    let dir = dirname(path);
    for (;;) {
      const info = await stat(dir).catch(() => undefined);
      if (info) {
        if (!info.isDirectory())
          throw new ReportPathError(
            `${flag} ${file}: ${dir} is a file, so the report cannot be written under it`,
          );
        // The file itself when it exists (it is overwritten), else the directory it will be made in.
        const target = here ? path : dir;
        const writable = await access(target, constants.W_OK).then(
          () => true,
          () => false,
        );
        if (!writable) throw new ReportPathError(`${flag} ${file}: ${target} is not writable`);
        break;
      }
      const parent = dirname(dir);
      if (parent === dir) break;
      dir = parent;
    }
  }
}

/** Writes the requested report files (relative to `cwd`), creating their directories. */
export async function writeReportFiles(
  verdict: Verdict,
  files: ReportFiles,
  cwd: string,
  logger: Logger,
): Promise<void> {
  const write = async (file: string, content: string, what: string) => {
    const path = resolve(cwd, file);
    try {
      await mkdir(dirname(path), { recursive: true });
      await writeFile(path, content);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? 'error';
      throw new ReportPathError(
        `could not write the ${what} report to ${path}: ${code} (${(error as Error).message})`,
      );
    }
    logger.emit({ kind: 'step', step: `write the ${what} report`, status: 'done', detail: path });
  };
  if (files.junit) await write(files.junit, verdictJunit(verdict), 'JUnit');
  if (files.markdown) await write(files.markdown, verdictMarkdown(verdict), 'Markdown');
}
