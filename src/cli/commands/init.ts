import { InvalidArgumentError, type Command } from 'commander';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { UsageError } from '../../exit-codes.js';
import { greenlightVersion } from '../../version.js';
import type { CommandContext } from '../context.js';
import { packageRoot } from '../package-root.js';
import type { Runner } from '../program.js';
import { collect, parsePortOption } from './arguments.js';

interface InitOptions {
  fromGroup?: { application: string; deploymentGroup: string };
  application?: string;
  account?: string;
  style?: string;
  asg?: string;
  tags?: string;
  targetGroup?: string[];
  runtime?: string;
  entry?: string;
  with?: string[];
  yes?: boolean;
  revision?: string;
  healthPath?: string;
  healthPort?: number;
  force?: boolean;
  dryRun?: boolean;
}

/** The options only `init` without --from-group reads, by their flags. */
const SCAFFOLD_ONLY: [keyof InitOptions, string][] = [
  ['application', '--application'],
  ['account', '--account'],
  ['style', '--style'],
  ['asg', '--asg'],
  ['tags', '--tags'],
  ['targetGroup', '--target-group'],
  ['runtime', '--runtime'],
  ['entry', '--entry'],
  ['with', '--with'],
  ['yes', '--yes'],
];

function parseGroupOption(value: string): { application: string; deploymentGroup: string } {
  const match = /^([\w.+-]{1,100})\/([\w.+-]{1,100})$/.exec(value);
  if (!match) throw new InvalidArgumentError('expected APPLICATION/GROUP, e.g. web/web-dev');
  return { application: match[1] as string, deploymentGroup: match[2] as string };
}

export function registerInit(program: Command, run: Runner): void {
  // --env may be given more than once here (`--env dev --env prod`): the global option keeps the
  // last, so every occurrence is collected as commander parses it.
  let environments: string[] = [];
  const command = program
    .command('init')
    .description(
      'write greenlight.yml for the app in this repository, and appspec.yml, hooks/ and the CI pipeline (asks at a terminal; --yes takes the defaults; --env, repeated or a list, names the environments in delivery order); with --from-group, the environment that describes a live deployment group, written only when `group plan` from it says "up to date"',
    )
    .option(
      '--from-group <application/group>',
      'read a live deployment group (its ASG, target groups, alarms, deployment config, rollback, tags) into the environment --env NAME',
      parseGroupOption,
    )
    .option(
      '--application <name>',
      'the CodeDeploy application (default: package.json name, else the directory name)',
    )
    .option(
      '--account <id>',
      "the environments' AWS account (default: STS GetCallerIdentity of the credentials at hand)",
    )
    .option(
      '--style <blue-green|in-place>',
      'blue-green (default): each deployment onto a copy of the fleet; in-place: onto the instances that serve, one at a time',
    )
    .option(
      '--asg <name>',
      'Auto Scaling group; {app} and {env} are filled in (default {app}-{env}-asg; in place with --tags, none)',
    )
    .option(
      '--tags <Key=Value,...>',
      'in place: EC2 tags (at most 3) every instance to deploy to carries, besides the ASG; values may say {app} and {env}',
    )
    .option(
      '--target-group <name>',
      'target group, repeatable; {app} and {env} are filled in (default {app}-{env}-tg; in place, none deploys without traffic control)',
      collect,
    )
    .option(
      '--runtime <node|python|static>',
      'the app (default: from package.json, requirements.txt or pyproject.toml, index.html)',
    )
    .option('--entry <file>', 'the file the unit runs (default: package.json scripts.start or main; app.py)')
    .option(
      '--with <list>',
      'what to write besides greenlight.yml: appspec,hooks,circleci,sam,example (default: appspec,hooks,circleci, and example when the entry is missing)',
      collect,
    )
    .option('-y, --yes', 'ask nothing: every answer no flag gives is the default')
    .option(
      '--revision <github:owner/repo|s3://bucket/prefix>',
      "where revisions come from (default: the git remote origin on GitHub; with --from-group, the group's last deployment)",
    )
    .option('--health-path <path>', 'the path each instance answers on (default /healthcheck)')
    .option(
      '--health-port <port>',
      'the port the app listens on (default 8000; with --from-group, 80)',
      parsePortOption,
    )
    .option(
      '--force',
      'replace files that exist (greenlight.yml keeps its other environments); with --from-group, write even when group apply would change the group',
    )
    .option('--dry-run', 'say what would be written, write nothing');
  // Commander parses the program's own options wherever they stand, so an --env may reach either.
  for (const parser of [program, command])
    parser.on('option:env', (value: string) => environments.push(value));
  command.action(
    run(async (ctx, options: InitOptions) => {
      const given = environments;
      environments = [];
      if (options.fromGroup) return initFromGroup(ctx, { ...options, fromGroup: options.fromGroup });
      return initScaffold(ctx, options, given.length > 0 ? given : ctx.options.env ? [ctx.options.env] : []);
    }),
  );
}

