import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { resolveEnvironment } from '../config/environment.js';
import { loadConfig } from '../config/load.js';
import { readEnvOverrides } from '../config/overrides.js';
import { Output } from '../log/output.js';
import type { TextSink } from '../log/output.js';
import { samDeploy } from './deploy.js';
import { SamInputError } from './errors.js';
import { environmentStack } from './stack.js';

// What deployscripts/sam-deploy.ts runs: the stack of one greenlight.yml environment, deployed with sam.
// Exit codes as greenlight's: 0 deployed or already up to date, 1 sam failed, 2 bad input.

export const SAM_DEPLOY_USAGE = `usage: sam-deploy --env NAME [--config greenlight.yml] [--template sam-template.yaml]
                  [--parameter Key=Value …] [--role-arn ARN] [--s3-bucket NAME] [--dry-run]

Deploys sam-template.yaml as the stack <application>-<env>. ApplicationName and Environment come from
greenlight.yml; --parameter sets the template's other parameters. --role-arn is the role CloudFormation
assumes to change the stack; --dry-run creates the change set without executing it.`;

export interface SamDeployCommandIo {
  readonly stdout: TextSink;
  readonly stderr: TextSink & { isTTY?: boolean };
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly cwd: string;
  readonly signal?: AbortSignal;
  /** The sam executable; default `sam` from PATH. */
  readonly samCommand?: string;
}

export async function runSamDeployCommand(argv: readonly string[], io: SamDeployCommandIo): Promise<number> {
  const interactive = Boolean(io.stderr.isTTY) && !io.env.CI;
  const output = new Output({
    stdout: io.stdout,
    stderr: io.stderr,
    human: interactive ? 'tty' : 'plain',
    json: 'off',
  });
  let exitCode = 0;
  try {
    const flags = readFlags(argv);
    if (flags.help) {
      io.stdout.write(`${SAM_DEPLOY_USAGE}\n`);
      return 0;
    }
    const envOverrides = readEnvOverrides(io.env);
    for (const name of envOverrides.ignored)
      output.emit({ kind: 'message', level: 'warn', text: `ignoring unknown variable ${name}` });
    const name = flags.env ?? envOverrides.values.env;
    if (name === undefined)
      throw new SamInputError('no environment given: pass --env NAME (or set GREENLIGHT_ENV)');
    const config = loadConfig({
      path: resolve(io.cwd, flags.config ?? envOverrides.values.config ?? 'greenlight.yml'),
    });
    const environment = resolveEnvironment(config, name, envOverrides.values);

    const stack = environmentStack({
      environment,
      templateFile: resolve(io.cwd, flags.template ?? 'sam-template.yaml'),
      parameters: flags.parameters,
      ...(flags.roleArn ? { roleArn: flags.roleArn } : {}),
      ...(flags.s3Bucket ? { s3Bucket: flags.s3Bucket } : {}),
      noExecuteChangeset: flags.dryRun,
    });
    for (const warning of stack.warnings) output.emit({ kind: 'message', level: 'warn', text: warning });

    const step = `sam deploy ${stack.options.stackName}`;
    output.emit({ kind: 'step', step, status: 'started' });
    const result = await samDeploy(stack.options, {
      logger: output,
      env: io.env,
      cwd: io.cwd,
      ...(io.signal ? { signal: io.signal } : {}),
      ...(io.samCommand ? { command: io.samCommand } : {}),
    });
    const detail = {
      deployed: 'deployed',
      unchanged: 'no changes: the stack is up to date',
      'change-set-created': 'change set created, not executed (--dry-run)',
    }[result.outcome];
    output.emit({ kind: 'step', step, status: 'done', detail });
  } catch (error) {
    const code = (error as { exitCode?: unknown }).exitCode;
    exitCode = typeof code === 'number' ? code : 1;
    const message = error instanceof Error ? error.message : String(error);
    output.emit({
      kind: 'message',
      level: 'error',
      text: typeof code === 'number' ? message : `internal error: ${message}`,
    });
  } finally {
    output.close({ exitCode });
  }
  return exitCode;
}

interface SamDeployFlags {
  help: boolean;
  env?: string;
  config?: string;
  template?: string;
  parameters: Record<string, string>;
  roleArn?: string;
  s3Bucket?: string;
  dryRun: boolean;
}

function readFlags(argv: readonly string[]): SamDeployFlags {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        help: { type: 'boolean', short: 'h' },
        env: { type: 'string', short: 'e' },
        config: { type: 'string', short: 'c' },
        template: { type: 'string' },
        parameter: { type: 'string', multiple: true },
        'role-arn': { type: 'string' },
        's3-bucket': { type: 'string' },
        'dry-run': { type: 'boolean' },
      },
    }));
  } catch (error) {
    throw new SamInputError(`${(error as Error).message}\n${SAM_DEPLOY_USAGE}`);
  }
  const parameters: Record<string, string> = {};
  for (const pair of values.parameter ?? []) {
    const equals = pair.indexOf('=');
    if (equals <= 0) throw new SamInputError(`--parameter ${JSON.stringify(pair)}: expected Key=Value`);
    const key = pair.slice(0, equals);
    if (key in parameters) throw new SamInputError(`--parameter ${key} given twice`);
    parameters[key] = pair.slice(equals + 1);
  }
  return {
    help: values.help ?? false,
    ...(values.env !== undefined && { env: values.env }),
    ...(values.config !== undefined && { config: values.config }),
    ...(values.template !== undefined && { template: values.template }),
    parameters,
    // CI passes an unset context variable as an empty value: that means "none".
    ...(values['role-arn'] && { roleArn: values['role-arn'] }),
    ...(values['s3-bucket'] && { s3Bucket: values['s3-bucket'] }),
    dryRun: values['dry-run'] ?? false,
  };
}
