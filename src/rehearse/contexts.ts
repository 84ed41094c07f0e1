// The CircleCI contexts a rehearsal gives its jobs, from a local file: context name → variables.
//
//   greenlight-dev:
//     CERTIFICATE_ARN: ""
//   greenlight-prod:
//     AMI_ID: ami-0123456789abcdef0
//
// Every variable the pipeline needs that is a fact of the account (VPC, subnets, AMI) or of its
// stacks (the deploy role, the load balancer's URL) is filled in by the rehearsal; the file only
// overrides.
import { readFile } from 'node:fs/promises';
import { parse } from 'yaml';

export type ContextValues = Record<string, string>;

export class ContextsFileError extends Error {}

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

export async function readContextsFile(path: string): Promise<Record<string, ContextValues>> {
  let raw: unknown;
  try {
    raw = parse(await readFile(path, 'utf8'));
  } catch (error) {
    throw new ContextsFileError(`${path}: ${(error as Error).message}`);
  }
  if (raw === null || raw === undefined) return {};
  if (typeof raw !== 'object' || Array.isArray(raw)) {
    throw new ContextsFileError(`${path}: expected context names, each with its variables`);
  }
  const contexts: Record<string, ContextValues> = {};
  for (const [context, variables] of Object.entries(raw)) {
    if (variables === null || typeof variables !== 'object' || Array.isArray(variables)) {
      throw new ContextsFileError(`${path}: ${context}: expected variables (NAME: value)`);
    }
    const values: ContextValues = {};
    for (const [name, value] of Object.entries(variables as Record<string, unknown>)) {
      if (!NAME.test(name))
        throw new ContextsFileError(`${path}: ${context}.${name}: not an environment variable name`);
      if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean') {
        throw new ContextsFileError(`${path}: ${context}.${name}: expected a string`);
      }
      values[name] = String(value);
    }
    contexts[context] = values;
  }
  return contexts;
}
