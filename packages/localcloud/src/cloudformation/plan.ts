// What a template means for a stack, before anything is created: its conditions, the resources they
// keep, the order those resources depend on each other (DependsOn and every Ref, Fn::GetAtt and
// Fn::Sub), and — against a stack's current resources — the change set's changes. Pure.
import {
  evaluateCondition,
  referencedConditions,
  referencedNames,
  resolveValue,
  TemplateResolveError,
  type ResolveContext,
} from './intrinsics.js';
import { typedValue } from './parameters.js';
import type { Template } from './template.js';

/** Values that stand in for what only exists once a change runs (a new resource's id). */
const UNKNOWN_PREFIX = '\u0000unknown:';

export function unknownValue(what: string): string {
  return `${UNKNOWN_PREFIX}${what}`;
}

function holdsUnknown(value: unknown): boolean {
  if (typeof value === 'string') return value.includes(UNKNOWN_PREFIX);
  if (Array.isArray(value)) return value.some(holdsUnknown);
  if (typeof value === 'object' && value !== null) return Object.values(value).some(holdsUnknown);
  return false;
}

export interface StackEnvironment {
  readonly stackName: string;
  readonly stackId: string;
  readonly region: string;
  readonly accountId: string;
  readonly azs: (region: string) => string[];
}

/** What a resource of the stack is now: enough to resolve references to it and to diff it. */
export interface ExistingResource {
  readonly type: string;
  readonly physicalId: string;
  readonly properties: Readonly<Record<string, unknown>>;
  readonly attributes: Readonly<Record<string, unknown>>;
}

export function pseudoParameters(env: StackEnvironment): Record<string, string> {
  return {
    'AWS::AccountId': env.accountId,
    'AWS::Region': env.region,
    'AWS::StackName': env.stackName,
    'AWS::StackId': env.stackId,
    'AWS::Partition': 'aws',
    'AWS::URLSuffix': 'amazonaws.com',
    'AWS::NotificationARNs': '',
  };
}

/** A template with its parameter values: conditions evaluated, the resources they keep, in order. */
export interface EvaluatedTemplate {
  readonly template: Template;
  readonly conditions: ReadonlyMap<string, boolean>;
  /** The resources whose Condition holds, in an order that creates each after what it depends on. */
  readonly order: readonly string[];
  /** Per resource, the resources it depends on (among `order`). */
  readonly dependencies: ReadonlyMap<string, ReadonlySet<string>>;
  /** A resolve context over `lookup`'s resources, for this template and parameter values. */
  context(lookup: {
    ref(logicalId: string): unknown;
    getAtt(logicalId: string, attribute: string): unknown;
  }): ResolveContext;
}

