import type { Severity } from './appspec.js';

// What can be told from a hook script's text about how the agent will run it. The agent execs the
// script directly (su <runas> -c <path> with runas), reads its stdout and stderr until both close, and
// kills it at its timeout.

export interface ScriptFinding {
  readonly severity: Severity;
  /** 1-based line in the script, when the finding is about one line. */
  readonly line?: number;
  readonly message: string;
}

const ELF_MAGIC = '\x7fELF';

/** Findings about the text of one hook script. */
export function checkHookScript(text: string): ScriptFinding[] {
  if (text.startsWith(ELF_MAGIC)) return [];
  if (text.trim() === '') return [{ severity: 'warning', message: 'is empty' }];
  const findings: ScriptFinding[] = [];
  const lines = text.split('\n');

  const crlf = lines.findIndex((line) => line.endsWith('\r'));
  if (crlf >= 0) {
    findings.push({
      severity: 'error',
      line: crlf + 1,
      message:
        'has Windows line endings (CRLF): the kernel looks for an interpreter whose name ends in \\r ("bad interpreter") and bash reads \\r as part of each command; convert it to LF (dos2unix, or "*.sh text eol=lf" in .gitattributes)',
    });
  }
  if (!text.startsWith('#!')) {
    findings.push({
      severity: 'error',
      line: 1,
      message:
        'has no #! line: the agent executes the file itself, and without one it runs under /bin/sh whatever shell it was written for; start it with #!/usr/bin/env bash (or its interpreter)',
    });
  }

  lines.forEach((raw, index) => {
    const line = withoutComment(raw.replace(/\r$/, ''));
    if (setsPositionalPipefail(line)) {
      findings.push({
        severity: 'warning',
        line: index + 1,
        message: `"${line.trim()}" does not turn pipefail on: a word after the flags sets $1 to "pipefail"; write set -euo pipefail`,
      });
    }
    if (backgroundsWithOpenOutput(line)) {
      findings.push({
        severity: 'warning',
        line: index + 1,
        message:
          'starts a background process that keeps the script’s stdout open: the agent waits for it to close and fails the event at the timeout ("failed to close STDOUT"); redirect its output and input (> file 2>&1 < /dev/null) or start it with systemctl',
      });
    }
  });
  return findings;
}

/** The line without a trailing `# comment` (a `#` that starts a word), close enough for these checks. */
function withoutComment(line: string): string {
  const match = /(^|\s)#/.exec(line);
  return match === null ? line : line.slice(0, match.index);
}

/** `set -xeE pipefail`: pipefail is not an option argument here, so it becomes $1 and nothing is set. */
function setsPositionalPipefail(line: string): boolean {
  const words = line.trim().split(/\s+/);
  if (words[0] !== 'set') return false;
  const at = words.indexOf('pipefail');
  if (at < 1) return false;
  const before = words[at - 1] ?? '';
  return !/^[-+][A-Za-z]*o$/.test(before);
}

function backgroundsWithOpenOutput(line: string): boolean {
  const trimmed = line.trimEnd();
  if (!/(^|[^&])&$/.test(trimmed)) return false;
  // A redirection of stdout (>, >>, 1>, &>) means the process no longer writes to the agent's pipe;
  // 2>&1 alone does not.
  return !/(^|[^0-9<>&])>|&>|(^|\s)1>/.test(trimmed);
}
