// The rehearsal's `sam`: the SAM CLI cannot be installed here (pip, no network), so the pipeline's
// `sam deploy` reaches the local cloud's CloudFormation through the AWS CLI's `cloudformation deploy`
// instead, with the same template, stack, parameters, capabilities, role and tags. Both make a change
// set, execute it and wait for the stack; `sam deploy` first transforms and uploads local artifacts,
// which sam-template.yaml does not have (its resources are all CloudFormation's own, and the local
// cloud applies the Serverless transform to such a template itself). Anything the stand-in cannot
// carry over is refused by name rather than dropped.

import { readFile } from 'node:fs/promises';
import type { Clock } from '../clock.js';
import { AwsCliError, awsCli, type AwsCli } from './aws-cli.js';

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

/** What the stand-in needs from its process: where to print, the environment, the clock it polls on. */
export interface StandInIo {
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly clock: Clock;
  print(line: string): void;
  readonly signal?: AbortSignal;
}

/** How long the stand-in waits between looks at a change set or a stack (AWS time, as the SAM CLI). */
const POLL_MS = 5_000;
/** How long it waits for a change set or a stack at most (AWS time): CloudFormation's own default is an hour. */
const WAIT_LIMIT_MS = 60 * 60_000;

const NO_CHANGES = /didn't contain changes|No updates are to be performed/;

interface Stack {
  StackName: string;
  StackStatus: string;
  StackStatusReason?: string;
  Parameters?: { ParameterKey: string; ParameterValue?: string }[];
}

interface StackEvent {
  EventId: string;
  LogicalResourceId: string;
  ResourceType: string;
  ResourceStatus: string;
  ResourceStatusReason?: string;
}

/**
 * `sam deploy` against the local cloud: the same change set the SAM CLI makes (CREATE or UPDATE,
 * parameters not given keep their previous values), described, executed and waited for, with the
 * stack's events printed as they come. Every CloudFormation call is an `aws cloudformation` command;
 * the waits are on the rehearsal's clock, not on the AWS CLI's own 30-second waiter. Returns the
 * exit code sam would.
 */
