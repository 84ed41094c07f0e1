import type { Command } from 'commander';
import { ExitCode } from '../errors.js';
import type { CommandContext } from '../context.js';
import type { Runner } from '../program.js';

export function registerAppspec(program: Command, run: Runner): void {
  const appspec = program.command('appspec').description('work with appspec.yml');
  appspec
    .command('lint')
    .description('check an appspec.yml (and the scripts it names) the way the CodeDeploy agent would')
    .argument('[path]', 'appspec.yml, or the bundle directory holding it', 'appspec.yml')
    .action(run((ctx, path: string) => lintAppSpec(ctx, path)));
}

/** Prints every problem; exit 2 when the agent would reject the bundle, 0 with warnings only. */
async function lintAppSpec(ctx: CommandContext, path: string): Promise<number> {
  const [{ formatProblem, hasErrors }, { lintAppSpecPath }] = await Promise.all([
    import('../../appspec/appspec.js'),
    import('../../appspec/bundle.js'),
  ]);
  const lint = await lintAppSpecPath(path, { cwd: ctx.cwd });
  for (const problem of lint.problems) {
    ctx.output.emit({
      kind: 'message',
      level: problem.severity === 'error' ? 'error' : 'warn',
      text: formatProblem(problem),
    });
  }
  ctx.setResult(lint.problems);
  const errors = lint.problems.filter((problem) => problem.severity === 'error').length;
  const warnings = lint.problems.length - errors;
  const name = lint.appSpecFile ?? path;
  const summary =
    lint.problems.length === 0
      ? `${name}: no problems`
      : `${name}: ${plural(errors, 'error')}, ${plural(warnings, 'warning')}`;
  ctx.output.emit({ kind: 'message', level: 'info', text: summary });
  return hasErrors(lint.problems) ? ExitCode.Usage : ExitCode.Ok;
}

function plural(count: number, word: string): string {
  return `${count} ${word}${count === 1 ? '' : 's'}`;
}
