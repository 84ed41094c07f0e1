import { PSEUDO_PARAMETERS, subVariables } from './intrinsics.js';
import { findResourceType, isPlainMap } from './resource-spec.js';
import type { SpecDatabase } from './resource-spec.js';

// Every name a template refers to must exist: !Ref names a parameter, a resource or a pseudo
// parameter; !GetAtt a resource and one of its type's attributes; each ${} of !Sub one of those or a
// variable of its own map; Condition:, !If and !Condition a condition; DependsOn a resource.

export interface ReferenceProblem {
  readonly path: string;
  readonly message: string;
}

export function checkReferences(db: SpecDatabase, document: Record<string, unknown>): ReferenceProblem[] {
  const parameters = new Set(Object.keys(asMap(document.Parameters)));
  const resources = asMap(document.Resources);
  const conditions = new Set(Object.keys(asMap(document.Conditions)));
  const mappings = new Set(Object.keys(asMap(document.Mappings)));
  const problems: ReferenceProblem[] = [];

  const checkRef = (name: string, path: string, inConditions: boolean): void => {
    if (name in PSEUDO_PARAMETERS || parameters.has(name)) return;
    if (name in resources) {
      if (inConditions) problems.push({ path, message: `conditions cannot refer to resource ${name}` });
      return;
    }
    problems.push({
      path,
      message: `!Ref ${name}: no parameter, resource or pseudo parameter has that name`,
    });
  };

  const checkGetAtt = (logicalId: string, attribute: string, path: string): void => {
    const resource = resources[logicalId];
    if (!isPlainMap(resource)) {
      problems.push({ path, message: `!GetAtt ${logicalId}.${attribute}: no resource ${logicalId}` });
      return;
    }
    const spec = typeof resource.Type === 'string' ? findResourceType(db, resource.Type) : undefined;
    if (spec === undefined) return; // an unknown type is the resource check's to report
    if (!(attribute in spec.attributes)) {
      const known = Object.keys(spec.attributes).join(', ') || 'none';
      problems.push({
        path,
        message: `!GetAtt ${logicalId}.${attribute}: ${String(resource.Type)} has no attribute ${attribute} (it has: ${known})`,
      });
    }
  };

  const checkCondition = (name: unknown, path: string): void => {
    if (typeof name !== 'string' || !conditions.has(name)) {
      problems.push({ path, message: `condition ${String(name)} is not declared under Conditions` });
    }
  };

  const walk = (value: unknown, path: string, inConditions: boolean): void => {
    if (Array.isArray(value)) {
      value.forEach((item, index) => walk(item, `${path}.${index}`, inConditions));
      return;
    }
    if (!isPlainMap(value)) return;
    const keys = Object.keys(value);
    const only = keys.length === 1 ? keys[0] : undefined;
    const argument = only === undefined ? undefined : value[only];
    const list: unknown[] = Array.isArray(argument) ? (argument as unknown[]) : [];
    switch (only) {
      case 'Ref':
        if (typeof argument !== 'string') problems.push({ path, message: '!Ref takes a name' });
        else checkRef(argument, path, inConditions);
        return;
      case 'Fn::GetAtt': {
        const [logicalId, attribute] = list;
        if (typeof logicalId !== 'string' || typeof attribute !== 'string') {
          problems.push({ path, message: '!GetAtt takes Resource.Attribute' });
        } else {
          checkGetAtt(logicalId, attribute, path);
        }
        return;
      }
      case 'Fn::Sub': {
        const [text, variables] = Array.isArray(argument) ? [list[0], asMap(list[1])] : [argument, {}];
        if (typeof text !== 'string') {
          problems.push({ path, message: '!Sub takes a string, or [string, {variables}]' });
          return;
        }
        for (const [name, variable] of Object.entries(variables))
          walk(variable, `${path}.${name}`, inConditions);
        for (const name of subVariables(text)) {
          if (name in variables) continue;
          const dot = name.indexOf('.');
          if (dot > 0) checkGetAtt(name.slice(0, dot), name.slice(dot + 1), path);
          else checkRef(name, path, inConditions);
        }
        return;
      }
      case 'Fn::If': {
        const [condition, ...branches] = list;
        checkCondition(condition, path);
        branches.forEach((branch, index) => walk(branch, `${path}.${index + 1}`, inConditions));
        return;
      }
      case 'Condition':
        // Inside Conditions: a reference to another condition. Elsewhere `Condition:` is a key.
        if (inConditions) {
          checkCondition(argument, path);
          return;
        }
        break;
      case 'Fn::FindInMap': {
        const [map] = list;
        if (typeof map === 'string' && !mappings.has(map)) {
          problems.push({ path, message: `!FindInMap ${map}: no such mapping` });
        }
        break;
      }
      default:
        break;
    }
    for (const [key, item] of Object.entries(value)) walk(item, `${path}.${key}`, inConditions);
  };

  for (const [name, body] of Object.entries(asMap(document.Conditions)))
    walk(body, `Conditions.${name}`, true);
  for (const [logicalId, body] of Object.entries(resources)) {
    const resource = asMap(body);
    const path = `Resources.${logicalId}`;
    if (resource.Condition !== undefined) checkCondition(resource.Condition, `${path}.Condition`);
    const dependsOn = Array.isArray(resource.DependsOn)
      ? resource.DependsOn
      : resource.DependsOn === undefined
        ? []
        : [resource.DependsOn];
    for (const dependency of dependsOn) {
      if (typeof dependency !== 'string' || !(dependency in resources)) {
        problems.push({
          path: `${path}.DependsOn`,
          message: `DependsOn ${String(dependency)}: no such resource`,
        });
      }
    }
    walk(resource.Properties, `${path}.Properties`, false);
  }
  for (const [name, body] of Object.entries(asMap(document.Outputs))) {
    const output = asMap(body);
    if (output.Condition !== undefined) checkCondition(output.Condition, `Outputs.${name}.Condition`);
    walk(output.Value, `Outputs.${name}.Value`, false);
    walk(output.Export, `Outputs.${name}.Export`, false);
  }
  return problems;
}

function asMap(value: unknown): Record<string, unknown> {
  return isPlainMap(value) ? value : {};
}
