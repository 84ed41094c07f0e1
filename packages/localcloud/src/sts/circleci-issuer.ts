// A CircleCI OIDC issuer, for a cloud that is offline: the control API mints tokens shaped as
// CircleCI's (https://circleci.com/docs/openid-connect-tokens/) and STS verifies them against this
// issuer's keys. The tokens' `iss` is CircleCI's own URL (`https://oidc.circleci.com/org/<org id>`),
// so a stack's AWS::IAM::OIDCProvider written for the real CircleCI matches them; STS, which on AWS
// would fetch the issuer's JWKS, asks this issuer instead (the only one the local cloud knows).
//
// Claims: iss, sub (`org/<org>/project/<project>/user/<user>`; with a VCS origin and ref, the v2
// subject `…/vcs-origin/<origin>/vcs-ref/<ref>`), aud (the organization id), iat, exp (one hour
// after issue, on the cloud's clock), oidc.circleci.com/project-id, oidc.circleci.com/context-ids,
// and oidc.circleci.com/vcs-origin and vcs-ref when given.
import { generateKeyPairSync, randomUUID, type KeyObject } from 'node:crypto';
import { publicJwk, signJwt, type Claims, type Jwk } from './jwt.js';

export const CIRCLECI_ISSUER_PREFIX = 'https://oidc.circleci.com/org/';

/** What a test asks the issuer for: the job's organization, project, user and contexts. */
export interface CircleCiTokenRequest {
  readonly orgId: string;
  readonly projectId: string;
  /** Default: a fixed user id. */
  readonly userId?: string;
  readonly contextIds?: readonly string[];
  /** e.g. `github.com/owner/repo`; with vcsRef, the token is CircleCI's v2 token. */
  readonly vcsOrigin?: string;
  /** e.g. `refs/heads/main`. */
  readonly vcsRef?: string;
  /** Seconds the token lives; CircleCI's is 3600. */
  readonly ttlSeconds?: number;
}

export interface MintedToken {
  readonly token: string;
  readonly claims: Claims;
}

const DEFAULT_USER = '00000000-0000-4000-8000-000000000001';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export class CircleCiIssuer {
  private keys?: { privateKey: KeyObject; jwk: Jwk };

  constructor(private readonly now: () => Date) {}

  /** The issuer's signing key, made on first use (an RSA key takes a moment to generate). */
  private key(): { privateKey: KeyObject; jwk: Jwk } {
    if (!this.keys) {
      const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
      const kid = randomUUID();
      this.keys = { privateKey, jwk: publicJwk(publicKey, kid) };
    }
    return this.keys;
  }

  /** Whether `iss` is an issuer this one answers for. */
  serves(issuer: string): boolean {
    return (
      issuer.startsWith(CIRCLECI_ISSUER_PREFIX) && UUID.test(issuer.slice(CIRCLECI_ISSUER_PREFIX.length))
    );
  }

  jwks(): { keys: Jwk[] } {
    return { keys: [this.key().jwk] };
  }

  mint(request: CircleCiTokenRequest): MintedToken {
    for (const [name, value] of [
      ['orgId', request.orgId],
      ['projectId', request.projectId],
    ] as const) {
      if (typeof value !== 'string' || !UUID.test(value)) {
        throw new TypeError(
          `${name} must be a CircleCI id (a lower-case UUID), not ${JSON.stringify(value)}`,
        );
      }
    }
    for (const [name, value] of [
      ['userId', request.userId],
      ['vcsOrigin', request.vcsOrigin],
      ['vcsRef', request.vcsRef],
    ] as const) {
      if (value !== undefined && (typeof value !== 'string' || value === '')) {
        throw new TypeError(`${name} must be a non-empty string`);
      }
    }
    const contextIds: unknown = request.contextIds ?? [];
    if (!Array.isArray(contextIds) || !contextIds.every((id) => typeof id === 'string')) {
      throw new TypeError('contextIds must be a list of strings');
    }
    const ttl = request.ttlSeconds ?? 3600;
    if (!Number.isInteger(ttl) || ttl < 1) throw new TypeError('ttlSeconds must be a positive integer');
    if ((request.vcsOrigin === undefined) !== (request.vcsRef === undefined)) {
      throw new TypeError('vcsOrigin and vcsRef go together (the v2 token has both)');
    }
    const iat = Math.floor(this.now().getTime() / 1000);
    const user = request.userId ?? DEFAULT_USER;
    let sub = `org/${request.orgId}/project/${request.projectId}/user/${user}`;
    if (request.vcsOrigin !== undefined && request.vcsRef !== undefined) {
      sub += `/vcs-origin/${request.vcsOrigin}/vcs-ref/${request.vcsRef}`;
    }
    const claims: Claims = {
      iss: `${CIRCLECI_ISSUER_PREFIX}${request.orgId}`,
      sub,
      aud: request.orgId,
      iat,
      exp: iat + ttl,
      'oidc.circleci.com/project-id': request.projectId,
      'oidc.circleci.com/context-ids': [...contextIds],
      ...(request.vcsOrigin !== undefined ? { 'oidc.circleci.com/vcs-origin': request.vcsOrigin } : {}),
      ...(request.vcsRef !== undefined ? { 'oidc.circleci.com/vcs-ref': request.vcsRef } : {}),
    };
    const { privateKey, jwk } = this.key();
    return { token: signJwt(claims, privateKey, jwk.kid), claims };
  }
}

const issuers = new WeakMap<object, CircleCiIssuer>();

/** The one issuer of a cloud (its key lives as long as the cloud; a reset keeps it). */
export function circleCiIssuer(cloud: { scheduler: { now(): Date } }): CircleCiIssuer {
  let issuer = issuers.get(cloud);
  if (!issuer) {
    issuer = new CircleCiIssuer(() => cloud.scheduler.now());
    issuers.set(cloud, issuer);
  }
  return issuer;
}
