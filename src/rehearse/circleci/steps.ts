import { parseDuration } from './duration.js';
import { formatPath, problem, type ConfigPath } from './errors.js';
import { evaluateLogic } from './logic.js';
import type { ServiceStep, Step, StepWhen } from './model.js';
import { checkArguments, parameterResolver } from './parameters.js';
import {
  check,
  commandSchema,
  conditionalStepSchema,
  parameterDeclarationsSchema,
  runSchema,
  serviceStepSchemas,
} from './schema.js';
import { closest } from './suggestion.js';
import { isRecord, substitute } from './template.js';

// A job's steps expanded as CircleCI compiles them: reusable commands inlined with their parameters
// substituted, `when`/`unless` steps decided, `steps`-typed parameters spliced in. What remains are
// `run` steps and CircleCI's built-in steps.

/** CircleCI's no_output_timeout when a run step sets none. */
export const DEFAULT_NO_OUTPUT_TIMEOUT_MS = 10 * 60_000;

export interface ExpandScope {
  readonly commands: Readonly<Record<string, unknown>>;
  /** The job's `shell:` (or its executor's), the default of its run steps. */
  readonly shell: string | undefined;
}

type ServiceType = keyof typeof serviceStepSchemas;

// The names CircleCI's web app gives built-in steps without a `name:`.
const DEFAULT_NAMES: Record<ServiceType, string> = {
  checkout: 'Checkout code',
  restore_cache: 'Restoring cache',
  save_cache: 'Saving cache',
  store_artifacts: 'Uploading artifacts',
  store_test_results: 'Uploading test results',
  persist_to_workspace: 'Persisting to workspace',
  attach_workspace: 'Attaching workspace',
  setup_remote_docker: 'Setup a remote Docker engine',
  add_ssh_keys: 'Add SSH keys',
};

// CircleCI uploads test results and artifacts after a failed step too (how a failed run's reports
// reach the Tests and Artifacts tabs); `save_cache` has a `when:` of its own; the rest run only
// while the job succeeds.
const DEFAULT_WHEN: Record<ServiceType, StepWhen> = {
  checkout: 'on_success',
  restore_cache: 'on_success',
  save_cache: 'on_success',
  store_artifacts: 'always',
  store_test_results: 'always',
  persist_to_workspace: 'on_success',
  attach_workspace: 'on_success',
  setup_remote_docker: 'on_success',
  add_ssh_keys: 'on_success',
};

const SERVICE_TYPES = new Set<string>(Object.keys(serviceStepSchemas));

export function expandSteps(
  steps: readonly unknown[],
  path: ConfigPath,
  scope: ExpandScope,
  trail: readonly string[] = [],
  commandStack: readonly string[] = [],
): Step[] {
  return steps.flatMap((step, index) => expandStep(step, [...path, index], scope, trail, commandStack));
}

function expandStep(
  step: unknown,
  path: ConfigPath,
  scope: ExpandScope,
  trail: readonly string[],
  commandStack: readonly string[],
): Step[] {
  // `- << parameters.more >>`: a steps parameter standing in for one step splices its list in.
  if (Array.isArray(step)) return expandSteps(step, path, scope, trail, commandStack);
  const origin = [...trail, formatPath(path)].join(' › ');
  if (typeof step === 'string') {
    if (step === 'run' || step === 'deploy') throw problem(path, `"${step}" needs a command`);
    if (SERVICE_TYPES.has(step)) return [serviceStep(step as ServiceType, {}, path, origin)];
    return invoke(step, undefined, path, scope, trail, commandStack);
  }
  if (!isRecord(step)) throw problem(path, 'a step is a step name or a map with one key');
  const keys = Object.keys(step);
  if (keys.length !== 1) {
    throw problem(path, `a step is a map with exactly one key (found ${keys.join(', ') || 'none'})`);
  }
  const type = keys[0] as string;
  const body = step[type];
  const at = [...path, type];
  if (type === 'run' || type === 'deploy') return [runStep(body, at, scope, origin)];
  if (SERVICE_TYPES.has(type)) return [serviceStep(type as ServiceType, body ?? {}, at, origin)];
  if (type === 'when' || type === 'unless') {
    const conditional = check(conditionalStepSchema, body, at);
    const holds = evaluateLogic(conditional.condition, [...at, 'condition']);
    if (holds !== (type === 'when')) return [];
    return expandSteps(conditional.steps, [...at, 'steps'], scope, trail, commandStack);
  }
  if (type === 'steps') {
    if (!Array.isArray(body)) throw problem(at, 'takes a list of steps');
    return expandSteps(body, at, scope, trail, commandStack);
  }
  return invoke(type, body, path, scope, trail, commandStack);
}

