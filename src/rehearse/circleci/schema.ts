import { z } from 'zod';
import { problem, type ConfigPath } from './errors.js';

// The shapes of .circleci/config.yml (version 2.1) that the rehearsal reads, as CircleCI's
// configuration reference defines them. Objects are strict where CircleCI rejects an unknown key.
//
// Why not a published parser: @circleci/circleci-config-parser@0.10.0-alpha.3 (the only one on the
// registry) rejects this repository's valid config ("Failed to validate: [object Object]" on the
// sam_deploy job's reusable-command steps), and @circleci/circleci-config-sdk@0.12.5 has no parser.
// So the config is read with `yaml` and checked here with zod.

const scalar = z.union([z.string(), z.number(), z.boolean()]);
export const environmentSchema = z.record(z.string(), scalar);

export const parameterDeclarationSchema = z.strictObject({
  type: z.enum(['string', 'boolean', 'integer', 'enum', 'env_var_name', 'steps', 'executor']),
  description: z.string().optional(),
  default: z.unknown().optional(),
  enum: z.array(z.string()).optional(),
});
export type ParameterDeclaration = z.infer<typeof parameterDeclarationSchema>;
export const parameterDeclarationsSchema = z.record(z.string(), parameterDeclarationSchema);

export const configSchema = z.looseObject({
  // Other top-level keys (an `aliases:` block of YAML anchors, say) are tolerated, as CircleCI does.
  version: z.union([z.number(), z.string()]),
  setup: z.boolean().optional(),
  orbs: z.record(z.string(), z.unknown()).optional(),
  parameters: parameterDeclarationsSchema.optional(),
  executors: z.record(z.string(), z.unknown()).optional(),
  commands: z.record(z.string(), z.unknown()).optional(),
  jobs: z.record(z.string(), z.unknown()).optional(),
  workflows: z.record(z.string(), z.unknown()).optional(),
  'job-groups': z.record(z.string(), z.unknown()).optional(),
});

/** A named set of jobs a workflow runs as one unit (`job-groups:`; serialized as one with serial-group). */
export const jobGroupSchema = z.strictObject({ jobs: z.array(z.unknown()).min(1) });

const dockerImageSchema = z.strictObject({
  image: z.string(),
  name: z.string().optional(),
  entrypoint: z.union([z.string(), z.array(z.string())]).optional(),
  command: z.union([z.string(), z.array(z.string())]).optional(),
  user: z.string().optional(),
  environment: environmentSchema.optional(),
  auth: z.record(z.string(), z.string()).optional(),
  aws_auth: z.record(z.string(), z.string()).optional(),
});

const environmentKeys = {
  docker: z.array(dockerImageSchema).min(1).optional(),
  machine: z
    .union([
      z.literal(true),
      z.strictObject({
        image: z.string(),
        docker_layer_caching: z.boolean().optional(),
        resource_class: z.string().optional(),
      }),
    ])
    .optional(),
  macos: z.strictObject({ xcode: z.union([z.string(), z.number()]) }).optional(),
  resource_class: z.string().optional(),
  shell: z.string().optional(),
  working_directory: z.string().optional(),
  environment: environmentSchema.optional(),
};

export const executorSchema = z.strictObject({
  description: z.string().optional(),
  parameters: parameterDeclarationsSchema.optional(),
  ...environmentKeys,
});
export type ExecutorDefinition = z.infer<typeof executorSchema>;

export const commandSchema = z.strictObject({
  description: z.string().optional(),
  parameters: parameterDeclarationsSchema.optional(),
  steps: z.array(z.unknown()),
});

export const jobSchema = z.strictObject({
  description: z.string().optional(),
  parameters: parameterDeclarationsSchema.optional(),
  executor: z.union([z.string(), z.looseObject({ name: z.string() })]).optional(),
  ...environmentKeys,
  parallelism: z.number().int().min(1).optional(),
  circleci_ip_ranges: z.boolean().optional(),
  steps: z.array(z.unknown()),
});
export type JobDefinition = z.infer<typeof jobSchema>;

const whenSchema = z.enum(['on_success', 'on_fail', 'always']);

export const runSchema = z.strictObject({
  command: z.string(),
  name: z.string().optional(),
  shell: z.string().optional(),
  environment: environmentSchema.optional(),
  background: z.boolean().optional(),
  working_directory: z.string().optional(),
  no_output_timeout: z.union([z.string(), z.number()]).optional(),
  when: whenSchema.optional(),
});

