import { mkdir, writeFile } from 'node:fs/promises';
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

/** Writes the requested report files (relative to `cwd`), creating their directories. */
export async function writeReportFiles(
  verdict: Verdict,
  files: ReportFiles,
  cwd: string,
  logger: Logger,
): Promise<void> {
  const write = async (file: string, content: string, what: string) => {
    const path = resolve(cwd, file);
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, content);
    logger.emit({ kind: 'step', step: `write the ${what} report`, status: 'done', detail: path });
  };
  if (files.junit) await write(files.junit, verdictJunit(verdict), 'JUnit');
  if (files.markdown) await write(files.markdown, verdictMarkdown(verdict), 'Markdown');
}