async function initFromGroup(
  ctx: CommandContext,
  options: InitOptions & { fromGroup: NonNullable<InitOptions['fromGroup']> },
): Promise<number> {
  const stray = SCAFFOLD_ONLY.filter(([key]) => options[key] !== undefined).map(([, flag]) => flag);
  if (stray.length > 0)
    throw new UsageError(
      `${stray.join(', ')}: for greenlight init without --from-group (the group says these)`,
    );
  const env = ctx.options.env;
  if (!env)
    throw new UsageError('init --from-group needs --env NAME: the environment to write into greenlight.yml');
  if (!/^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/.test(env))
    throw new UsageError(`--env ${JSON.stringify(env)}: an environment name is letters, digits, _ and -`);
  if (options.healthPath !== undefined && !options.healthPath.startsWith('/'))
    throw new UsageError(`--health-path ${options.healthPath}: a path starts with /`);
  const [{ initFromGroup: run }, { revisionFlag }] = await Promise.all([
    import('../../init/init-from-group.js'),
    import('../../init/from-group.js'),
  ]);
  if (options.revision !== undefined) revisionFlag(options.revision);
  const region = ctx.options.region ?? ctx.env.AWS_REGION ?? ctx.env.AWS_DEFAULT_REGION;
  const { exitCode, result } = await run(
    {
      ...options.fromGroup,
      env,
      configPath: resolve(ctx.cwd, ctx.options.config),
      force: Boolean(options.force),
      dryRun: Boolean(options.dryRun),
      ...(region ? { region } : {}),
      ...(options.revision !== undefined ? { revision: options.revision } : {}),
      ...(options.healthPath !== undefined ? { healthPath: options.healthPath } : {}),
      ...(options.healthPort !== undefined ? { healthPort: options.healthPort } : {}),
    },
    { aws: ctx.aws(), logger: ctx.output },
  );
  if (options.dryRun && !ctx.options.json) ctx.print(result.text);
  ctx.setResult(result);
  return exitCode;
}

async function initScaffold(
  ctx: CommandContext,
  options: InitOptions,
  environments: string[],
): Promise<number> {
  const [{ gatherAnswers }, { initRepository }, { accountAtHand }, { terminalAsker }, { checkRuntime }] =
    await Promise.all([
      import('../../init/gather-answers.js'),
      import('../../init/init-repository.js'),
      import('../../init/account.js'),
      import('../../init/ask.js'),
      import('../../init/answers.js'),
    ]);
  // Questions only at a terminal, and never with --yes: in CI or a pipe init takes flags and defaults.
  const terminal = ctx.terminal;
  const asker =
    !options.yes && terminal?.input.isTTY ? terminalAsker(terminal.input, terminal.output) : undefined;
  try {
    const regionFromEnvironment = ctx.env.AWS_REGION ?? ctx.env.AWS_DEFAULT_REGION;
    const gathered = await gatherAnswers({
      dir: ctx.cwd,
      flags: {
        ...(options.application !== undefined ? { application: options.application } : {}),
        ...(environments.length > 0 ? { environments } : {}),
        ...(ctx.options.region !== undefined ? { region: ctx.options.region } : {}),
        ...(options.account !== undefined ? { account: options.account } : {}),
        ...(options.style !== undefined ? { style: options.style } : {}),
        ...(options.asg !== undefined ? { autoScalingGroup: options.asg } : {}),
        ...(options.tags !== undefined ? { tags: options.tags } : {}),
        ...(options.targetGroup !== undefined ? { targetGroups: options.targetGroup } : {}),
        ...(options.healthPath !== undefined ? { healthPath: options.healthPath } : {}),
        ...(options.healthPort !== undefined ? { healthPort: options.healthPort } : {}),
        ...(options.revision !== undefined ? { revision: options.revision } : {}),
        ...(options.runtime !== undefined ? { runtime: checkRuntime(options.runtime) } : {}),
        ...(options.entry !== undefined ? { entry: options.entry } : {}),
        ...(options.with !== undefined ? { write: options.with } : {}),
      },
      ...(regionFromEnvironment ? { regionFromEnvironment } : {}),
      lookupAccount: (region) =>
        accountAtHand(ctx.env, { region, ...(ctx.options.profile ? { profile: ctx.options.profile } : {}) }),
      ...(asker ? { asker } : {}),
    });
    for (const note of gathered.notes) ctx.output.emit({ kind: 'message', level: 'info', text: note });
    const { exitCode, result } = initRepository(
      {
        dir: ctx.cwd,
        configPath: resolve(ctx.cwd, ctx.options.config),
        answers: gathered.answers,
        detected: gathered.detected,
        force: Boolean(options.force),
        dryRun: Boolean(options.dryRun),
        packageSpec: packageSpec(),
      },
      { logger: ctx.output },
    );
    if (!ctx.options.json) {
      if (result.circleciToMerge !== undefined) ctx.print(result.circleciToMerge);
      else if (options.dryRun) ctx.print(result.greenlightYml);
    }
    ctx.setResult(result);
    return exitCode;
  } finally {
    asker?.close();
  }
}

/** What a pipeline installs greenlight from: this package, at this version. */
function packageSpec(): string {
  const manifest = JSON.parse(readFileSync(join(packageRoot(import.meta.url), 'package.json'), 'utf8')) as {
    name?: string;
  };
  return `${manifest.name ?? 'greenlight'}@${greenlightVersion}`;
}
