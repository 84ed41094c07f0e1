// The input checks IAM and STS make before anything else, from the operation's model: a required
// member that is missing, a string shorter or longer than its shape allows or off its pattern, a
// number out of its range.
// Refused as AWS's query services refuse them: `ValidationError` with "N validation error(s)
// detected: Value … at '<member, lowerCamel>' failed to satisfy constraint: …" (the protocol layer
// decodes types but leaves these to the service, as AWS's front ends do).
import { loadServiceModel, type ModelName, type ShapeRef } from '../protocol/model.js';
import { AwsApiError, type OperationHandler, type ServiceDefinition } from '../service.js';

const lowerCamel = (name: string) => name.charAt(0).toLowerCase() + name.slice(1);

const patterns = new Map<string, RegExp | undefined>();

/** The model's (Java) pattern, matched whole; a pattern JavaScript cannot read is not checked. */
function matchesPattern(shape: object, value: string): boolean {
  const pattern = (shape as { pattern?: string }).pattern;
  if (pattern === undefined) return true;
  if (!patterns.has(pattern)) {
    try {
      patterns.set(pattern, new RegExp(`^(?:${pattern})$`, 'u'));
    } catch {
      patterns.set(pattern, undefined);
    }
  }
  return patterns.get(pattern)?.test(value) ?? true;
}

function violations(model: ReturnType<typeof loadServiceModel>, input: ShapeRef, value: unknown): string[] {
  const shape = model.shapes[input.shape];
  if (!shape || shape.type !== 'structure') return [];
  const fields = (typeof value === 'object' && value !== null ? value : {}) as Record<string, unknown>;
  const found: string[] = [];
  for (const [name, ref] of Object.entries(shape.members)) {
    const member = fields[name];
    const at = lowerCamel(name);
    if (member === undefined || member === null) {
      if (shape.required?.includes(name)) {
        found.push(`Value null at '${at}' failed to satisfy constraint: Member must not be null`);
      }
      continue;
    }
    const memberShape = model.shapes[ref.shape];
    if (memberShape?.type === 'string' && typeof member === 'string') {
      if (memberShape.min !== undefined && member.length < memberShape.min) {
        found.push(
          `Value '${member}' at '${at}' failed to satisfy constraint: Member must have length greater than or equal to ${memberShape.min}`,
        );
      } else if (memberShape.max !== undefined && member.length > memberShape.max) {
        found.push(
          `Value '${member.slice(0, 64)}…' at '${at}' failed to satisfy constraint: Member must have length less than or equal to ${memberShape.max}`,
        );
      } else if (!matchesPattern(memberShape, member)) {
        found.push(
          `Value '${member}' at '${at}' failed to satisfy constraint: Member must satisfy regular expression pattern: ${(memberShape as { pattern?: string }).pattern}`,
        );
      }
    }
    if ((memberShape?.type === 'integer' || memberShape?.type === 'long') && typeof member === 'number') {
      if (memberShape.min !== undefined && member < memberShape.min) {
        found.push(
          `Value '${member}' at '${at}' failed to satisfy constraint: Member must have value greater than or equal to ${memberShape.min}`,
        );
      } else if (memberShape.max !== undefined && member > memberShape.max) {
        found.push(
          `Value '${member}' at '${at}' failed to satisfy constraint: Member must have value less than or equal to ${memberShape.max}`,
        );
      }
    }
  }
  return found;
}

/** The service with each handler behind its model's input checks. */
export function validatingInputs(modelName: ModelName, service: ServiceDefinition): ServiceDefinition {
  const model = loadServiceModel(modelName);
  const operations: Record<string, OperationHandler> = {};
  for (const [name, handler] of Object.entries(service.operations)) {
    const input = model.operations[name]?.input;
    operations[name] = (value, ctx) => {
      const found = input ? violations(model, input, value) : [];
      if (found.length > 0) {
        throw new AwsApiError(
          'ValidationError',
          `${found.length} validation error${found.length === 1 ? '' : 's'} detected: ${found.join('; ')}`,
        );
      }
      return handler(value, ctx);
    };
  }
  return { ...service, operations };
}