export function evaluateTemplate(
  template: Template,
  parameterValues: Readonly<Record<string, string>>,
  env: StackEnvironment,
): EvaluatedTemplate {
  const pseudo = pseudoParameters(env);
  const conditions = new Map<string, boolean>();
  const evaluating = new Set<string>();
  const declared = new Set(Object.keys(template.Resources));
  let active = new Set<string>();

  const parameter = (name: string): unknown => {
    if (Object.hasOwn(pseudo, name)) return pseudo[name];
    const declaration = Object.hasOwn(template.Parameters, name) ? template.Parameters[name] : undefined;
    if (declaration && Object.hasOwn(parameterValues, name))
      return typedValue(declaration, parameterValues[name] as string);
    return undefined;
  };

  const makeContext = (lookup: {
    ref(logicalId: string): unknown;
    getAtt(logicalId: string, attribute: string): unknown;
  }): ResolveContext => ({
    parameter,
    hasResource: (logicalId) => declared.has(logicalId),
    ref: (logicalId) => {
      if (!active.has(logicalId)) {
        throw new TemplateResolveError(
          `Template format error: Unresolved resource dependencies [${logicalId}] in the Resources block of the template`,
        );
      }
      return lookup.ref(logicalId);
    },
    getAtt: (logicalId, attribute) => lookup.getAtt(logicalId, attribute),
    condition,
    mappings: template.Mappings,
    azs: (region) => env.azs(region === '' ? env.region : region),
  });

  const conditionContext = makeContext({
    ref: (id) => {
      throw new TemplateResolveError(
        `Template format error: Unresolved dependencies [${id}]. Cannot reference resources in the Conditions block of the template`,
      );
    },
    getAtt: (id) => {
      throw new TemplateResolveError(
        `Template format error: Unresolved dependencies [${id}]. Cannot reference resources in the Conditions block of the template`,
      );
    },
  });

  function condition(name: string): boolean {
    const known = conditions.get(name);
    if (known !== undefined) return known;
    if (!Object.hasOwn(template.Conditions, name)) {
      throw new TemplateResolveError(
        `Template format error: Unresolved condition dependency ${name} in Fn::If`,
      );
    }
    if (evaluating.has(name)) {
      throw new TemplateResolveError(`Template error: circular condition dependency ${name}`);
    }
    evaluating.add(name);
    const value = evaluateCondition(template.Conditions[name], conditionContext);
    evaluating.delete(name);
    conditions.set(name, value);
    return value;
  }

  for (const name of Object.keys(template.Conditions)) condition(name);
  for (const [logicalId, resource] of Object.entries(template.Resources)) {
    for (const name of referencedConditions(resource.Properties ?? {})) {
      if (!Object.hasOwn(template.Conditions, name)) {
        throw new TemplateResolveError(
          `Template format error: Unresolved condition dependency ${name} in Fn::If`,
        );
      }
    }
    if (resource.Condition !== undefined && !Object.hasOwn(template.Conditions, resource.Condition)) {
      throw new TemplateResolveError(
        `Template format error: Unresolved dependencies [${resource.Condition}]. Cannot reference resources in the Conditions block of the template`,
      );
    }
    void logicalId;
  }
  active = new Set(
    Object.entries(template.Resources)
      .filter(([, resource]) => resource.Condition === undefined || condition(resource.Condition))
      .map(([logicalId]) => logicalId),
  );

  const dependencies = new Map<string, Set<string>>();
  for (const logicalId of active) {
    const resource = template.Resources[logicalId];
    const names = referencedNames(resource?.Properties ?? {});
    const dependsOn = resource?.DependsOn === undefined ? [] : [resource.DependsOn].flat();
    for (const name of dependsOn) {
      if (!declared.has(name)) {
        throw new TemplateResolveError(
          `Template format error: Unresolved resource dependencies [${name}] in the Resources block of the template`,
        );
      }
      names.add(name);
    }
    const unknown = [...names].filter(
      (name) =>
        !declared.has(name) &&
        !Object.hasOwn(template.Parameters, name) &&
        !Object.hasOwn(pseudo, name) &&
        name !== 'AWS::NoValue',
    );
    if (unknown.length > 0) {
      throw new TemplateResolveError(
        `Template format error: Unresolved resource dependencies [${unknown.join(', ')}] in the Resources block of the template`,
      );
    }
    dependencies.set(logicalId, new Set([...names].filter((name) => active.has(name) && name !== logicalId)));
  }

  return {
    template,
    conditions,
    order: topologicalOrder(dependencies),
    dependencies,
    context: makeContext,
  };
}

/** Dependencies first; ties in template order. A cycle is CloudFormation's "Circular dependency". */
export function topologicalOrder(dependencies: ReadonlyMap<string, ReadonlySet<string>>): string[] {
  const order: string[] = [];
  const done = new Set<string>();
  const visiting = new Set<string>();
  const visit = (id: string, path: string[]): void => {
    if (done.has(id)) return;
    if (visiting.has(id)) {
      const cycle = path.slice(path.indexOf(id));
      throw new TemplateResolveError(
        `Circular dependency between resources: [${[...new Set(cycle)].sort().join(', ')}]`,
      );
    }
    visiting.add(id);
    for (const dependency of dependencies.get(id) ?? []) visit(dependency, [...path, id]);
    visiting.delete(id);
    done.add(id);
    order.push(id);
  };
  for (const id of dependencies.keys()) visit(id, []);
  return order;
}

// --- Change sets -----------------------------------------------------------------------------------------

export interface PropertyChange {
  readonly name: string;
  readonly requiresRecreation: 'Never' | 'Conditionally' | 'Always';
  /** Dynamic: the new value is only known once a resource it refers to has changed. */
  readonly evaluation: 'Static' | 'Dynamic';
}

export interface ResourceChange {
  readonly action: 'Add' | 'Modify' | 'Remove';
  readonly logicalId: string;
  readonly type: string;
  readonly physicalId?: string;
  readonly replacement?: 'True' | 'False' | 'Conditional';
  readonly details: readonly PropertyChange[];
}

export interface TypeInfo {
  /** Properties whose change replaces the resource; undefined when the type updates nothing in place. */
  replaceOn(type: string): readonly string[] | 'all';
}

