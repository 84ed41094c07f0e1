// STS: only GetCallerIdentity, so that a client can learn which account and principal it talks to
// (greenlight prints it on its identity line). awsQuery, like AWS: `Action=GetCallerIdentity&
// Version=2011-06-15`, the answer in `<GetCallerIdentityResult>`.
//
// The local cloud has no IAM. [I] What a caller "is" is undocumented here, so it is chosen and written
// down: every access key belongs to the cloud's one account (123456789012 unless the cloud was given
// another), as an IAM user named `localcloud`; the UserId is an IAM unique id (`AIDA` and 17 characters
// of AWS's alphabet) derived from the access key, so two keys are two callers and one key is always
// the same one. A request without a SigV4 credential is refused as AWS refuses it.
import { createHash } from 'node:crypto';
import { AwsApiError, type RequestContext, type ServiceDefinition } from '../service.js';

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

export function stsService(): ServiceDefinition {
  return {
    signingName: 'sts',
    operations: {
      GetCallerIdentity(_input: unknown, ctx: RequestContext) {
        if (!ctx.accessKeyId) {
          throw new AwsApiError('MissingAuthenticationToken', 'Request is missing Authentication Token', {
            status: 403,
          });
        }
        return {
          UserId: userIdFor(ctx.accessKeyId),
          Account: ctx.accountId,
          Arn: `arn:aws:iam::${ctx.accountId}:user/${LOCALCLOUD_USER}`,
        };
      },
    },
  };
}
