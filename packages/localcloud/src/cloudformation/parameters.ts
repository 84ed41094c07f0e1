// Stack parameters: the values a change set gives (or keeps with UsePreviousValue), the template's
// defaults, and CloudFormation's checks of each — type, AllowedValues, AllowedPattern, lengths,
// bounds, and the AWS-specific types, whose values must exist in the account. Pure: whether a VPC
// exists is the caller's `exists` to answer.
import { scalarText } from './intrinsics.js';
import type { ParameterDeclaration } from './template.js';

/** A parameter CloudFormation refuses (a ValidationError of CreateChangeSet). */
export class ParameterError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ParameterError';
  }
}

export interface GivenParameter {
  readonly ParameterKey?: string;
  readonly ParameterValue?: string;
  readonly UsePreviousValue?: boolean;
}

/** For the AWS-specific types: does this id exist in the account and region? */
export type ExistenceCheck = (type: string, value: string) => boolean;

const AWS_TYPES = /^(List<)?(AWS::[A-Za-z0-9]+::[A-Za-z0-9]+::[A-Za-z0-9]+)>?$/;
const PLAIN_TYPES = new Set(['String', 'Number', 'List<Number>', 'CommaDelimitedList']);
const SSM_TYPE = /^AWS::SSM::Parameter::(Name|Value<.+>)$/;

/** Whether the type's value is a list (Ref returns an array). */
export function isListType(type: string): boolean {
  return type === 'CommaDelimitedList' || type.startsWith('List<');
}

/** Whether `NoEcho` is on (`true` or `'true'`). */
export function isNoEcho(declaration: ParameterDeclaration): boolean {
  return declaration.NoEcho === true || declaration.NoEcho === 'true';
}

function listItems(value: string): string[] {
  return value === '' ? [] : value.split(',').map((item) => item.trim());
}

function checkOne(
  name: string,
  declaration: ParameterDeclaration,
  value: string,
  exists: ExistenceCheck,
): void {
  const type = declaration.Type;
  const allowed = declaration.AllowedValues?.map(String);
  const items = isListType(type) ? listItems(value) : [value];
  for (const item of items) {
    if (allowed && !allowed.includes(item)) {
      throw new ParameterError(
        declaration.ConstraintDescription !== undefined
          ? `Parameter '${name}' failed to satisfy constraint: ${declaration.ConstraintDescription}`
          : `Parameter '${name}' must be one of AllowedValues`,
      );
    }
  }
  if (declaration.AllowedPattern !== undefined && !isListType(type)) {
    // CloudFormation anchors the pattern at both ends, as Java's String.matches does.
    if (!new RegExp(`^(?:${declaration.AllowedPattern})$`).test(value)) {
      throw new ParameterError(
        declaration.ConstraintDescription !== undefined
          ? `Parameter '${name}' failed to satisfy constraint: ${declaration.ConstraintDescription}`
          : `Parameter '${name}' must match pattern ${declaration.AllowedPattern}`,
      );
    }
  }
  if (declaration.MinLength !== undefined && value.length < Number(declaration.MinLength)) {
    throw new ParameterError(
      `Parameter '${name}' must contain at least ${String(declaration.MinLength)} characters`,
    );
  }
  if (declaration.MaxLength !== undefined && value.length > Number(declaration.MaxLength)) {
    throw new ParameterError(
      `Parameter '${name}' must contain at most ${String(declaration.MaxLength)} characters`,
    );
  }
  if (type === 'Number' || type === 'List<Number>') {
    for (const item of items) {
      const number = Number(item);
      if (item.trim() === '' || !Number.isFinite(number))
        throw new ParameterError(`Parameter '${name}' must be a number.`);
      if (declaration.MinValue !== undefined && number < Number(declaration.MinValue)) {
        throw new ParameterError(
          `Parameter '${name}' must be a number not less than ${String(declaration.MinValue)}`,
        );
      }
      if (declaration.MaxValue !== undefined && number > Number(declaration.MaxValue)) {
        throw new ParameterError(
          `Parameter '${name}' must be a number not greater than ${String(declaration.MaxValue)}`,
        );
      }
    }
  }
  const awsType = AWS_TYPES.exec(type)?.[2];
  if (awsType && !SSM_TYPE.test(type)) {
    for (const item of items) {
      if (!exists(awsType, item)) {
        throw new ParameterError(
          `Parameter validation failed: parameter value ${item} for parameter name ${name} does not exist`,
        );
      }
    }
  }
}

/** Throws CloudFormation's error for a parameter type it does not know. */
export function checkParameterType(name: string, type: string): void {
  if (PLAIN_TYPES.has(type) || AWS_TYPES.test(type) || SSM_TYPE.test(type)) return;
  throw new ParameterError(`Template format error: Unrecognized parameter type: ${type}`);
}

/**
 * Every declared parameter's value as a string (lists comma-separated), checked: a given value, else
 * the previous one for UsePreviousValue, else the default. `previous` is undefined for a new stack.
 */
export function resolveParameters(
  declarations: Readonly<Record<string, ParameterDeclaration>>,
  given: readonly GivenParameter[],
  previous: Readonly<Record<string, string>> | undefined,
  exists: ExistenceCheck,
): Record<string, string> {
  const byKey = new Map<string, GivenParameter>();
  for (const parameter of given)
    if (parameter.ParameterKey !== undefined) byKey.set(parameter.ParameterKey, parameter);
  const undeclared = [...byKey.keys()].filter((key) => !Object.hasOwn(declarations, key));
  if (undeclared.length > 0) {
    throw new ParameterError(`Parameters: [${undeclared.join(', ')}] do not exist in the template`);
  }
  const values: Record<string, string> = {};
  const missing: string[] = [];
  for (const [name, declaration] of Object.entries(declarations)) {
    checkParameterType(name, declaration.Type);
    const supplied = byKey.get(name);
    let value: string | undefined;
    if (supplied?.UsePreviousValue) {
      if (previous === undefined || !Object.hasOwn(previous, name)) {
        throw new ParameterError(
          `Invalid input for parameter key ${name}. Cannot specify usePreviousValue as true for a parameter key not in the previous template`,
        );
      }
      value = previous[name];
    } else if (supplied?.ParameterValue !== undefined) {
      value = supplied.ParameterValue;
    } else if (declaration.Default !== undefined) {
      const fallback = declaration.Default;
      value = Array.isArray(fallback) ? fallback.map(scalarText).join(',') : scalarText(fallback);
    }
    if (value === undefined) {
      missing.push(name);
      continue;
    }
    values[name] = value;
  }
  if (missing.length > 0) throw new ParameterError(`Parameters: [${missing.join(', ')}] must have values`);
  for (const [name, declaration] of Object.entries(declarations)) {
    checkOne(name, declaration, values[name] as string, exists);
  }
  return values;
}

/** A parameter's value as Ref returns it: lists are arrays. */
export function typedValue(declaration: ParameterDeclaration, value: string): string | string[] {
  return isListType(declaration.Type) ? listItems(value) : value;
}
