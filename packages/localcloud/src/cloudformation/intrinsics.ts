// Intrinsic functions and conditions: Ref, Fn::GetAtt, Fn::Sub, Fn::If, Fn::Join, Fn::Select,
// Fn::Split, Fn::FindInMap, Fn::Base64, Fn::GetAZs, Fn::Equals/Not/And/Or, Condition, and
// AWS::NoValue. Pure: what a name refers to (a parameter, a resource's physical id or attribute) comes
// from the ResolveContext, so the same code plans a change set and runs it.

/** A template CloudFormation refuses while resolving it (`Template error: …`). */
export class TemplateResolveError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TemplateResolveError';
  }
}

/** `!Ref AWS::NoValue`: the property (or list item) it stands for is removed. */
export const NO_VALUE: unique symbol = Symbol('AWS::NoValue');

export interface ResolveContext {
  /** A parameter's or pseudo parameter's value (lists as arrays); undefined when there is none. */
  parameter(name: string): unknown;
  /** Whether the template declares the resource. */
  hasResource(logicalId: string): boolean;
  /** A resource's physical id (what Ref returns). */
  ref(logicalId: string): unknown;
  /** A resource's attribute (what Fn::GetAtt returns). */
  getAtt(logicalId: string, attribute: string): unknown;
  condition(name: string): boolean;
  readonly mappings: Readonly<Record<string, Readonly<Record<string, Readonly<Record<string, unknown>>>>>>;
  /** The Availability Zones of a region (`''`: the stack's). */
  azs(region: string): string[];
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A template value as text: scalars as they are written, anything else as JSON. */
export function scalarText(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint')
    return String(value);
  return JSON.stringify(value) ?? '';
}

/** The one key of a `{ "Fn::X": … }` object, when the object is an intrinsic function. */
function intrinsicOf(value: Record<string, unknown>): string | undefined {
  const keys = Object.keys(value);
  if (keys.length !== 1) return undefined;
  const key = keys[0] as string;
  // `Condition` is a function only with a name: an IAM statement's Condition is a map.
  if (key === 'Condition') return typeof value[key] === 'string' ? key : undefined;
  return key === 'Ref' || key.startsWith('Fn::') ? key : undefined;
}

function asString(value: unknown, fn: string): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  throw new TemplateResolveError(`Template error: every ${fn} object requires string parameters`);
}

function asList(value: unknown, fn: string): unknown[] {
  if (Array.isArray(value)) return value;
  throw new TemplateResolveError(`Template error: ${fn} requires a list argument`);
}

/** The variables `${Name}` / `${Res.Attr}` of a Fn::Sub string, `${!Literal}` excepted. */
export function subVariables(text: string): string[] {
  const names: string[] = [];
  for (const match of text.matchAll(/\$\{([^}]*)\}/g)) {
    const name = (match[1] ?? '').trim();
    if (!name.startsWith('!')) names.push(name);
  }
  return names;
}

function substitute(text: string, lookup: (name: string) => string): string {
  return text.replace(/\$\{([^}]*)\}/g, (_whole, inner: string) => {
    const name = inner.trim();
    return name.startsWith('!') ? `\${${name.slice(1)}}` : lookup(name);
  });
}

function stringify(value: unknown, what: string): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (Array.isArray(value)) return value.join(',');
  throw new TemplateResolveError(
    `Template error: variable ${what} in Fn::Sub expression does not resolve to a string`,
  );
}

/** Evaluates a condition expression (the Conditions section, Fn::If's first argument). */
export function evaluateCondition(value: unknown, ctx: ResolveContext): boolean {
  const resolved = resolveValue(value, ctx);
  if (typeof resolved === 'boolean') return resolved;
  if (resolved === 'true') return true;
  if (resolved === 'false') return false;
  throw new TemplateResolveError(
    'Template error: Conditions can only be boolean operations on parameters and other conditions',
  );
}

