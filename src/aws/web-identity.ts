// One web identity session for the whole command. CircleCI's OIDC token (AWS_WEB_IDENTITY_TOKEN_FILE)
// expires an hour after the job starts. The SDK's own provider trades it for a one-hour session and,
// near that session's end, trades the same token again — expired by then: a prod deployment that
// waits up to an hour in Ready and another before blue is terminated fails half-way with
// ExpiredToken, and its rollback with it (issue 17, finding B2). STS checks the token's expiry only
// when it is traded, and gives a session as long as the role's MaxSessionDuration allows (up to 12 h),
// so greenlight trades it once, at the start, for a session as long as the command can take.
import { readFile } from 'node:fs/promises';

/** STS's own bounds on DurationSeconds. */
const MIN_SESSION_SECONDS = 900;
const MAX_SESSION_SECONDS = 12 * 3600;
/** What the SDK asks for, and what any role allows. */
const DEFAULT_SESSION_SECONDS = 3600;

/** How long one AssumeRoleWithWebIdentity may take (wall time: a network deadline). */
const STS_DEADLINE_MS = 60_000;

export interface WebIdentityCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken: string;
  readonly expiration: Date;
  /** How the identity line tells where they came from (credentialSourceOf). */
  readonly $source: Record<string, string>;
}

export interface WebIdentitySessionOptions {
  /** How long the session should last; clamped to what STS allows. */
  readonly sessionSeconds: number;
  /** The STS client's configuration: region and endpoint, as the other clients have them. */
  readonly sts: { region?: string; endpoint?: string };
  /** Told once what was obtained, or why the session is shorter than asked. */
  readonly onSession?: (message: string, level: 'info' | 'warn') => void;
  /** How long the exchange may take (default STS_DEADLINE_MS: a minute). */
  readonly deadlineMs?: number;
}

/** Whether the environment asks for a web identity (and nothing that would come before it). */
export function usesWebIdentity(
  env: Readonly<Record<string, string | undefined>>,
  profile?: string,
): boolean {
  return Boolean(
    env.AWS_WEB_IDENTITY_TOKEN_FILE &&
    env.AWS_ROLE_ARN &&
    !env.AWS_ACCESS_KEY_ID &&
    !profile &&
    !env.AWS_PROFILE,
  );
}

/** The session length greenlight asks for: clamped to STS's bounds, whole seconds. */
export function sessionSecondsFor(wantedMs: number): number {
  return Math.min(
    MAX_SESSION_SECONDS,
    Math.max(MIN_SESSION_SECONDS, DEFAULT_SESSION_SECONDS, Math.ceil(wantedMs / 1000)),
  );
}

/**
 * A credentials provider for the SDK clients: the token traded once for a session of
 * `sessionSeconds`, or of an hour when the role allows no more (said, with what to change). Later
 * calls get the same session until it nears its end, when the token is traded again, as the SDK does.
 */
