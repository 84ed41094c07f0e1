// awsJson 1.0 / 1.1: the operation is named by X-Amz-Target, the body is the input structure as JSON,
// timestamps are epoch seconds (fractions allowed) both ways, errors are {"__type", "message"}.
import { AwsApiError } from '../service.js';
import type { Operation, ServiceModel, ShapeRef } from './model.js';
import { shapeOf } from './model.js';
import type { ParsedEnvelope, WireCodec, WireRequest, WireResponse } from './wire.js';
import { headerValue, notImplementedMessage } from './wire.js';

export interface JsonCodecOptions {
  readonly model: ServiceModel;
  /** The X-Amz-Target prefix, e.g. `CodeDeploy_20141006` or `GraniteServiceVersion20100801`. */
  readonly targetPrefix: string;
  readonly jsonVersion: '1.0' | '1.1';
  /**
   * awsQueryCompatible services (CloudWatch) also name the error in `x-amzn-query-error: Code;Type`,
   * which the SDK prefers over `__type`.
   */
  readonly queryCompatible?: boolean;
}

function serializationError(message: string): AwsApiError {
  return new AwsApiError('SerializationException', message);
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

export function decodeJsonValue(model: ServiceModel, ref: ShapeRef, value: unknown, path: string): unknown {
  const shape = shapeOf(model, ref);
  const wrongType = (expected: string): AwsApiError =>
    serializationError(`${path}: expected ${expected}, got ${describe(value)}`);
  switch (shape.type) {
    case 'structure': {
      if (typeof value !== 'object' || value === null || Array.isArray(value)) throw wrongType('an object');
      const out: Record<string, unknown> = {};
      for (const [name, member] of Object.entries(value as Record<string, unknown>)) {
        // Members the model does not know are dropped, as AWS's JSON services do; an own-property
        // test, since a member named `__proto__` or `constructor` is as unknown as any other.
        const memberRef = Object.hasOwn(shape.members, name) ? shape.members[name] : undefined;
        if (!memberRef || member === null || member === undefined) continue;
        out[name] = decodeJsonValue(model, memberRef, member, `${path}.${name}`);
      }
      return out;
    }
    case 'list':
      if (!Array.isArray(value)) throw wrongType('an array');
      return value.map((item, index) => decodeJsonValue(model, shape.member, item, `${path}[${index}]`));
    case 'map': {
      if (typeof value !== 'object' || value === null || Array.isArray(value)) throw wrongType('an object');
      // Map keys are the caller's: without a prototype, `__proto__` is a key like any other.
      const out = Object.create(null) as Record<string, unknown>;
      for (const [key, item] of Object.entries(value as Record<string, unknown>)) {
        out[key] = decodeJsonValue(model, shape.value, item, `${path}.${key}`);
      }
      return out;
    }
    case 'string':
      if (typeof value !== 'string') throw wrongType('a string');
      return value;
    case 'integer':
    case 'long':
      if (typeof value !== 'number' || !Number.isInteger(value)) throw wrongType('an integer');
      return value;
    case 'double':
    case 'float':
      if (typeof value !== 'number') throw wrongType('a number');
      return value;
    case 'boolean':
      if (typeof value !== 'boolean') throw wrongType('a boolean');
      return value;
    case 'blob':
      if (typeof value !== 'string') throw wrongType('a base64 string');
      return Buffer.from(value, 'base64');
    case 'timestamp': {
      if (typeof value === 'number') return new Date(value * 1000);
      if (typeof value === 'string' && !Number.isNaN(Date.parse(value))) return new Date(value);
      throw wrongType('epoch seconds');
    }
  }
}

/** Dates become epoch seconds; JSON.stringify has already turned them into strings by the time a replacer sees the value. */
function epochSecondsReplacer(this: Record<string, unknown>, key: string, value: unknown): unknown {
  const raw = this[key];
  if (raw instanceof Date) return raw.getTime() / 1000;
  if (Buffer.isBuffer(raw)) return raw.toString('base64');
  return value;
}

/**
 * An output as JSON text, by its shape: as JSON.stringify with epoch-second timestamps and base64
 * blobs, except that a double or float is written as a double, `1.0` rather than `1`, as AWS writes
 * it (SDKs that do not coerce, such as boto3, read `1` as an integer). Members the shape does not
 * know are written as JSON.stringify would.
 */
export function encodeJsonValue(
  model: ServiceModel,
  ref: ShapeRef | undefined,
  value: unknown,
): string | undefined {
  if (value === undefined) return undefined;
  const shape = ref ? shapeOf(model, ref) : undefined;
  if (value === null || !shape) return JSON.stringify({ v: value }, epochSecondsReplacer).slice(5, -1);
  switch (shape.type) {
    case 'structure': {
      if (typeof value !== 'object' || Array.isArray(value) || value instanceof Date) break;
      const parts: string[] = [];
      for (const [name, member] of Object.entries(value as Record<string, unknown>)) {
        const memberRef = Object.hasOwn(shape.members, name) ? shape.members[name] : undefined;
        const text = encodeJsonValue(model, memberRef, member);
        if (text !== undefined) parts.push(`${JSON.stringify(name)}:${text}`);
      }
      return `{${parts.join(',')}}`;
    }
    case 'list':
      if (!Array.isArray(value)) break;
      return `[${value.map((item) => encodeJsonValue(model, shape.member, item) ?? 'null').join(',')}]`;
    case 'map': {
      if (typeof value !== 'object' || Array.isArray(value)) break;
      const parts: string[] = [];
      for (const [key, item] of Object.entries(value as Record<string, unknown>)) {
        const text = encodeJsonValue(model, shape.value, item);
        if (text !== undefined) parts.push(`${JSON.stringify(key)}:${text}`);
      }
      return `{${parts.join(',')}}`;
    }
    case 'double':
    case 'float':
      if (typeof value === 'number' && Number.isInteger(value) && Math.abs(value) < 1e21) return `${value}.0`;
      break;
  }
  return JSON.stringify({ v: value }, epochSecondsReplacer).slice(5, -1);
}

export function createJsonCodec(options: JsonCodecOptions): WireCodec {
  const { model, targetPrefix } = options;
  const contentType = `application/x-amz-json-${options.jsonVersion}`;
  return {
    model,
    parseEnvelope(request: WireRequest): ParsedEnvelope {
      const target = headerValue(request.headers, 'x-amz-target') ?? '';
      const dot = target.indexOf('.');
      const operationName = dot >= 0 ? target.slice(dot + 1) : '';
      if (target.slice(0, dot) !== targetPrefix || operationName === '') {
        throw new AwsApiError('UnknownOperationException', `Unknown X-Amz-Target ${JSON.stringify(target)}`);
      }
      const type = headerValue(request.headers, 'content-type') ?? '';
      if (!type.startsWith('application/x-amz-json-') && !type.startsWith('application/json')) {
        throw serializationError(`Content-Type must be ${contentType}, got ${JSON.stringify(type)}`);
      }
      const text = request.body.toString('utf8').trim();
      if (text === '') return { operationName, payload: {} };
      try {
        return { operationName, payload: JSON.parse(text) as unknown };
      } catch (error) {
        throw serializationError(`The request body is not valid JSON: ${(error as Error).message}`);
      }
    },
    decodeInput(operation: Operation, payload: unknown): unknown {
      if (!operation.input) return {};
      return decodeJsonValue(model, operation.input, payload, operation.name);
    },
    encodeOutput(operation: Operation, output: unknown): WireResponse {
      const body = operation.output ? (encodeJsonValue(model, operation.output, output ?? {}) ?? '{}') : '{}';
      return { status: 200, headers: { 'content-type': contentType }, body };
    },
    encodeError(error: AwsApiError): WireResponse {
      const headers: Record<string, string> = { 'content-type': contentType, 'x-amzn-errortype': error.code };
      if (options.queryCompatible) headers['x-amzn-query-error'] = `${error.code};${error.fault}`;
      return {
        status: error.status,
        headers,
        body: JSON.stringify({ __type: error.code, message: error.message }),
      };
    },
    unknownOperation(operationName: string): AwsApiError {
      return new AwsApiError('UnknownOperationException', notImplementedMessage(operationName));
    },
    bodyTooLarge(limitBytes: number): AwsApiError {
      return new AwsApiError(
        'SerializationException',
        `The request body is larger than ${limitBytes} bytes`,
        {
          status: 413,
        },
      );
    },
  };
}
