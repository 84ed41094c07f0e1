// Evaluates CloudFormation intrinsic functions well enough for the static checks: names built with
// !Sub from parameters come out as CloudFormation would make them, and ARNs of resources that do not
// exist yet come out as plausible ARNs, so a policy can be read as the ARNs it will hold.

export const PSEUDO_PARAMETERS: Readonly<Record<string, string>> = {
  'AWS::AccountId': '123456789012',
  'AWS::NotificationARNs': 'arn:aws:sns:us-east-1:123456789012:notifications',
  'AWS::NoValue': '',
  'AWS::Partition': 'aws',
  'AWS::Region': 'us-east-1',
  'AWS::StackId':
    'arn:aws:cloudformation:us-east-1:123456789012:stack/web-dev/0f0f0f0f-0000-4000-8000-000000000000',
  'AWS::StackName': 'web-dev',
  'AWS::URLSuffix': 'amazonaws.com',
};

/** Marks a value `!Ref AWS::NoValue` removed. */
export const NO_VALUE = Symbol('AWS::NoValue');

export interface Evaluation {
  /** The value of a parameter (its default, or what the check passes). */
  parameter(name: string): string | undefined;
  /** Whether a condition holds in this evaluation. */
  condition(name: string): boolean;
  /** What `!Ref Resource` gives. */
  resourceRef(logicalId: string): string | undefined;
  /** What `!GetAtt Resource.Attribute` gives. */
  attribute(logicalId: string, attribute: string): string | undefined;
}

export function isIntrinsic(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const keys = Object.keys(value);
  return keys.length === 1 && (keys[0] === 'Ref' || keys[0] === 'Condition' || keys[0]!.startsWith('Fn::'));
}

/** The `${…}` names in a Fn::Sub string, without the literal `${!…}` ones. */
export function subVariables(text: string): string[] {
  const names: string[] = [];
  for (const match of text.matchAll(/\$\{([^}]*)\}/g)) {
    const name = match[1]!.trim();
    if (!name.startsWith('!')) names.push(name);
  }
  return names;
}

/**
 * The value with every intrinsic evaluated. What cannot be known statically (an unknown parameter,
 * `Fn::GetAZs`, imports) comes out as a readable placeholder.
 */
export function evaluate(value: unknown, evaluation: Evaluation): unknown {
  if (Array.isArray(value)) {
    return value.map((item) => evaluate(item, evaluation)).filter((item) => item !== NO_VALUE);
  }
  if (typeof value !== 'object' || value === null) return value;
  if (!isIntrinsic(value)) {
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) {
      const evaluated = evaluate(item, evaluation);
      if (evaluated !== NO_VALUE) out[key] = evaluated;
    }
    return out;
  }
  const [name, argument] = Object.entries(value)[0]!;
  switch (name) {
    case 'Ref': {
      const target = String(argument);
      if (target === 'AWS::NoValue') return NO_VALUE;
      return (
        PSEUDO_PARAMETERS[target] ??
        evaluation.parameter(target) ??
        evaluation.resourceRef(target) ??
        `<${target}>`
      );
    }
    case 'Fn::GetAtt': {
      const [logicalId, attribute] = argument as [string, string];
      return evaluation.attribute(logicalId, String(attribute)) ?? `<${logicalId}.${String(attribute)}>`;
    }
    case 'Fn::Sub':
      return evaluateSub(argument, evaluation);
    case 'Fn::If': {
      const [condition, whenTrue, whenFalse] = argument as [string, unknown, unknown];
      return evaluate(evaluation.condition(condition) ? whenTrue : whenFalse, evaluation);
    }
    case 'Fn::Join': {
      const [separator, items] = argument as [string, unknown];
      const list = evaluate(items, evaluation);
      return Array.isArray(list) ? list.map(String).join(separator) : `<join>`;
    }
    case 'Fn::Select': {
      const [index, items] = argument as [unknown, unknown];
      const list = evaluate(items, evaluation);
      return Array.isArray(list) ? list[Number(evaluate(index, evaluation))] : `<select>`;
    }
    case 'Fn::Split': {
      const [separator, text] = argument as [string, unknown];
      return String(evaluate(text, evaluation)).split(separator);
    }
    case 'Fn::Base64':
      return Buffer.from(String(evaluate(argument, evaluation))).toString('base64');
    case 'Fn::Equals': {
      const [left, right] = argument as [unknown, unknown];
      return evaluate(left, evaluation) === evaluate(right, evaluation);
    }
    case 'Fn::Not':
      return !(evaluate((argument as unknown[])[0], evaluation) as boolean);
    case 'Fn::And':
      return (argument as unknown[]).every((item) => evaluate(item, evaluation) === true);
    case 'Fn::Or':
      return (argument as unknown[]).some((item) => evaluate(item, evaluation) === true);
    case 'Condition':
      return evaluation.condition(String(argument));
    default:
      return `<${name}>`;
  }
}

