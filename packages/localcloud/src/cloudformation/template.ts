// A CloudFormation template read from its text: JSON, or YAML with the short-form intrinsic tags
// (`!Ref X` is `{Ref: X}`, `!GetAtt A.B` is `{"Fn::GetAtt": [A, B]}`, `!Sub s` is `{"Fn::Sub": s}` …),
// and the structural checks CloudFormation makes before it looks at any value. Pure.
import { parseDocument, YAMLMap, type CollectionTag, type ScalarTag, type YAMLSeq } from 'yaml';

/** A template CloudFormation refuses; the message is CloudFormation's, `Template format error: …`. */
export class TemplateError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TemplateError';
  }
}

export interface ParameterDeclaration {
  readonly Type: string;
  readonly Default?: unknown;
  readonly NoEcho?: boolean | string;
  readonly AllowedValues?: readonly unknown[];
  readonly AllowedPattern?: string;
  readonly MinLength?: number | string;
  readonly MaxLength?: number | string;
  readonly MinValue?: number | string;
  readonly MaxValue?: number | string;
  readonly Description?: string;
  readonly ConstraintDescription?: string;
}

export interface ResourceDeclaration {
  readonly Type: string;
  readonly Properties?: Record<string, unknown>;
  readonly DependsOn?: string | readonly string[];
  readonly Condition?: string;
  readonly DeletionPolicy?: string;
  readonly UpdateReplacePolicy?: string;
  readonly Metadata?: unknown;
}

export interface OutputDeclaration {
  readonly Value: unknown;
  readonly Description?: string;
  readonly Condition?: string;
  readonly Export?: { readonly Name: unknown };
}

export interface Template {
  readonly AWSTemplateFormatVersion?: string;
  readonly Description?: string;
  readonly Transform?: string | readonly string[];
  readonly Metadata?: unknown;
  readonly Parameters: Readonly<Record<string, ParameterDeclaration>>;
  readonly Mappings: Readonly<Record<string, Readonly<Record<string, Readonly<Record<string, unknown>>>>>>;
  readonly Conditions: Readonly<Record<string, unknown>>;
  readonly Resources: Readonly<Record<string, ResourceDeclaration>>;
  readonly Outputs: Readonly<Record<string, OutputDeclaration>>;
}

const TOP_LEVEL = new Set([
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
  'Hooks',
]);

// --- YAML short forms --------------------------------------------------------------------------------

/** `!GetAtt A.B.C` → [A, 'B.C']: the logical id ends at the first dot. */
function getAttFromString(value: string): string[] {
  const dot = value.indexOf('.');
  return dot < 0 ? [value] : [value.slice(0, dot), value.slice(dot + 1)];
}

/** The long name of each short-form tag: `!Ref` stays `Ref`, `!Condition` `Condition`, the rest `Fn::…`. */
const SHORT_FORMS: readonly [tag: string, key: string][] = [
  ['!Ref', 'Ref'],
  ['!Condition', 'Condition'],
  ['!Sub', 'Fn::Sub'],
  ['!GetAtt', 'Fn::GetAtt'],
  ['!If', 'Fn::If'],
  ['!Join', 'Fn::Join'],
  ['!Select', 'Fn::Select'],
  ['!Split', 'Fn::Split'],
  ['!FindInMap', 'Fn::FindInMap'],
  ['!Equals', 'Fn::Equals'],
  ['!Not', 'Fn::Not'],
  ['!And', 'Fn::And'],
  ['!Or', 'Fn::Or'],
  ['!Base64', 'Fn::Base64'],
  ['!GetAZs', 'Fn::GetAZs'],
  ['!ImportValue', 'Fn::ImportValue'],
  ['!Cidr', 'Fn::Cidr'],
  ['!Transform', 'Fn::Transform'],
];

function wrapped(key: string, value: unknown): YAMLMap {
  const map = new YAMLMap();
  map.set(key, value);
  return map;
}

// One tag definition per node kind: `!Sub 'x'` and `!Sub [x, {…}]` are both valid, and so on.
const CUSTOM_TAGS: (ScalarTag | CollectionTag)[] = SHORT_FORMS.flatMap(([tag, key]) => [
  {
    tag,
    resolve: (value: string) => ({ [key]: key === 'Fn::GetAtt' ? getAttFromString(value) : value }),
  } satisfies ScalarTag,
  {
    tag,
    collection: 'seq',
    resolve: (seq: YAMLMap.Parsed | YAMLSeq.Parsed) => wrapped(key, seq),
  },
  {
    tag,
    collection: 'map',
    resolve: (map: YAMLMap.Parsed | YAMLSeq.Parsed) => wrapped(key, map),
  },
]);

