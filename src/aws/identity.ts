// Which AWS a command talks to: the account and principal (STS GetCallerIdentity), the region, the
// endpoint (marked when it is not AWS's own) and where the credentials came from. Everything here is
// pure: clients.ts gathers the facts, this module names them.

export interface AwsIdentity {
  /** From GetCallerIdentity; undefined when it could not be asked (see `problem`). */
  readonly account?: string;
  readonly arn?: string;
  readonly userId?: string;
  /** Why the account is unknown: GetCallerIdentity's error, or the configuration that is missing. */
  readonly problem?: string;
  /** The region the clients use; undefined when none is set (the SDK then refuses every call). */
  readonly region?: string;
  /** A configured endpoint, or undefined for AWS's own (`<service>.<region>.amazonaws.com`). */
  readonly endpoint?: string;
  /** Services whose endpoint differs from the general one (AWS_ENDPOINT_URL_<SERVICE>). */
  readonly serviceEndpoints?: Readonly<Record<string, string>>;
  /** False when any endpoint in use is not AWS's (the local cloud, MinIO, a proxy …). */
  readonly endpointIsAws: boolean;
  /** What the credential chain resolved: `env`, `profile NAME`, `web identity`, `SSO`, … */
  readonly credentials: string;
}

/** True for AWS's own hosts: `*.amazonaws.com`, `*.amazonaws.com.cn`, `*.api.aws` (FIPS, VPC endpoints included). */
export function isAwsEndpoint(url: string): boolean {
  let host: string;
  try {
    host = new URL(url).hostname.toLowerCase();
  } catch {
    return false;
  }
  return /(^|\.)amazonaws\.com(\.cn)?$/.test(host) || /(^|\.)api\.aws$/.test(host);
}

function endpointText(url: string): string {
  return isAwsEndpoint(url) ? url : `${url} (not AWS)`;
}

/** The one line a person reads before anything else a command says. */
export function identityLine(identity: AwsIdentity): string {
  const who = identity.account
    ? `account ${identity.account}${identity.arn ? ` (${identity.arn})` : ''}`
    : `account unknown${identity.problem ? ` (${identity.problem})` : ''}`;
  const region = `region ${identity.region ?? 'none'}`;
  let endpoint = identity.endpoint
    ? `endpoint ${endpointText(identity.endpoint)}`
    : `endpoint AWS (*.${identity.region ?? '<region>'}.amazonaws.com)`;
  for (const [service, url] of Object.entries(identity.serviceEndpoints ?? {}))
    endpoint += `, ${service} ${endpointText(url)}`;
  return `AWS: ${who} · ${region} · ${endpoint} · credentials ${identity.credentials}`;
}

/**
 * What the SDK's default chain resolved, told from the features it records on the credentials
 * (`$source`, the same codes it sends in its user agent). A provider that records none (instance
 * and container metadata) is told from its inputs, in the chain's order.
 */
export function credentialSourceOf(
  source: Readonly<Record<string, unknown>> | undefined,
  inputs: { profile?: string; env: Readonly<Record<string, string | undefined>> },
): string {
  const has = (...features: string[]) => features.some((f) => source?.[f] !== undefined);
  const profile = `profile ${inputs.profile ?? inputs.env.AWS_PROFILE ?? 'default'}`;
  if (
    has(
      'CREDENTIALS_SSO',
      'CREDENTIALS_SSO_LEGACY',
      'CREDENTIALS_PROFILE_SSO',
      'CREDENTIALS_PROFILE_SSO_LEGACY',
    )
  )
    return `SSO (${profile})`;
  if (has('CREDENTIALS_PROFILE_STS_WEB_ID_TOKEN')) return `web identity (${profile})`;
  if (has('CREDENTIALS_ENV_VARS_STS_WEB_ID_TOKEN', 'CREDENTIALS_STS_ASSUME_ROLE_WEB_ID')) {
    const role = inputs.env.AWS_ROLE_ARN;
    return `web identity (AWS_WEB_IDENTITY_TOKEN_FILE${role ? `, role ${role}` : ''})`;
  }
  if (has('CREDENTIALS_PROFILE_PROCESS', 'CREDENTIALS_PROCESS')) return `${profile} (credential_process)`;
  if (has('CREDENTIALS_PROFILE_LOGIN', 'CREDENTIALS_LOGIN')) return `${profile} (aws login)`;
  if (has('CREDENTIALS_PROFILE_SOURCE_PROFILE', 'CREDENTIALS_STS_ASSUME_ROLE'))
    return `${profile} (assumed role)`;
  if (has('CREDENTIALS_PROFILE', 'CREDENTIALS_PROFILE_NAMED_PROVIDER')) return profile;
  if (has('CREDENTIALS_ENV_VARS')) return 'env (AWS_ACCESS_KEY_ID)';
  if (has('CREDENTIALS_HTTP')) return 'container role';
  if (has('CREDENTIALS_IMDS')) return 'instance role';
  if (inputs.env.AWS_CONTAINER_CREDENTIALS_RELATIVE_URI || inputs.env.AWS_CONTAINER_CREDENTIALS_FULL_URI)
    return 'container role';
  return 'instance role (instance metadata)';
}

/** The account of an IAM role ARN (`arn:<partition>:iam::<account>:role/…`), if it is one. */
export function accountOfRole(roleArn: string): string | undefined {
  return /^arn:aws[a-z-]*:iam::(\d{12}):role\//.exec(roleArn)?.[1];
}
