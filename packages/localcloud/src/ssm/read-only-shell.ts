// What a synthetic instance (no process, no file system) can do with AWS-RunShellScript: read the
// files the local cloud simulates for it (its agent's scripts.log, simulated-log.ts), with the few
// commands a person uses for that, exactly as GNU coreutils would answer them:
//
//   cat FILE...                         head -n N | -c N | -N [FILE]
//   tail -n N | -n +N | -c N | -c +N | -N [FILE]
//   wc -c | -l | -w [FILE]
//
// one or more per line, joined by `|`; words quoted with '…' or "…" (no expansion). Each line runs
// as sh runs a script's lines (no `set -e`: the script's exit status is its last line's; a
// pipeline's, its last command's). Anything else — another program, `;`, `&&`, redirections,
// variables, globs — is not run and not faked: it is named on stderr with a non-zero status (127
// for a program, 2 for syntax), as a shell would fail it.
import { posix } from 'node:path';

export interface SimulatedFileSystem {
  /** The file's bytes, or undefined when there is no such file. */
  read(path: string): Buffer | undefined;
  /** Whether some simulated file lies under this path. */
  isDirectory(path: string): boolean;
}

export interface ShellRun {
  readonly exitCode: number;
  readonly stdout: Buffer;
  readonly stderr: string;
}

/** The commands a synthetic instance runs: said in every refusal. */
export const READ_COMMANDS = 'cat, head, tail and wc';

const EXPLAIN = `a synthetic instance of the local cloud runs no processes; it reads its simulated files with ${READ_COMMANDS}`;

class SyntaxRefusal extends Error {}

/** Words of one line, split on `|`; a refusal for any shell syntax beyond quoting. */
function parseLine(line: string): string[][] {
  const commands: string[][] = [[]];
  let word: string | undefined;
  const end = () => {
    if (word !== undefined) (commands[commands.length - 1] as string[]).push(word);
    word = undefined;
  };
  for (let i = 0; i < line.length; i++) {
    const c = line[i] as string;
    if (c === ' ' || c === '\t') {
      end();
    } else if (c === '#' && word === undefined) {
      break;
    } else if (c === "'") {
      const close = line.indexOf("'", i + 1);
      if (close < 0) throw new SyntaxRefusal('an unterminated quote');
      word = (word ?? '') + line.slice(i + 1, close);
      i = close;
    } else if (c === '"') {
      const close = line.indexOf('"', i + 1);
      if (close < 0) throw new SyntaxRefusal('an unterminated quote');
      const inside = line.slice(i + 1, close);
      if (/[$`\\]/.test(inside)) throw new SyntaxRefusal(`expansion in "${inside}"`);
      word = (word ?? '') + inside;
      i = close;
    } else if (c === '\\' && i + 1 < line.length) {
      word = (word ?? '') + (line[i + 1] as string);
      i++;
    } else if (c === '|') {
      if (line[i + 1] === '|') throw new SyntaxRefusal('"||"');
      end();
      if ((commands[commands.length - 1] as string[]).length === 0) throw new SyntaxRefusal('an empty pipe');
      commands.push([]);
    } else if (';&<>()$`*?[]{}~'.includes(c)) {
      throw new SyntaxRefusal(`"${c}"`);
    } else {
      word = (word ?? '') + c;
    }
  }
  end();
  if ((commands[commands.length - 1] as string[]).length === 0) {
    if (commands.length > 1) throw new SyntaxRefusal('an empty pipe');
    return [];
  }
  return commands;
}

/** One command's outcome: its stdout (the next command's stdin), its stderr, its status. */
interface Step {
  readonly code: number;
  readonly out: Buffer;
  readonly err: string;
}

const ok = (out: Buffer): Step => ({ code: 0, out, err: '' });
const fail = (code: number, err: string): Step => ({ code, out: Buffer.alloc(0), err: `${err}\n` });

/** A count option: `-n 5`, `-n5`, `-5`, `-c +10`; `plus` for the `+N` form (from line/byte N). */
interface Count {
  readonly unit: 'lines' | 'bytes';
  readonly n: number;
  readonly plus: boolean;
}

function parseCountArgs(
  name: 'head' | 'tail',
  args: readonly string[],
): { count: Count; files: string[] } | string {
  let count: Count = { unit: 'lines', n: 10, plus: false };
  const files: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] as string;
    const option = /^-([nc])(.*)$/.exec(arg);
    if (option) {
      const value = option[2] !== '' ? option[2] : args[++i];
      const parsed = /^(\+?)(\d+)$/.exec(value ?? '');
      if (!parsed || (parsed[1] === '+' && name === 'head'))
        return `${name}: invalid number of ${option[1] === 'n' ? 'lines' : 'bytes'}: '${value ?? ''}'`;
      count = { unit: option[1] === 'n' ? 'lines' : 'bytes', n: Number(parsed[2]), plus: parsed[1] === '+' };
    } else if (/^-\d+$/.test(arg)) {
      count = { unit: 'lines', n: Number(arg.slice(1)), plus: false };
    } else if (arg.startsWith('-') && arg !== '-') {
      return `${name}: option ${arg} is not one ${EXPLAIN.replace('its simulated files with', 'with')} supports (-n N, -c N${name === 'tail' ? ', +N' : ''})`;
    } else {
      files.push(arg);
    }
  }
  return { count, files };
}

