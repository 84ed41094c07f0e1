// Arbitraries for what a hostile client sends the local cloud: strings that break XML, JSON or URLs,
// and random inputs shaped (or almost shaped) like an operation's input in AWS's service model.
import fc from 'fast-check';
import { shapeOf, type ServiceModel, type ShapeRef } from '../../src/protocol/model.js';

/** Printable text that breaks naive XML, JSON or URL handling, and nothing XML 1.0 cannot carry. */
export const xmlBreaking: fc.Arbitrary<string> = fc
  .array(
    fc.oneof(
      fc.constantFrom(
        '<',
        '>',
        '&',
        ']]>',
        '<![CDATA[',
        '&amp;',
        '&#0;',
        '"',
        "'",
        '\\',
        '\\u0000',
        '%',
        '%00',
        '+',
        '=',
        '\t',
        '\n',
        '\r',
        '\r\n',
        ' ',
        '\u00a0',
        '\u202e',
        '\u2028',
        'é',
        '😀',
        '</Value>',
        '<?xml?>',
        '{"a":1}',
      ),
      fc.string({ unit: 'grapheme', maxLength: 4 }),
    ),
    { minLength: 1, maxLength: 8 },
  )
  .map((parts) => withoutXmlIllegal(parts.join('')));

/** Characters XML 1.0 cannot carry at all, raw or as a reference. */
export const controlCharacter: fc.Arbitrary<string> = fc.constantFrom(
  '\x01',
  '\x08',
  '\x0b',
  '\x0c',
  '\x1b',
  '\x1f',
  '\ufffe',
  '\uffff',
);

/**
 * Names of Object.prototype's members. The local cloud looks some inputs up in plain objects, and
 * these names find the prototype's members there; the property tests keep them apart (in a test of
 * their own) so that bug does not hide every other one.
 */
export const prototypeNames: readonly string[] = Object.getOwnPropertyNames(Object.prototype);

export const isPrototypeName = (text: string): boolean => prototypeNames.includes(text);

/** JSON text with no object key named after an Object.prototype member. */
export const hasPrototypeKey = (json: string): boolean =>
  prototypeNames.some((name) => json.includes(`"${name}":`));

/** Drops the characters XML 1.0 cannot carry (they have a test of their own, being a known bug). */
export function withoutXmlIllegal(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g, '');
}

export const hostileString: fc.Arbitrary<string> = fc
  .oneof(
    { weight: 3, arbitrary: xmlBreaking },
    { weight: 2, arbitrary: fc.string({ maxLength: 20 }) },
    { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 20 }).map(withoutXmlIllegal) },
    { weight: 1, arbitrary: fc.constantFrom('', 'null', 'undefined', '0', '-1', 'NaN') },
  )
  .filter((text) => !isPrototypeName(text));

/** Small numbers, edge numbers and non-numbers; never a capacity that would launch a million instances. */
const hostileNumber = fc.oneof(
  fc.integer({ min: -3, max: 5 }),
  fc.constantFrom(-1, 0, 0.5, -0, 1e-9, Number.MAX_SAFE_INTEGER + 2, -2147483649),
);

/** A JSON value for an input shape: usually the right type, sometimes any type at all. */
export function jsonShapeValue(model: ServiceModel, ref: ShapeRef, depth = 0): fc.Arbitrary<unknown> {
  const anyValue = fc.oneof(
    hostileString,
    hostileNumber,
    fc.boolean(),
    fc.constant(null),
    fc.constant([]),
    fc.constant({}),
  );
  const shape = shapeOf(model, ref);
  let typed: fc.Arbitrary<unknown>;
  switch (shape.type) {
    case 'structure': {
      if (depth > 3) {
        typed = fc.constant({});
        break;
      }
      const members = Object.fromEntries(
        Object.entries(shape.members).map(([name, member]) => [
          name,
          jsonShapeValue(model, member, depth + 1),
        ]),
      );
      typed = fc.record(members, { requiredKeys: [] });
      break;
    }
    case 'list':
      typed =
        depth > 3
          ? fc.constant([])
          : fc.array(jsonShapeValue(model, shape.member, depth + 1), { maxLength: 3 });
      break;
    case 'map':
      typed = fc.dictionary(hostileString, jsonShapeValue(model, shape.value, depth + 1), { maxKeys: 3 });
      break;
    case 'string':
      typed =
        shape.enum && shape.enum.length > 0
          ? fc.oneof(fc.constantFrom(...shape.enum), hostileString)
          : hostileString;
      break;
    case 'integer':
    case 'long':
    case 'double':
    case 'float':
      typed = hostileNumber;
      break;
    case 'boolean':
      typed = fc.boolean();
      break;
    case 'blob':
      typed = fc.oneof(fc.base64String({ maxLength: 12 }), hostileString);
      break;
    case 'timestamp':
      typed = fc.oneof(hostileNumber, hostileString, fc.constant('2024-01-01T00:00:00Z'));
      break;
  }
  return fc.oneof({ weight: 5, arbitrary: typed }, { weight: 1, arbitrary: anyValue });
}

/** The form keys an input shape would use in awsQuery (`member`/`entry`) or ec2 (flattened) style. */
export function formKeys(
  model: ServiceModel,
  ref: ShapeRef,
  flavour: 'query' | 'ec2',
  prefix = '',
  depth = 0,
): string[] {
  const shape = shapeOf(model, ref);
  if (depth > 3) return [prefix];
  switch (shape.type) {
    case 'structure':
      return Object.entries(shape.members).flatMap(([name, member]) => {
        const wire =
          flavour === 'ec2'
            ? (member.queryName ??
              (member.locationName
                ? member.locationName.charAt(0).toUpperCase() + member.locationName.slice(1)
                : name))
            : (member.locationName ?? name);
        return formKeys(model, member, flavour, prefix ? `${prefix}.${wire}` : wire, depth + 1);
      });
    case 'list': {
      const item =
        flavour === 'ec2' || shape.flattened ? prefix : `${prefix}.${shape.member.locationName ?? 'member'}`;
      return formKeys(model, shape.member, flavour, `${item}.#`, depth + 1);
    }
    case 'map':
      return [`${prefix}.entry.#.key`, `${prefix}.entry.#.value`];
    default:
      return [prefix];
  }
}

/** List indices a careless or hostile client sends: holes, zero, negative, huge, not numbers. */
export const listIndex = fc.oneof(
  { weight: 4, arbitrary: fc.integer({ min: 1, max: 3 }).map(String) },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      '0',
      '-1',
      '7',
      '01',
      '1.5',
      '',
      'x',
      '99999999999999999999',
      '4294967296',
      '1e3',
    ),
  },
);

/** A form value: text, a number-ish string, a boolean-ish string. */
export const formValue = fc.oneof(
  hostileString,
  fc.constantFrom('0', '1', '2', '-1', 'true', 'false', 'TRUE', '1.5', 'NaN', '', '2024-01-01T00:00:00Z'),
);
