// Runs the AWS CLI v2 (Debian's /usr/bin/aws, with its own botocore parsers) against a local cloud,
// a few commands at a time, and remembers which operation each successful command was.
//
// Each command runs through the CLI's own entry point in a long-lived Python process (src/aws-cli:
// AwsCliDriver): argument parsing, serializers, parsers, waiters and output are the CLI's, with a fresh
// driver, environment and working directory per command. test/aws-cli.test.ts still runs the
// /usr/bin/aws executable itself.
import { readFileSync } from 'node:fs';
import { AWS_CLI, AwsCliDriver, type AwsCliResult } from '../../src/aws-cli/driver.js';
import type { SigningName } from '../../src/service.js';

export { AWS_CLI };
export const BOTOCORE_DATA = '/usr/lib/python3/dist-packages/awscli/botocore/data';

/** The CLI's name for each service the local cloud serves, and where botocore keeps its model. */
export const cliServices = {
  deploy: { signingName: 'codedeploy', model: 'codedeploy/2014-10-06' },
  autoscaling: { signingName: 'autoscaling', model: 'autoscaling/2011-01-01' },
  elbv2: { signingName: 'elasticloadbalancing', model: 'elbv2/2015-12-01' },
  ec2: { signingName: 'ec2', model: 'ec2/2016-11-15' },
  cloudwatch: { signingName: 'monitoring', model: 'cloudwatch/2010-08-01' },
  s3api: { signingName: 's3', model: 's3/2006-03-01' },
  sts: { signingName: 'sts', model: 'sts/2011-06-15' },
  iam: { signingName: 'iam', model: 'iam/2010-05-08' },
  cloudformation: { signingName: 'cloudformation', model: 'cloudformation/2010-05-15' },
  ssm: { signingName: 'ssm', model: 'ssm/2014-11-06' },
} as const satisfies Record<string, { signingName: SigningName; model: string }>;

export type CliService = keyof typeof cliServices;

export interface BotocoreOperation {
  readonly http: { readonly method: string; readonly requestUri: string };
}

export function loadBotocoreOperations(service: CliService): Record<string, BotocoreOperation> {
  const path = `${BOTOCORE_DATA}/${cliServices[service].model}/service-2.json`;
  return (JSON.parse(readFileSync(path, 'utf8')) as { operations: Record<string, BotocoreOperation> })
    .operations;
}

/** A command that exited non-zero: what was run, its exit code and what the CLI said. */
export class AwsCliFailure extends Error {
  constructor(
    readonly command: string,
    readonly exitCode: number | string | null,
    readonly stderr: string,
    readonly stdout: string,
  ) {
    super(`\`aws ${command}\` exited with ${String(exitCode)}:\n${stderr.trim()}\n${stdout.trim()}`);
  }
}

export interface AwsCliOptions {
  readonly endpoint: string;
  /** How many commands run at once (one driver process each, started when first needed). */
  readonly concurrency: number;
  readonly region?: string;
  /** The CLI's HOME, so it never reads or writes the real user's. */
  readonly home: string;
}

export type CliOutput = Record<string, unknown>;

export class AwsCli {
  private readonly answered = new Map<SigningName, Set<string>>();
  private readonly operationNames = new Map<CliService, Map<string, string>>();
  private running = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(private readonly options: AwsCliOptions) {}

  /**
   * Runs `aws SERVICE COMMAND`, with `input` as `--cli-input-json` and `args` after it, and returns
   * the parsed JSON output ({} when the operation has none). Rejects with AwsCliFailure on a non-zero
   * exit, which is also how the CLI reports a response it could not parse.
   */
  async call<T = CliOutput>(
    service: CliService,
    command: string,
    input?: object,
    args: readonly string[] = [],
    /** Variables added to (or replacing) the command's environment, e.g. session credentials. */
    env: Readonly<Record<string, string>> = {},
  ): Promise<T> {
    const operation = this.operationOf(service, command);
    const argv = [
      service,
      command,
      ...(input === undefined ? [] : ['--cli-input-json', JSON.stringify(input)]),
      ...args,
      '--endpoint-url',
      this.options.endpoint,
      '--region',
      this.options.region ?? 'us-east-1',
      '--output',
      'json',
    ];
    const stdout = await this.limited((driver) => this.run(driver, argv, `${service} ${command}`, env));
    const parsed = (stdout.trim() === '' ? {} : JSON.parse(stdout)) as T;
    const signingName = cliServices[service].signingName;
    const set = this.answered.get(signingName) ?? new Set<string>();
    set.add(operation);
    this.answered.set(signingName, set);
    return parsed;
  }

