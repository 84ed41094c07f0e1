// Providers for the IAM resource types a stack can hold (AWS::IAM::Role, AWS::IAM::InstanceProfile,
// AWS::IAM::OIDCProvider), creating them in the cloud's one IamModel, so what a stack makes is what
// the IAM API lists, STS assumes and the authorizer evaluates. Ref and Fn::GetAtt as CloudFormation
// has them: a role's Ref is its name (Arn, RoleId), an instance profile's its name (Arn), an OIDC
// provider's its ARN (Arn).
import type { IamModel, Tag } from '../../iam/model.js';
import { AwsApiError } from '../../service.js';
import {
  handlerFailure,
  type ProviderContext,
  type ResourceProperties,
  type ResourceProvider,
} from '../provider.js';

/** IAM's refusal as CloudFormation shows it in the resource's *_FAILED event. */
function iamCall<T>(call: () => T): T {
  try {
    return call();
  } catch (error) {
    if (error instanceof AwsApiError) throw handlerFailure('Iam', error);
    throw error;
  }
}

/** Deleting what is already gone succeeds, as CloudFormation's handlers have it. */
function ignoringMissing(call: () => void): void {
  try {
    call();
  } catch (error) {
    if (!(error instanceof AwsApiError && error.code === 'NoSuchEntity')) throw error;
  }
}

/** A template scalar as a string (CloudFormation passes numbers and booleans through as given). */
const scalar = (value: unknown): string =>
  typeof value === 'string'
    ? value
    : typeof value === 'number' || typeof value === 'boolean'
      ? String(value)
      : '';
const str = (value: unknown): string | undefined =>
  value === undefined || value === null ? undefined : scalar(value);
const list = (value: unknown): unknown[] => (Array.isArray(value) ? value : []);
const tags = (value: unknown): Tag[] =>
  list(value).map((t) => {
    const tag = t as { Key?: unknown; Value?: unknown };
    return { Key: scalar(tag.Key), Value: scalar(tag.Value) };
  });

interface InlinePolicy {
  readonly name: string;
  readonly document: unknown;
}

const inlinePolicies = (properties: ResourceProperties): InlinePolicy[] =>
  list(properties.Policies).map((p) => {
    const policy = p as { PolicyName?: unknown; PolicyDocument?: unknown };
    return { name: scalar(policy.PolicyName), document: policy.PolicyDocument };
  });

const managedPolicyArns = (properties: ResourceProperties): string[] =>
  list(properties.ManagedPolicyArns).map(scalar);

function roleResult(iam: IamModel, name: string) {
  const role = iam.role(name);
  return { physicalId: role.name, attributes: { Arn: role.arn, RoleId: role.roleId } };
}

/** Puts the role's inline and managed policies where the properties say, from `previous`. */
function applyRolePolicies(
  iam: IamModel,
  name: string,
  properties: ResourceProperties,
  previous?: ResourceProperties,
) {
  const wanted = inlinePolicies(properties);
  for (const old of previous ? inlinePolicies(previous) : []) {
    if (!wanted.some((p) => p.name === old.name)) ignoringMissing(() => iam.deleteRolePolicy(name, old.name));
  }
  for (const policy of wanted) iam.putRolePolicy(name, policy.name, policy.document);
  const arns = managedPolicyArns(properties);
  for (const arn of previous ? managedPolicyArns(previous) : []) {
    if (!arns.includes(arn)) ignoringMissing(() => iam.detachRolePolicy(name, arn));
  }
  for (const arn of arns) iam.attachRolePolicy(name, arn);
}