function resolveFunction(name: string, argument: unknown, ctx: ResolveContext): unknown {
  switch (name) {
    case 'Ref': {
      const target = asString(argument, 'Ref');
      if (target === 'AWS::NoValue') return NO_VALUE;
      const parameter = ctx.parameter(target);
      if (parameter !== undefined) return parameter;
      if (ctx.hasResource(target)) return ctx.ref(target);
      throw new TemplateResolveError(
        `Template format error: Unresolved resource dependencies [${target}] in the Resources block of the template`,
      );
    }
    case 'Condition':
      return ctx.condition(asString(argument, 'Condition'));
    case 'Fn::GetAtt': {
      const parts = typeof argument === 'string' ? argument.split(/\.(.*)/s).filter(Boolean) : argument;
      const [logicalId, attribute] = asList(parts, 'Fn::GetAtt').map((part) =>
        asString(resolveValue(part, ctx), 'Fn::GetAtt'),
      );
      if (logicalId === undefined || attribute === undefined) {
        throw new TemplateResolveError(
          'Template error: every Fn::GetAtt object requires two non-empty parameters',
        );
      }
      if (!ctx.hasResource(logicalId)) {
        throw new TemplateResolveError(
          `Template error: instance of Fn::GetAtt references undefined resource ${logicalId}`,
        );
      }
      return ctx.getAtt(logicalId, attribute);
    }
    case 'Fn::Sub': {
      const [text, variables] = (Array.isArray(argument) ? argument : [argument, {}]) as unknown[];
      if (typeof text !== 'string' || !isRecord(variables)) {
        throw new TemplateResolveError(
          "Template error: One or more Fn::Sub intrinsic functions don't specify expected arguments. Specify a string as first argument, and an optional second argument to specify a mapping of values to replace in the string",
        );
      }
      const locals = Object.fromEntries(Object.entries(variables).map(([k, v]) => [k, resolveValue(v, ctx)]));
      return substitute(text, (variable) => {
        if (Object.hasOwn(locals, variable)) return stringify(locals[variable], variable);
        const dot = variable.indexOf('.');
        if (dot > 0 && ctx.hasResource(variable.slice(0, dot))) {
          return stringify(ctx.getAtt(variable.slice(0, dot), variable.slice(dot + 1)), variable);
        }
        return stringify(resolveFunction('Ref', variable, ctx), variable);
      });
    }
    case 'Fn::If': {
      const [condition, whenTrue, whenFalse] = asList(argument, 'Fn::If');
      if (typeof condition !== 'string') {
        throw new TemplateResolveError(
          'Template error: Fn::If requires a list argument with the first element being a condition',
        );
      }
      return resolveValue(ctx.condition(condition) ? whenTrue : whenFalse, ctx);
    }
    case 'Fn::Join': {
      const [delimiter, items] = asList(argument, 'Fn::Join');
      const list = asList(resolveValue(items, ctx), 'Fn::Join');
      return list
        .filter((item) => item !== NO_VALUE)
        .map((item) => asString(item, 'Fn::Join'))
        .join(asString(delimiter, 'Fn::Join'));
    }
    case 'Fn::Select': {
      const [index, items] = asList(argument, 'Fn::Select');
      const list = asList(resolveValue(items, ctx), 'Fn::Select');
      const at = Number(resolveValue(index, ctx));
      if (!Number.isInteger(at) || at < 0 || at >= list.length) {
        throw new TemplateResolveError(
          'Template error: Fn::Select cannot select nonexistent value at index ' + String(at),
        );
      }
      return list[at];
    }
    case 'Fn::Split': {
      const [delimiter, text] = asList(argument, 'Fn::Split');
      return asString(resolveValue(text, ctx), 'Fn::Split').split(asString(delimiter, 'Fn::Split'));
    }
    case 'Fn::FindInMap': {
      const [map, top, second] = asList(argument, 'Fn::FindInMap').map((part) =>
        asString(resolveValue(part, ctx), 'Fn::FindInMap'),
      );
      const mapping = map !== undefined && Object.hasOwn(ctx.mappings, map) ? ctx.mappings[map] : undefined;
      if (!mapping)
        throw new TemplateResolveError(
          `Template error: Unable to get mapping for ${String(map)}::${String(top)}::${String(second)}`,
        );
      const level = top !== undefined && Object.hasOwn(mapping, top) ? mapping[top] : undefined;
      if (!level || second === undefined || !Object.hasOwn(level, second)) {
        throw new TemplateResolveError(
          `Template error: Unable to get mapping for ${map}::${String(top)}::${String(second)}`,
        );
      }
      return level[second];
    }
    case 'Fn::Base64':
      return Buffer.from(asString(resolveValue(argument, ctx), 'Fn::Base64'), 'utf8').toString('base64');
    case 'Fn::GetAZs':
      return ctx.azs(asString(resolveValue(argument ?? '', ctx), 'Fn::GetAZs'));
    case 'Fn::Equals': {
      const [a, b] = asList(argument, 'Fn::Equals').map((part) => resolveValue(part, ctx));
      return JSON.stringify(a) === JSON.stringify(b) || String(a) === String(b);
    }
    case 'Fn::Not': {
      const [only] = asList(argument, 'Fn::Not');
      return !evaluateCondition(only, ctx);
    }
    case 'Fn::And':
      return asList(argument, 'Fn::And').every((part) => evaluateCondition(part, ctx));
    case 'Fn::Or':
      return asList(argument, 'Fn::Or').some((part) => evaluateCondition(part, ctx));
    default:
      throw new TemplateResolveError(`Template format error: Unrecognized function '${name}'`);
  }
}

