import { ACCOUNT_PLACEHOLDER } from '../config/placeholder.js';
import { UsageError } from '../exit-codes.js';
import type { Asker } from './ask.js';
import {
  applicationNameFrom,
  checkAccount,
  checkApplication,
  checkEnvironments,
  checkHealthPath,
  checkPattern,
  checkPort,
  checkRegion,
  checkRuntime,
  checkStyle,
  checkTags,
  checkWritable,
  DEFAULT_ASG,
  DEFAULT_ENVIRONMENTS,
  DEFAULT_HEALTH_PATH,
  DEFAULT_PORT,
  DEFAULT_REGION,
  DEFAULT_STYLE,
  DEFAULT_TARGET_GROUP,
  NONE,
  type InitAnswers,
  type RevisionAnswer,
  type Writable,
} from './answers.js';
import { revisionFlag } from './from-group.js';
import { githubOriginOf } from './git-remote.js';
import { detectApp, type DetectedApp, type Runtime } from './runtime.js';

// The answers of `greenlight init`: each from its flag when one was given, else asked (at a terminal)
// or defaulted (--yes, or no terminal: init never waits for input that cannot come).

export interface InitFlags {
  readonly application?: string;
  readonly environments?: readonly string[];
  readonly region?: string;
  readonly account?: string;
  readonly style?: string;
  readonly autoScalingGroup?: string;
  /** `Key=Value,…`: in place only. */
  readonly tags?: string;
  readonly targetGroups?: readonly string[];
  readonly healthPath?: string;
  readonly healthPort?: number;
  readonly revision?: string;
  readonly runtime?: Runtime;
  readonly entry?: string;
  readonly write?: readonly string[];
}

export interface GatherInput {
  /** The repository: where the app is and greenlight.yml goes. */
  readonly dir: string;
  readonly flags: InitFlags;
  /** AWS_REGION / AWS_DEFAULT_REGION, when set: the region's default. */
  readonly regionFromEnvironment?: string;
  /** The account of the credentials at hand (STS, in the region chosen), or why there is none; asked only when needed. */
  readonly lookupAccount: (region: string) => Promise<{ account?: string; why: string }>;
  /** Absent: take every default. */
  readonly asker?: Asker;
}

export interface Gathered {
  readonly answers: InitAnswers;
  readonly detected: DetectedApp;
  /** How each default was found, to say. */
  readonly notes: readonly string[];
}