export async function runSamStandIn(samArgs: readonly string[], io: StandInIo): Promise<number> {
  const plan = cloudFormationDeployFor(samArgs);
  const endpoint = io.env.AWS_ENDPOINT_URL;
  if (!endpoint) throw new SamStandInError("the rehearsal's sam needs AWS_ENDPOINT_URL (the local cloud)");
  io.print(
    `rehearsal: sam deploy of stack ${plan.stackName} goes to the local cloud's CloudFormation through the AWS CLI (aws cloudformation …): the SAM CLI is not installed here; same template, parameters, capabilities, role and tags`,
  );
  for (const note of plan.notes) io.print(`rehearsal: ${note}`);
  const options = optionsOf(plan.args);
  const cli = awsCli({ endpoint, env: io.env, ...(io.signal ? { signal: io.signal } : {}) });
  const credentials = await sessionCredentials(cli, io);
  const call = (args: readonly string[]) => cli.call(args, credentials);
  const region = options.one.get('--region');
  const regionArgs = region ? ['--region', region] : [];

  const existing = await describeStack(call, plan.stackName, regionArgs);
  const type = existing === undefined || existing.StackStatus === 'REVIEW_IN_PROGRESS' ? 'CREATE' : 'UPDATE';
  const template = options.one.get('--template-file') as string;
  const summary = (await call([
    'cloudformation',
    'get-template-summary',
    '--template-body',
    `file://${template}`,
    ...regionArgs,
  ])) as { Parameters?: { ParameterKey: string }[] };
  const given = new Map(options.parameters);
  const parameters = (summary.Parameters ?? []).flatMap(({ ParameterKey }): ParameterArgument[] => {
    const value = given.get(ParameterKey);
    if (value !== undefined) return [{ ParameterKey, ParameterValue: value }];
    const before = existing?.Parameters?.some((p) => p.ParameterKey === ParameterKey);
    return type === 'UPDATE' && before ? [{ ParameterKey, UsePreviousValue: true }] : [];
  });
  const changeSetName = `samcli-deploy${Math.floor(io.clock.now() / 1000)}`;
  const created = (await call([
    'cloudformation',
    'create-change-set',
    '--stack-name',
    plan.stackName,
    '--change-set-name',
    changeSetName,
    '--change-set-type',
    type,
    '--template-body',
    `file://${template}`,
    '--parameters',
    JSON.stringify(parameters),
    ...(options.many.get('--capabilities')
      ? ['--capabilities', ...(options.many.get('--capabilities') as string[])]
      : []),
    ...(options.one.get('--role-arn') ? ['--role-arn', options.one.get('--role-arn') as string] : []),
    ...(options.many.get('--tags')
      ? ['--tags', JSON.stringify((options.many.get('--tags') as string[]).map(tagOf))]
      : []),
    ...(options.many.get('--notification-arns')
      ? ['--notification-arns', ...(options.many.get('--notification-arns') as string[])]
      : []),
    ...regionArgs,
  ])) as { Id: string };
  io.print(`Initiating deployment: change set ${changeSetName} (${type}) for stack ${plan.stackName}`);

  const changeSet = await waitFor(io, `change set ${changeSetName}`, async () => {
    const cs = (await call([
      'cloudformation',
      'describe-change-set',
      '--change-set-name',
      created.Id,
      ...regionArgs,
    ])) as {
      Status: string;
      StatusReason?: string;
      Changes?: {
        ResourceChange?: {
          Action?: string;
          LogicalResourceId?: string;
          ResourceType?: string;
          Replacement?: string;
        };
      }[];
    };
    return cs.Status === 'CREATE_COMPLETE' || cs.Status === 'FAILED' ? cs : undefined;
  });
  if (changeSet.Status === 'FAILED') {
    if (NO_CHANGES.test(changeSet.StatusReason ?? '')) {
      const line = `No changes to deploy. Stack ${plan.stackName} is up to date`;
      if (options.flags.has('--no-fail-on-empty-changeset')) {
        io.print(line);
        return 0;
      }
      io.print(`Error: ${line}`);
      return 1;
    }
    io.print(
      `Error: Failed to create changeset for the stack: ${plan.stackName}, ${changeSet.StatusReason ?? ''}`,
    );
    return 1;
  }
  io.print('CloudFormation stack changeset');
  for (const { ResourceChange: c } of changeSet.Changes ?? []) {
    io.print(
      `  ${c?.Action ?? '?'}  ${c?.LogicalResourceId ?? '?'}  ${c?.ResourceType ?? '?'}  replacement: ${c?.Replacement ?? 'N/A'}`,
    );
  }
  if (options.flags.has('--no-execute-changeset')) {
    io.print(`Changeset created successfully. ${created.Id}`);
    return 0;
  }

  const seen = new Set(((await stackEvents(call, plan.stackName, regionArgs)) ?? []).map((e) => e.EventId));
  await call([
    'cloudformation',
    'execute-change-set',
    '--change-set-name',
    created.Id,
    ...(options.flags.has('--disable-rollback') ? ['--disable-rollback'] : []),
    ...regionArgs,
  ]);
  io.print('CloudFormation events from stack operations');
  const printNewEvents = async () => {
    const events = (await stackEvents(call, plan.stackName, regionArgs)) ?? [];
    for (const event of events.filter((e) => !seen.has(e.EventId)).reverse()) {
      seen.add(event.EventId);
      const reason = event.ResourceStatusReason ? `  ${event.ResourceStatusReason}` : '';
      io.print(`  ${event.ResourceStatus}  ${event.ResourceType}  ${event.LogicalResourceId}${reason}`);
    }
  };
  const done = await waitFor(io, `stack ${plan.stackName}`, async () => {
    await printNewEvents();
    const stack = await describeStack(call, plan.stackName, regionArgs);
    return stack && !stack.StackStatus.endsWith('_IN_PROGRESS') ? stack : undefined;
  });
  // The stack may have ended between the last look at its events and at its status: its last events
  // (the stack's own CREATE_COMPLETE, a rollback's reasons) are printed too.
  await printNewEvents();
  if (done.StackStatus === 'CREATE_COMPLETE' || done.StackStatus === 'UPDATE_COMPLETE') {
    io.print(`Successfully created/updated stack - ${plan.stackName}${region ? ` in ${region}` : ''}`);
    return 0;
  }
  io.print(
    `Error: Failed to create/update the stack: ${plan.stackName}, Waiter StackCreateComplete failed: Waiter encountered a terminal failure state: Status: ${done.StackStatus}${done.StackStatusReason ? ` (${done.StackStatusReason})` : ''}`,
  );
  return 1;
}

type ParameterArgument =
  { ParameterKey: string; ParameterValue: string } | { ParameterKey: string; UsePreviousValue: true };

interface Options {
  readonly one: Map<string, string>;
  readonly many: Map<string, string[]>;
  readonly flags: Set<string>;
  readonly parameters: [string, string][];
}

