// Decodes the form parameters of awsQuery and ec2 query requests into an operation's input shape.
//   awsQuery: `Names.member.1=a`, `Targets.member.1.Id=i-1`, `Tags.entry.1.key=k`, empty list `Names=`.
//   ec2:      `InstanceId.1=i-a`, `Filter.1.Value.1=v`; keys are the members' queryName or capitalised
//             locationName, lists are always flattened and empty lists are never sent.
import { AwsApiError } from '../service.js';
import type { ServiceModel, ShapeRef } from './model.js';
import { shapeOf } from './model.js';

export type QueryFlavour = 'query' | 'ec2';

interface FormNode {
  value?: string;
  children?: Map<string, FormNode>;
}

function buildTree(params: Iterable<[string, string]>): FormNode {
  const root: FormNode = {};
  for (const [key, value] of params) {
    let node = root;
    for (const part of key.split('.')) {
      node.children ??= new Map();
      let child = node.children.get(part);
      if (!child) {
        child = {};
        node.children.set(part, child);
      }
      node = child;
    }
    node.value = value;
  }
  return root;
}

function numberedChildren(node: FormNode | undefined): FormNode[] {
  if (!node?.children) return [];
  return [...node.children.entries()]
    .filter(([key]) => /^\d+$/.test(key))
    .sort(([a], [b]) => Number(a) - Number(b))
    .map(([, child]) => child);
}

export function serializedMemberName(flavour: QueryFlavour, memberName: string, ref: ShapeRef): string {
  if (flavour === 'ec2') {
    if (ref.queryName) return ref.queryName;
    if (ref.locationName) return ref.locationName.charAt(0).toUpperCase() + ref.locationName.slice(1);
    return memberName;
  }
  return ref.locationName ?? memberName;
}

export interface FormDecoder {
  decode(inputRef: ShapeRef | undefined, params: Iterable<[string, string]>): Record<string, unknown>;
}

export function createFormDecoder(
  model: ServiceModel,
  flavour: QueryFlavour,
  invalidCode: string,
): FormDecoder {
  const invalid = (path: string, expected: string, value: string | undefined): AwsApiError =>
    new AwsApiError(
      invalidCode,
      `Invalid value ${JSON.stringify(value ?? '')} for ${path}: expected ${expected}`,
    );

  function scalar(node: FormNode, path: string, expected: string): string {
    if (node.value === undefined) throw invalid(path, expected, undefined);
    return node.value;
  }

  function decode(ref: ShapeRef, node: FormNode, path: string): unknown {
    const shape = shapeOf(model, ref);
    switch (shape.type) {
      case 'structure': {
        const out: Record<string, unknown> = {};
        for (const [memberName, memberRef] of Object.entries(shape.members)) {
          const child = node.children?.get(serializedMemberName(flavour, memberName, memberRef));
          if (child) out[memberName] = decode(memberRef, child, `${path}.${memberName}`);
        }
        return out;
      }
      case 'list': {
        const flat = flavour === 'ec2' || shape.flattened === true || ref.flattened === true;
        const items = flat ? node : node.children?.get(shape.member.locationName ?? 'member');
        // `Names=` (an empty value, no members) is how the SDK sends an empty list.
        return numberedChildren(items).map((item, index) =>
          decode(shape.member, item, `${path}.${index + 1}`),
        );
      }
      case 'map': {
        const flat = flavour === 'ec2' || shape.flattened === true;
        const entries = numberedChildren(flat ? node : node.children?.get('entry'));
        // Map keys are the caller's: without a prototype, `__proto__` is a key like any other.
        const out = Object.create(null) as Record<string, unknown>;
        for (const entry of entries) {
          const key = entry.children?.get(shape.key.locationName ?? 'key')?.value;
          const value = entry.children?.get(shape.value.locationName ?? 'value');
          if (key !== undefined && value) out[key] = decode(shape.value, value, `${path}.${key}`);
        }
        return out;
      }
      case 'string':
        return scalar(node, path, 'a string');
      case 'integer':
      case 'long': {
        const text = scalar(node, path, 'an integer');
        if (!/^-?\d+$/.test(text)) throw invalid(path, 'an integer', text);
        return Number(text);
      }
      case 'double':
      case 'float': {
        const text = scalar(node, path, 'a number');
        const number = Number(text);
        if (text.trim() === '' || Number.isNaN(number)) throw invalid(path, 'a number', text);
        return number;
      }
      case 'boolean': {
        const text = scalar(node, path, 'true or false');
        if (text !== 'true' && text !== 'false') throw invalid(path, 'true or false', text);
        return text === 'true';
      }
      case 'blob':
        return Buffer.from(scalar(node, path, 'base64'), 'base64');
      case 'timestamp': {
        const text = scalar(node, path, 'an ISO-8601 timestamp');
        const date = /^-?\d+(\.\d+)?$/.test(text) ? new Date(Number(text) * 1000) : new Date(text);
        if (Number.isNaN(date.getTime())) throw invalid(path, 'an ISO-8601 timestamp', text);
        return date;
      }
    }
  }

  return {
    decode(inputRef, params) {
      if (!inputRef) return {};
      return decode(inputRef, buildTree(params), inputRef.shape) as Record<string, unknown>;
    },
  };
}
