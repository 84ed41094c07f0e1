import type { Command } from 'commander';
import type { Runner } from '../program.js';
import { UsageError } from '../errors.js';

// `greenlight assume-role --env E >> "$BASH_ENV"`: a CI job trades its OIDC token once, at its start,
// for a session as long as the environment's longest deployment or bake, and every later step — each
// greenlight process, the SAM CLI — uses that session. Traded per process instead, a step that starts
// after the token's hour (prod's verify, its rollback) is refused: the token itself has expired
// (issue 17, finding B2). What it prints is shell: `export` lines for the session's keys.

export function registerAssumeRole(program: Command, run: Runner): void {
  program
    .command('assume-role')
    .description(
      'trade the web identity token (AWS_WEB_IDENTITY_TOKEN_FILE, AWS_ROLE_ARN) once for a session as long as the environment\'s longest deployment or bake, and print it as export lines for the job\'s later steps (>> "$BASH_ENV")',
    )
    .action(
      run(async (ctx) => {
        const environment = ctx.environment();
        const { sessionLengthMs, sessionSecondsFor, usesWebIdentity, webIdentitySession } =
          await import('../../aws/web-identity.js');
        const { clientConfig } = await import('../../aws/clients.js');
        if (!usesWebIdentity(ctx.env)) {
          throw new UsageError(
            'assume-role needs AWS_WEB_IDENTITY_TOKEN_FILE and AWS_ROLE_ARN (and no AWS_ACCESS_KEY_ID or AWS_PROFILE before them)',
          );
        }
        const sts = clientConfig('sts', environment.region ? { region: environment.region } : {}, ctx.env);
        const session = webIdentitySession(ctx.env, {
          sessionSeconds: sessionSecondsFor(sessionLengthMs(environment)),
          sts: {
            ...(sts.region ? { region: sts.region } : {}),
            ...(sts.endpoint ? { endpoint: sts.endpoint } : {}),
          },
          onSession: (text, level) => ctx.output.emit({ kind: 'message', level, text }),
        });
        const credentials = await session();
        ctx.print(
          [
            `export AWS_ACCESS_KEY_ID=${shellQuote(credentials.accessKeyId)}`,
            `export AWS_SECRET_ACCESS_KEY=${shellQuote(credentials.secretAccessKey)}`,
            `export AWS_SESSION_TOKEN=${shellQuote(credentials.sessionToken)}`,
            `export AWS_CREDENTIAL_EXPIRATION=${shellQuote(credentials.expiration.toISOString())}`,
            '',
          ].join('\n'),
        );
        ctx.output.emit({
          kind: 'message',
          level: 'info',
          text: `session of ${ctx.env.AWS_ROLE_ARN ?? '?'} until ${credentials.expiration.toISOString()} (AWS time)`,
        });
        return 0;
      }),
    );
}

function shellQuote(value: string): string {
  return `'${value.replaceAll("'", `'\\''`)}'`;
}
