// IAM over the query protocol (Version=2010-05-08). Global: every region's endpoint answers from the
// one IamModel. A small API: enough to see what a stack made (roles, their policies, instance
// profiles, OIDC providers) and to build a role and a provider without a stack.
import { AwsApiError, type ServiceDefinition } from '../service.js';
import type { IamModel, InstanceProfile, Role, Tag } from './model.js';
import { validatingInputs } from './validation.js';
import { noSuchEntity } from './model.js';
import { evaluateRole, type Decision } from './evaluate.js';

/** The evaluator's decisions as SimulatePrincipalPolicy's EvalDecision names them. */
const EVAL_DECISION: Readonly<Record<Decision, string>> = {
  Allowed: 'allowed',
  ExplicitlyDenied: 'explicitDeny',
  ImplicitlyDenied: 'implicitDeny',
};

/** IAM answers policy documents URL-encoded (RFC 3986), as AWS does; the AWS CLI decodes them. */
export function encodePolicy(document: unknown): string {
  return encodeURIComponent(JSON.stringify(document));
}

function roleView(role: Role): Record<string, unknown> {
  return {
    Path: role.path,
    RoleName: role.name,
    RoleId: role.roleId,
    Arn: role.arn,
    CreateDate: role.createDate,
    AssumeRolePolicyDocument: encodePolicy(role.assumeRolePolicy),
    ...(role.description !== undefined ? { Description: role.description } : {}),
    MaxSessionDuration: role.maxSessionDuration,
    ...(role.tags.length > 0 ? { Tags: role.tags } : {}),
    RoleLastUsed: {},
  };
}

function instanceProfileView(model: IamModel, profile: InstanceProfile): Record<string, unknown> {
  return {
    Path: profile.path,
    InstanceProfileName: profile.name,
    InstanceProfileId: profile.instanceProfileId,
    Arn: profile.arn,
    CreateDate: profile.createDate,
    // ListRoles and the instance profile's roles leave the role's last use out, as AWS does.
    Roles: profile.roles.map((name) => {
      const { RoleLastUsed: _, ...view } = roleView(model.role(name));
      return view;
    }),
  };
}

/** IAM's Marker/MaxItems pagination over an already ordered list (the marker is an offset). */
function page<T>(items: readonly T[], input: { Marker?: string; MaxItems?: number }) {
  const start = input.Marker !== undefined ? Number(input.Marker) : 0;
  if (!Number.isInteger(start) || start < 0 || start > items.length) {
    throw new AwsApiError('InvalidInput', 'Invalid Marker.');
  }
  const size = input.MaxItems ?? 100;
  const slice = items.slice(start, start + size);
  const truncated = start + size < items.length;
  return { slice, IsTruncated: truncated, ...(truncated ? { Marker: String(start + size) } : {}) };
}

