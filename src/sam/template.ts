import { isAlias, isMap, isPair, isScalar, isSeq, LineCounter, parseDocument } from 'yaml';
import type { Document, Node } from 'yaml';

// CloudFormation's YAML short forms (`!Ref X`, `!GetAtt A.B`, `!Sub …`) are read into the long forms
// (`{Ref: X}`, `{'Fn::GetAtt': [A, B]}`, `{'Fn::Sub': …}`) that the JSON template format and every
// AWS tool use, so whoever reads the template sees one shape, however it was written.

/** The short-form tags CloudFormation accepts, and the long-form key each stands for. */
export const INTRINSIC_TAGS: Readonly<Record<string, string>> = {
  '!Ref': 'Ref',
  '!Condition': 'Condition',
  '!GetAtt': 'Fn::GetAtt',
  '!Sub': 'Fn::Sub',
  '!Join': 'Fn::Join',
  '!If': 'Fn::If',
  '!Equals': 'Fn::Equals',
  '!Not': 'Fn::Not',
  '!And': 'Fn::And',
  '!Or': 'Fn::Or',
  '!Select': 'Fn::Select',
  '!Split': 'Fn::Split',
  '!GetAZs': 'Fn::GetAZs',
  '!FindInMap': 'Fn::FindInMap',
  '!ImportValue': 'Fn::ImportValue',
  '!Base64': 'Fn::Base64',
  '!Cidr': 'Fn::Cidr',
  '!Transform': 'Fn::Transform',
  '!ToJsonString': 'Fn::ToJsonString',
  '!Length': 'Fn::Length',
};

export interface TemplateProblem {
  readonly message: string;
  readonly line?: number;
}

export class TemplateSyntaxError extends Error {
  readonly exitCode = 2;
  readonly problems: readonly TemplateProblem[];
  constructor(file: string, problems: readonly TemplateProblem[]) {
    const lines = problems.map(
      (problem) => `  ${file}${problem.line ? `:${problem.line}` : ''}: ${problem.message}`,
    );
    super([`${file}: not a readable CloudFormation template:`, ...lines].join('\n'));
    this.name = 'TemplateSyntaxError';
    this.problems = problems;
  }
}

/** A CloudFormation template read into plain data, short forms expanded. */
export interface ParsedTemplate {
  readonly document: Record<string, unknown>;
  /** The 1-based line where a dotted path (`Resources.Bucket.Properties`) starts, when known. */
  readonly lineOf: (path: readonly (string | number)[]) => number | undefined;
}

const MAX_DEPTH = 200;

/** Reads a template's YAML text; every syntax problem and unknown tag is a TemplateSyntaxError. */
export function parseTemplate(text: string, file = 'template'): ParsedTemplate {
  const lineCounter = new LineCounter();
  const document = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const problems: TemplateProblem[] = document.errors.map((error) => ({
    message: `YAML syntax error: ${error.message.split('\n')[0] ?? ''}`,
    line: lineCounter.linePos(error.pos[0]).line,
  }));
  if (problems.length > 0) throw new TemplateSyntaxError(file, problems);

  const lines = new Map<string, number>();
  const lineAt = (node: Node): number | undefined =>
    node.range ? lineCounter.linePos(node.range[0]).line : undefined;
  const value = toData(document, document.contents, [], { problems, lines, lineAt }, 0);
  if (problems.length > 0) throw new TemplateSyntaxError(file, problems);
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new TemplateSyntaxError(file, [
      { message: 'the template must be a map (Resources:, Parameters: …)' },
    ]);
  }
  return {
    document: value as Record<string, unknown>,
    lineOf: (path) => {
      for (let length = path.length; length >= 0; length -= 1) {
        const line = lines.get(pathKey(path.slice(0, length)));
        if (line !== undefined) return line;
      }
      return undefined;
    },
  };
}

interface Walk {
  problems: TemplateProblem[];
  lines: Map<string, number>;
  lineAt: (node: Node) => number | undefined;
}

function toData(
  document: Document.Parsed,
  node: unknown,
  path: (string | number)[],
  walk: Walk,
  depth: number,
): unknown {
  if (depth > MAX_DEPTH) {
    walk.problems.push({ message: `nested deeper than ${MAX_DEPTH} levels at ${pathKey(path)}` });
    return null;
  }
  if (node === null || node === undefined) return null;
  if (isAlias(node)) return toData(document, node.resolve(document), path, walk, depth + 1);
  const asNode = node as Node;
  const line = walk.lineAt(asNode);
  if (line !== undefined && !walk.lines.has(pathKey(path))) walk.lines.set(pathKey(path), line);

  let value: unknown;
  if (isScalar(node)) {
    value = node.value;
  } else if (isSeq(node)) {
    value = node.items.map((item, index) => toData(document, item, [...path, index], walk, depth + 1));
  } else if (isMap(node)) {
    const map: Record<string, unknown> = {};
    for (const pair of node.items) {
      if (!isPair(pair)) continue;
      const key = isScalar(pair.key) ? String(pair.key.value) : undefined;
      if (key === undefined) {
        walk.problems.push({ message: `a key at ${pathKey(path)} is not a plain string`, line });
        continue;
      }
      // A key's line is where its key is written, not where its value starts.
      const keyLine = isScalar(pair.key) ? walk.lineAt(pair.key) : undefined;
      if (keyLine !== undefined) walk.lines.set(pathKey([...path, key]), keyLine);
      map[key] = toData(document, pair.value, [...path, key], walk, depth + 1);
    }
    value = map;
  } else {
    walk.problems.push({ message: `unexpected YAML node at ${pathKey(path)}`, line });
    return null;
  }

  const tag = asNode.tag;
  if (tag === undefined || !tag.startsWith('!') || tag.startsWith('!!')) return value;
  const longForm = INTRINSIC_TAGS[tag];
  if (longForm === undefined) {
    walk.problems.push({
      message: `unknown tag ${tag} at ${pathKey(path)}; CloudFormation knows ${Object.keys(INTRINSIC_TAGS).join(' ')}`,
      line,
    });
    return value;
  }
  // `!GetAtt Resource.Attribute` is the one short form whose scalar is not the long form's argument.
  if (longForm === 'Fn::GetAtt' && typeof value === 'string') {
    const dot = value.indexOf('.');
    if (dot <= 0) {
      walk.problems.push({
        message: `!GetAtt ${value} at ${pathKey(path)}: expected Resource.Attribute`,
        line,
      });
      return { [longForm]: [value] };
    }
    return { [longForm]: [value.slice(0, dot), value.slice(dot + 1)] };
  }
  return { [longForm]: value };
}

function pathKey(path: readonly (string | number)[]): string {
  return path.map(String).join('.');
}
