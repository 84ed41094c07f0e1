// The shell blocks of a README, as test/readme/readme.test.ts runs them. A fenced block whose language
// is sh, bash or shell is a block a reader would run, unless the nearest non-blank line above its
// fence is a directive:
//
//   <!-- readme-test: skip: WHY -->          an illustration (CI-only, real-AWS-only …): not run, WHY shown
//   <!-- readme-test: keep-output: WHY -->   the lines `npm start -- --keep` prints: compared with what it
//                                            prints, and what it printed is run
//
// Blocks in other languages (yaml, json, ts, plain) are not commands.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const repoRoot = fileURLToPath(new URL('../../', import.meta.url));

/** The READMEs whose shell blocks are run, relative to the repository's root. */
export const READMES = ['README.md', 'packages/localcloud/README.md'] as const;

/** Where a README's lines say the local cloud listens; the test puts the port it printed instead. */
export const PLACEHOLDER_PORT = 4566;

export type Directive = { kind: 'skip'; reason: string } | { kind: 'keep-output'; reason: string };

export interface FencedBlock {
  readonly file: string;
  /** 1-based line of the opening fence. */
  readonly line: number;
  readonly lang: string;
  readonly text: string;
  readonly directive?: Directive;
}

const SHELL = new Set(['sh', 'bash', 'shell']);
const DIRECTIVE = /^<!--\s*readme-test:\s*([a-z-]+)\s*(?::\s*([\s\S]*?))?\s*-->$/;

export function readReadme(file: string): string {
  return readFileSync(new URL(file, `file://${repoRoot}`), 'utf8');
}

/** Every fenced block of a Markdown text, with the directive above it (an unknown one throws). */
export function fencedBlocks(markdown: string, file: string): FencedBlock[] {
  const lines = markdown.split('\n');
  const blocks: FencedBlock[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^```(\w*)\s*$/.exec(lines[i]!);
    if (!open) continue;
    const start = i;
    const body: string[] = [];
    for (i++; i < lines.length && !/^```\s*$/.test(lines[i]!); i++) body.push(lines[i]!);
    let above = start - 1;
    while (above >= 0 && lines[above]!.trim() === '') above--;
    const marker = above >= 0 ? DIRECTIVE.exec(lines[above]!.trim()) : null;
    let directive: Directive | undefined;
    if (marker) {
      const [, kind, reason = ''] = marker;
      if (kind !== 'skip' && kind !== 'keep-output') {
        throw new Error(`${file}:${above + 1}: unknown readme-test directive ${JSON.stringify(kind)}`);
      }
      directive = { kind, reason };
    }
    blocks.push({
      file,
      line: start + 1,
      lang: open[1] ?? '',
      text: body.join('\n'),
      ...(directive ? { directive } : {}),
    });
  }
  return blocks;
}

export function shellBlocks(markdown: string, file: string): FencedBlock[] {
  return fencedBlocks(markdown, file).filter((b) => SHELL.has(b.lang));
}

/**
 * The commands of a shell block: comment-only and blank lines dropped, lines ending in a backslash
 * joined with the next.
 */
export function commandsOf(text: string): string[] {
  const commands: string[] = [];
  let current = '';
  for (const line of text.split('\n')) {
    if (current === '' && /^\s*(#.*)?$/.test(line)) continue;
    current = current === '' ? line : `${current}\n${line}`;
    if (/\\\s*$/.test(line)) continue;
    commands.push(current);
    current = '';
  }
  if (current !== '') commands.push(current);
  return commands;
}

/** A command without its trailing comment (a `#` after whitespace, outside quotes). */
export function withoutComment(command: string): string {
  let quote: string | undefined;
  for (let i = 0; i < command.length; i++) {
    const c = command[i]!;
    if (quote) {
      if (c === quote) quote = undefined;
    } else if (c === '"' || c === "'") {
      quote = c;
    } else if (c === '#' && (i === 0 || /\s/.test(command[i - 1]!))) {
      return command.slice(0, i).trimEnd();
    }
  }
  return command.trimEnd();
}

/** Whether a command runs the AWS CLI. */
export function runsAwsCli(command: string): boolean {
  return /(^|[\s;&|(])(\/usr\/bin\/)?aws\s/.test(withoutComment(command));
}

/** Whether a command runs greenlight as a fresh clone can: `npx greenlight …` or `node bin/greenlight.js …`. */
export function greenlightInvocations(command: string): { ok: boolean; bare: boolean } {
  const c = withoutComment(command);
  const any = /(^|[\s;&|(])greenlight\s/.test(c.replace(/(npx|node bin\/)greenlight(\.js)?\s/g, ''));
  return { ok: !any, bare: any };
}