const stringOrList = z.union([z.string(), z.array(z.string())]);

export const serviceStepSchemas = {
  checkout: z.strictObject({ name: z.string().optional(), path: z.string().optional() }),
  restore_cache: z.strictObject({
    name: z.string().optional(),
    key: z.string().optional(),
    keys: z.array(z.string()).optional(),
  }),
  save_cache: z.strictObject({
    name: z.string().optional(),
    key: z.string(),
    paths: z.array(z.string()),
    when: whenSchema.optional(),
  }),
  store_artifacts: z.strictObject({
    name: z.string().optional(),
    path: z.string(),
    destination: z.string().optional(),
  }),
  store_test_results: z.strictObject({ name: z.string().optional(), path: z.string() }),
  persist_to_workspace: z.strictObject({
    name: z.string().optional(),
    root: z.string(),
    paths: z.array(z.string()),
  }),
  attach_workspace: z.strictObject({ name: z.string().optional(), at: z.string() }),
  setup_remote_docker: z.strictObject({
    name: z.string().optional(),
    version: z.string().optional(),
    docker_layer_caching: z.boolean().optional(),
  }),
  add_ssh_keys: z.strictObject({
    name: z.string().optional(),
    fingerprints: z.array(z.string()).optional(),
  }),
} as const;

export const conditionalStepSchema = z.strictObject({
  condition: z.unknown(),
  steps: z.array(z.unknown()),
});

export const workflowSchema = z.strictObject({
  jobs: z.array(z.unknown()).min(1),
  when: z.unknown().optional(),
  unless: z.unknown().optional(),
  triggers: z.array(z.unknown()).optional(),
});

const filterSchema = z.strictObject({ only: stringOrList.optional(), ignore: stringOrList.optional() });

/** The keys of a workflow job entry that are not the job's parameters. */
export const workflowJobSettingsSchema = z.strictObject({
  name: z.string().optional(),
  requires: z
    .array(z.union([z.string(), z.record(z.string(), z.union([z.string(), z.array(z.string())]))]))
    .optional(),
  context: stringOrList.optional(),
  filters: z
    .union([z.strictObject({ branches: filterSchema.optional(), tags: filterSchema.optional() }), z.string()])
    .optional(),
  type: z.string().optional(),
  matrix: z.unknown().optional(),
  'serial-group': z.string().optional(),
  'pre-steps': z.array(z.unknown()).optional(),
  'post-steps': z.array(z.unknown()).optional(),
  'override-with': z.unknown().optional(),
});
export const WORKFLOW_JOB_SETTINGS = new Set(Object.keys(workflowJobSettingsSchema.shape));

/** `value` checked against `schema`, or a ConfigProblem at the first issue's path. */
export function check<T>(schema: z.ZodType<T>, value: unknown, path: ConfigPath): T {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issue = result.error.issues[0] as z.core.$ZodIssue;
  const at: (string | number)[] = [
    ...path,
    ...issue.path.map((p) => (typeof p === 'number' ? p : String(p))),
  ];
  if (issue.code === 'unrecognized_keys') {
    const keys = issue.keys;
    at.push(keys[0] as string);
    return fail(
      at,
      `unknown key${keys.length > 1 ? `s ${keys.map((k) => `"${k}"`).join(', ')}` : ''}: CircleCI does not accept it here`,
    );
  }
  if (issue.code === 'invalid_type' && issue.input === undefined) return fail(at, 'is required');
  if (issue.code === 'invalid_value')
    return fail(at, `must be one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`);
  if (issue.code === 'invalid_union') return fail(at, `has the wrong shape (${describe(value, issue.path)})`);
  return fail(at, issue.message.replace(/^Invalid input: /, ''));
}

function fail(path: ConfigPath, message: string): never {
  throw problem(path, message);
}

function describe(root: unknown, path: readonly PropertyKey[]): string {
  let value = root;
  for (const key of path) value = (value as Record<PropertyKey, unknown> | undefined)?.[key];
  if (Array.isArray(value)) return 'a list';
  if (value === null) return 'null';
  return typeof value === 'object' ? 'a map' : `${typeof value} ${JSON.stringify(value)}`;
}
