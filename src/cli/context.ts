import { resolve } from 'node:path';
import { formatCall, type AwsCallRecord } from '../aws/call-log.js';
import { createAwsClients, type AwsClients } from '../aws/clients.js';
import { sessionLengthMs } from '../aws/web-identity.js';
import { accountOfRole, identityLine, type AwsIdentity } from '../aws/identity.js';
import { systemClock, type Clock } from '../clock.js';
import type { Overrides } from '../config/overrides.js';
import type { EnvironmentConfig } from '../config/environment.js';
import type { LogEvent } from '../log/events.js';
import type { JsonMode, Output } from '../log/output.js';
import { UsageError } from './errors.js';

const NO_ENVIRONMENT = 'no environment given: pass --env NAME (or set GREENLIGHT_ENV)';

/** The options every sub-command accepts, after flags and GREENLIGHT_* variables are merged. */
export interface GlobalOptions {
  env?: string;
  config: string;
  json: JsonMode;
  region?: string;
  profile?: string;
  verbose: boolean;
}

/** Everything a command needs from the outside world, passed in so commands run the same in tests. */
export interface CommandContext {
  readonly options: GlobalOptions;
  readonly output: Output;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly cwd: string;
  readonly signal: AbortSignal;
  /** Time for the command's waits and deadlines: the system clock, or a test's virtual clock. */
  readonly clock: Clock;
  /** Where questions are asked (stdin, prompts on stderr), when the command runs with one. */
  readonly terminal?: Terminal;
  /** The environment selected with --env (or GREENLIGHT_ENV), loaded and validated. */
  environment(flagOverrides?: Partial<Overrides>): EnvironmentConfig;
  /** SDK clients for the selected environment's region (or --region). */
  aws(): AwsClients;
  /** Data for `--json`: the command's result. */
  setResult(data: unknown): void;
  /** The result set so far (what `--json` prints; the HTML report renders it). */
  result(): unknown;
  /** Writes text to stdout as it is: for commands whose output is itself data (shell, a stand-in's). */
  print(text: string): void;
}

export interface ContextInput {
  options: GlobalOptions;
  output: Output;
  env: Readonly<Record<string, string | undefined>>;
  cwd: string;
  signal: AbortSignal;
  /** Default: the system clock. */
  clock?: Clock;
  /** Where `print` writes (default: the process's stdout). */
  stdout?: { write(text: string): unknown };
  terminal?: Terminal;
}

/** A command's input and where it prompts: a terminal when `input.isTTY`. */
export interface Terminal {
  readonly input: NodeJS.ReadableStream & { isTTY?: boolean };
  readonly output: { write(text: string): unknown; isTTY?: boolean };
}

/**
 * greenlight.yml's reading and checking (yaml, zod and the schema: most of what a command loads before
 * its first AWS call), imported only when the command names an environment to select.
 */
async function configModules() {
  const [{ loadConfig }, { readEnvOverrides }, { resolveEnvironment }] = await Promise.all([
    import('../config/load.js'),
    import('../config/overrides.js'),
    import('../config/environment.js'),
  ]);
  return { loadConfig, readEnvOverrides, resolveEnvironment };
}

/**
 * The identity line: a message for people (stderr) that also carries the facts as an `aws` field, so
 * `--json` (the document's events, or `--json=lines`) has them without parsing the text.
 */
function identityEvent(identity: AwsIdentity): LogEvent {
  const event = {
    kind: 'message' as const,
    level: 'info' as const,
    text: identityLine(identity),
    aws: identity,
  };
  return event;
}

export async function createContext(input: ContextInput): Promise<CommandContext & { dispose(): void }> {
  const named = Boolean(input.options.env) || Boolean(input.env.GREENLIGHT_ENV);
  const reading = named ? await configModules() : undefined;
  let result: unknown;
  let clients: AwsClients | undefined;
  let selected: EnvironmentConfig | undefined;
  const ctx = {
    ...input,
    clock: input.clock ?? systemClock,
    environment(flagOverrides: Partial<Overrides> = {}): EnvironmentConfig {
      if (selected) return selected;
      if (!reading) throw new UsageError(NO_ENVIRONMENT);
      const { loadConfig, readEnvOverrides, resolveEnvironment } = reading;
      const envOverrides = readEnvOverrides(input.env);
      for (const name of envOverrides.ignored) {
        input.output.emit({ kind: 'message', level: 'warn', text: `ignoring unknown variable ${name}` });
      }
      const name = input.options.env ?? envOverrides.values.env;
      if (!name) throw new UsageError(NO_ENVIRONMENT);
      const configPath = resolve(input.cwd, input.options.config);
      const config = loadConfig({ path: configPath });
      const flags: Partial<Overrides> = { ...flagOverrides };
      if (input.options.region) flags.region = input.options.region;
      selected = resolveEnvironment(config, name, { ...envOverrides.values, ...flags });
      return selected;
    },
    aws(): AwsClients {
      if (!clients) {
        const region = input.options.region ?? selected?.region;
        clients = createAwsClients(
          {
            ...(region ? { region } : {}),
            ...(input.options.profile ? { profile: input.options.profile } : {}),
            onIdentity: (identity) => input.output.emit(identityEvent(identity)),
            // A web identity session as long as this environment's longest deployment or bake.
            ...(selected ? { webIdentitySessionMs: sessionLengthMs(selected) } : {}),
            // Nothing is sent with another account's credentials than the environment's.
            ...(selected && accountOfRole(selected.serviceRoleArn)
              ? {
                  account: {
                    id: accountOfRole(selected.serviceRoleArn) as string,
                    owner: `environment ${selected.name} (its serviceRoleArn)`,
                  },
                }
              : {}),
            onSession: (text, level) => input.output.emit({ kind: 'message', level, text }),
            ...(input.options.verbose
              ? {
                  onCall: (call: AwsCallRecord) =>
                    input.output.emit({ kind: 'message', level: 'debug', text: formatCall(call) }),
                }
              : {}),
          },
          input.env,
        );
      }
      return clients;
    },
    setResult(data: unknown) {
      result = data;
    },
    print(text: string) {
      (input.stdout ?? process.stdout).write(text);
    },
    result: () => result,
    dispose() {
      clients?.destroy();
    },
  };
  return ctx;
}