export function webIdentitySession(
  env: Readonly<Record<string, string | undefined>>,
  options: WebIdentitySessionOptions,
): () => Promise<WebIdentityCredentials> {
  const roleArn = env.AWS_ROLE_ARN as string;
  const tokenFile = env.AWS_WEB_IDENTITY_TOKEN_FILE as string;
  let session: Promise<WebIdentityCredentials> | undefined;
  let told = false;
  const tell = (message: string, level: 'info' | 'warn') => {
    if (told) return;
    told = true;
    options.onSession?.(message, level);
  };

  const deadlineMs = options.deadlineMs ?? STS_DEADLINE_MS;

  async function trade(): Promise<WebIdentityCredentials> {
    const [{ STSClient, AssumeRoleWithWebIdentityCommand }, token] = await Promise.all([
      import('@aws-sdk/client-sts'),
      readFile(tokenFile, 'utf8'),
    ]);
    const sts = new STSClient({
      ...(options.sts.region ? { region: options.sts.region } : {}),
      ...(options.sts.endpoint ? { endpoint: options.sts.endpoint } : {}),
      // One exchange, which STS answers in well under a second: a minute of nothing is a dead network.
      requestHandler: { connectionTimeout: 10_000, requestTimeout: deadlineMs },
    });
    const ask = (DurationSeconds: number) =>
      sts
        .send(
          new AssumeRoleWithWebIdentityCommand({
            RoleArn: roleArn,
            RoleSessionName: env.AWS_ROLE_SESSION_NAME || `greenlight-${Date.now()}`,
            WebIdentityToken: token.trim(),
            DurationSeconds,
          }),
          { abortSignal: AbortSignal.timeout(deadlineMs) },
        )
        .catch((error: unknown) => {
          if (
            (error as { name?: string }).name !== 'AbortError' &&
            (error as { name?: string }).name !== 'TimeoutError'
          )
            throw error;
          throw new Error(
            `STS AssumeRoleWithWebIdentity for ${roleArn} did not answer within ${deadlineMs / 1000} s`,
          );
        });
    const wanted = options.sessionSeconds;
    try {
      let answer;
      try {
        answer = await ask(wanted);
        tell(`web identity: one session of ${hours(wanted)} for this command (role ${roleArn})`, 'info');
      } catch (error) {
        const refusedLength =
          wanted > DEFAULT_SESSION_SECONDS &&
          (error as { name?: string }).name === 'ValidationError' &&
          /MaxSessionDuration/.test((error as Error).message);
        if (!refusedLength) throw error;
        answer = await ask(DEFAULT_SESSION_SECONDS);
        tell(
          `web identity: role ${roleArn} allows sessions of at most 1 h, and this command may take up to ${hours(wanted)}: ` +
            `its calls fail once the session and the token behind it expire. Raise the role's MaxSessionDuration to ${wanted} (sam-template.yaml, DeployRole)`,
          'warn',
        );
      }
      const c = answer.Credentials;
      if (!c?.AccessKeyId || !c.SecretAccessKey || !c.SessionToken || !c.Expiration) {
        throw new Error(`STS AssumeRoleWithWebIdentity for ${roleArn} answered without credentials`);
      }
      return {
        accessKeyId: c.AccessKeyId,
        secretAccessKey: c.SecretAccessKey,
        sessionToken: c.SessionToken,
        expiration: c.Expiration,
        $source: { CREDENTIALS_STS_ASSUME_ROLE_WEB_ID: 'k' },
      };
    } finally {
      sts.destroy();
    }
  }

  let current: WebIdentityCredentials | undefined;
  return async () => {
    // As the SDK does: a session within five minutes of its end is traded again (the SDK asks again
    // only then, judged on the wall clock).
    if (current && current.expiration.getTime() - 5 * 60_000 <= Date.now()) {
      current = undefined;
      session = undefined;
    }
    session ??= trade().catch((error: unknown) => {
      session = undefined;
      throw error;
    });
    current = await session;
    return current;
  };
}

/**
 * How long the session for one environment's commands should last: its longest deployment, as
 * greenlight waits for it (wait.ts deriveTimeoutMs: provisioning and installing, the Ready wait,
 * rerouting, the termination wait; or timeouts.wait), or its bake, and a quarter hour to spare.
 */
export function sessionLengthMs(environment: {
  readonly blueGreen?: {
    readonly ready: { readonly action: string; readonly waitMinutes?: number };
    readonly terminateBlue: { readonly action: string; readonly waitMinutes?: number };
  };
  readonly timeouts: { readonly waitMs?: number };
  readonly bakeMs: number;
}): number {
  const minute = 60_000;
  // An in-place environment has neither a Ready wait nor a termination wait.
  const ready = environment.blueGreen?.ready;
  const terminateBlue = environment.blueGreen?.terminateBlue;
  const deployment =
    environment.timeouts.waitMs ??
    15 * minute +
      60 * minute +
      (ready?.action === 'STOP_DEPLOYMENT' ? (ready.waitMinutes ?? 0) * minute : 0) +
      30 * minute +
      (terminateBlue?.action === 'TERMINATE' ? (terminateBlue.waitMinutes ?? 0) * minute : 0);
  return Math.max(deployment, environment.bakeMs + 30 * minute) + 15 * minute;
}

function hours(seconds: number): string {
  const h = seconds / 3600;
  return Number.isInteger(h) ? `${h} h` : `${Math.round(seconds / 60)} min`;
}
