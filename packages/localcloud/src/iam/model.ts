// IAM's state: one per cloud (IAM is global), shared by the IAM API, CloudFormation's IAM resource
// providers, STS and the request authorizer. Roles (with their inline and attached managed policies),
// instance profiles, OIDC providers, and the sessions STS hands out (temporary credentials: what a
// request signed with them may do is its role's policies, until its Expiration on the cloud's clock).
import { randomBytes } from 'node:crypto';
import { AwsApiError } from '../service.js';
import { awsManagedPolicy } from './managed-policies.js';

export type PolicyDocument = Record<string, unknown>;

export interface Tag {
  readonly Key: string;
  readonly Value: string;
}

export interface Role {
  readonly name: string;
  readonly path: string;
  readonly arn: string;
  /** `AROA…`, IAM's unique id of the role. */
  readonly roleId: string;
  readonly createDate: Date;
  description?: string;
  assumeRolePolicy: PolicyDocument;
  /** Seconds; 3600 unless the role says otherwise (3600 to 43200). */
  maxSessionDuration: number;
  /** Inline policies by name. */
  readonly inlinePolicies: Map<string, PolicyDocument>;
  /** ARNs of attached managed policies (AWS's or the account's). */
  readonly attachedPolicies: string[];
  tags: Tag[];
}

export interface InstanceProfile {
  readonly name: string;
  readonly path: string;
  readonly arn: string;
  /** `AIPA…` */
  readonly instanceProfileId: string;
  readonly createDate: Date;
  /** Role names (an instance profile holds at most one). */
  readonly roles: string[];
}

export interface OidcProvider {
  readonly arn: string;
  /** The issuer as given, `https://` included. */
  readonly url: string;
  clientIds: string[];
  thumbprints: string[];
  readonly createDate: Date;
  tags: Tag[];
}

export interface ManagedPolicy {
  readonly name: string;
  readonly arn: string;
  readonly document: PolicyDocument;
}

/** Temporary credentials STS issued: an assumed role's session. */
export interface Session {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken: string;
  readonly expiration: Date;
  readonly roleName: string;
  readonly roleArn: string;
  readonly roleId: string;
  readonly sessionName: string;
  /** `arn:aws:sts::<account>:assumed-role/<role>/<session>` */
  readonly assumedRoleArn: string;
}

// IAM unique ids: a four-letter prefix that names the kind, then upper-case letters and digits 2–7.
const ID_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

export function uniqueId(prefix: string, length = 17): string {
  const bytes = randomBytes(length);
  let id = prefix;
  for (const byte of bytes) id += ID_ALPHABET[byte % ID_ALPHABET.length];
  return id;
}

export function noSuchEntity(message: string): AwsApiError {
  return new AwsApiError('NoSuchEntity', message, { status: 404 });
}

export function entityAlreadyExists(message: string): AwsApiError {
  return new AwsApiError('EntityAlreadyExists', message, { status: 409 });
}

export function malformedPolicyDocument(message: string): AwsApiError {
  return new AwsApiError('MalformedPolicyDocument', message);
}

export function iamValidationError(message: string): AwsApiError {
  return new AwsApiError('ValidationError', message);
}

/** A policy document as IAM takes it: JSON text (or an object, from a template), an object with Statement. */
export function parsePolicyDocument(document: unknown): PolicyDocument {
  let value = document;
  if (typeof value === 'string') {
    try {
      value = JSON.parse(value) as unknown;
    } catch {
      throw malformedPolicyDocument('This policy contains invalid Json');
    }
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw malformedPolicyDocument('This policy contains invalid Json');
  }
  const statement = (value as Record<string, unknown>).Statement;
  if (statement === undefined) throw malformedPolicyDocument('Syntax errors in policy.');
  return value as PolicyDocument;
}

/** `/` or `/a/b/`: IAM's paths begin and end with a slash. */
function checkPath(path: string): string {
  if (!/^\/([\x21-\x7e]*\/)?$/.test(path) || path.length > 512) {
    throw iamValidationError(
      `The specified value for path is invalid. It must begin and end with / and contain only alphanumeric characters and/or / characters.`,
    );
  }
  return path;
}