/** The options of `aws cloudformation deploy` arguments, read back (they are built above). */
function optionsOf(args: readonly string[]): Options {
  const one = new Map<string, string>();
  const many = new Map<string, string[]>();
  const flags = new Set<string>();
  let parameters: [string, string][] = [];
  for (let i = 2; i < args.length; i++) {
    const option = args[i] as string;
    const values: string[] = [];
    while (i + 1 < args.length && !(args[i + 1] as string).startsWith('--')) values.push(args[++i] as string);
    if (option === '--parameter-overrides') {
      parameters = values.map((v) => {
        const at = v.indexOf('=');
        return [v.slice(0, at), v.slice(at + 1)];
      });
    } else if (values.length === 0) flags.add(option);
    else if (option in SAME_MANY_VALUES) many.set(option, values);
    else one.set(option, values[0] as string);
  }
  return { one, many, flags, parameters };
}

function tagOf(tag: string): { Key: string; Value: string } {
  const at = tag.indexOf('=');
  if (at <= 0) throw new SamStandInError(`--tags: ${JSON.stringify(tag)} is not Key=Value`);
  return { Key: tag.slice(0, at), Value: tag.slice(at + 1) };
}

/**
 * The credentials for the CloudFormation calls. A job that assumes its role through a web identity
 * token (AWS_WEB_IDENTITY_TOKEN_FILE, AWS_ROLE_ARN) has it exchanged here, once, at the local cloud's
 * STS: the AWS CLI would ask AWS's own STS for it.
 */
async function sessionCredentials(cli: AwsCli, io: StandInIo): Promise<Record<string, string>> {
  const env = io.env;
  if (env.AWS_ACCESS_KEY_ID || !env.AWS_WEB_IDENTITY_TOKEN_FILE || !env.AWS_ROLE_ARN) return {};
  const token = (await readFile(env.AWS_WEB_IDENTITY_TOKEN_FILE, 'utf8')).trim();
  const answer = (await cli.call(
    [
      'sts',
      'assume-role-with-web-identity',
      '--role-arn',
      env.AWS_ROLE_ARN,
      '--role-session-name',
      env.AWS_ROLE_SESSION_NAME || 'rehearsal-sam',
      '--web-identity-token',
      token,
    ],
    // The exchange is unsigned; without these the CLI would try the web identity itself, at AWS.
    { AWS_WEB_IDENTITY_TOKEN_FILE: '', AWS_ROLE_ARN: '' },
  )) as { Credentials: { AccessKeyId: string; SecretAccessKey: string; SessionToken: string } };
  io.print(
    `rehearsal: the web identity token was exchanged at the local cloud's STS for a session of ${env.AWS_ROLE_ARN}`,
  );
  return {
    AWS_ACCESS_KEY_ID: answer.Credentials.AccessKeyId,
    AWS_SECRET_ACCESS_KEY: answer.Credentials.SecretAccessKey,
    AWS_SESSION_TOKEN: answer.Credentials.SessionToken,
    AWS_WEB_IDENTITY_TOKEN_FILE: '',
    AWS_ROLE_ARN: '',
  };
}

type Call = (args: readonly string[]) => Promise<unknown>;

async function describeStack(
  call: Call,
  name: string,
  regionArgs: readonly string[],
): Promise<Stack | undefined> {
  try {
    const out = (await call(['cloudformation', 'describe-stacks', '--stack-name', name, ...regionArgs])) as {
      Stacks?: Stack[];
    };
    return out.Stacks?.[0];
  } catch (error) {
    if (error instanceof AwsCliError && /does not exist/.test(error.stderr)) return undefined;
    throw error;
  }
}

async function stackEvents(
  call: Call,
  name: string,
  regionArgs: readonly string[],
): Promise<StackEvent[] | undefined> {
  try {
    const out = (await call([
      'cloudformation',
      'describe-stack-events',
      '--stack-name',
      name,
      ...regionArgs,
    ])) as {
      StackEvents?: StackEvent[];
    };
    return out.StackEvents;
  } catch (error) {
    if (error instanceof AwsCliError && /does not exist/.test(error.stderr)) return undefined;
    throw error;
  }
}

/** Looks every POLL_MS of AWS time until `look` answers, for at most WAIT_LIMIT_MS. */
async function waitFor<T>(io: StandInIo, what: string, look: () => Promise<T | undefined>): Promise<T> {
  const deadline = io.clock.now() + WAIT_LIMIT_MS;
  for (;;) {
    const found = await look();
    if (found !== undefined) return found;
    if (io.clock.now() >= deadline)
      throw new SamStandInError(`${what} did not finish within an hour of AWS time`);
    await io.clock.sleep(POLL_MS, io.signal);
  }
}
