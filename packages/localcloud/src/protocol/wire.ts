// What every model-driven codec (JSON 1.0/1.1, awsQuery, ec2 query) offers the server.
import type { AwsApiError } from '../service.js';
import type { Operation, ServiceModel } from './model.js';

export interface WireRequest {
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly body: Buffer;
  /** The URL's query string; query protocols also accept their parameters there (GET requests). */
  readonly search: string;
}

export interface WireResponse {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body: string;
}

/** A request whose envelope has been read: which operation, and its still undecoded parameters. */
export interface ParsedEnvelope {
  readonly operationName: string;
  readonly payload: unknown;
}

export interface WireCodec {
  readonly model: ServiceModel;
  /** Reads the envelope; throws an AwsApiError (in this protocol's words) when it is malformed. */
  parseEnvelope(request: WireRequest): ParsedEnvelope;
  /** Decodes the payload into the operation's input shape, rejecting values of the wrong type. */
  decodeInput(operation: Operation, payload: unknown): unknown;
  encodeOutput(operation: Operation, output: unknown, requestId: string): WireResponse;
  encodeError(error: AwsApiError, requestId: string): WireResponse;
  /** The error for an operation this service does not implement. */
  unknownOperation(operationName: string): AwsApiError;
  /** The error for a request body over the size limit. */
  bodyTooLarge(limitBytes: number): AwsApiError;
}

export function headerValue(headers: WireRequest['headers'], name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

export function notImplementedMessage(operationName: string): string {
  return `Operation ${operationName} is not implemented by the local cloud`;
}