const ROLE_NAME = /^[\w+=,.@-]{1,64}$/;

export interface CreateRoleRequest {
  readonly name: string;
  readonly path?: string;
  readonly assumeRolePolicy: unknown;
  readonly description?: string;
  readonly maxSessionDuration?: number;
  readonly tags?: readonly Tag[];
}

export class IamModel {
  readonly roles = new Map<string, Role>();
  readonly instanceProfiles = new Map<string, InstanceProfile>();
  /** By ARN. */
  readonly oidcProviders = new Map<string, OidcProvider>();
  /** Customer managed policies by ARN (AWS's come from managed-policies.ts). */
  readonly policies = new Map<string, ManagedPolicy>();
  /** By access key id. */
  private readonly sessions = new Map<string, Session>();

  /** The account and the clock are read when needed (the cloud builds its IamModel before either). */
  constructor(
    private readonly accountIdOf: () => string,
    private readonly now: () => Date,
  ) {}

  get accountId(): string {
    return this.accountIdOf();
  }

  get partition(): string {
    return 'aws';
  }

  createRole(request: CreateRoleRequest): Role {
    if (!ROLE_NAME.test(request.name)) {
      throw iamValidationError(
        `1 validation error detected: Value '${request.name}' at 'roleName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]+`,
      );
    }
    if (this.roles.has(request.name.toLowerCase())) {
      throw entityAlreadyExists(`Role with name ${request.name} already exists.`);
    }
    const { assumeRolePolicy, maxSessionDuration } = this.createRoleCheck({
      assumeRolePolicy: request.assumeRolePolicy,
      maxSessionDuration: request.maxSessionDuration ?? 3600,
    });
    const path = checkPath(request.path ?? '/');
    const role: Role = {
      name: request.name,
      path,
      arn: `arn:${this.partition}:iam::${this.accountId}:role${path}${request.name}`,
      roleId: uniqueId('AROA'),
      createDate: this.now(),
      ...(request.description !== undefined ? { description: request.description } : {}),
      assumeRolePolicy,
      maxSessionDuration,
      inlinePolicies: new Map(),
      attachedPolicies: [],
      tags: [...(request.tags ?? [])],
    };
    // IAM names are unique regardless of case.
    this.roles.set(request.name.toLowerCase(), role);
    return role;
  }

  /** A role's trust policy and session limit, checked as CreateRole and UpdateRole check them. */
  createRoleCheck(settings: { assumeRolePolicy: unknown; maxSessionDuration: number }): {
    assumeRolePolicy: PolicyDocument;
    maxSessionDuration: number;
  } {
    const seconds = settings.maxSessionDuration;
    if (!Number.isInteger(seconds) || seconds < 3600 || seconds > 43200) {
      throw iamValidationError(
        `1 validation error detected: Value '${seconds}' at 'maxSessionDuration' failed to satisfy constraint: Member must have value ${seconds < 3600 ? 'greater than or equal to 3600' : 'less than or equal to 43200'}`,
      );
    }
    return { assumeRolePolicy: parsePolicyDocument(settings.assumeRolePolicy), maxSessionDuration: seconds };
  }

  role(name: string): Role {
    const role = this.roles.get(name.toLowerCase());
    if (!role) throw noSuchEntity(`The role with name ${name} cannot be found.`);
    return role;
  }

  /** The role an ARN names, or undefined. */
  roleByArn(arn: string): Role | undefined {
    const name = /^arn:aws:iam::\d{12}:role\/(?:.*\/)?([^/]+)$/.exec(arn)?.[1];
    const role = name ? this.roles.get(name.toLowerCase()) : undefined;
    return role?.arn === arn ? role : undefined;
  }

