// STS over awsQuery (`Version=2011-06-15`): GetCallerIdentity, AssumeRole and
// AssumeRoleWithWebIdentity. The temporary credentials it hands out are sessions in the cloud's
// IamModel: requests signed with them are evaluated against the role's policies (iam/authorize.ts)
// until their Expiration on the cloud's clock.
//
// [I] Long-term keys are not IAM users here: every access key STS did not issue belongs to the
// cloud's one account (123456789012 unless the cloud was given another), as an IAM user named
// `localcloud`, and may do everything; its UserId is an IAM unique id (`AIDA` and 17 characters of
// AWS's alphabet) derived from the key, so two keys are two callers and one key is always the same
// one. A request without a SigV4 credential is refused as AWS refuses it (but
// AssumeRoleWithWebIdentity, which AWS takes unsigned).
import { createHash } from 'node:crypto';
import type { Cloud } from '../cloud.js';
import type { Role, Session } from '../iam/model.js';
import { sessionDecision } from '../iam/authorize.js';
import { issuerHostPath } from '../iam/model.js';
import { validatingInputs } from '../iam/validation.js';
import { AwsApiError, type RequestContext, type ServiceDefinition } from '../service.js';
import { circleCiIssuer } from './circleci-issuer.js';
import { decodeJwt, verifyJwtSignature } from './jwt.js';
import { evaluateTrust, type TrustPrincipal } from './trust.js';

/** The IAM user every access key is taken to belong to. */
export const LOCALCLOUD_USER = 'localcloud';

// IAM unique ids use upper-case letters and digits 2–7 after their four-letter prefix.
const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/** `AIDA…` (21 characters), the same for the same access key. */
export function userIdFor(accessKeyId: string): string {
  const digest = createHash('sha256').update(accessKeyId).digest();
  let id = 'AIDA';
  for (let i = 0; i < 17; i++) id += ALPHABET[(digest[i] as number) % ALPHABET.length];
  return id;
}

export const DEFAULT_SESSION_SECONDS = 3600;

const invalidIdentityToken = (message: string) => new AwsApiError('InvalidIdentityToken', message);
const accessDenied = (message: string) => new AwsApiError('AccessDenied', message, { status: 403 });

/** DurationSeconds as STS checks it against the role (and against role chaining's one hour). */
function sessionSeconds(role: Role, requested: number | undefined, chained: boolean): number {
  const seconds = requested ?? DEFAULT_SESSION_SECONDS;
  if (seconds < 900) {
    throw new AwsApiError(
      'ValidationError',
      `1 validation error detected: Value '${seconds}' at 'durationSeconds' failed to satisfy constraint: Member must have value greater than or equal to 900`,
    );
  }
  if (chained && seconds > 3600) {
    throw new AwsApiError(
      'ValidationError',
      'The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.',
    );
  }
  if (seconds > role.maxSessionDuration) {
    throw new AwsApiError(
      'ValidationError',
      'The requested DurationSeconds exceeds the MaxSessionDuration set for this role.',
    );
  }
  return seconds;
}

function credentialsView(session: Session) {
  return {
    Credentials: {
      AccessKeyId: session.accessKeyId,
      SecretAccessKey: session.secretAccessKey,
      SessionToken: session.sessionToken,
      Expiration: session.expiration,
    },
    AssumedRoleUser: {
      AssumedRoleId: `${session.roleId}:${session.sessionName}`,
      Arn: session.assumedRoleArn,
    },
  };
}

