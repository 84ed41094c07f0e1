import { SamInputError } from './errors.js';

// The sam command lines, as argument arrays for spawn (no shell ever sees them), built only from
// inputs checked here first. Every value either matches a strict pattern or is encoded so that
// SAM's own parser gives back exactly what was passed.

export const CAPABILITIES = [
  'CAPABILITY_IAM',
  'CAPABILITY_NAMED_IAM',
  'CAPABILITY_AUTO_EXPAND',
  'CAPABILITY_RESOURCE_POLICY',
] as const;
export type Capability = (typeof CAPABILITIES)[number];

export interface SamBuildOptions {
  readonly templateFile: string;
  /** Where sam writes the built template and artifacts (sam's default: .aws-sam/build). */
  readonly buildDir?: string;
  readonly parameterOverrides?: Readonly<Record<string, string>>;
  readonly region?: string;
  readonly useContainer?: boolean;
}

export interface SamDeployOptions {
  readonly stackName: string;
  readonly templateFile: string;
  readonly parameterOverrides?: Readonly<Record<string, string>>;
  readonly capabilities?: readonly Capability[];
  readonly region?: string;
  /** Where sam uploads artifacts; a template without local artifacts needs neither this nor resolveS3. */
  readonly s3Bucket?: string;
  readonly s3Prefix?: string;
  /** Let sam create and use its managed artifacts bucket. */
  readonly resolveS3?: boolean;
  readonly tags?: Readonly<Record<string, string>>;
  /** Default true: a deploy that changes nothing succeeds. */
  readonly noFailOnEmptyChangeset?: boolean;
  /** Create the change set and stop (a dry run). */
  readonly noExecuteChangeset?: boolean;
  /** The role CloudFormation assumes to change the stack (`--role-arn`). */
  readonly roleArn?: string;
}

const STACK_NAME = /^[A-Za-z][A-Za-z0-9-]{0,127}$/;
const PARAMETER_KEY = /^[A-Za-z0-9]{1,255}$/;
const REGION = /^[a-z]{2}(-[a-z]+)+-\d{1,2}$/;
const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
const ROLE_ARN = /^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]{1,512}$/;
// SAM reads tags with a split on "=" and on spaces, and accepts these characters.
const TAG_TEXT = /^[A-Za-z0-9_.:/+@-]*$/;

export function samBuildArguments(options: SamBuildOptions): string[] {
  const args = ['build', '--template-file', checkPath('templateFile', options.templateFile)];
  if (options.buildDir !== undefined) args.push('--build-dir', checkPath('buildDir', options.buildDir));
  if (options.region !== undefined) args.push('--region', checkRegion(options.region));
  if (options.useContainer) args.push('--use-container');
  args.push(...parameterOverrideArguments(options.parameterOverrides));
  return args;
}

