import { z } from 'zod';
import { parseDuration } from './duration.js';
import { ConfigError } from './errors.js';
import { DEPLOYMENT_GROUP_NAME, nameSchema } from './names.js';
import { hintOf } from './problems.js';
import { deploymentConfigName, ENVIRONMENT_NAME, region } from './schema.js';

/**
 * Values that override greenlight.yml for one run.
 *
 * Precedence, highest first: command-line flag > GREENLIGHT_* variable > greenlight.yml (the environment,
 * then `defaults:`) > greenlight's built-in defaults. A flag is what the person typed for this run, a
 * variable is what the CI context set for every run, the file is what the team agreed on.
 */
export interface Overrides {
  /** The environment to act on (`--env`, GREENLIGHT_ENV). */
  env?: string;
  /** Path of greenlight.yml (`--config`, GREENLIGHT_CONFIG). */
  config?: string;
  region?: string;
  deploymentGroup?: string;
  /** A deployment config name, predefined or already existing. */
  deploymentConfig?: string;
  bakeMs?: number;
  healthUrl?: string;
  waitTimeoutMs?: number;
}

type OverrideKey = keyof Overrides;

/** The only variables greenlight reads; anything else named GREENLIGHT_* is reported, never used. */
export const OVERRIDE_VARIABLES: Readonly<Record<string, OverrideKey>> = {
  GREENLIGHT_ENV: 'env',
  GREENLIGHT_CONFIG: 'config',
  GREENLIGHT_REGION: 'region',
  GREENLIGHT_DEPLOYMENT_GROUP: 'deploymentGroup',
  GREENLIGHT_DEPLOYMENT_CONFIG: 'deploymentConfig',
  GREENLIGHT_BAKE: 'bakeMs',
  GREENLIGHT_HEALTH_URL: 'healthUrl',
  GREENLIGHT_WAIT_TIMEOUT: 'waitTimeoutMs',
};

/**
 * GREENLIGHT_* variables the command line reads for itself, not overrides of greenlight.yml: never
 * reported as unknown. GREENLIGHT_CLOCK: the commands' time on an accelerated local cloud
 * (src/cli/clock-env.ts); GREENLIGHT_FROM_SOURCE and GREENLIGHT_BUILD_DIR: which build bin/greenlight.js
 * runs (bin/built-cli.js).
 */
export const RUNTIME_VARIABLES: ReadonlySet<string> = new Set([
  'GREENLIGHT_CLOCK',
  'GREENLIGHT_FROM_SOURCE',
  'GREENLIGHT_BUILD_DIR',
]);

/** The flag each override comes from, for messages. */
export const OVERRIDE_FLAGS: Readonly<Record<OverrideKey, string>> = {
  env: '--env',
  config: '--config',
  region: '--region',
  deploymentGroup: '--deployment-group',
  deploymentConfig: '--deployment-config',
  bakeMs: '--bake',
  healthUrl: '--health-url',
  waitTimeoutMs: '--timeout',
};

export interface EnvOverrides {
  readonly values: Overrides;
  /** GREENLIGHT_* names that are not on the allow-list, sorted; the CLI warns about them. */
  readonly ignored: readonly string[];
}

const PREFIX = 'GREENLIGHT_';

/**
 * Reads the allow-listed GREENLIGHT_* variables from `env` (pass `process.env`). Only their values are
 * read; an empty value counts as unset, as CI systems often export empty variables.
 */
export function readEnvOverrides(env: Readonly<Record<string, string | undefined>>): EnvOverrides {
  const values: Record<string, unknown> = {};
  const ignored: string[] = [];
  for (const variable of Object.keys(env)) {
    if (!variable.startsWith(PREFIX) || RUNTIME_VARIABLES.has(variable)) continue;
    const key = Object.hasOwn(OVERRIDE_VARIABLES, variable) ? OVERRIDE_VARIABLES[variable] : undefined;
    if (key === undefined) {
      ignored.push(variable);
      continue;
    }
    const text = env[variable];
    if (text === undefined || text === '') continue;
    values[key] = parseOverride(key, text, variable);
  }
  return { values, ignored: ignored.sort() };
}