  /**
   * Runs a command that is not one operation (`aws cloudformation deploy`, a waiter) and returns its
   * exit code and output, failure included: what such a command prints is what a test checks. Its
   * requests are counted by the server but credit no operation to the CLI (call does that).
   */
  async command(
    args: readonly string[],
    env: Readonly<Record<string, string>> = {},
  ): Promise<{ rc: number; stdout: string; stderr: string }> {
    const argv = [
      ...args,
      '--endpoint-url',
      this.options.endpoint,
      '--region',
      this.options.region ?? 'us-east-1',
    ];
    return this.limited((driver) => this.runRaw(driver, argv, env));
  }

  /** The operations whose commands exited 0 with JSON output, per signing name. */
  answeredOperations(): ReadonlyMap<SigningName, ReadonlySet<string>> {
    return this.answered;
  }

  /** `list-objects-v2` → `ListObjectsV2`, looked up in botocore's model so a typo cannot pass. */
  operationOf(service: CliService, command: string): string {
    let names = this.operationNames.get(service);
    if (!names) {
      names = new Map(
        Object.keys(loadBotocoreOperations(service)).map((name) => [name.toLowerCase(), name] as const),
      );
      this.operationNames.set(service, names);
    }
    const operation = names.get(command.replaceAll('-', ''));
    if (!operation) throw new Error(`aws ${service} ${command} is not an operation of botocore's model`);
    return operation;
  }

  /** Ends the driver processes (each also ends when the test process does). */
  close(): void {
    for (const driver of this.drivers) void driver.close();
    this.drivers.length = 0;
  }

  private async run(
    driver: AwsCliDriver,
    argv: string[],
    command: string,
    env: Readonly<Record<string, string>>,
  ): Promise<string> {
    const result = await this.runRaw(driver, argv, env);
    if (result.rc !== 0) throw new AwsCliFailure(command, result.rc, result.stderr, result.stdout);
    return result.stdout;
  }

  private runRaw(
    driver: AwsCliDriver,
    argv: readonly string[],
    env: Readonly<Record<string, string>>,
  ): Promise<AwsCliResult> {
    return driver.run(argv, {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      HOME: this.options.home,
      AWS_ACCESS_KEY_ID: 'AKIDLOCALCLOUD',
      AWS_SECRET_ACCESS_KEY: 'local-cloud-secret',
      AWS_CONFIG_FILE: '/dev/null',
      AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
      AWS_PAGER: '',
      AWS_CLI_AUTO_PROMPT: 'off',
      // A failure shows at once instead of after the CLI's backoff.
      AWS_RETRY_MODE: 'standard',
      AWS_MAX_ATTEMPTS: '1',
      ...env,
    });
  }

  private readonly drivers: AwsCliDriver[] = [];
  private readonly idle: AwsCliDriver[] = [];

  private async limited<T>(run: (driver: AwsCliDriver) => Promise<T>): Promise<T> {
    if (this.running >= this.options.concurrency) {
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    } else {
      this.running++;
    }
    let driver = this.idle.pop();
    if (!driver) {
      driver = new AwsCliDriver(this.options.home);
      this.drivers.push(driver);
    }
    try {
      return await run(driver);
    } finally {
      this.idle.push(driver);
      const next = this.waiting.shift();
      if (next) next();
      else this.running--;
    }
  }
}