// --- Reading -----------------------------------------------------------------------------------------

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The template's JSON or YAML as a plain value; throws CloudFormation's "not well-formed" errors. */
export function parseTemplateText(body: string): unknown {
  const trimmed = body.trimStart();
  if (trimmed.startsWith('{')) {
    try {
      return JSON.parse(body) as unknown;
    } catch (error) {
      const at = /position (\d+)/.exec((error as Error).message);
      const offset = at ? Number(at[1]) : 0;
      const before = body.slice(0, offset).split('\n');
      throw new TemplateError(
        `Template format error: JSON not well-formed. (line ${before.length},  column ${(before.at(-1)?.length ?? 0) + 1})`,
      );
    }
  }
  const document = parseDocument(body, { customTags: CUSTOM_TAGS, uniqueKeys: true, prettyErrors: false });
  const error = document.errors[0];
  if (error) {
    const [line, column] = error.linePos?.[0] ? [error.linePos[0].line, error.linePos[0].col] : [1, 1];
    throw new TemplateError(`Template format error: YAML not well-formed. (line ${line}, column ${column})`);
  }
  return document.toJS({ maxAliasCount: 100 }) as unknown;
}

function section<T>(template: Record<string, unknown>, name: string): Record<string, T> {
  const value = template[name];
  if (value === undefined || value === null) return {};
  if (!isRecord(value)) throw new TemplateError(`Template format error: ${name} must be an object`);
  return value as Record<string, T>;
}

/** Reads a template and checks its structure as CloudFormation does before any value is resolved. */
export function parseTemplate(body: string): Template {
  const parsed = parseTemplateText(body);
  if (!isRecord(parsed))
    throw new TemplateError('Template format error: not a valid template (expected an object)');
  for (const key of Object.keys(parsed)) {
    if (!TOP_LEVEL.has(key))
      throw new TemplateError(`Template format error: Invalid template property or properties [${key}]`);
  }
  const resources = section<ResourceDeclaration>(parsed, 'Resources');
  if (Object.keys(resources).length === 0) {
    throw new TemplateError('Template format error: At least one Resources member must be defined.');
  }
  for (const [logicalId, resource] of Object.entries(resources)) {
    if (!/^[A-Za-z0-9]+$/.test(logicalId)) {
      throw new TemplateError(`Template format error: Resource name ${logicalId} is non alphanumeric.`);
    }
    if (!isRecord(resource) || typeof resource.Type !== 'string') {
      throw new TemplateError(
        `Template format error: [/Resources/${logicalId}] Every Resources object must contain a Type member.`,
      );
    }
    if (resource.Properties !== undefined && !isRecord(resource.Properties)) {
      throw new TemplateError(
        `Template format error: [/Resources/${logicalId}/Properties] Every Properties member must be an object.`,
      );
    }
  }
  const parameters = section<ParameterDeclaration>(parsed, 'Parameters');
  for (const [name, declaration] of Object.entries(parameters)) {
    if (!isRecord(declaration) || typeof declaration.Type !== 'string') {
      throw new TemplateError(`Template format error: Every Parameters object must contain a Type member.`);
    }
    void name;
  }
  const outputs = section<OutputDeclaration>(parsed, 'Outputs');
  for (const [name, output] of Object.entries(outputs)) {
    if (!isRecord(output) || !('Value' in output)) {
      throw new TemplateError(
        `Template format error: Every Outputs member must contain a Value object, the Outputs member ${name} does not`,
      );
    }
  }
  const transform = parsed.Transform;
  return {
    ...(typeof parsed.AWSTemplateFormatVersion === 'string'
      ? { AWSTemplateFormatVersion: parsed.AWSTemplateFormatVersion }
      : {}),
    ...(typeof parsed.Description === 'string' ? { Description: parsed.Description } : {}),
    ...(typeof transform === 'string' || Array.isArray(transform)
      ? { Transform: transform as string | string[] }
      : {}),
    ...(parsed.Metadata !== undefined ? { Metadata: parsed.Metadata } : {}),
    Parameters: parameters,
    Mappings: section(parsed, 'Mappings'),
    Conditions: section(parsed, 'Conditions'),
    Resources: resources,
    Outputs: outputs,
  };
}

/** The transforms a template declares, in order. */
export function transformsOf(template: Template): string[] {
  const transform = template.Transform;
  if (transform === undefined) return [];
  return typeof transform === 'string' ? [transform] : [...transform];
}

/** The template as CloudFormation stores it after its transforms ran (GetTemplate's Processed stage). */
export function processedTemplate(template: Template): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (template.AWSTemplateFormatVersion !== undefined)
    out.AWSTemplateFormatVersion = template.AWSTemplateFormatVersion;
  if (template.Description !== undefined) out.Description = template.Description;
  if (template.Metadata !== undefined) out.Metadata = template.Metadata;
  for (const name of ['Parameters', 'Mappings', 'Conditions', 'Resources', 'Outputs'] as const) {
    if (Object.keys(template[name]).length > 0) out[name] = template[name];
  }
  return out;
}
