import { Option } from 'commander';
import type { ReportCommand } from '../report/html.js';
import type { CommandContext } from './context.js';
import { exitCodeOf } from './errors.js';
import type { CommandAction } from './program.js';

// `--html FILE` on the commands that follow or judge a release (deploy, wait, verify, gate,
// rollback). The report files the command's options name (--junit, --markdown, --html) are checked
// before the command makes its first AWS call, so a typo fails in a second; the HTML page is written
// from the command's result document (what --json prints) once the command ends — also when it
// failed or ended in an error, which is when people need it most — and the exit code stays the
// command's own. The report modules load only when a command runs (src/cli loads no domain code for
// --help).

export function htmlOption(): Option {
  return new Option(
    '--html <file>',
    'write a self-contained HTML report to FILE (verdict, timeline of every instance, fleet, evidence, logs), also when the command fails',
  );
}

interface ReportOptions {
  readonly html?: string;
  readonly junit?: string;
  readonly markdown?: string;
}

/** The action, with its report paths checked first and its HTML report written at its end. */
export function withReports(command: ReportCommand, action: CommandAction): CommandAction {
  return async (ctx: CommandContext, ...args: unknown[]): Promise<number> => {
    const options = (args[args.length - 1] ?? {}) as ReportOptions;
    const { checkReportPaths } = await import('../verify/report-files.js');
    await checkReportPaths(
      {
        ...(options.junit !== undefined ? { junit: options.junit } : {}),
        ...(options.markdown !== undefined ? { markdown: options.markdown } : {}),
        ...(options.html !== undefined ? { html: options.html } : {}),
      },
      ctx.cwd,
    );
    if (options.html === undefined) return action(ctx, ...args);
    const file = options.html;
    let exitCode: number;
    try {
      exitCode = await action(ctx, ...args);
    } catch (error) {
      const code = exitCodeOf(error) ?? 1;
      await writeHtml(ctx, command, file, code, errorOf(error)).catch(() => undefined);
      throw error;
    }
    try {
      await writeHtml(ctx, command, file, exitCode);
    } catch (error) {
      // The command's own failure stays its exit code; a report that cannot be written on success is exit 2.
      if (exitCode !== 0) return exitCode;
      throw error;
    }
    return exitCode;
  };
}

function errorOf(error: unknown): { message: string; code?: string } {
  if (!(error instanceof Error)) return { message: String(error) };
  const code = (error as { code?: unknown }).code?.toString() ?? error.name;
  const message =
    exitCodeOf(error) !== undefined ? error.message : `internal error: ${error.message} (please report this)`;
  return { message, code };
}

async function writeHtml(
  ctx: CommandContext,
  command: ReportCommand,
  file: string,
  exitCode: number,
  error?: { message: string; code?: string },
): Promise<void> {
  const [{ htmlReport }, { writeReport }] = await Promise.all([
    import('../report/html.js'),
    import('../verify/report-files.js'),
  ]);
  const page = htmlReport({
    command,
    exitCode,
    result: ctx.result(),
    ...(error ? { error } : {}),
    ...(ctx.options.env ? { environment: ctx.options.env } : {}),
    generatedAt: new Date(ctx.clock.now()).toISOString(),
  });
  try {
    await writeReport(file, page, 'HTML', ctx.cwd, ctx.output);
  } catch (caught) {
    ctx.output.emit({ kind: 'message', level: 'error', text: (caught as Error).message });
    throw caught;
  }
}
