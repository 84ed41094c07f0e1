import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { createAwsClients } from '../aws/clients.js';

// The AWS account greenlight.yml's ARNs and bucket names are in, when init is not told (--account):
// the account of the credentials at hand, from STS GetCallerIdentity. STS is asked only when some
// credentials are configured: on a laptop without any, the SDK's chain would end at the instance
// metadata service and wait for it, only to find nothing.

export interface AccountAtHand {
  readonly account?: string;
  /** Where the account came from, or why there is none. */
  readonly why: string;
}

const CREDENTIAL_VARIABLES = [
  'AWS_ACCESS_KEY_ID',
  'AWS_PROFILE',
  'AWS_WEB_IDENTITY_TOKEN_FILE',
  'AWS_CONTAINER_CREDENTIALS_RELATIVE_URI',
  'AWS_CONTAINER_CREDENTIALS_FULL_URI',
] as const;

/** Whether the environment or the shared files name any credentials. */
export function credentialsConfigured(
  env: Readonly<Record<string, string | undefined>>,
  profile: string | undefined,
): boolean {
  if (profile || CREDENTIAL_VARIABLES.some((name) => env[name])) return true;
  const home = env.HOME ?? '';
  const files = [
    env.AWS_SHARED_CREDENTIALS_FILE ?? join(home, '.aws/credentials'),
    env.AWS_CONFIG_FILE ?? join(home, '.aws/config'),
  ];
  return files.some((file) => existsSync(file));
}

export async function accountAtHand(
  env: Readonly<Record<string, string | undefined>>,
  options: { readonly region: string; readonly profile?: string },
): Promise<AccountAtHand> {
  if (!credentialsConfigured(env, options.profile))
    return { why: 'no AWS credentials in the environment or ~/.aws to ask STS with (--account ID says it)' };
  const clients = createAwsClients(
    {
      region: options.region,
      identityDeadlineMs: 5_000,
      ...(options.profile ? { profile: options.profile } : {}),
    },
    env,
  );
  try {
    const identity = await clients.identity();
    return identity.account
      ? {
          account: identity.account,
          why: `STS GetCallerIdentity (${identity.arn ?? 'the credentials at hand'})`,
        }
      : { why: `${identity.problem ?? 'STS did not say'} (--account ID says it)` };
  } finally {
    clients.destroy();
  }
}
