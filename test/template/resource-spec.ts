import { loadAwsServiceSpecSync } from '@aws-cdk/aws-service-spec';
// Types only: the package comes with @aws-cdk/aws-service-spec, whose database is made of them.
import type { PropertyType, Resource, ResourceProperties, SpecDatabase } from '@aws-cdk/service-spec-types';
import { isIntrinsic } from './intrinsics.js';

// Checks every resource of a template against the CloudFormation registry's schemas as
// @aws-cdk/aws-service-spec ships them: the type exists, every property (nested ones too) exists,
// every required property is there, and literal values have the right shape. Values computed by
// intrinsic functions are checked only where they can be known (both branches of Fn::If).

export type { SpecDatabase };

export interface SpecProblem {
  /** Dotted path in the template: `Resources.Bucket.Properties.BucketEncryption`. */
  readonly path: string;
  readonly message: string;
}

/** Loaded once per test file: it is a few seconds of work. */
export function loadSpecDatabase(): SpecDatabase {
  return loadAwsServiceSpecSync();
}

export function findResourceType(db: SpecDatabase, cloudFormationType: string): Resource | undefined {
  return db.lookup('resource', 'cloudFormationType', 'equals', cloudFormationType)[0];
}

const TEMPLATE_SECTIONS = new Set([
  'AWSTemplateFormatVersion',
  'Description',
  'Metadata',
  'Parameters',
  'Rules',
  'Mappings',
  'Conditions',
  'Transform',
  'Resources',
  'Outputs',
  'Globals',
]);

const RESOURCE_ATTRIBUTES = new Set([
  'Type',
  'Properties',
  'Condition',
  'DependsOn',
  'DeletionPolicy',
  'UpdateReplacePolicy',
  'UpdatePolicy',
  'CreationPolicy',
  'Metadata',
]);

export function checkResources(db: SpecDatabase, document: Record<string, unknown>): SpecProblem[] {
  const problems: SpecProblem[] = [];
  for (const section of Object.keys(document)) {
    if (!TEMPLATE_SECTIONS.has(section))
      problems.push({ path: section, message: `unknown template section ${section}` });
  }
  const resources = document.Resources;
  if (!isPlainMap(resources) || Object.keys(resources).length === 0) {
    return [...problems, { path: 'Resources', message: 'a template needs at least one resource' }];
  }
  for (const [logicalId, body] of Object.entries(resources)) {
    const path = `Resources.${logicalId}`;
    if (!/^[A-Za-z0-9]+$/.test(logicalId)) problems.push({ path, message: 'logical ids are alphanumeric' });
    if (!isPlainMap(body)) {
      problems.push({ path, message: 'a resource is a map with Type and Properties' });
      continue;
    }
    for (const key of Object.keys(body)) {
      if (!RESOURCE_ATTRIBUTES.has(key))
        problems.push({ path: `${path}.${key}`, message: `unknown resource attribute ${key}` });
    }
    const type = body.Type;
    if (typeof type !== 'string') {
      problems.push({ path: `${path}.Type`, message: 'missing Type' });
      continue;
    }
    const spec = findResourceType(db, type);
    if (spec === undefined) {
      problems.push({ path: `${path}.Type`, message: `unknown resource type ${type}` });
      continue;
    }
    const properties = body.Properties ?? {};
    if (!isPlainMap(properties)) {
      problems.push({ path: `${path}.Properties`, message: 'Properties must be a map' });
      continue;
    }
    checkObject(db, spec.properties, properties, `${path}.Properties`, type, problems);
  }
  return problems;
}

function checkObject(
  db: SpecDatabase,
  schema: ResourceProperties,
  value: Record<string, unknown>,
  path: string,
  owner: string,
  problems: SpecProblem[],
): void {
  for (const [name, item] of Object.entries(value)) {
    const property = schema[name];
    if (property === undefined) {
      const known = Object.keys(schema).sort().join(', ');
      problems.push({
        path: `${path}.${name}`,
        message: `${owner} has no property ${name} (it has: ${known})`,
      });
      continue;
    }
    checkValue(db, property.type, item, `${path}.${name}`, problems);
  }
  for (const [name, property] of Object.entries(schema)) {
    if (property.required && !(name in value)) {
      problems.push({ path, message: `${owner} requires property ${name}` });
    }
  }
}

function checkValue(
  db: SpecDatabase,
  type: PropertyType,
  value: unknown,
  path: string,
  problems: SpecProblem[],
): void {
  if (isIntrinsic(value)) {
    const [fn, argument] = Object.entries(value)[0]!;
    if (fn === 'Fn::If' && Array.isArray(argument)) {
      for (const branch of argument.slice(1)) {
        if (!isNoValue(branch)) checkValue(db, type, branch, path, problems);
      }
    }
    return;
  }
  switch (type.type) {
    case 'union': {
      // The value is fine when one of the alternatives accepts it.
      const attempts = type.types.map((alternative) => {
        const found: SpecProblem[] = [];
        checkValue(db, alternative, value, path, found);
        return found;
      });
      if (!attempts.some((found) => found.length === 0)) problems.push(...(attempts[0] ?? []));
      return;
    }
    case 'array':
      if (!Array.isArray(value)) {
        problems.push({ path, message: `expected a list, found ${describe(value)}` });
        return;
      }
      value.forEach((item, index) => {
        if (!isNoValue(item)) checkValue(db, type.element, item, `${path}.${index}`, problems);
      });
      return;
    case 'map':
      if (!isPlainMap(value)) {
        problems.push({ path, message: `expected a map, found ${describe(value)}` });
        return;
      }
      for (const [key, item] of Object.entries(value))
        checkValue(db, type.element, item, `${path}.${key}`, problems);
      return;
    case 'ref': {
      if (!isPlainMap(value)) {
        problems.push({ path, message: `expected a map, found ${describe(value)}` });
        return;
      }
      const definition = db.get('typeDefinition', type.reference);
      checkObject(db, definition.properties, value, path, definition.name, problems);
      return;
    }
    case 'tag':
      if (!isPlainMap(value) || !('Key' in value) || !('Value' in value) || Object.keys(value).length !== 2) {
        problems.push({ path, message: 'a tag is {Key, Value}' });
      }
      return;
    case 'string':
      if (!isScalar(value)) problems.push({ path, message: `expected a string, found ${describe(value)}` });
      else if (type.allowedValues && !type.allowedValues.includes(String(value))) {
        problems.push({ path, message: `${String(value)} is not one of ${type.allowedValues.join(', ')}` });
      }
      return;
    case 'integer':
    case 'number':
      if (!isScalar(value) || Number.isNaN(Number(value)) || String(value).trim() === '') {
        problems.push({ path, message: `expected a number, found ${describe(value)}` });
      }
      return;
    case 'boolean':
      if (!(typeof value === 'boolean' || value === 'true' || value === 'false')) {
        problems.push({ path, message: `expected true or false, found ${describe(value)}` });
      }
      return;
    default:
      // json, date-time, null: anything CloudFormation can serialize.
      return;
  }
}

function isNoValue(value: unknown): boolean {
  return isPlainMap(value) && value.Ref === 'AWS::NoValue' && Object.keys(value).length === 1;
}

function isScalar(value: unknown): boolean {
  return typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean';
}

export function isPlainMap(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function describe(value: unknown): string {
  if (Array.isArray(value)) return 'a list';
  if (value === null) return 'null';
  if (typeof value === 'object') return 'a map';
  return JSON.stringify(value);
}