export function iamService(modelOf: () => IamModel): ServiceDefinition {
  return validatingInputs('iam', {
    signingName: 'iam',
    operations: {
      CreateRole(input: {
        RoleName: string;
        Path?: string;
        AssumeRolePolicyDocument: string;
        Description?: string;
        MaxSessionDuration?: number;
        Tags?: Tag[];
      }) {
        const role = modelOf().createRole({
          name: input.RoleName,
          assumeRolePolicy: input.AssumeRolePolicyDocument,
          ...(input.Path !== undefined ? { path: input.Path } : {}),
          ...(input.Description !== undefined ? { description: input.Description } : {}),
          ...(input.MaxSessionDuration !== undefined ? { maxSessionDuration: input.MaxSessionDuration } : {}),
          ...(input.Tags ? { tags: input.Tags } : {}),
        });
        const { RoleLastUsed: _, ...view } = roleView(role);
        return { Role: view };
      },
      GetRole(input: { RoleName: string }) {
        return { Role: roleView(modelOf().role(input.RoleName)) };
      },
      ListRoles(input: { PathPrefix?: string; Marker?: string; MaxItems?: number }) {
        const prefix = input.PathPrefix ?? '/';
        const roles = [...modelOf().roles.values()]
          .filter((role) => role.path.startsWith(prefix))
          .sort((a, b) => a.name.localeCompare(b.name));
        const { slice, ...rest } = page(roles, input);
        return {
          Roles: slice.map((role) => {
            const { RoleLastUsed: _, ...view } = roleView(role);
            return view;
          }),
          ...rest,
        };
      },
      DeleteRole(input: { RoleName: string }) {
        modelOf().deleteRole(input.RoleName);
        return {};
      },
      PutRolePolicy(input: { RoleName: string; PolicyName: string; PolicyDocument: string }) {
        modelOf().putRolePolicy(input.RoleName, input.PolicyName, input.PolicyDocument);
        return {};
      },
      GetRolePolicy(input: { RoleName: string; PolicyName: string }) {
        const role = modelOf().role(input.RoleName);
        const document = role.inlinePolicies.get(input.PolicyName);
        if (!document) {
          throw noSuchEntity(`The role policy with name ${input.PolicyName} cannot be found.`);
        }
        return { RoleName: role.name, PolicyName: input.PolicyName, PolicyDocument: encodePolicy(document) };
      },
      ListRolePolicies(input: { RoleName: string; Marker?: string; MaxItems?: number }) {
        const names = [...modelOf().role(input.RoleName).inlinePolicies.keys()].sort();
        const { slice, ...rest } = page(names, input);
        return { PolicyNames: slice, ...rest };
      },
      DeleteRolePolicy(input: { RoleName: string; PolicyName: string }) {
        modelOf().deleteRolePolicy(input.RoleName, input.PolicyName);
        return {};
      },
      AttachRolePolicy(input: { RoleName: string; PolicyArn: string }) {
        modelOf().attachRolePolicy(input.RoleName, input.PolicyArn);
        return {};
      },
      DetachRolePolicy(input: { RoleName: string; PolicyArn: string }) {
        modelOf().detachRolePolicy(input.RoleName, input.PolicyArn);
        return {};
      },
      ListAttachedRolePolicies(input: { RoleName: string; Marker?: string; MaxItems?: number }) {
        const model = modelOf();
        const attached = model.role(input.RoleName).attachedPolicies.map((arn) => ({
          PolicyName: model.managedPolicy(arn).name,
          PolicyArn: arn,
        }));
        const { slice, ...rest } = page(attached, input);
        return { AttachedPolicies: slice, ...rest };
      },
      CreateInstanceProfile(input: { InstanceProfileName: string; Path?: string }) {
        const model = modelOf();
        return {
          InstanceProfile: instanceProfileView(
            model,
            model.createInstanceProfile(input.InstanceProfileName, input.Path),
          ),
        };
      },
      AddRoleToInstanceProfile(input: { InstanceProfileName: string; RoleName: string }) {
        modelOf().addRoleToInstanceProfile(input.InstanceProfileName, input.RoleName);
        return {};
      },
      GetInstanceProfile(input: { InstanceProfileName: string }) {
        const model = modelOf();
        return {
          InstanceProfile: instanceProfileView(model, model.instanceProfile(input.InstanceProfileName)),
        };
      },
      CreateOpenIDConnectProvider(input: {
        Url: string;
        ClientIDList?: string[];
        ThumbprintList?: string[];
      }) {
        const provider = modelOf().createOidcProvider(
          input.Url,
          input.ClientIDList ?? [],
          input.ThumbprintList ?? [],
        );
        return { OpenIDConnectProviderArn: provider.arn };
      },
      GetOpenIDConnectProvider(input: { OpenIDConnectProviderArn: string }) {
        const provider = modelOf().oidcProvider(input.OpenIDConnectProviderArn);
        return {
          // IAM answers the URL without its scheme.
          Url: provider.url.replace(/^https:\/\//i, ''),
          ClientIDList: provider.clientIds,
          ThumbprintList: provider.thumbprints,
          CreateDate: provider.createDate,
          Tags: provider.tags,
        };
      },
      /**
       * Each action on each resource (`*` when none is named), decided by the evaluator requests
       * signed with the role's sessions pass (evaluate.ts): one EvaluationResult per pair, as AWS
       * answers when ResourceArns is given. The principal is the role itself, with
       * aws:PrincipalArn and aws:PrincipalAccount; any other condition key only as ContextEntries
       * give it. [I] MissingContextValues is left out (the evaluator does not say which keys a
       * condition lacked), and so are the options the local cloud does not simulate, which it refuses.
       */
      async SimulatePrincipalPolicy(input: {
        PolicySourceArn: string;
        ActionNames: string[];
        ResourceArns?: string[];
        ContextEntries?: { ContextKeyName?: string; ContextKeyValues?: string[] }[];
        PolicyInputList?: string[];
        PermissionsBoundaryPolicyInputList?: string[];
        ResourcePolicy?: string;
        ResourceOwner?: string;
        CallerArn?: string;
        ResourceHandlingOption?: string;
        Marker?: string;
        MaxItems?: number;
      }) {
        const unsupported = [
          'PolicyInputList',
          'PermissionsBoundaryPolicyInputList',
          'ResourcePolicy',
          'ResourceOwner',
          'CallerArn',
          'ResourceHandlingOption',
        ].filter((name) => input[name as keyof typeof input] !== undefined);
        if (unsupported.length > 0) {
          throw new AwsApiError(
            'InvalidInput',
            `The local cloud simulates a role's own policies only; it does not take ${unsupported.join(', ')}.`,
          );
        }
        const model = modelOf();
        const role = model.roleByArn(input.PolicySourceArn);
        if (!role) {
          const name = /:role\/(?:.*\/)?([^/]+)$/.exec(input.PolicySourceArn)?.[1];
          if (name === undefined) {
            throw new AwsApiError(
              'InvalidInput',
              `The local cloud has no users or groups: ${input.PolicySourceArn} is not a role.`,
            );
          }
          throw noSuchEntity(`The role with name ${name} cannot be found.`);
        }
        const context: Record<string, string | string[]> = {
          'aws:PrincipalArn': role.arn,
          'aws:PrincipalAccount': model.accountId,
        };
        for (const entry of input.ContextEntries ?? []) {
          const values = entry.ContextKeyValues ?? [];
          if (entry.ContextKeyName)
            context[entry.ContextKeyName] = values.length === 1 ? (values[0] as string) : values;
        }
        const resources = input.ResourceArns?.length ? input.ResourceArns : ['*'];
        const pairs = input.ActionNames.flatMap((action) =>
          resources.map((resource) => ({ action, resource })),
        );
        const { slice, ...rest } = page(pairs, input);
        const results = [];
        for (const { action, resource } of slice) {
          const { decision, matched } = await evaluateRole(model, role, {
            principal: role.arn,
            action,
            resource,
            accountId: model.accountId,
            context,
          });
          results.push({
            EvalActionName: action,
            EvalResourceName: resource,
            EvalDecision: EVAL_DECISION[decision],
            MatchedStatements: matched.map((m) => ({
              SourcePolicyId: m.sourcePolicyId,
              SourcePolicyType: m.sourcePolicyType,
              StartPosition: { Line: m.start.line, Column: m.start.column },
              EndPosition: { Line: m.end.line, Column: m.end.column },
            })),
          });
        }
        return { EvaluationResults: results, ...rest };
      },
      ListOpenIDConnectProviders() {
        return {
          OpenIDConnectProviderList: [...modelOf().oidcProviders.keys()].sort().map((Arn) => ({ Arn })),
        };
      },
    },
  });
}