function invoke(
  name: string,
  args: unknown,
  path: ConfigPath,
  scope: ExpandScope,
  trail: readonly string[],
  commandStack: readonly string[],
): Step[] {
  const definition = scope.commands[name];
  if (definition === undefined) {
    const known = [...SERVICE_TYPES, 'run', 'when', 'unless', ...Object.keys(scope.commands)];
    const suggestion = closest(name, known);
    throw problem(
      path,
      `unknown step or command "${name}"${suggestion === undefined ? '' : ` (did you mean "${suggestion}"?)`}`,
    );
  }
  if (commandStack.includes(name)) {
    throw problem(path, `command "${name}" invokes itself: ${[...commandStack, name].join(' → ')}`);
  }
  if (args !== undefined && args !== null && !isRecord(args)) {
    throw problem([...path, name], `the arguments of command "${name}" must be a map`);
  }
  const home: ConfigPath = ['commands', name];
  const command = check(commandSchema, definition, home);
  const declarations = check(parameterDeclarationsSchema, command.parameters ?? {}, [...home, 'parameters']);
  const invocation = args === undefined ? path : [...path, name];
  const values = checkArguments(declarations, args ?? {}, invocation, `command "${name}"`);
  const body = substitute(command.steps, parameterResolver(values, `command "${name}"`), [...home, 'steps']);
  return expandSteps(
    body as unknown[],
    [...home, 'steps'],
    scope,
    [...trail, formatPath(path)],
    [...commandStack, name],
  );
}

function runStep(body: unknown, path: ConfigPath, scope: ExpandScope, origin: string): Step {
  const run = typeof body === 'string' ? { command: body } : check(runSchema, body, path);
  const timeout = run.no_output_timeout;
  if (typeof timeout === 'number') {
    throw problem(
      [...path, 'no_output_timeout'],
      `${timeout} has no unit: write e.g. "${timeout}s" or "${timeout}m"`,
    );
  }
  return {
    type: 'run',
    name: run.name ?? run.command.trim(),
    when: run.when ?? 'on_success',
    origin,
    command: run.command,
    shell: run.shell ?? scope.shell,
    environment: stringValues(run.environment),
    workingDirectory: run.working_directory,
    background: run.background ?? false,
    noOutputTimeoutMs:
      timeout === undefined
        ? DEFAULT_NO_OUTPUT_TIMEOUT_MS
        : parseDuration(timeout, [...path, 'no_output_timeout']),
  };
}

function serviceStep(type: ServiceType, body: unknown, path: ConfigPath, origin: string): ServiceStep {
  const base = (name: string | undefined, when?: StepWhen) => ({
    name: name ?? DEFAULT_NAMES[type],
    when: when ?? DEFAULT_WHEN[type],
    origin,
  });
  switch (type) {
    case 'checkout': {
      const step = check(serviceStepSchemas.checkout, body, path);
      return { type, ...base(step.name), path: step.path };
    }
    case 'restore_cache': {
      const step = check(serviceStepSchemas.restore_cache, body, path);
      const keys = [...(step.key === undefined ? [] : [step.key]), ...(step.keys ?? [])];
      if (keys.length === 0) throw problem(path, 'restore_cache needs key or keys');
      return { type, ...base(step.name), keys };
    }
    case 'save_cache': {
      const step = check(serviceStepSchemas.save_cache, body, path);
      return { type, ...base(step.name, step.when), key: step.key, paths: step.paths };
    }
    case 'store_artifacts': {
      const step = check(serviceStepSchemas.store_artifacts, body, path);
      return { type, ...base(step.name), path: step.path, destination: step.destination };
    }
    case 'store_test_results': {
      const step = check(serviceStepSchemas.store_test_results, body, path);
      return { type, ...base(step.name), path: step.path };
    }
    case 'persist_to_workspace': {
      const step = check(serviceStepSchemas.persist_to_workspace, body, path);
      return { type, ...base(step.name), root: step.root, paths: step.paths };
    }
    case 'attach_workspace': {
      const step = check(serviceStepSchemas.attach_workspace, body, path);
      return { type, ...base(step.name), at: step.at };
    }
    case 'setup_remote_docker': {
      const step = check(serviceStepSchemas.setup_remote_docker, body, path);
      return {
        type,
        ...base(step.name),
        version: step.version,
        dockerLayerCaching: step.docker_layer_caching ?? false,
      };
    }
    case 'add_ssh_keys': {
      const step = check(serviceStepSchemas.add_ssh_keys, body, path);
      return { type, ...base(step.name), fingerprints: step.fingerprints ?? [] };
    }
  }
}

export function stringValues(
  environment: Readonly<Record<string, string | number | boolean>> | undefined,
): Record<string, string> {
  return Object.fromEntries(Object.entries(environment ?? {}).map(([key, value]) => [key, String(value)]));
}