function sameValue(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** The top-level properties whose values differ. */
export function changedProperties(
  before: Readonly<Record<string, unknown>>,
  after: Readonly<Record<string, unknown>>,
): string[] {
  const names = new Set([...Object.keys(before), ...Object.keys(after)]);
  return [...names].filter((name) => !sameValue(before[name], after[name])).sort();
}

/** A resource's properties with the stack's current values for what it refers to. */
export function resolveProperties(
  evaluated: EvaluatedTemplate,
  logicalId: string,
  lookup: { ref(logicalId: string): unknown; getAtt(logicalId: string, attribute: string): unknown },
): Record<string, unknown> {
  const properties = evaluated.template.Resources[logicalId]?.Properties ?? {};
  return resolveValue(properties, evaluated.context(lookup)) as Record<string, unknown>;
}

/** The stack as it is: its applied template (evaluated) and its resources. */
export interface CurrentStack {
  readonly evaluated?: EvaluatedTemplate;
  readonly resources: ReadonlyMap<string, ExistingResource>;
}

/** What a reference to a resource reads as when properties are compared as the template writes them. */
function symbolicLookup(changing?: ReadonlyMap<string, { idChanges: boolean }>) {
  return {
    ref: (id: string) => (changing?.get(id)?.idChanges ? unknownValue(id) : `{Ref:${id}}`),
    getAtt: (id: string, attribute: string) =>
      changing?.has(id) ? unknownValue(`${id}.${attribute}`) : `{GetAtt:${id}.${attribute}}`,
  };
}

/**
 * The changes that take a stack to the evaluated template, as DescribeChangeSet lists them. As on
 * AWS, a resource changes when its properties as the template writes them change (parameters and
 * conditions resolved, references to other resources left as references), or when it refers to a
 * resource this change set adds or replaces (Ref) or changes at all (Fn::GetAtt): such a property is
 * a Dynamic change, and replaces the resource Conditionally when it is one that replaces it. A
 * resource CloudFormation did not change keeps the values it was given, even if what it refers to
 * moved on outside the stack.
 */
export function planChanges(
  evaluated: EvaluatedTemplate,
  current: CurrentStack,
  types: TypeInfo,
): ResourceChange[] {
  const existing = current.resources;
  const changes: ResourceChange[] = [];
  /** Resources this change set touches, and whether their physical id may change. */
  const changing = new Map<string, { idChanges: boolean }>();
  for (const logicalId of evaluated.order) {
    const type = evaluated.template.Resources[logicalId]?.Type ?? '';
    const resource = existing.get(logicalId);
    if (!resource || resource.type !== type) {
      if (resource) {
        changes.push({
          action: 'Remove',
          logicalId,
          type: resource.type,
          physicalId: resource.physicalId,
          details: [],
        });
      }
      changes.push({ action: 'Add', logicalId, type, details: [] });
      changing.set(logicalId, { idChanges: true });
      continue;
    }
    const after = resolveProperties(evaluated, logicalId, symbolicLookup(changing));
    const before =
      current.evaluated && current.evaluated.template.Resources[logicalId]
        ? resolveProperties(current.evaluated, logicalId, symbolicLookup())
        : resource.properties;
    const names = changedProperties(before, after);
    if (names.length === 0) continue;
    const replaceOn = types.replaceOn(type);
    const details = names.map((name): PropertyChange => {
      const dynamic = holdsUnknown(after[name]);
      const replaces = replaceOn === 'all' || replaceOn.includes(name);
      return {
        name,
        evaluation: dynamic ? 'Dynamic' : 'Static',
        requiresRecreation: !replaces ? 'Never' : dynamic ? 'Conditionally' : 'Always',
      };
    });
    const replacement = details.some((d) => d.requiresRecreation === 'Always')
      ? 'True'
      : details.some((d) => d.requiresRecreation === 'Conditionally')
        ? 'Conditional'
        : 'False';
    changes.push({
      action: 'Modify',
      logicalId,
      type,
      physicalId: resource.physicalId,
      replacement,
      details,
    });
    changing.set(logicalId, { idChanges: replacement !== 'False' });
  }
  const kept = new Set(evaluated.order);
  for (const [logicalId, resource] of existing) {
    if (!kept.has(logicalId)) {
      changes.push({
        action: 'Remove',
        logicalId,
        type: resource.type,
        physicalId: resource.physicalId,
        details: [],
      });
    }
  }
  return changes;
}
