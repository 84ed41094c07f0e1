import { problem, type ConfigPath } from './errors.js';
import type { ParameterValue } from './model.js';
import type { ParameterDeclaration } from './schema.js';
import { isRecord, type Resolver } from './template.js';

const ENV_VAR_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * The arguments of one invocation (a workflow job, a command, an executor) checked against its
 * declarations, with defaults filled in. `where` is the invocation's path; `what` names the
 * invoked thing in messages (`job "gate"`).
 */
export function checkArguments(
  declarations: Readonly<Record<string, ParameterDeclaration>>,
  args: Readonly<Record<string, unknown>>,
  where: ConfigPath,
  what: string,
): Record<string, ParameterValue> {
  for (const name of Object.keys(args)) {
    if (!(name in declarations)) {
      const declared = Object.keys(declarations);
      throw problem(
        [...where, name],
        `${what} has no parameter "${name}" (${declared.length > 0 ? `its parameters: ${declared.join(', ')}` : 'it declares none'})`,
      );
    }
  }
  const values: Record<string, ParameterValue> = {};
  for (const [name, declaration] of Object.entries(declarations)) {
    const given = args[name];
    const value = given === undefined ? declaration.default : given;
    if (value === undefined || value === null) {
      throw problem(where, `parameter "${name}" is required by ${what}`);
    }
    const at = given === undefined ? where : [...where, name];
    values[name] = checkValue(
      name,
      declaration,
      value,
      at,
      given === undefined ? 'its default' : 'the value',
    );
  }
  return values;
}

function checkValue(
  name: string,
  declaration: ParameterDeclaration,
  value: unknown,
  path: ConfigPath,
  source: string,
): ParameterValue {
  const mismatch = (expected: string): never => {
    throw problem(
      path,
      `parameter "${name}" is of type ${declaration.type}: ${source} ${JSON.stringify(value)} is not ${expected}`,
    );
  };
  switch (declaration.type) {
    case 'string':
      return typeof value === 'string' ? value : mismatch('a string (quote it)');
    case 'boolean':
      return typeof value === 'boolean' ? value : mismatch('true or false');
    case 'integer':
      return typeof value === 'number' && Number.isInteger(value) ? value : mismatch('an integer');
    case 'env_var_name':
      return typeof value === 'string' && ENV_VAR_NAME.test(value)
        ? value
        : mismatch('an environment variable name');
    case 'enum': {
      const allowed = declaration.enum;
      if (allowed === undefined) throw problem(path, `parameter "${name}" is an enum without an enum: list`);
      return typeof value === 'string' && allowed.includes(value)
        ? value
        : mismatch(`one of ${allowed.join(', ')}`);
    }
    case 'steps':
      return Array.isArray(value) ? (value as unknown[]) : mismatch('a list of steps');
    case 'executor':
      return typeof value === 'string' || isRecord(value)
        ? value
        : mismatch('an executor name or invocation');
  }
}

/** Resolves `<< parameters.x >>` from `values`; a reference to an undeclared parameter is an error. */
export function parameterResolver(values: Readonly<Record<string, ParameterValue>>, what: string): Resolver {
  return (reference, path) => {
    if (!reference.startsWith('parameters.')) return undefined;
    const name = reference.slice('parameters.'.length);
    if (!(name in values)) {
      throw problem(path, `<< ${reference} >>: ${what} declares no parameter "${name}"`);
    }
    return { value: values[name] };
  };
}