export function stsService(cloud?: Cloud): ServiceDefinition {
  const requireCloud = (): Cloud => {
    if (!cloud) throw new AwsApiError('InternalFailure', 'STS needs the cloud', { status: 500 });
    return cloud;
  };
  return validatingInputs('sts', {
    signingName: 'sts',
    operations: {
      GetCallerIdentity(_input: unknown, ctx: RequestContext) {
        if (!ctx.accessKeyId) {
          throw new AwsApiError('MissingAuthenticationToken', 'Request is missing Authentication Token', {
            status: 403,
          });
        }
        const session = cloud?.iam.session(ctx.accessKeyId);
        if (session) {
          return {
            UserId: `${session.roleId}:${session.sessionName}`,
            Account: ctx.accountId,
            Arn: session.assumedRoleArn,
          };
        }
        return {
          UserId: userIdFor(ctx.accessKeyId),
          Account: ctx.accountId,
          Arn: `arn:aws:iam::${ctx.accountId}:user/${LOCALCLOUD_USER}`,
        };
      },

      async AssumeRole(
        input: { RoleArn: string; RoleSessionName: string; DurationSeconds?: number },
        ctx: RequestContext,
      ) {
        const c = requireCloud();
        const { iam } = c;
        if (!ctx.accessKeyId) {
          throw new AwsApiError('MissingAuthenticationToken', 'Request is missing Authentication Token', {
            status: 403,
          });
        }
        const caller = iam.session(ctx.accessKeyId);
        const callerArn = caller?.assumedRoleArn ?? `arn:aws:iam::${ctx.accountId}:user/${LOCALCLOUD_USER}`;
        const denied = accessDenied(
          `User: ${callerArn} is not authorized to perform: sts:AssumeRole on resource: ${input.RoleArn}`,
        );
        const role = iam.roleByArn(input.RoleArn);
        if (!role) throw denied;
        const principal: TrustPrincipal = {
          type: 'AWS',
          accountId: ctx.accountId,
          arns: caller ? [caller.roleArn, caller.assumedRoleArn] : [callerArn],
        };
        const context = {
          'aws:PrincipalAccount': ctx.accountId,
          'aws:PrincipalArn': caller?.roleArn ?? callerArn,
        };
        if (
          evaluateTrust(role.assumeRolePolicy, { action: 'sts:AssumeRole', principal, context }) !== 'allow'
        ) {
          throw denied;
        }
        // A session of the same account needs sts:AssumeRole in its own role's policies too, unless
        // the trust policy names its role (or session) itself rather than the account.
        if (caller) {
          const namesCaller =
            evaluateTrust(role.assumeRolePolicy, {
              action: 'sts:AssumeRole',
              principal: { ...principal, accountId: '(not the account)' },
              context,
            }) === 'allow';
          if (
            !namesCaller &&
            (await sessionDecision(c, caller, ctx, 'sts:AssumeRole', role.arn)) !== 'Allowed'
          ) {
            throw denied;
          }
        }
        const seconds = sessionSeconds(role, input.DurationSeconds, caller !== undefined);
        return credentialsView(iam.startSession(role, input.RoleSessionName, seconds));
      },

      AssumeRoleWithWebIdentity(input: {
        RoleArn: string;
        RoleSessionName: string;
        WebIdentityToken: string;
        DurationSeconds?: number;
      }) {
        const c = requireCloud();
        const jwt = decodeJwt(input.WebIdentityToken);
        if (!jwt) {
          throw invalidIdentityToken(
            'The web identity token that was passed could not be validated by AWS. Get a new identity token from the identity provider and then retry the request.',
          );
        }
        const issuer = typeof jwt.claims.iss === 'string' ? jwt.claims.iss : '';
        const provider = c.iam.oidcProviderForIssuer(issuer);
        if (!provider)
          throw invalidIdentityToken(`No OpenIDConnect provider found in your account for ${issuer}`);
        // On AWS, STS fetches the issuer's JWKS; offline, the only issuer there is is the local
        // CircleCI one (any other issuer's keys cannot be retrieved).
        const keys = circleCiIssuer(c);
        if (!keys.serves(issuer)) {
          throw invalidIdentityToken(
            "Couldn't retrieve verification key from your identity provider,  please reference AssumeRoleWithWebIdentity documentation for requirements",
          );
        }
        if (!verifyJwtSignature(jwt, keys.jwks().keys)) {
          throw invalidIdentityToken(
            'The web identity token that was passed could not be validated by AWS. Get a new identity token from the identity provider and then retry the request.',
          );
        }
        const nowSeconds = Math.floor(c.scheduler.now().getTime() / 1000);
        const exp = typeof jwt.claims.exp === 'number' ? jwt.claims.exp : 0;
        if (exp <= nowSeconds) {
          throw new AwsApiError(
            'ExpiredTokenException',
            `Token expired: current date/time ${nowSeconds} must be before the expiration date/time${exp}`,
          );
        }
        const audiences = (Array.isArray(jwt.claims.aud) ? jwt.claims.aud : [jwt.claims.aud]).filter(
          (a): a is string => typeof a === 'string',
        );
        const audience = audiences.find((a) => provider.clientIds.includes(a));
        if (audience === undefined) throw invalidIdentityToken('Incorrect token audience');
        const subject = typeof jwt.claims.sub === 'string' ? jwt.claims.sub : '';
        const denied = accessDenied('Not authorized to perform sts:AssumeRoleWithWebIdentity');
        const role = c.iam.roleByArn(input.RoleArn);
        if (!role) throw denied;
        const hostPath = issuerHostPath(provider.url);
        const context = {
          [`${hostPath}:aud`]: audience,
          [`${hostPath}:sub`]: subject,
          'aws:FederatedProvider': provider.arn,
        };
        const trust = evaluateTrust(role.assumeRolePolicy, {
          action: 'sts:AssumeRoleWithWebIdentity',
          principal: { type: 'Federated', arn: provider.arn },
          context,
        });
        if (trust !== 'allow') throw denied;
        const seconds = sessionSeconds(role, input.DurationSeconds, false);
        const session = c.iam.startSession(role, input.RoleSessionName, seconds);
        return {
          ...credentialsView(session),
          SubjectFromWebIdentityToken: subject,
          // What AWS answers for OIDC tokens: the provider in the account, not the raw `iss`.
          Provider: provider.arn,
          Audience: audience,
        };
      },
    },
  });
}
