// Checks a value against a shape of AWS's FULL botocore model (not the trimmed copy the local cloud
// ships): member names exist, required members are present, types and enum values are right.
// Works on the SDK's parsed output (Dates for timestamps) and on decoded JSON wire output
// (numbers for timestamps) alike.
import { readFileSync } from 'node:fs';

const BOTOCORE_DATA = '/usr/lib/python3/dist-packages/awscli/botocore/data';

const DIRS: Record<string, string> = {
  autoscaling: 'autoscaling/2011-01-01',
  elbv2: 'elbv2/2015-12-01',
  ec2: 'ec2/2016-11-15',
  cloudwatch: 'cloudwatch/2010-08-01',
  codedeploy: 'codedeploy/2014-10-06',
  sts: 'sts/2011-06-15',
  iam: 'iam/2010-05-08',
  ssm: 'ssm/2014-11-06',
};

interface Ref {
  shape: string;
}
interface Shape {
  type: string;
  members?: Record<string, Ref>;
  required?: string[];
  member?: Ref;
  value?: Ref;
  enum?: string[];
}
export interface FullModel {
  operations: Record<string, { input?: Ref; output?: Ref; errors?: Ref[] }>;
  shapes: Record<string, Shape>;
}

export function loadFullModel(service: string): FullModel {
  const dir = DIRS[service];
  if (!dir) throw new Error(`no botocore model for ${service}`);
  return JSON.parse(readFileSync(`${BOTOCORE_DATA}/${dir}/service-2.json`, 'utf8')) as FullModel;
}

export interface ValidateOptions {
  /** `json`: timestamps are epoch-second numbers on the wire. `parsed`: the SDK gives Dates. */
  readonly timestamps: 'json' | 'parsed';
}

export function validateShape(
  model: FullModel,
  shapeName: string,
  value: unknown,
  path: string,
  options: ValidateOptions,
): string[] {
  const shape = model.shapes[shapeName];
  if (!shape) return [`${path}: shape ${shapeName} is not in the model`];
  const problems: string[] = [];
  const fail = (message: string) => problems.push(`${path}: ${message} (shape ${shapeName})`);
  switch (shape.type) {
    case 'structure': {
      if (typeof value !== 'object' || value === null || Array.isArray(value)) {
        fail(`expected an object, got ${JSON.stringify(value)}`);
        break;
      }
      const record = value as Record<string, unknown>;
      for (const [key, member] of Object.entries(record)) {
        if (key === '$metadata' || member === undefined) continue;
        const ref = shape.members?.[key];
        if (!ref) fail(`member ${key} is not in the model`);
        else problems.push(...validateShape(model, ref.shape, member, `${path}.${key}`, options));
      }
      for (const required of shape.required ?? []) {
        if (record[required] === undefined || record[required] === null)
          fail(`required member ${required} is missing`);
      }
      break;
    }
    case 'list':
      if (!Array.isArray(value)) fail(`expected a list, got ${JSON.stringify(value)}`);
      else
        value.forEach((item, i) =>
          problems.push(...validateShape(model, shape.member!.shape, item, `${path}[${i}]`, options)),
        );
      break;
    case 'map':
      if (typeof value !== 'object' || value === null) fail('expected a map');
      else
        for (const [k, v] of Object.entries(value))
          problems.push(...validateShape(model, shape.value!.shape, v, `${path}.${k}`, options));
      break;
    case 'string':
      if (typeof value !== 'string') fail(`expected a string, got ${JSON.stringify(value)}`);
      else if (shape.enum && !shape.enum.includes(value))
        fail(`${JSON.stringify(value)} is not one of ${shape.enum.join(', ')}`);
      break;
    case 'integer':
    case 'long':
      if (typeof value !== 'number' || !Number.isInteger(value))
        fail(`expected an integer, got ${JSON.stringify(value)}`);
      break;
    case 'double':
    case 'float':
      if (typeof value !== 'number') fail(`expected a number, got ${JSON.stringify(value)}`);
      break;
    case 'boolean':
      if (typeof value !== 'boolean') fail(`expected a boolean, got ${JSON.stringify(value)}`);
      break;
    case 'timestamp':
      if (
        options.timestamps === 'json'
          ? typeof value !== 'number'
          : !(value instanceof Date) || Number.isNaN(value.getTime())
      ) {
        fail(
          `expected a ${options.timestamps === 'json' ? 'epoch-seconds number' : 'Date'}, got ${JSON.stringify(value)}`,
        );
      }
      break;
    case 'blob':
      if (!(value instanceof Uint8Array) && typeof value !== 'string') fail('expected a blob');
      break;
    default:
      fail(`unknown shape type ${shape.type}`);
  }
  return problems;
}

/** Problems with an operation's output; an empty list means it matches the model. */
export function validateOutput(
  model: FullModel,
  operation: string,
  output: unknown,
  options: ValidateOptions = { timestamps: 'parsed' },
): string[] {
  const op = model.operations[operation];
  if (!op) return [`operation ${operation} is not in the model`];
  if (!op.output) return [];
  return validateShape(model, op.output.shape, output, operation, options);
}

/** The error shapes an operation's model lists. */
export function operationErrors(model: FullModel, operation: string): string[] {
  return (model.operations[operation]?.errors ?? []).map((ref) => ref.shape);
}

/**
 * Problems with a JSON protocol error body: `__type` must name an error shape the operation lists
 * (unless `allowed` explains why not), and the rest of the body must match that shape.
 */
export function validateJsonError(
  model: FullModel,
  operation: string,
  body: unknown,
  allowed: readonly string[] = [],
): string[] {
  if (typeof body !== 'object' || body === null) return [`${operation}: error body is not an object`];
  const { __type: type, message, ...rest } = body as Record<string, unknown>;
  if (typeof type !== 'string') return [`${operation}: error body has no __type`];
  if (!operationErrors(model, operation).includes(type) && !allowed.includes(type))
    return [`${operation}: ${type} is not one of the errors the model lists for it`];
  // The protocol carries `message` for every error; CodeDeploy's exception shapes model no members.
  const problems = typeof message === 'string' && message !== '' ? [] : [`${operation}!${type}: no message`];
  return [...problems, ...validateShape(model, type, rest, `${operation}!${type}`, { timestamps: 'json' })];
}
