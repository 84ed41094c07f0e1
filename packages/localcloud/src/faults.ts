// Fault rules (DESIGN.md "Fault rules"): API-level rules the server applies before a handler runs,
// and instance-level rules CodeDeploy asks about through InstanceFaultPort.
import { z } from 'zod';
import type { InstanceEventQuery, InstanceFault, InstanceFaultPort } from './ports.js';
import type { Random } from './random.js';
import { AwsApiError, type SigningName } from './service.js';

const SIGNING_NAMES = [
  'codedeploy',
  'autoscaling',
  'elasticloadbalancing',
  'ec2',
  'monitoring',
  's3',
  'sts',
  'cloudformation',
  'iam',
  'ssm',
] as const;

const firing = {
  probability: z.number().min(0).max(1).optional(),
  count: z.number().int().min(1).optional(),
};

const apiRuleSchema = z
  .object({
    scope: z.literal('api'),
    service: z.enum(SIGNING_NAMES),
    operation: z.string().min(1).default('*'),
    effect: z.enum(['throttle', 'error500', 'reset', 'delay', 'error']),
    ms: z.number().int().min(0).max(600_000).optional(),
    /** For `error`: the AWS error code to answer with (e.g. AccessDeniedException), status and message. */
    code: z
      .string()
      .regex(/^[A-Za-z][A-Za-z0-9.]*$/)
      .optional(),
    status: z.number().int().min(400).max(599).optional(),
    message: z.string().max(1000).optional(),
    ...firing,
  })
  .strict()
  .refine((rule) => rule.effect !== 'delay' || rule.ms !== undefined, {
    message: 'a delay rule needs "ms" (milliseconds of real time)',
    path: ['ms'],
  })
  .refine((rule) => (rule.effect === 'error') === (rule.code !== undefined), {
    message: 'an error rule needs "code" (and only an error rule takes one)',
    path: ['code'],
  });

const instanceRuleSchema = z
  .object({
    scope: z.literal('instance'),
    instanceId: z
      .string()
      .regex(/^i-[0-9a-f]+$/)
      .optional(),
    deploymentGroup: z.string().min(1).optional(),
    fleet: z.enum(['green', 'blue']).optional(),
    index: z.number().int().min(0).optional(),
    /** A lifecycle event name; omitted means every event. */
    event: z.string().min(1).optional(),
    effect: z.enum(['fail', 'timeout', 'hang', 'agent-down', 'terminate']),
    exitCode: z.number().int().min(1).max(255).optional(),
    ...firing,
  })
  .strict()
  .refine((rule) => rule.instanceId !== undefined || rule.deploymentGroup !== undefined, {
    message: 'an instance rule needs "instanceId" or "deploymentGroup"',
  })
  .refine((rule) => (rule.fleet === undefined) === (rule.index === undefined), {
    message: '"fleet" and "index" go together',
    path: ['index'],
  })
  .refine((rule) => rule.exitCode === undefined || rule.effect === 'fail', {
    message: '"exitCode" only applies to effect "fail"',
    path: ['exitCode'],
  });

const faultRuleSchema = z.discriminatedUnion('scope', [apiRuleSchema, instanceRuleSchema]);

export type ApiFaultRule = z.infer<typeof apiRuleSchema>;
export type InstanceFaultRule = z.infer<typeof instanceRuleSchema>;
export type FaultRule = z.infer<typeof faultRuleSchema>;

/** A rule as stored: its id, and for count-limited rules how many firings are left. */
export type StoredFaultRule = FaultRule & { id: string; remaining?: number; boundDeploymentId?: string };

export class FaultRuleError extends Error {}

export function parseFaultRule(raw: unknown): FaultRule {
  const result = faultRuleSchema.safeParse(raw);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => {
    const path = issue.path.length > 0 ? issue.path.join('.') : 'rule';
    return `${path}: ${issue.message}`;
  });
  throw new FaultRuleError(`invalid fault rule: ${problems.join('; ')}`);
}

export type ApiFault =
  | { readonly kind: 'error'; readonly error: AwsApiError }
  | { readonly kind: 'reset' }
  | { readonly kind: 'delay'; readonly ms: number };

