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
  /** `--html FILE` (written by the CLI from the command's result: cli/report-option.ts) */
  readonly html?: string;
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
  for (const [flag, file, example] of [
    ['--junit', files.junit, 'report.xml'],
    ['--markdown', files.markdown, 'report.md'],
    ['--html', files.html, 'report.html'],
  ] as const) {
    if (file === undefined) continue;
    if (file.trim() === '') throw new ReportPathError(`${flag} needs a file name`);
    const path = resolve(cwd, file);
    const here = await stat(path).catch(() => undefined);
    if (here?.isDirectory())
      throw new ReportPathError(
        `${flag} ${file}: ${path} is a directory; name a file in it, e.g. ${file.replace(/\/+$/, '')}/${example}`,
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

/** Writes one report (relative to `cwd`), creating its directory, and says where. */
export async function writeReport(
  file: string,
  content: string,
  what: string,
  cwd: string,
  logger: Logger,
): Promise<void> {
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
}

/** Writes the requested JUnit and Markdown reports of a verdict. */
export async function writeReportFiles(
  verdict: Verdict,
  files: ReportFiles,
  cwd: string,
  logger: Logger,
): Promise<void> {
  if (files.junit) await writeReport(files.junit, verdictJunit(verdict), 'JUnit', cwd, logger);
  if (files.markdown) await writeReport(files.markdown, verdictMarkdown(verdict), 'Markdown', cwd, logger);
}