  deleteRole(name: string): void {
    const role = this.role(name);
    if (role.inlinePolicies.size > 0 || role.attachedPolicies.length > 0) {
      throw new AwsApiError('DeleteConflict', 'Cannot delete entity, must delete policies first.', {
        status: 409,
      });
    }
    for (const profile of this.instanceProfiles.values()) {
      if (profile.roles.includes(role.name)) {
        throw new AwsApiError(
          'DeleteConflict',
          'Cannot delete entity, must remove roles from instance profile first.',
          { status: 409 },
        );
      }
    }
    this.roles.delete(name.toLowerCase());
  }

  putRolePolicy(roleName: string, policyName: string, document: unknown): void {
    this.role(roleName).inlinePolicies.set(policyName, parsePolicyDocument(document));
  }

  deleteRolePolicy(roleName: string, policyName: string): void {
    const role = this.role(roleName);
    if (!role.inlinePolicies.delete(policyName)) {
      throw noSuchEntity(`The role policy with name ${policyName} cannot be found.`);
    }
  }

  attachRolePolicy(roleName: string, policyArn: string): void {
    const role = this.role(roleName);
    this.managedPolicy(policyArn);
    if (!role.attachedPolicies.includes(policyArn)) role.attachedPolicies.push(policyArn);
  }

  detachRolePolicy(roleName: string, policyArn: string): void {
    const role = this.role(roleName);
    const index = role.attachedPolicies.indexOf(policyArn);
    if (index < 0) throw noSuchEntity(`Policy ${policyArn} was not found.`);
    role.attachedPolicies.splice(index, 1);
  }

  /** An AWS managed policy (from the vendored data) or one of the account's. */
  managedPolicy(arn: string): ManagedPolicy {
    const policy = this.policies.get(arn) ?? awsManagedPolicy(arn);
    if (!policy) throw noSuchEntity(`Policy ${arn} does not exist or is not attachable.`);
    return policy;
  }

  createPolicy(name: string, document: unknown, path = '/'): ManagedPolicy {
    const arn = `arn:${this.partition}:iam::${this.accountId}:policy${checkPath(path)}${name}`;
    if (this.policies.has(arn)) {
      throw entityAlreadyExists(`A policy called ${name} already exists. Duplicate names are not allowed.`);
    }
    const policy = { name, arn, document: parsePolicyDocument(document) };
    this.policies.set(arn, policy);
    return policy;
  }

  deletePolicy(arn: string): void {
    if (!this.policies.delete(arn)) throw noSuchEntity(`Policy ${arn} was not found.`);
  }

  /** Every policy a role's session is evaluated against: inline, then attached. */
  policiesOf(role: Role): { name: string; policy: PolicyDocument }[] {
    return [
      ...[...role.inlinePolicies].map(([name, policy]) => ({ name, policy })),
      ...role.attachedPolicies.flatMap((arn) => {
        const managed = this.policies.get(arn) ?? awsManagedPolicy(arn);
        return managed ? [{ name: managed.arn, policy: managed.document }] : [];
      }),
    ];
  }

  createInstanceProfile(name: string, path = '/'): InstanceProfile {
    if (!ROLE_NAME.test(name)) {
      throw iamValidationError(
        `1 validation error detected: Value '${name}' at 'instanceProfileName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]+`,
      );
    }
    if (this.instanceProfiles.has(name.toLowerCase())) {
      throw entityAlreadyExists(`Instance Profile ${name} already exists.`);
    }
    const checked = checkPath(path);
    const profile: InstanceProfile = {
      name,
      path: checked,
      arn: `arn:${this.partition}:iam::${this.accountId}:instance-profile${checked}${name}`,
      instanceProfileId: uniqueId('AIPA'),
      createDate: this.now(),
      roles: [],
    };
    this.instanceProfiles.set(name.toLowerCase(), profile);
    return profile;
  }

  instanceProfile(name: string): InstanceProfile {
    const profile = this.instanceProfiles.get(name.toLowerCase());
    if (!profile) throw noSuchEntity(`Instance Profile ${name} cannot be found.`);
    return profile;
  }

