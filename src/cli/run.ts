import { CommanderError, type Command } from 'commander';
import { Output, type TextSink } from '../log/output.js';
import type { Clock } from '../clock.js';
import type { GlobalOptions } from './context.js';
import { ExitCode, UsageError, exitCodeOf } from './errors.js';
import { buildProgram, type CommandAction, type Runner } from './program.js';

export interface CliIo {
  stdout: TextSink;
  stderr: TextSink & { isTTY?: boolean };
  env: Readonly<Record<string, string | undefined>>;
  cwd: string;
  signal: AbortSignal;
  /**
   * Time for the commands' waits (default: GREENLIGHT_CLOCK's accelerated time when it is set, else
   * the system clock); tests pass a virtual one.
   */
  clock?: Clock;
  /** The wall GREENLIGHT_CLOCK's time is computed from (default: the system clock); tests move their own. */
  wall?: Clock;
  /** Where a command that asks questions (init) reads the answers; prompts go to stderr. */
  stdin?: NodeJS.ReadableStream & { isTTY?: boolean };
}

/**
 * Runs greenlight with `argv` (the arguments after the program name) and resolves to the exit code.
 * Never throws and never exits the process: the caller sets process.exitCode.
 */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  let exitCode: number = ExitCode.Ok;
  const write = { out: (s: string) => void io.stdout.write(s), err: (s: string) => void io.stderr.write(s) };

  const run: Runner =
    (action: CommandAction) =>
    async (...commanderArgs: unknown[]) => {
      const command = commanderArgs[commanderArgs.length - 1] as Command;
      const positionals = commanderArgs.slice(0, -1);
      const options = globalOptions(command.optsWithGlobals(), io.env);
      const interactive = Boolean(io.stderr.isTTY) && !io.env.CI && io.env.TERM !== 'dumb';
      // Imported once a command runs: --version and --help load no configuration or SDK code.
      const [{ createContext }, { clockFromEnvironment }] = await Promise.all([
        import('./context.js'),
        import('./clock-env.js'),
      ]);
      // Before the output starts its heartbeat: a refused GREENLIGHT_CLOCK ends the command (exit 2).
      const clock = io.clock ?? clockFromEnvironment(io.env, io.wall);
      const output = new Output({
        stdout: io.stdout,
        stderr: io.stderr,
        human: interactive ? 'tty' : 'plain',
        json: options.json,
        verbose: options.verbose,
      });
      const ctx = await createContext({
        options,
        output,
        env: io.env,
        cwd: io.cwd,
        signal: io.signal,
        stdout: io.stdout,
        ...(clock ? { clock } : {}),
        ...(io.stdin ? { terminal: { input: io.stdin, output: io.stderr } } : {}),
      });
      let error: { message: string; code?: string } | undefined;
      try {
        exitCode = await action(ctx, ...positionals);
      } catch (caught) {
        exitCode = exitCodeOf(caught) ?? ExitCode.Failed;
        error = { message: describe(caught, options.verbose), code: errorName(caught) };
        output.emit({ kind: 'message', level: 'error', text: error.message });
      } finally {
        output.close({ exitCode, data: ctx.result(), ...(error ? { error } : {}) });
        ctx.dispose();
      }
    };

  const program = buildProgram(run, write);
  try {
    await program.parseAsync(normalizeArgv(argv), { from: 'user' });
  } catch (caught) {
    if (caught instanceof CommanderError) {
      const ok = ['commander.helpDisplayed', 'commander.version', 'commander.help'].includes(caught.code);
      // `greenlight` alone shows help on stderr and is a usage error, like any missing sub-command.
      return ok && caught.exitCode === 0 ? ExitCode.Ok : ExitCode.Usage;
    }
    write.err(`error: ${describe(caught, true)}\n`);
    return exitCodeOf(caught) ?? ExitCode.Failed;
  }
  return exitCode;
}

/** `--json=lines` and `--json=document` are spelled as hidden boolean flags for commander. */
function normalizeArgv(argv: readonly string[]): string[] {
  const out: string[] = [];
  for (const arg of argv) {
    if (arg === '--') {
      out.push(...argv.slice(argv.indexOf(arg)));
      break;
    }
    if (arg === '--json=lines') out.push('--json-lines');
    else if (arg === '--json=document') out.push('--json');
    else if (arg.startsWith('--json=')) {
      throw new UsageError(`--json takes "lines" or "document", not "${arg.slice('--json='.length)}"`);
    } else out.push(arg);
  }
  return out;
}

function globalOptions(
  opts: Record<string, unknown>,
  env: Readonly<Record<string, string | undefined>>,
): GlobalOptions {
  const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);
  const region = str(opts.region);
  const profile = str(opts.profile);
  const name = str(opts.env);
  return {
    ...(name ? { env: name } : {}),
    config: str(opts.config) ?? str(env.GREENLIGHT_CONFIG) ?? 'greenlight.yml',
    json: opts.jsonLines ? 'lines' : opts.json ? 'document' : 'off',
    ...(region ? { region } : {}),
    ...(profile ? { profile } : {}),
    verbose: Boolean(opts.verbose),
  };
}

function errorName(error: unknown): string | undefined {
  if (error instanceof Error) return (error as { code?: unknown }).code?.toString() ?? error.name;
  return undefined;
}

/** Known errors are reported by their message; anything else is a bug, shown with its stack on --verbose. */
function describe(error: unknown, verbose: boolean): string {
  if (!(error instanceof Error)) return String(error);
  if (exitCodeOf(error) !== undefined) return error.message;
  const text = `internal error: ${error.message} (please report this; --verbose shows where it happened)`;
  return verbose && error.stack ? `${text}\n${error.stack}` : text;
}