function evaluateSub(argument: unknown, evaluation: Evaluation): string {
  const [text, variables] = Array.isArray(argument)
    ? [String(argument[0]), (argument[1] ?? {}) as Record<string, unknown>]
    : [String(argument), {}];
  return text.replace(/\$\{([^}]*)\}/g, (whole, inner: string) => {
    const name = inner.trim();
    if (name.startsWith('!')) return `\${${name.slice(1)}}`;
    if (name in variables) return String(evaluate(variables[name], evaluation));
    const dot = name.indexOf('.');
    if (dot > 0)
      return String(evaluate({ 'Fn::GetAtt': [name.slice(0, dot), name.slice(dot + 1)] }, evaluation));
    return String(evaluate({ Ref: name }, evaluation));
  });
}

/** An evaluation of a template's own parameters (their defaults, overridden by `parameters`). */
export function templateEvaluation(
  document: Record<string, unknown>,
  options: {
    parameters?: Record<string, string>;
    /** How every condition comes out when it is not given in `conditions`. */
    conditionsDefault?: boolean;
    conditions?: Record<string, boolean>;
    /** Parameters whose default is empty read as `<Name>`, for branches taken as if they were set. */
    emptyAsPlaceholder?: boolean;
    arnTemplate?: (resourceType: string) => string | undefined;
  } = {},
): Evaluation {
  const declared = (document.Parameters ?? {}) as Record<string, { Default?: string | number }>;
  const resources = (document.Resources ?? {}) as Record<
    string,
    { Type?: string; Properties?: Record<string, unknown> }
  >;
  const conditionBodies = (document.Conditions ?? {}) as Record<string, unknown>;
  const evaluation: Evaluation = {
    parameter(name) {
      if (options.parameters?.[name] !== undefined) return options.parameters[name];
      const parameter = declared[name];
      if (parameter === undefined) return undefined;
      if (parameter.Default === undefined) return `<${name}>`;
      if (parameter.Default === '' && options.emptyAsPlaceholder) return `<${name}>`;
      return String(parameter.Default);
    },
    condition(name) {
      if (options.conditions?.[name] !== undefined) return options.conditions[name];
      if (options.conditionsDefault !== undefined) return options.conditionsDefault;
      return evaluate(conditionBodies[name], evaluation) === true;
    },
    resourceRef(logicalId) {
      return resources[logicalId] === undefined ? undefined : logicalId;
    },
    attribute(logicalId, attribute) {
      const resource = resources[logicalId];
      if (resource === undefined) return undefined;
      if (attribute !== 'Arn') return `${logicalId}-${attribute}`;
      const template = options.arnTemplate?.(resource.Type ?? '');
      const service = (resource.Type ?? '').split('::')[1]?.toLowerCase() ?? 'unknown';
      const arn = template ?? `arn:\${Partition}:${service}:\${Region}:\${Account}:${logicalId}`;
      return arn
        .replaceAll('${Partition}', 'aws')
        .replaceAll('${Region}', 'us-east-1')
        .replaceAll('${Account}', '123456789012')
        .replace(/\$\{[^}]+\}/g, logicalId);
    },
  };
  return evaluation;
}
