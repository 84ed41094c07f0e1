// The rehearsal's `sam`: the SAM CLI cannot be installed here (pip, no network), so the pipeline's
// `sam deploy` reaches the local cloud's CloudFormation through the AWS CLI's `cloudformation deploy`
// instead, with the same template, stack, parameters, capabilities, role and tags. Both make a change
// set, execute it and wait for the stack; `sam deploy` first transforms and uploads local artifacts,
// which sam-template.yaml does not have (its resources are all CloudFormation's own, and the local
// cloud applies the Serverless transform to such a template itself). Anything the stand-in cannot
// carry over is refused by name rather than dropped.

export class SamStandInError extends Error {}

export interface CloudFormationDeploy {
  /** Arguments for `aws`, starting with `cloudformation deploy`. */
  readonly args: readonly string[];
  /** What the stand-in did differently from the SAM CLI, said on screen. */
  readonly notes: readonly string[];
  readonly stackName: string;
}

/** Options of `sam deploy` that take one value and mean the same to `aws cloudformation deploy`. */
const SAME_ONE_VALUE: Record<string, string> = {
  '--stack-name': '--stack-name',
  '--template-file': '--template-file',
  '--template': '--template-file',
  '-t': '--template-file',
  '--region': '--region',
  '--role-arn': '--role-arn',
  '--s3-bucket': '--s3-bucket',
  '--s3-prefix': '--s3-prefix',
  '--kms-key-id': '--kms-key-id',
};

/** Options of `sam deploy` that take one or more values up to the next option. */
const SAME_MANY_VALUES: Record<string, string> = {
  '--capabilities': '--capabilities',
  '--tags': '--tags',
  '--notification-arns': '--notification-arns',
};

const SAME_FLAGS: Record<string, string> = {
  '--no-fail-on-empty-changeset': '--no-fail-on-empty-changeset',
  '--no-execute-changeset': '--no-execute-changeset',
  '--disable-rollback': '--disable-rollback',
};

/** Flags that only change how the SAM CLI talks to a person or manages a bucket. */
const DROPPED_FLAGS: Record<string, string> = {
  '--no-confirm-changeset': 'aws cloudformation deploy never asks to confirm',
  '--resolve-s3': 'the template has no artifacts to upload',
  '--no-progressbar': 'aws cloudformation deploy shows none',
};

/** `aws cloudformation deploy` arguments for the arguments `sam` was given. */
export function cloudFormationDeployFor(samArgs: readonly string[]): CloudFormationDeploy {
  if (samArgs[0] !== 'deploy') {
    throw new SamStandInError(
      `the rehearsal's sam stands in for \`sam deploy\` only, not \`sam ${samArgs[0] ?? ''}\``,
    );
  }
  const args = ['cloudformation', 'deploy'];
  const notes: string[] = [];
  let stackName: string | undefined;
  let template = false;
  for (let i = 1; i < samArgs.length; i++) {
    const arg = samArgs[i] as string;
    const [option, inline] = arg.startsWith('--') && arg.includes('=') ? splitInline(arg) : [arg, undefined];
    const one = SAME_ONE_VALUE[option];
    if (one !== undefined) {
      const value = inline ?? samArgs[++i];
      if (value === undefined || (inline === undefined && value.startsWith('--'))) {
        throw new SamStandInError(`sam deploy ${option} needs a value`);
      }
      args.push(one, value);
      if (one === '--stack-name') stackName = value;
      if (one === '--template-file') template = true;
      continue;
    }
    const many = SAME_MANY_VALUES[option] ?? (option === '--parameter-overrides' ? option : undefined);
    if (many !== undefined) {
      const values = inline !== undefined ? [inline] : [];
      while (i + 1 < samArgs.length && !(samArgs[i + 1] as string).startsWith('--'))
        values.push(samArgs[++i] as string);
      if (values.length === 0) throw new SamStandInError(`sam deploy ${option} needs a value`);
      if (option === '--parameter-overrides') {
        const pairs = values.flatMap(parseParameterOverrides);
        args.push('--parameter-overrides', ...pairs.map(([key, value]) => `${key}=${value}`));
      } else {
        args.push(many, ...values);
      }
      continue;
    }
    const flag = SAME_FLAGS[option];
    if (flag !== undefined) {
      args.push(flag);
      continue;
    }
    const dropped = DROPPED_FLAGS[option];
    if (dropped !== undefined) {
      notes.push(`${option} left out: ${dropped}`);
      continue;
    }
    throw new SamStandInError(
      `sam deploy ${option}: the rehearsal's stand-in for the SAM CLI does not know this option, so it cannot deploy as sam would`,
    );
  }
  if (stackName === undefined) throw new SamStandInError('sam deploy needs --stack-name');
  if (!template) throw new SamStandInError('sam deploy needs --template-file');
  return { args, notes, stackName };
}

function splitInline(arg: string): [string, string] {
  const at = arg.indexOf('=');
  return [arg.slice(0, at), arg.slice(at + 1)];
}

/**
 * The pairs of one `--parameter-overrides` argument, in either of SAM's forms:
 * `ParameterKey=K,ParameterValue="V" ParameterKey=…` or `K=V K2="V 2"`. Quotes group; `\"`, `\'` and
 * `\ ` are unescaped as SAM does.
 */
export function parseParameterOverrides(text: string): [string, string][] {
  const words = splitWords(text);
  const pairs: [string, string][] = [];
  for (const word of words) {
    const long = /^ParameterKey=([^,]*),ParameterValue=([\s\S]*)$/.exec(word);
    if (long) {
      pairs.push([long[1] as string, long[2] as string]);
      continue;
    }
    const at = word.indexOf('=');
    if (at <= 0) throw new SamStandInError(`--parameter-overrides: ${JSON.stringify(word)} is not Key=Value`);
    pairs.push([word.slice(0, at), word.slice(at + 1)]);
  }
  return pairs;
}

/** Splits on unquoted whitespace, removing quotes and unescaping `\"`, `\'` and `\ `. */
function splitWords(text: string): string[] {
  const words: string[] = [];
  let current = '';
  let quote: string | undefined;
  let inWord = false;
  for (let i = 0; i < text.length; i++) {
    const char = text[i] as string;
    if (char === '\\' && i + 1 < text.length && ['"', "'", ' '].includes(text[i + 1] as string)) {
      current += text[++i];
      inWord = true;
    } else if (quote !== undefined) {
      if (char === quote) quote = undefined;
      else current += char;
    } else if (char === '"' || char === "'") {
      quote = char;
      inWord = true;
    } else if (/\s/.test(char)) {
      if (inWord) words.push(current);
      current = '';
      inWord = false;
    } else {
      current += char;
      inWord = true;
    }
  }
  if (quote !== undefined)
    throw new SamStandInError(`--parameter-overrides: an unclosed ${quote} in ${JSON.stringify(text)}`);
  if (inWord) words.push(current);
  return words;
}