  addRoleToInstanceProfile(profileName: string, roleName: string): void {
    const profile = this.instanceProfile(profileName);
    const role = this.role(roleName);
    if (profile.roles.length > 0) {
      throw new AwsApiError(
        'LimitExceeded',
        'Cannot exceed quota for InstanceSessionsPerInstanceProfile: 1',
        { status: 409 },
      );
    }
    profile.roles.push(role.name);
  }

  removeRoleFromInstanceProfile(profileName: string, roleName: string): void {
    const profile = this.instanceProfile(profileName);
    const index = profile.roles.findIndex((name) => name.toLowerCase() === roleName.toLowerCase());
    if (index < 0) throw noSuchEntity(`The role with name ${roleName} cannot be found.`);
    profile.roles.splice(index, 1);
  }

  deleteInstanceProfile(name: string): void {
    const profile = this.instanceProfile(name);
    if (profile.roles.length > 0) {
      throw new AwsApiError(
        'DeleteConflict',
        'Cannot delete entity, must remove roles from instance profile first.',
        { status: 409 },
      );
    }
    this.instanceProfiles.delete(name.toLowerCase());
  }

  /**
   * `https://oidc.circleci.com/org/<id>` → `arn:aws:iam::<account>:oidc-provider/oidc.circleci.com/org/<id>`.
   * One provider per issuer, as IAM has it.
   */
  createOidcProvider(
    url: string,
    clientIds: readonly string[],
    thumbprints: readonly string[] = [],
  ): OidcProvider {
    if (!/^https:\/\/[^\s/]+(\/\S*)?$/.test(url) || url.length > 255) {
      throw iamValidationError('Invalid Openid Connect Provider URL');
    }
    const arn = `arn:${this.partition}:iam::${this.accountId}:oidc-provider/${issuerHostPath(url)}`;
    if (this.oidcProviders.has(arn)) throw entityAlreadyExists(`Provider with url ${url} already exists.`);
    const provider: OidcProvider = {
      arn,
      url,
      clientIds: [...clientIds],
      thumbprints: [...thumbprints],
      createDate: this.now(),
      tags: [],
    };
    this.oidcProviders.set(arn, provider);
    return provider;
  }

  oidcProvider(arn: string): OidcProvider {
    const provider = this.oidcProviders.get(arn);
    if (!provider) throw noSuchEntity(`OpenIDConnect Provider not found for arn ${arn}`);
    return provider;
  }

  /** The provider whose issuer a token's `iss` names, or undefined. */
  oidcProviderForIssuer(issuer: string): OidcProvider | undefined {
    return this.oidcProviders.get(
      `arn:${this.partition}:iam::${this.accountId}:oidc-provider/${issuerHostPath(issuer)}`,
    );
  }

  deleteOidcProvider(arn: string): void {
    this.oidcProvider(arn);
    this.oidcProviders.delete(arn);
  }

  /** New temporary credentials for a role's session, expiring `durationSeconds` from now. */
  startSession(role: Role, sessionName: string, durationSeconds: number): Session {
    const session: Session = {
      accessKeyId: uniqueId('ASIA', 16),
      secretAccessKey: randomBytes(30).toString('base64'),
      // Recognisably ours, long like AWS's, and unguessable.
      sessionToken: `IQoJb3JpZ2luX2VjE${randomBytes(96).toString('base64')}`,
      expiration: new Date(this.now().getTime() + durationSeconds * 1000),
      roleName: role.name,
      roleArn: role.arn,
      roleId: role.roleId,
      sessionName,
      assumedRoleArn: `arn:${this.partition}:sts::${this.accountId}:assumed-role/${role.name}/${sessionName}`,
    };
    this.sessions.set(session.accessKeyId, session);
    return session;
  }

  /** The session an access key belongs to, or undefined for keys STS never issued. */
  session(accessKeyId: string): Session | undefined {
    return this.sessions.get(accessKeyId);
  }
}

/** An issuer URL without its scheme and trailing slash: how IAM names the provider and its condition keys. */
export function issuerHostPath(url: string): string {
  return url.replace(/^https:\/\//i, '').replace(/\/+$/, '');
}