export function samDeployArguments(options: SamDeployOptions): string[] {
  if (!STACK_NAME.test(options.stackName)) {
    throw new SamInputError(
      `stack name ${JSON.stringify(options.stackName)} is not valid: a letter, then letters, digits and hyphens, at most 128`,
    );
  }
  if (options.s3Bucket !== undefined && options.resolveS3) {
    throw new SamInputError(
      's3Bucket and resolveS3 both given: name the bucket, or let sam manage one, not both',
    );
  }
  if (options.s3Prefix !== undefined && options.s3Bucket === undefined) {
    throw new SamInputError('s3Prefix needs s3Bucket');
  }
  const args = [
    'deploy',
    '--stack-name',
    options.stackName,
    '--template-file',
    checkPath('templateFile', options.templateFile),
    '--no-confirm-changeset',
  ];
  if (options.noFailOnEmptyChangeset ?? true) args.push('--no-fail-on-empty-changeset');
  if (options.noExecuteChangeset) args.push('--no-execute-changeset');
  if (options.region !== undefined) args.push('--region', checkRegion(options.region));
  if (options.s3Bucket !== undefined) {
    if (!BUCKET.test(options.s3Bucket))
      throw new SamInputError(`s3Bucket ${JSON.stringify(options.s3Bucket)} is not a bucket name`);
    args.push('--s3-bucket', options.s3Bucket);
  }
  if (options.s3Prefix !== undefined) {
    if (!/^[A-Za-z0-9!_.*'()/-]+$/.test(options.s3Prefix)) {
      throw new SamInputError(
        `s3Prefix ${JSON.stringify(options.s3Prefix)}: use letters, digits and !_.*'()/- only`,
      );
    }
    args.push('--s3-prefix', options.s3Prefix);
  }
  if (options.resolveS3) args.push('--resolve-s3');
  if (options.roleArn !== undefined) {
    if (!ROLE_ARN.test(options.roleArn)) {
      throw new SamInputError(
        `roleArn ${JSON.stringify(options.roleArn)} is not an IAM role ARN (arn:aws:iam::<account>:role/<name>)`,
      );
    }
    args.push('--role-arn', options.roleArn);
  }
  const capabilities = options.capabilities ?? [];
  for (const capability of capabilities) {
    if (!(CAPABILITIES as readonly string[]).includes(capability)) {
      throw new SamInputError(
        `capability ${JSON.stringify(capability)} is not one of ${CAPABILITIES.join(', ')}`,
      );
    }
  }
  if (capabilities.length > 0) args.push('--capabilities', ...new Set(capabilities));
  args.push(...parameterOverrideArguments(options.parameterOverrides));
  const tags = Object.entries(options.tags ?? {});
  for (const [key, value] of tags) {
    if (key === '' || !TAG_TEXT.test(key) || !TAG_TEXT.test(value)) {
      throw new SamInputError(
        `tag ${JSON.stringify(key)}=${JSON.stringify(value)}: sam reads tags split on "=" and spaces; use letters, digits and _.:/+@- only`,
      );
    }
  }
  if (tags.length > 0) args.push('--tags', ...tags.map(([key, value]) => `${key}=${value}`));
  return args;
}

/**
 * `--parameter-overrides` with one argument in SAM's `ParameterKey=K,ParameterValue="V"` form. SAM
 * picks the first of its two formats that matches anywhere in the argument, so using the
 * ParameterKey form for every pair means no value can switch the parser to the other; values are
 * double-quoted with `"` escaped, which SAM's parser undoes.
 */
export function parameterOverrideArguments(
  overrides: Readonly<Record<string, string>> | undefined,
): string[] {
  const entries = Object.entries(overrides ?? {});
  if (entries.length === 0) return [];
  return [
    '--parameter-overrides',
    entries.map(([key, value]) => encodeParameterOverride(key, value)).join(' '),
  ];
}

export function encodeParameterOverride(key: string, value: string): string {
  if (!PARAMETER_KEY.test(key)) {
    throw new SamInputError(
      `parameter name ${JSON.stringify(key)} is not valid: CloudFormation parameter names are letters and digits`,
    );
  }
  if (typeof value !== 'string') throw new SamInputError(`parameter ${key}: the value must be a string`);
  if (value.includes('\0')) throw new SamInputError(`parameter ${key}: the value contains a NUL character`);
  // SAM unescapes \" \' and "\ " but not \\, so a backslash right before a quote, a space, a line
  // break or the end cannot round-trip: refuse it rather than deploy something else.
  if (/\\(?=["' \n\r]|$)/.test(value)) {
    throw new SamInputError(
      `parameter ${key}: a backslash before a quote, a space, a line break or at the end cannot pass through sam's --parameter-overrides`,
    );
  }
  return `ParameterKey=${key},ParameterValue="${value.replaceAll('"', '\\"')}"`;
}

function checkPath(option: string, path: string): string {
  if (path === '' || path.includes('\0')) throw new SamInputError(`${option} must be a file path`);
  // An argument that starts with "-" could be read as an option.
  if (path.startsWith('-'))
    throw new SamInputError(`${option} ${JSON.stringify(path)} starts with "-": write ./${path}`);
  return path;
}

function checkRegion(region: string): string {
  if (!REGION.test(region))
    throw new SamInputError(`region ${JSON.stringify(region)} is not an AWS region like us-east-1`);
  return region;
}
