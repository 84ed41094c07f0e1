// RS256 JSON Web Tokens: minting (the local CircleCI issuer) and verifying (STS's
// AssumeRoleWithWebIdentity), with node:crypto and nothing else. Only what OIDC ID tokens use:
// a compact JWS, header {alg: RS256, kid, typ: JWT}, a JSON claims set.
import { createPublicKey, createSign, createVerify, type KeyObject } from 'node:crypto';

export type Claims = Record<string, unknown>;

export interface Jwk {
  readonly kty: string;
  readonly kid: string;
  readonly n?: string;
  readonly e?: string;
  readonly alg?: string;
  readonly use?: string;
}

const base64url = (data: Buffer | string) => Buffer.from(data).toString('base64url');

export function signJwt(claims: Claims, privateKey: KeyObject, kid: string): string {
  const header = base64url(JSON.stringify({ alg: 'RS256', kid, typ: 'JWT' }));
  const payload = base64url(JSON.stringify(claims));
  const signer = createSign('RSA-SHA256');
  signer.update(`${header}.${payload}`);
  return `${header}.${payload}.${base64url(signer.sign(privateKey))}`;
}

/** The public half of a key as a JWK (what an issuer's jwks_uri lists). */
export function publicJwk(publicKey: KeyObject, kid: string): Jwk {
  const jwk = publicKey.export({ format: 'jwk' });
  return { kty: 'RSA', kid, alg: 'RS256', use: 'sig', n: String(jwk.n), e: String(jwk.e) };
}

export interface DecodedJwt {
  readonly header: { alg?: unknown; kid?: unknown };
  readonly claims: Claims;
  readonly signedPart: string;
  readonly signature: Buffer;
}

/** Splits and parses a compact JWS; undefined when it is not one. */
export function decodeJwt(token: string): DecodedJwt | undefined {
  const parts = token.split('.');
  if (parts.length !== 3 || parts.some((part) => !/^[A-Za-z0-9_-]*$/.test(part))) return undefined;
  const [header = '', payload = '', signature = ''] = parts;
  try {
    const parsedHeader = JSON.parse(Buffer.from(header, 'base64url').toString('utf8')) as unknown;
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as unknown;
    if (typeof parsedHeader !== 'object' || parsedHeader === null || Array.isArray(parsedHeader))
      return undefined;
    if (typeof claims !== 'object' || claims === null || Array.isArray(claims)) return undefined;
    return {
      header: parsedHeader,
      claims: claims as Claims,
      signedPart: `${header}.${payload}`,
      signature: Buffer.from(signature, 'base64url'),
    };
  } catch {
    return undefined;
  }
}

/** Whether the token's RS256 signature is one of `keys`' (by kid, or any key when it names none). */
export function verifyJwtSignature(jwt: DecodedJwt, keys: readonly Jwk[]): boolean {
  if (jwt.header.alg !== 'RS256') return false;
  const candidates = keys.filter(
    (key) => key.kty === 'RSA' && (jwt.header.kid === undefined || key.kid === jwt.header.kid),
  );
  return candidates.some((key) => {
    try {
      const publicKey = createPublicKey({
        key: { kty: 'RSA', n: key.n ?? '', e: key.e ?? '' },
        format: 'jwk',
      });
      const verifier = createVerify('RSA-SHA256');
      verifier.update(jwt.signedPart);
      return verifier.verify(publicKey, jwt.signature);
    } catch {
      return false;
    }
  });
}