/** Each service's own throttling error: code and HTTP status as AWS sends them. */
export function throttlingError(service: SigningName): AwsApiError {
  switch (service) {
    case 'codedeploy':
    case 'ssm':
      return new AwsApiError('ThrottlingException', 'Rate exceeded');
    case 'ec2':
      return new AwsApiError('RequestLimitExceeded', 'Request limit exceeded.', {
        status: 503,
        fault: 'Sender',
      });
    case 's3':
      return new AwsApiError('SlowDown', 'Please reduce your request rate.', { status: 503 });
    case 'autoscaling':
    case 'elasticloadbalancing':
    case 'monitoring':
    case 'sts':
    case 'cloudformation':
    case 'iam':
      return new AwsApiError('Throttling', 'Rate exceeded');
  }
}

export function internalError(service: SigningName): AwsApiError {
  switch (service) {
    case 'ec2':
    case 's3':
      return new AwsApiError('InternalError', 'We encountered an internal error. Please try again.', {
        status: 500,
      });
    case 'monitoring':
      return new AwsApiError('InternalServiceError', 'Internal service error.', { status: 500 });
    default:
      return new AwsApiError(
        'InternalFailure',
        'The request processing has failed because of an unknown error.',
        {
          status: 500,
        },
      );
  }
}

export class FaultRules implements InstanceFaultPort {
  private readonly rules: StoredFaultRule[] = [];
  private nextId = 1;

  constructor(private readonly random: Random) {}

  add(raw: unknown): string {
    const rule = parseFaultRule(raw);
    const id = `fault-${this.nextId++}`;
    this.rules.push({ ...rule, id, ...(rule.count !== undefined ? { remaining: rule.count } : {}) });
    return id;
  }

  clear(): void {
    this.rules.length = 0;
  }

  list(): StoredFaultRule[] {
    return this.rules.map((rule) => ({ ...rule }));
  }

  /** The fault to inject into this API call, if a rule fires. */
  forApiCall(service: SigningName, operation: string): ApiFault | undefined {
    for (const rule of this.rules) {
      if (rule.scope !== 'api' || rule.service !== service) continue;
      if (rule.operation !== '*' && rule.operation !== operation) continue;
      if (!this.fires(rule)) continue;
      switch (rule.effect) {
        case 'throttle':
          return { kind: 'error', error: throttlingError(service) };
        case 'error500':
          return { kind: 'error', error: internalError(service) };
        case 'reset':
          return { kind: 'reset' };
        case 'delay':
          return { kind: 'delay', ms: rule.ms ?? 0 };
        case 'error':
          return {
            kind: 'error',
            error: new AwsApiError(
              rule.code ?? 'InternalFailure',
              rule.message ?? `injected ${rule.code ?? 'error'} (local cloud fault rule ${rule.id})`,
              { status: rule.status ?? 400 },
            ),
          };
      }
    }
    return undefined;
  }

  forInstanceEvent(query: InstanceEventQuery): InstanceFault | undefined {
    for (const rule of this.rules) {
      if (rule.scope !== 'instance' || !this.matchesInstance(rule, query)) continue;
      if (!this.fires(rule)) continue;
      return {
        ruleId: rule.id,
        effect: rule.effect,
        ...(rule.effect === 'fail' ? { exitCode: rule.exitCode ?? 1 } : {}),
      };
    }
    return undefined;
  }

  private matchesInstance(rule: StoredFaultRule & InstanceFaultRule, query: InstanceEventQuery): boolean {
    if (rule.event !== undefined && rule.event !== query.event) return false;
    if (rule.instanceId !== undefined && rule.instanceId !== query.instanceId) return false;
    if (rule.deploymentGroup !== undefined && rule.deploymentGroup !== query.deploymentGroup) return false;
    if (rule.fleet !== undefined) {
      if (rule.fleet !== query.fleet || rule.index !== query.index) return false;
      // A fleet/index rule belongs to the first deployment of its group that asks after it was added.
      rule.boundDeploymentId ??= query.deploymentId;
      if (rule.boundDeploymentId !== query.deploymentId) return false;
    }
    return true;
  }

  private fires(rule: StoredFaultRule): boolean {
    if (rule.remaining !== undefined && rule.remaining <= 0) return false;
    if (rule.probability !== undefined && this.random() >= rule.probability) return false;
    if (rule.remaining !== undefined) rule.remaining--;
    return true;
  }
}