/** Resolves every intrinsic function in a value; AWS::NoValue removes the key or item it stands for. */
export function resolveValue(value: unknown, ctx: ResolveContext): unknown {
  if (Array.isArray(value)) {
    return value.map((item) => resolveValue(item, ctx)).filter((item) => item !== NO_VALUE);
  }
  if (!isRecord(value)) return value;
  const fn = intrinsicOf(value);
  if (fn) return resolveFunction(fn, value[fn], ctx);
  const out: Record<string, unknown> = {};
  for (const [key, member] of Object.entries(value)) {
    const resolved = resolveValue(member, ctx);
    if (resolved !== NO_VALUE) out[key] = resolved;
  }
  return out;
}

/**
 * The names a value refers to: Ref targets, Fn::GetAtt logical ids, and Fn::Sub variables (the part
 * before a dot). Callers keep the ones that are resources: those are the implicit dependencies.
 */
export function referencedNames(value: unknown, into = new Set<string>()): Set<string> {
  if (Array.isArray(value)) {
    for (const item of value) referencedNames(item, into);
    return into;
  }
  if (!isRecord(value)) return into;
  const fn = intrinsicOf(value);
  const argument = fn ? value[fn] : undefined;
  if (fn === 'Ref' && typeof argument === 'string') into.add(argument);
  else if (fn === 'Fn::GetAtt') {
    const parts = typeof argument === 'string' ? [argument.split('.')[0]] : argument;
    if (Array.isArray(parts) && typeof parts[0] === 'string') into.add(parts[0]);
    if (Array.isArray(parts)) referencedNames(parts.slice(1), into);
  } else if (fn === 'Fn::Sub') {
    const [text, variables] = (Array.isArray(argument) ? argument : [argument, {}]) as unknown[];
    const locals = isRecord(variables) ? variables : {};
    if (typeof text === 'string') {
      for (const name of subVariables(text)) {
        if (!Object.hasOwn(locals, name)) into.add(name.split('.')[0] as string);
      }
    }
    referencedNames(Object.values(locals), into);
  } else {
    for (const member of Object.values(value)) referencedNames(member, into);
  }
  return into;
}

/** The conditions a value names (Fn::If's first argument, Condition), for checking they exist. */
export function referencedConditions(value: unknown, into = new Set<string>()): Set<string> {
  if (Array.isArray(value)) {
    for (const item of value) referencedConditions(item, into);
    return into;
  }
  if (!isRecord(value)) return into;
  const fn = intrinsicOf(value);
  if (fn === 'Fn::If' && Array.isArray(value[fn]) && typeof (value[fn] as unknown[])[0] === 'string') {
    into.add((value[fn] as string[])[0] as string);
  }
  if (fn === 'Condition' && typeof value[fn] === 'string') into.add(value[fn]);
  for (const member of Object.values(value)) referencedConditions(member, into);
  return into;
}