/** Flag values as commander gives them: strings, or numbers when the flag parsed its duration already. */
export interface FlagValues {
  readonly env?: string | undefined;
  readonly config?: string | undefined;
  readonly region?: string | undefined;
  readonly deploymentGroup?: string | undefined;
  readonly deploymentConfig?: string | undefined;
  readonly bake?: string | number | undefined;
  readonly healthUrl?: string | undefined;
  /** `--timeout` of `deploy` and `wait`. */
  readonly timeout?: string | number | undefined;
}

/** Validates flag values into overrides; a bad value is a ConfigError naming the flag. */
export function readFlagOverrides(flags: FlagValues): Overrides {
  const raw: Partial<Record<OverrideKey, string | number | undefined>> = {
    env: flags.env,
    config: flags.config,
    region: flags.region,
    deploymentGroup: flags.deploymentGroup,
    deploymentConfig: flags.deploymentConfig,
    bakeMs: flags.bake,
    healthUrl: flags.healthUrl,
    waitTimeoutMs: flags.timeout,
  };
  const values: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(raw) as [OverrideKey, string | number | undefined][]) {
    if (value !== undefined) values[key] = parseOverride(key, value, OVERRIDE_FLAGS[key]);
  }
  return values;
}

/** Applies the precedence: a flag beats a variable; an unset flag leaves the variable's value. */
export function combineOverrides(layers: { flags: Overrides; env: Overrides }): Overrides {
  const combined: Record<string, unknown> = {};
  for (const layer of [layers.env, layers.flags]) {
    for (const [key, value] of Object.entries(layer)) if (value !== undefined) combined[key] = value;
  }
  return combined;
}

/**
 * Checks overrides that did not come through `readEnvOverrides` or `readFlagOverrides` (a caller that
 * builds them by hand), so a bad region or URL never reaches AWS.
 */
export function checkOverrides(overrides: Overrides): Overrides {
  const values: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(overrides) as [OverrideKey, unknown][]) {
    // Only known keys are copied: a stray key in a hand-built object is never used, so never checked.
    if (value === undefined || !Object.hasOwn(OVERRIDE_FLAGS, key)) continue;
    const variable = Object.keys(OVERRIDE_VARIABLES).find((name) => OVERRIDE_VARIABLES[name] === key);
    const label = `${OVERRIDE_FLAGS[key]} (or ${variable ?? 'its variable'})`;
    if (typeof value !== 'string' && typeof value !== 'number') {
      throw new ConfigError(`${label}: expected a string, found ${typeof value}`);
    }
    values[key] = parseOverride(key, value, label);
  }
  return values;
}

const nonEmpty = z.string().min(1, 'expected a value');
const VALIDATORS: Record<Exclude<OverrideKey, 'bakeMs' | 'waitTimeoutMs'>, z.ZodType<string>> = {
  env: z.string().regex(ENVIRONMENT_NAME, 'expected an environment name of letters, digits, "-" or "_"'),
  config: nonEmpty,
  region,
  deploymentGroup: nameSchema(DEPLOYMENT_GROUP_NAME),
  deploymentConfig: deploymentConfigName,
  healthUrl: z.url({ protocol: /^https?$/, error: 'expected an http:// or https:// URL' }),
};

function parseOverride(key: OverrideKey, value: string | number, source: string): string | number {
  if (key === 'bakeMs' || key === 'waitTimeoutMs') {
    const ms = typeof value === 'number' ? value : parseDurationFrom(value, source);
    if (key === 'waitTimeoutMs' && ms === 0) {
      throw new ConfigError(`${source}: expected a wait timeout longer than zero, like 30m or 2h`);
    }
    if (!Number.isSafeInteger(ms) || ms < 0) {
      throw new ConfigError(`${source}: expected a whole, non-negative number of milliseconds, found ${ms}`);
    }
    return ms;
  }
  const result = VALIDATORS[key].safeParse(value);
  if (!result.success) {
    const issue = result.error.issues[0];
    const message = issue?.message ?? 'invalid value';
    const found = message.startsWith('expected') ? `, found ${JSON.stringify(value)}` : '';
    throw new ConfigError(`${source}: ${message}${found}${issue ? hintOf(issue) : ''}`);
  }
  return result.data;
}

function parseDurationFrom(text: string, source: string): number {
  try {
    return parseDuration(text);
  } catch (error) {
    throw new ConfigError(`${source}: ${error instanceof Error ? error.message : String(error)}`, {
      cause: error,
    });
  }
}
