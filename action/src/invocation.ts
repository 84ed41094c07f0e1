// The action's inputs → the greenlight command line it runs. Pure: action/src/main.ts reads the
// inputs and runs what this returns.

/** The commands the action runs, as greenlight's sub-commands. */
export const COMMANDS = {
  deploy: ['deploy'],
  wait: ['wait'],
  verify: ['verify'],
  gate: ['gate'],
  rollback: ['rollback'],
  preflight: ['preflight'],
  status: ['status'],
  'group-plan': ['group', 'plan'],
  'group-apply': ['group', 'apply'],
} as const satisfies Record<string, readonly string[]>;

export type ActionCommand = keyof typeof COMMANDS;

export interface ActionInputs {
  readonly command: string;
  readonly env: string;
  readonly revision: string;
  readonly deploymentId: string;
  readonly bake: string;
  readonly config: string;
  readonly junit: string;
  readonly args: string;
}

/** What main.ts runs and then reads. */
export interface Invocation {
  readonly command: ActionCommand;
  /** Arguments to greenlight (after the cli, cli.ts). */
  readonly argv: readonly string[];
  /** The command writes its own Markdown report here (verify, gate, rollback). */
  readonly markdownFile?: string;
  /** The JUnit file asked for, when the action writes it from the result (deploy, wait). */
  readonly junitFromResult?: string;
}

/** Bad input: the step fails before greenlight runs, saying which input and what it takes. */
export class ActionInputError extends Error {}

/** The commands whose result carries a verification the action renders itself (no --markdown flag). */
const RENDERS_RESULT: ReadonlySet<ActionCommand> = new Set(['deploy', 'wait']);
/** The commands that write --markdown and --junit reports of their own. */
const WRITES_REPORTS: ReadonlySet<ActionCommand> = new Set(['verify', 'gate', 'rollback']);

export function invocation(inputs: ActionInputs, markdownFile: string): Invocation {
  const command = inputs.command.trim();
  if (!Object.hasOwn(COMMANDS, command)) {
    throw new ActionInputError(`command: "${command}" is not one of ${Object.keys(COMMANDS).join(', ')}`);
  }
  const name = command as ActionCommand;
  const argv: string[] = [...COMMANDS[name], '--json'];
  const refuse = (input: string, what: string): never => {
    throw new ActionInputError(`${input}: does not apply to ${name}; ${what}`);
  };
  if (inputs.config) argv.push('--config', inputs.config);
  if (inputs.env) argv.push('--env', inputs.env);

  if (inputs.revision) {
    if (name === 'deploy' || name === 'preflight' || name === 'gate')
      argv.push('--revision', inputs.revision);
    else if (name === 'rollback')
      refuse('revision', 'rollback returns to the last verified revision (name another with args: --to SHA)');
    else refuse('revision', 'it applies to deploy, preflight and gate');
  }
  if (inputs.deploymentId) {
    if (name === 'wait' || name === 'verify') argv.push(inputs.deploymentId);
    // A job's own rollback: only while its deployment is still the environment's release.
    else if (name === 'rollback') argv.push('--if-release', inputs.deploymentId);
    else refuse('deployment-id', 'it applies to wait, verify and rollback');
  } else if (name === 'wait') {
    throw new ActionInputError('deployment-id: wait follows a deployment; give its id');
  }
  if (inputs.bake) {
    if (name !== 'gate') refuse('bake', 'it applies to gate');
    argv.push('--bake', inputs.bake);
  }
  let junitFromResult: string | undefined;
  if (inputs.junit) {
    if (WRITES_REPORTS.has(name)) argv.push('--junit', inputs.junit);
    else if (RENDERS_RESULT.has(name)) junitFromResult = inputs.junit;
    else refuse('junit', 'it applies to deploy, wait, verify, gate and rollback');
  }
  if (WRITES_REPORTS.has(name)) argv.push('--markdown', markdownFile);
  argv.push(...splitArgs(inputs.args));
  return {
    command: name,
    argv,
    ...(WRITES_REPORTS.has(name) ? { markdownFile } : {}),
    ...(junitFromResult !== undefined ? { junitFromResult } : {}),
  };
}

/**
 * The `args` input (or `cli`) as words, the way a shell splits them without expanding anything:
 * blanks separate words, '…' keeps everything, "…" keeps everything but \" and \\, and \ outside
 * quotes keeps the next character. (The action runs greenlight without a shell, so nothing is expanded.)
 */
export function splitArgs(text: string, input = 'args'): string[] {
  const words: string[] = [];
  let word = '';
  let inWord = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (/\s/.test(c)) {
      if (inWord) words.push(word);
      word = '';
      inWord = false;
      continue;
    }
    inWord = true;
    if (c === "'") {
      const end = text.indexOf("'", i + 1);
      if (end < 0) throw new ActionInputError(`${input}: a ' at character ${i + 1} is not closed`);
      word += text.slice(i + 1, end);
      i = end;
    } else if (c === '"') {
      let j = i + 1;
      for (; j < text.length && text[j] !== '"'; j++) {
        if (text[j] === '\\' && (text[j + 1] === '"' || text[j + 1] === '\\')) j++;
        word += text[j];
      }
      if (j >= text.length) throw new ActionInputError(`${input}: a " at character ${i + 1} is not closed`);
      i = j;
    } else if (c === '\\') {
      if (i + 1 >= text.length) throw new ActionInputError(`${input}: ends with a lone \\`);
      word += text[++i];
    } else {
      word += c;
    }
  }
  if (inWord) words.push(word);
  return words;
}