function splitLines(data: Buffer): Buffer[] {
  const lines: Buffer[] = [];
  let start = 0;
  for (let i = 0; i < data.length; i++) {
    if (data[i] === 0x0a) {
      lines.push(data.subarray(start, i + 1));
      start = i + 1;
    }
  }
  if (start < data.length) lines.push(data.subarray(start));
  return lines;
}

function head(data: Buffer, count: Count): Buffer {
  if (count.unit === 'bytes') return data.subarray(0, count.n);
  return Buffer.concat(splitLines(data).slice(0, count.n));
}

function tail(data: Buffer, count: Count): Buffer {
  if (count.unit === 'bytes') {
    if (count.plus) return data.subarray(Math.max(0, count.n - 1));
    return count.n === 0 ? Buffer.alloc(0) : data.subarray(Math.max(0, data.length - count.n));
  }
  const lines = splitLines(data);
  if (count.plus) return Buffer.concat(lines.slice(Math.max(0, count.n - 1)));
  return count.n === 0 ? Buffer.alloc(0) : Buffer.concat(lines.slice(-count.n));
}

export interface ShellOptions {
  readonly files: SimulatedFileSystem;
  /** Relative paths resolve against it (the document's workingDirectory, else `/`). */
  readonly cwd?: string;
}

/** Runs the document's commands (one entry per line, as AWS-RunShellScript writes them to its script). */
export function runReadOnlyScript(commands: readonly string[], options: ShellOptions): ShellRun {
  const cwd = options.cwd ?? '/';
  const lines = commands.flatMap((command) => command.split('\n'));
  const stdout: Buffer[] = [];
  let stderr = '';
  let exitCode = 0;
  lines.forEach((line, index) => {
    let pipeline: string[][];
    try {
      pipeline = parseLine(line);
    } catch (error) {
      if (!(error instanceof SyntaxRefusal)) throw error;
      stderr += `sh: line ${index + 1}: not run: ${error.message}: ${EXPLAIN}\n`;
      exitCode = 2;
      return;
    }
    if (pipeline.length === 0) return;
    let input: Buffer = Buffer.alloc(0);
    let last: Step = ok(input);
    for (const [name = '', ...args] of pipeline) {
      last = runCommand(name, args, input, { files: options.files, cwd }, index + 1);
      stderr += last.err;
      input = last.out;
    }
    stdout.push(last.out);
    exitCode = last.code;
  });
  return { exitCode, stdout: Buffer.concat(stdout), stderr };
}

function runCommand(
  name: string,
  args: readonly string[],
  stdin: Buffer,
  options: { files: SimulatedFileSystem; cwd: string },
  line: number,
): Step {
  const open = (command: string, file: string, cannotOpen: boolean): Buffer | Step => {
    if (file === '-') return stdin;
    const path = posix.resolve(options.cwd, file);
    const data = options.files.read(path);
    if (data !== undefined) return data;
    const why = options.files.isDirectory(path) ? 'Is a directory' : 'No such file or directory';
    return fail(
      1,
      cannotOpen ? `${command}: cannot open '${file}' for reading: ${why}` : `${command}: ${file}: ${why}`,
    );
  };
  switch (name) {
    case 'cat': {
      const options = args.filter((a) => a.startsWith('-') && a !== '-');
      if (options.length > 0) return fail(1, `cat: option ${options[0]} is not supported: ${EXPLAIN}`);
      if (args.length === 0) return ok(stdin);
      const parts: Buffer[] = [];
      let err = '';
      let code = 0;
      for (const file of args) {
        const data = open('cat', file, false);
        if (Buffer.isBuffer(data)) parts.push(data);
        else {
          err += data.err;
          code = 1;
        }
      }
      return { code, out: Buffer.concat(parts), err };
    }
    case 'head':
    case 'tail': {
      const parsed = parseCountArgs(name, args);
      if (typeof parsed === 'string') return fail(1, parsed);
      if (parsed.files.length > 1) return fail(1, `${name}: one file at a time here: ${EXPLAIN}`);
      const file = parsed.files[0];
      const data = file === undefined ? stdin : open(name, file, true);
      if (!Buffer.isBuffer(data)) return data;
      return ok(name === 'head' ? head(data, parsed.count) : tail(data, parsed.count));
    }
    case 'wc': {
      const options = args.filter((a) => a.startsWith('-') && a !== '-');
      const files = args.filter((a) => !a.startsWith('-') || a === '-');
      if (options.length !== 1 || !['-c', '-l', '-w'].includes(options[0] as string) || files.length > 1)
        return fail(1, `wc: one of -c, -l or -w and at most one file here: ${EXPLAIN}`);
      const file = files[0];
      const data = file === undefined ? stdin : open('wc', file, false);
      if (!Buffer.isBuffer(data)) return data;
      const n =
        options[0] === '-c'
          ? data.length
          : options[0] === '-l'
            ? data.filter((byte) => byte === 0x0a).length
            : data.toString('utf8').split(/\s+/).filter(Boolean).length;
      return ok(Buffer.from(file === undefined ? `${n}\n` : `${n} ${file}\n`));
    }
    default:
      return fail(127, `sh: line ${line}: ${name}: not found: ${EXPLAIN}`);
  }
}
