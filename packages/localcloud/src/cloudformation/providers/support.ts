// What the providers share: reading template property values (a Number parameter arrives as a
// string), calling a service's own operation handlers so a stack's resource passes the same checks
// as an API call, and CloudFormation's wording of a handler's failure.
import { randomUUID } from 'node:crypto';
import { AwsApiError, type RequestContext, type ServiceDefinition } from '../../service.js';
import { scalarText } from '../intrinsics.js';
import { handlerFailure, ResourceFailure, type ProviderContext } from '../provider.js';

export { handlerFailure };

export function text(value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  return scalarText(value);
}

export function number(value: unknown): number | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  const parsed = Number(value);
  if (!Number.isFinite(parsed))
    throw new ResourceFailure(`Value of property must be a number: ${scalarText(value)}`);
  return parsed;
}

export function bool(value: unknown): boolean | undefined {
  if (value === undefined || value === null) return undefined;
  return value === true || value === 'true';
}

export function list<T = unknown>(value: unknown): T[] {
  if (value === undefined || value === null) return [];
  return Array.isArray(value) ? (value as T[]) : [value as T];
}

export function tagList(value: unknown): { Key: string; Value: string }[] {
  return list<{ Key?: unknown; Value?: unknown }>(value).map((tag) => ({
    Key: text(tag.Key) ?? '',
    Value: text(tag.Value) ?? '',
  }));
}

export function tagRecord(value: unknown): Record<string, string> {
  const out = Object.create(null) as Record<string, string>;
  for (const { Key, Value } of tagList(value)) out[Key] = Value;
  return out;
}

/**
 * CloudFormation's event reason for a resource its handler cannot find (the registry handlers'
 * `HandlerErrorCode: NotFound`): what a stack update says of an Auto Scaling group CodeDeploy's
 * blue/green deployment deleted.
 */
export function notFound(type: string, identifier: string): ResourceFailure {
  return new ResourceFailure(
    `Resource handler returned message: "Resource of type '${type}' with identifier '${identifier}' was not found." (RequestToken: ${randomUUID()}, HandlerErrorCode: NotFound)`,
  );
}

/** Runs `fn`, turning a service's AwsApiError into the handler failure CloudFormation shows. */
export async function calling<T>(service: string, fn: () => T | Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    if (error instanceof AwsApiError) throw handlerFailure(service, error);
    throw error;
  }
}

/** Calls one operation of a service's handler table, as the API would with this input. */
export async function callOperation(
  service: string,
  definition: ServiceDefinition,
  operation: string,
  input: Record<string, unknown>,
  ctx: ProviderContext,
): Promise<Record<string, unknown>> {
  const handler = definition.operations[operation];
  if (!handler) throw new ResourceFailure(`Internal Failure (no ${operation} operation)`);
  const request: RequestContext = { region: ctx.region, accountId: ctx.accountId, requestId: randomUUID() };
  return calling(service, async () => ((await handler(input, request)) ?? {}) as Record<string, unknown>);
}

/** Drops undefined members, so a handler sees only what the template gave. */
export function defined(input: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(input).filter(([, value]) => value !== undefined));
}
