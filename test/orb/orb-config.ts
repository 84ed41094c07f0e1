import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import AjvDraft04 from 'ajv-draft-04';
import type { ValidateFunction } from 'ajv';
import { stringify } from 'yaml';

// What test/orb/ checks an orb with: CircleCI's schema for an orb file, and the orb inlined into a
// config that uses it, so that the rehearsal's CircleCI engine (src/rehearse/circleci/) can plan the
// config as CircleCI would compile it.

type YamlMap = Record<string, unknown>;
const require = createRequire(import.meta.url);

/**
 * CircleCI's schema of an orb file. The schemastore package's circleciconfig.json has the shapes of
 * commands, jobs and executors (an orb's are a config's), but its inline orb knows only those three
 * keys. The top level of an orb is written here from CircleCI's orb authoring docs and its own
 * language server's schema (CircleCI-Public/circleci-yaml-language-server, schema.json: `display`
 * with home_url and source_url; `examples`, each a usage with an optional description and result),
 * and it refuses any other key, so a key CircleCI does not know fails here, not at publish.
 */
export function compileOrbSchema(): ValidateFunction {
  const path = require.resolve('schemastore/schemas/json/circleciconfig.json');
  const config = JSON.parse(readFileSync(path, 'utf8')) as { $schema?: string; definitions: YamlMap };
  if (config.$schema !== 'http://json-schema.org/draft-04/schema#') {
    throw new Error(
      `circleciconfig.json now declares ${String(config.$schema)}: pick the matching ajv build`,
    );
  }
  // Element names as CircleCI's language server allows them for commands, executors and examples.
  const name = '^[a-z][a-z\\d_-]*$';
  const example = {
    type: 'object',
    required: ['usage'],
    additionalProperties: false,
    properties: {
      description: { type: 'string' },
      // A whole config that uses the orb.
      usage: { type: 'object', required: ['version'] },
      result: { type: 'object' },
    },
  };
  const schema = {
    $schema: config.$schema,
    title: 'CircleCI orb',
    type: 'object',
    required: ['version', 'description'],
    additionalProperties: false,
    properties: {
      version: { enum: [2.1, '2.1'] },
      description: { type: 'string', minLength: 1 },
      display: {
        type: 'object',
        additionalProperties: false,
        properties: {
          home_url: { type: 'string', pattern: '^https://' },
          source_url: { type: 'string', pattern: '^https://' },
        },
      },
      orbs: { $ref: '#/definitions/orbs' },
      commands: { $ref: '#/definitions/commands' },
      executors: { $ref: '#/definitions/executors' },
      jobs: { $ref: '#/definitions/jobs' },
      // draft-04 has no propertyNames: a pattern and nothing else stands in for it.
      examples: { type: 'object', patternProperties: { [name]: example }, additionalProperties: false },
    },
    definitions: config.definitions,
  };
  const ajv = new AjvDraft04.default({ allErrors: true, strict: false });
  return ajv.compile(schema);
}

/**
 * The config with the orb `name` inlined: its commands, jobs and executors added under
 * `name/<element>`, each reference inside the orb to its own elements renamed the same way, and the
 * `orbs:` entry removed — what CircleCI's compiler resolves `name/deliver` to.
 */
export function inlineOrb(config: YamlMap, name: string, orb: YamlMap): YamlMap {
  const prefix = `${name}/`;
  const commands = new Set(Object.keys(asMap(orb.commands)));
  const executors = new Set(Object.keys(asMap(orb.executors)));
  const ownCommand = (step: string): string => (commands.has(step) ? prefix + step : step);
  const renameSteps = (steps: unknown): unknown => (Array.isArray(steps) ? steps.map(renameStep) : steps);
  const renameStep = (step: unknown): unknown => {
    if (typeof step === 'string') return ownCommand(step);
    const entries = Object.entries(asMap(step));
    if (entries.length !== 1) return step;
    const [[key, body]] = entries as [[string, unknown]];
    if (key === 'when' || key === 'unless')
      return { [key]: { ...asMap(body), steps: renameSteps(asMap(body).steps) } };
    if (key === 'steps') return { steps: renameSteps(body) };
    return { [ownCommand(key)]: body };
  };
  const renameExecutor = (reference: unknown): unknown => {
    if (typeof reference === 'string') return executors.has(reference) ? prefix + reference : reference;
    const map = asMap(reference);
    return typeof map.name === 'string' ? { ...map, name: renameExecutor(map.name) } : reference;
  };
  const renameParameters = (parameters: unknown): unknown =>
    parameters === undefined
      ? undefined
      : Object.fromEntries(
          Object.entries(asMap(parameters)).map(([key, spec]) => {
            const declared = asMap(spec);
            if (declared.default === undefined) return [key, spec];
            if (declared.type === 'steps')
              return [key, { ...declared, default: renameSteps(declared.default) }];
            if (declared.type === 'executor')
              return [key, { ...declared, default: renameExecutor(declared.default) }];
            return [key, spec];
          }),
        );
  const element = (body: unknown, withExecutor: boolean): YamlMap => {
    const map = { ...asMap(body) };
    if (map.parameters !== undefined) map.parameters = renameParameters(map.parameters);
    if (map.steps !== undefined) map.steps = renameSteps(map.steps);
    if (withExecutor && map.executor !== undefined) map.executor = renameExecutor(map.executor);
    return map;
  };
  const prefixed = (section: unknown, withExecutor: boolean): YamlMap =>
    Object.fromEntries(
      Object.entries(asMap(section)).map(([key, body]) => [prefix + key, element(body, withExecutor)]),
    );
  const { orbs, ...rest } = config;
  const otherOrbs = Object.fromEntries(Object.entries(asMap(orbs)).filter(([key]) => key !== name));
  return {
    ...rest,
    ...(Object.keys(otherOrbs).length > 0 ? { orbs: otherOrbs } : {}),
    commands: { ...asMap(config.commands), ...prefixed(orb.commands, false) },
    executors: { ...asMap(config.executors), ...prefixed(orb.executors, false) },
    jobs: { ...asMap(config.jobs), ...prefixed(orb.jobs, true) },
  };
}

/** YAML text of a config value, for readCircleConfig. */
export function configText(config: YamlMap): string {
  return stringify(config, { lineWidth: 0 });
}

export function asMap(value: unknown): YamlMap {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as YamlMap) : {};
}
