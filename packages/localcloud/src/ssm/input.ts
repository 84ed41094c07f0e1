// What every SSM handler reads from its decoded input: the codec has checked the types, not the
// values' rules (instance id patterns, bounds), which the operations check themselves.

export type Input = Readonly<Record<string, unknown>>;

export const str = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);
export const strings = (value: unknown): string[] =>
  Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];

/** The model's InstanceId pattern, EC2 instances only (no `mi-` managed instances here). */
export const INSTANCE_ID = /^i-(\w{8}|\w{17})$/;
