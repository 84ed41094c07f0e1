// Renders an output structure as the XML of awsQuery and ec2 query responses, walking the model:
// element names are the members' locationName (or member name), list items are the list member's
// locationName (`member` by default, `item` throughout EC2), an empty list is `<Name/>`, timestamps
// are ISO-8601 with milliseconds.
import type { ServiceModel, ShapeRef } from './model.js';
import { shapeOf } from './model.js';

const XML_ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '\r': '&#13;',
};

/**
 * Characters XML 1.0 cannot carry at all, not even as a character reference: C0 controls other than
 * tab, LF and CR, U+FFFE, U+FFFF and lone surrogates.
 */
const XML_ILLEGAL = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/u;
const XML_ILLEGAL_ALL = new RegExp(XML_ILLEGAL.source, 'gu');

/** The first character of `text` XML 1.0 cannot carry, if any (decoders refuse such input). */
export function xmlIllegalCharacter(text: string): string | undefined {
  return XML_ILLEGAL.exec(text)?.[0];
}

/** `U+001B`: how messages name a character they must not quote. */
export function codePointName(char: string): string {
  return `U+${(char.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0')}`;
}

/**
 * Escapes element text (the renderers write no attributes but constant namespaces). Decoders refuse
 * characters XML cannot carry, but a value can still arrive another way (a JSON request, a world
 * file): such a character becomes U+FFFD rather than a document no parser accepts.
 */
export function escapeXml(text: string): string {
  return text.replace(/[&<>\r]/g, (char) => XML_ESCAPES[char] ?? char).replace(XML_ILLEGAL_ALL, '\uFFFD');
}

function scalarText(type: string, value: unknown): string {
  if (type === 'timestamp') {
    const date = value instanceof Date ? value : new Date(value as string | number);
    return date.toISOString();
  }
  if (type === 'blob') return Buffer.isBuffer(value) ? value.toString('base64') : String(value);
  // A double is written as one (1.0, not 1), as AWS writes it.
  if ((type === 'double' || type === 'float') && typeof value === 'number' && Number.isInteger(value))
    return Math.abs(value) < 1e21 ? `${value}.0` : String(value);
  return escapeXml(String(value));
}

export interface XmlRenderer {
  /** The members of `value` (a structure of shape `ref`) as a sequence of elements, without a wrapper. */
  members(ref: ShapeRef, value: unknown): string;
}

export function createXmlRenderer(model: ServiceModel): XmlRenderer {
  function element(out: string[], ref: ShapeRef, value: unknown, name: string): void {
    const shape = shapeOf(model, ref);
    switch (shape.type) {
      case 'structure':
        out.push(`<${name}>`);
        structMembers(out, ref, value);
        out.push(`</${name}>`);
        return;
      case 'list': {
        const items = value as unknown[];
        if (shape.flattened === true || ref.flattened === true) {
          for (const item of items) element(out, shape.member, item, name);
          return;
        }
        if (items.length === 0) {
          out.push(`<${name}/>`);
          return;
        }
        const itemName = shape.member.locationName ?? 'member';
        out.push(`<${name}>`);
        for (const item of items) element(out, shape.member, item, itemName);
        out.push(`</${name}>`);
        return;
      }
      case 'map': {
        const keyName = shape.key.locationName ?? 'key';
        const valueName = shape.value.locationName ?? 'value';
        out.push(`<${name}>`);
        for (const [key, item] of Object.entries(value as Record<string, unknown>)) {
          out.push(`<entry><${keyName}>${escapeXml(key)}</${keyName}>`);
          element(out, shape.value, item, valueName);
          out.push('</entry>');
        }
        out.push(`</${name}>`);
        return;
      }
      default:
        out.push(`<${name}>${scalarText(shape.type, value)}</${name}>`);
    }
  }

  function structMembers(out: string[], ref: ShapeRef, value: unknown): void {
    const shape = shapeOf(model, ref);
    if (shape.type !== 'structure') throw new Error(`${ref.shape} is not a structure`);
    const record = (value ?? {}) as Record<string, unknown>;
    for (const [memberName, memberRef] of Object.entries(shape.members)) {
      const member = record[memberName];
      if (member === undefined || member === null) continue;
      element(out, memberRef, member, memberRef.locationName ?? memberName);
    }
  }

  return {
    members(ref, value) {
      const out: string[] = [];
      structMembers(out, ref, value);
      return out.join('');
    },
  };
}