const role: ResourceProvider = {
  replaceOn: ['RoleName', 'Path'],
  nameProperty: 'RoleName',
  create(properties: ResourceProperties, ctx: ProviderContext) {
    const iam = ctx.cloud.iam;
    const name = str(properties.RoleName) ?? ctx.generatedName(64);
    return iamCall(() => {
      const maxSessionDuration =
        properties.MaxSessionDuration === undefined ? undefined : Number(properties.MaxSessionDuration);
      const description = str(properties.Description);
      const path = str(properties.Path);
      iam.createRole({
        name,
        assumeRolePolicy: properties.AssumeRolePolicyDocument,
        ...(path !== undefined ? { path } : {}),
        ...(description !== undefined ? { description } : {}),
        ...(maxSessionDuration !== undefined ? { maxSessionDuration } : {}),
        tags: tags(properties.Tags),
      });
      try {
        applyRolePolicies(iam, name, properties);
      } catch (error) {
        // A role whose policies were refused is not left behind half made.
        const made = iam.role(name);
        made.inlinePolicies.clear();
        made.attachedPolicies.length = 0;
        iam.deleteRole(name);
        throw error;
      }
      return roleResult(iam, name);
    });
  },
  update(
    physicalId: string,
    properties: ResourceProperties,
    previous: ResourceProperties,
    ctx: ProviderContext,
  ) {
    const iam = ctx.cloud.iam;
    return iamCall(() => {
      const current = iam.role(physicalId);
      const probe = iam.createRoleCheck({
        assumeRolePolicy: properties.AssumeRolePolicyDocument,
        maxSessionDuration:
          properties.MaxSessionDuration === undefined ? 3600 : Number(properties.MaxSessionDuration),
      });
      current.assumeRolePolicy = probe.assumeRolePolicy;
      current.maxSessionDuration = probe.maxSessionDuration;
      const description = str(properties.Description);
      if (description === undefined) delete current.description;
      else current.description = description;
      current.tags = tags(properties.Tags);
      applyRolePolicies(iam, physicalId, properties, previous);
      return roleResult(iam, physicalId);
    });
  },
  delete(physicalId: string, _properties: ResourceProperties, ctx: ProviderContext) {
    const iam = ctx.cloud.iam;
    ignoringMissing(() => {
      const current = iam.role(physicalId);
      // CloudFormation removes the role's policies (and takes it out of its instance profiles' hands
      // only when they are deleted first, as the template's dependencies order them).
      current.inlinePolicies.clear();
      current.attachedPolicies.length = 0;
      iamCall(() => iam.deleteRole(physicalId));
    });
  },
};

const instanceProfile: ResourceProvider = {
  replaceOn: ['InstanceProfileName', 'Path'],
  nameProperty: 'InstanceProfileName',
  create(properties: ResourceProperties, ctx: ProviderContext) {
    const iam = ctx.cloud.iam;
    const name = str(properties.InstanceProfileName) ?? ctx.generatedName(128);
    return iamCall(() => {
      const profile = iam.createInstanceProfile(name, str(properties.Path));
      try {
        for (const roleName of list(properties.Roles)) iam.addRoleToInstanceProfile(name, scalar(roleName));
      } catch (error) {
        profile.roles.length = 0;
        iam.deleteInstanceProfile(name);
        throw error;
      }
      return { physicalId: profile.name, attributes: { Arn: profile.arn } };
    });
  },
  update(
    physicalId: string,
    properties: ResourceProperties,
    _previous: ResourceProperties,
    ctx: ProviderContext,
  ) {
    const iam = ctx.cloud.iam;
    return iamCall(() => {
      const profile = iam.instanceProfile(physicalId);
      const wanted = list(properties.Roles).map(scalar);
      for (const name of [...profile.roles])
        if (!wanted.includes(name)) iam.removeRoleFromInstanceProfile(physicalId, name);
      for (const name of wanted)
        if (!profile.roles.includes(name)) iam.addRoleToInstanceProfile(physicalId, name);
      return { physicalId: profile.name, attributes: { Arn: profile.arn } };
    });
  },
  delete(physicalId: string, _properties: ResourceProperties, ctx: ProviderContext) {
    const iam = ctx.cloud.iam;
    ignoringMissing(() => {
      iam.instanceProfile(physicalId).roles.length = 0;
      iam.deleteInstanceProfile(physicalId);
    });
  },
};

const oidcProvider: ResourceProvider = {
  replaceOn: ['Url'],
  create(properties: ResourceProperties, ctx: ProviderContext) {
    const iam = ctx.cloud.iam;
    return iamCall(() => {
      const provider = iam.createOidcProvider(
        scalar(properties.Url),
        list(properties.ClientIdList).map(scalar),
        list(properties.ThumbprintList).map(scalar),
      );
      provider.tags = tags(properties.Tags);
      return { physicalId: provider.arn, attributes: { Arn: provider.arn } };
    });
  },
  update(
    physicalId: string,
    properties: ResourceProperties,
    _previous: ResourceProperties,
    ctx: ProviderContext,
  ) {
    const iam = ctx.cloud.iam;
    return iamCall(() => {
      const provider = iam.oidcProvider(physicalId);
      provider.clientIds = list(properties.ClientIdList).map(scalar);
      provider.thumbprints = list(properties.ThumbprintList).map(scalar);
      provider.tags = tags(properties.Tags);
      return { physicalId, attributes: { Arn: physicalId } };
    });
  },
  delete(physicalId: string, _properties: ResourceProperties, ctx: ProviderContext) {
    const iam = ctx.cloud.iam;
    ignoringMissing(() => iam.deleteOidcProvider(physicalId));
  },
};

export const iamProviders: ReadonlyMap<string, ResourceProvider> = new Map([
  ['AWS::IAM::Role', role],
  ['AWS::IAM::InstanceProfile', instanceProfile],
  ['AWS::IAM::OIDCProvider', oidcProvider],
]);