export async function gatherAnswers(input: GatherInput): Promise<Gathered> {
  const { flags, asker } = input;
  const notes: string[] = [];
  /** The flag's value, else the question's answer, else the default; always checked. */
  const value = async <T>(
    flag: string | undefined,
    question: string,
    fallback: string,
    check: (text: string) => T,
  ): Promise<T> => {
    if (flag !== undefined) return check(flag);
    if (asker) return asker.ask(question, fallback, check);
    return check(fallback);
  };

  let guessed: Runtime | undefined;
  try {
    guessed = detectApp(input.dir, flags.runtime ? { runtime: flags.runtime } : {}).runtime;
  } catch (error) {
    // Nothing to tell the runtime by: a person is asked (node by default); --yes is refused.
    if (!(error instanceof UsageError) || !asker) throw error;
  }
  const runtime = await value(
    flags.runtime,
    'Runtime (node, python or static)',
    guessed ?? 'node',
    checkRuntime,
  );
  // Detected again for the runtime chosen, which says it was as told only when it was.
  const detected = detectApp(input.dir, {
    ...(flags.runtime !== undefined || runtime !== guessed ? { runtime } : {}),
    ...(flags.entry ? { entry: flags.entry } : {}),
  });
  notes.push(...detected.notes);

  const dirName = input.dir.split('/').filter(Boolean).at(-1);
  const application = await value(
    flags.application,
    'Application (the CodeDeploy application; names the unit, user and resources)',
    applicationNameFrom(detected.name ?? dirName),
    checkApplication,
  );
  const environments = await value(
    flags.environments?.join(','),
    'Environments, in delivery order (the last is production)',
    DEFAULT_ENVIRONMENTS.join(','),
    (text) => checkEnvironments([text]),
  );
  const region = await value(
    flags.region,
    'AWS region',
    input.regionFromEnvironment ?? DEFAULT_REGION,
    checkRegion,
  );

  let account: string | undefined;
  if (flags.account !== undefined) account = checkAccount(flags.account);
  else {
    const found = await input.lookupAccount(region);
    notes.push(found.account ? `account ${found.account}: ${found.why}` : `account unknown: ${found.why}`);
    account = await value(undefined, 'AWS account id', found.account ?? ACCOUNT_PLACEHOLDER, (text) =>
      text === ACCOUNT_PLACEHOLDER ? undefined : checkAccount(text),
    );
  }

  const style = await value(
    flags.style,
    'Deployment style (blue-green: onto a new fleet, then traffic moves; in-place: onto the instances that serve)',
    DEFAULT_STYLE,
    checkStyle,
  );
  const inPlace = style === 'in-place';
  if (!inPlace && flags.tags !== undefined)
    throw new UsageError(
      '--tags: only with --style in-place (a blue/green fleet is the Auto Scaling group CodeDeploy copies)',
    );

  // In place, tags alone may find the fleet: given --tags and no --asg, the ASG's default is none.
  const autoScalingGroup = await value(
    flags.autoScalingGroup,
    inPlace
      ? `Auto Scaling group of each environment ({app} and {env} are filled in; ${NONE}: only tagged instances)`
      : 'Auto Scaling group of each environment ({app} and {env} are filled in)',
    inPlace && flags.tags !== undefined ? NONE : DEFAULT_ASG,
    (text) => (inPlace && text === NONE ? undefined : checkPattern('Auto Scaling group', text, environments)),
  );
  const tags = inPlace
    ? await value(
        flags.tags,
        `EC2 tags every instance to deploy to carries (Key=Value, comma-separated; ${NONE}: the Auto Scaling group's instances only)`,
        NONE,
        (text) => {
          const found = text === NONE ? {} : checkTags(text, environments);
          if (autoScalingGroup === undefined && Object.keys(found).length === 0)
            throw new UsageError(
              'no Auto Scaling group and no tag: an in-place environment needs one of them to find its instances',
            );
          return found;
        },
      )
    : undefined;
  const targetGroups = await value(
    flags.targetGroups?.join(','),
    inPlace
      ? `Target groups, comma-separated (${NONE}: no load balancer, deployed without traffic control)`
      : 'Target groups, comma-separated',
    DEFAULT_TARGET_GROUP,
    (text) => {
      if (inPlace && text === NONE) return [];
      const list = text
        .split(',')
        .map((t) => t.trim())
        .filter((t) => t !== '');
      if (list.length === 0) throw new UsageError('at least one target group: traffic moves through it');
      return list.map((t) => checkPattern('target group', t, environments));
    },
  );
  const healthPath = await value(flags.healthPath, 'Health check path', DEFAULT_HEALTH_PATH, (text) =>
    checkHealthPath(text, runtime),
  );
  const healthPort = await value(
    flags.healthPort === undefined ? undefined : String(flags.healthPort),
    'Port the app listens on',
    String(DEFAULT_PORT),
    (text) => {
      if (!/^\d+$/.test(text)) throw new UsageError(`port ${JSON.stringify(text)}: expected a number`);
      return checkPort(Number(text));
    },
  );

  const origin = githubOriginOf(input.dir);
  const revisionDefault = origin ? `github:${origin}` : 'stack-bucket';
  if (flags.revision === undefined)
    notes.push(
      origin
        ? `revision github:${origin}: the git remote origin`
        : "revision: no GitHub remote origin, so S3 bundles in each environment's bucket from sam-template.yaml (<app>-<env>-revisions-<account>-<region>)",
    );
  const revision = await value(
    flags.revision,
    'Revision source (github:OWNER/REPO, s3://BUCKET/PREFIX, or stack-bucket)',
    revisionDefault,
    revisionAnswer,
  );

  const entryMissing = detected.runtime !== 'static' && !detected.entryExists && !detected.npmStart;
  const defaultWrite: Writable[] = [
    'appspec',
    'hooks',
    'circleci',
    ...(entryMissing ? (['example'] as const) : []),
  ];
  const write = await value(
    flags.write?.join(','),
    'Write besides greenlight.yml (appspec, hooks, circleci, sam, example)',
    defaultWrite.join(','),
    (text) => checkWritable([text]),
  );

  if (write.includes('example'))
    notes.push(
      `${detected.entry} does not exist: init writes an example app there that keeps the hooks' contract`,
    );
  else if (entryMissing)
    notes.push(
      `${detected.entry} does not exist: the unit will run it, so write it (--with example writes a starting point)`,
    );
  return {
    answers: {
      application,
      style,
      environments,
      region,
      ...(account !== undefined ? { account } : {}),
      ...(autoScalingGroup !== undefined ? { autoScalingGroup } : {}),
      ...(tags !== undefined && Object.keys(tags).length > 0 ? { tags } : {}),
      targetGroups,
      healthPath,
      healthPort,
      revision,
      runtime,
      write,
    },
    detected,
    notes,
  };
}

function revisionAnswer(text: string): RevisionAnswer {
  if (text === 'stack-bucket') return { stackBucket: true };
  return revisionFlag(text) as RevisionAnswer;
}
