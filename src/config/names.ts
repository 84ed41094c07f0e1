// Names in greenlight.yml, each held to the rule AWS applies to that resource, so a bad name fails
// here with its key path instead of later as an API error — or, worse, as another resource: the
// deployment group's ARN is built as `…:deploymentgroup:<application>/<group>`, so a group named
// `../../x` would tag something else. Where AWS's own rule is permissive, greenlight refuses at least
// what reads as a path (separators, names made of dots), control characters and surrounding spaces,
// and says that the rule is greenlight's.
import { z } from 'zod';

/** What is wrong with a name, and (when one can be made) a corrected name to suggest. */
export interface NameProblem {
  /** Starts with "expected …": the file's problem list appends what was found. */
  readonly message: string;
  readonly suggestion?: string;
}

/** One check of a name: a problem, or undefined when the name passes it. */
type NameCheck = (name: string) => NameProblem | undefined;

export interface NameRule {
  /** `deployment group name`: said as "expected a deployment group name …". */
  readonly what: string;
  readonly checks: readonly NameCheck[];
  /** Whether "" is a good value (a key prefix may be empty); otherwise it is refused first. */
  readonly emptyAllowed?: boolean;
}

// "an S3 …": the letter S is said "ess".
const article = (what: string) => (/^(?:[aeiou]|S3\b)/i.test(what) ? 'an' : 'a');
const quote = (text: string) => JSON.stringify(text);

/** The first problem `rule` finds with `name`, or undefined when the name is good. */
export function checkName(rule: NameRule, name: string): NameProblem | undefined {
  if (name === '') {
    return rule.emptyAllowed === true
      ? undefined
      : { message: `expected ${article(rule.what)} ${rule.what}` };
  }
  for (const check of rule.checks) {
    const problem = check(name);
    if (problem !== undefined) return problem;
  }
  return undefined;
}

/** ` (did you mean "x"?)` for a problem that has a suggestion, else nothing. */
export function suggestionText(problem: Pick<NameProblem, 'suggestion'>): string {
  return problem.suggestion === undefined ? '' : ` (did you mean ${quote(problem.suggestion)}?)`;
}

/** The problem `rule` finds with `value`, as one zod issue whose `params.hint` is the suggestion. */
export function pushNameProblem(rule: NameRule, value: string, context: z.RefinementCtx): void {
  const problem = checkName(rule, value);
  if (problem === undefined) return;
  context.issues.push({
    code: 'custom',
    input: value,
    message: problem.message,
    ...(problem.suggestion !== undefined && { params: { hint: suggestionText(problem) } }),
  });
}

/** A zod string checked against `rule`; the file's problem list appends the hint after what was found. */
export function nameSchema(rule: NameRule) {
  return z
    .string({ error: `expected ${article(rule.what)} ${rule.what}` })
    .superRefine((value, context) => pushNameProblem(rule, value, context));
}

// ---- the checks ---------------------------------------------------------------------------------

const CONTROL = /\p{Cc}/u;

/** `"/"`, `"/" or ":"`, `"/", ":" or " "`: the distinct characters, in order, at most four. */
function listCharacters(characters: readonly string[]): string {
  const distinct = [...new Set(characters)].slice(0, 4).map((c) => quote(c));
  return distinct.length === 1
    ? (distinct[0] ?? '')
    : `${distinct.slice(0, -1).join(', ')} or ${distinct.at(-1) ?? ''}`;
}

/**
 * The name with each run of refused characters turned into "-", then trimmed of what no name
 * starts or ends well with; offered only when it passes every check of `rule`.
 */
function repaired(name: string, allowed: (c: string) => boolean, rule: () => NameRule): string | undefined {
  let candidate = '';
  for (const c of name.trim()) {
    if (allowed(c)) candidate += c;
    else if (!candidate.endsWith('-')) candidate += '-';
  }
  candidate = candidate.replace(/^[-.\s]+|[-.\s]+$/g, '');
  if (candidate === '' || candidate === name) return undefined;
  // Another check may refuse what this one let through; its own repair goes on from there.
  const problem = checkName(rule(), candidate);
  return problem === undefined ? candidate : problem.suggestion;
}

function characters(
  what: string,
  allowed: (c: string) => boolean,
  allowedText: string,
  rule: () => NameRule,
): NameCheck {
  return (name) => {
    const refused = [...name].filter((c) => !allowed(c));
    if (refused.length === 0) return undefined;
    const suggestion = repaired(name, allowed, rule);
    return {
      message: `expected ${article(what)} ${what} without ${listCharacters(refused)} (${allowedText})`,
      ...(suggestion !== undefined && { suggestion }),
    };
  };
}

function maxLength(what: string, max: number, source: string, unit: 'characters' | 'bytes' = 'characters') {
  return (name: string): NameProblem | undefined => {
    const length = unit === 'bytes' ? Buffer.byteLength(name, 'utf8') : [...name].length;
    return length > max
      ? {
          message: `expected ${article(what)} ${what} of at most ${max} ${unit} (${source}; this one has ${length})`,
        }
      : undefined;
  };
}

/** `.` and `..` read as paths wherever a name is joined into one (an ARN, a key, a directory). */
function notOnlyDots(what: string): NameCheck {
  return (name) =>
    /^\.+$/.test(name)
      ? {
          message: `expected ${article(what)} ${what} that is more than dots (greenlight refuses names that read as paths)`,
        }
      : undefined;
}

function noControlCharacters(what: string, source: string, rule: () => NameRule): NameCheck {
  return characters(what, (c) => !CONTROL.test(c), `${source} refuses control characters`, rule);
}

function noSurroundingSpace(what: string): NameCheck {
  return (name) => {
    const trimmed = name.trim();
    if (trimmed === name) return undefined;
    return {
      message: `expected ${article(what)} ${what} without leading or trailing spaces (greenlight refuses them: they never match the resource)`,
      ...(trimmed !== '' && { suggestion: trimmed }),
    };
  };
}

function pattern(test: (name: string) => boolean, message: string): NameCheck {
  return (name) => (test(name) ? undefined : { message });
}

// ---- the rules ----------------------------------------------------------------------------------

/**
 * CodeDeploy application, deployment group and custom deployment config names. The API models give
 * only a length (1 to 100); the CodeDeploy User Guide's quotas page lists what they may contain:
 * letters, digits, periods, underscores, plus and equals signs, commas, at signs and minus signs.
 * greenlight also refuses names made only of periods, which read as paths in the group's ARN.
 */
function codeDeployName(what: string): NameRule {
  const allowed = (c: string) => /^[A-Za-z0-9._+=,@-]$/.test(c);
  const rule: NameRule = {
    what,
    checks: [
      maxLength(what, 100, "CodeDeploy's limit"),
      characters(what, allowed, 'CodeDeploy allows letters, digits and . _ + = , @ -', () => rule),
      notOnlyDots(what),
    ],
  };
  return rule;
}

export const APPLICATION_NAME = codeDeployName('CodeDeploy application name');
export const DEPLOYMENT_GROUP_NAME = codeDeployName('deployment group name');
export const DEPLOYMENT_CONFIG_NAME = codeDeployName('deployment config name');

/**
 * Auto Scaling group names: 1 to 255 characters, "any ASCII character 33 to 126 … You cannot use a
 * colon" (CreateAutoScalingGroup's AutoScalingGroupName). That lets in "/" and "\"; greenlight
 * refuses them, as it refuses names made only of dots: they read as paths, and the name ends up in
 * the group's ARN (…:autoScalingGroupName/<name>) and in CodeDeploy's copies of it.
 */
export const AUTO_SCALING_GROUP_NAME: NameRule = (() => {
  const what = 'Auto Scaling group name';
  const ascii = (c: string) => c >= '!' && c <= '~' && c !== ':';
  const rule: NameRule = {
    what,
    checks: [
      maxLength(what, 255, "Auto Scaling's limit"),
      characters(
        what,
        ascii,
        'Auto Scaling allows printable ASCII characters other than spaces and ":"',
        () => rule,
      ),
      characters(
        what,
        (c) => c !== '/' && c !== '\\',
        'greenlight refuses path separators in names that end up in ARNs',
        () => rule,
      ),
      notOnlyDots(what),
    ],
  };
  return rule;
})();

/**
 * CloudWatch alarm names: 1 to 255 characters of UTF-8 without ASCII control characters
 * (PutMetricAlarm's AlarmName). greenlight also refuses leading and trailing spaces, which never
 * match the alarm meant. "/" stays allowed: AWS names its own target-tracking alarms with it
 * (`TargetTracking-table/…`), and greenlight uses alarm names only as DescribeAlarms parameters,
 * never in an ARN, a tag or a path.
 */
export const ALARM_NAME: NameRule = (() => {
  const what = 'CloudWatch alarm name';
  const rule: NameRule = {
    what,
    checks: [
      maxLength(what, 255, "CloudWatch's limit"),
      noControlCharacters(what, 'CloudWatch', () => rule),
      noSurroundingSpace(what),
    ],
  };
  return rule;
})();

/**
 * ELBv2 target group names: "a maximum of 32 characters, … only alphanumeric characters or hyphens,
 * and must not begin or end with a hyphen" (CreateTargetGroup's Name).
 */
export const TARGET_GROUP_NAME: NameRule = (() => {
  const what = 'target group name';
  const allowed = (c: string) => /^[A-Za-z0-9-]$/.test(c);
  const text =
    'expected a target group name: 1 to 32 letters, digits or hyphens, not starting or ending with a hyphen';
  const rule: NameRule = {
    what,
    checks: [
      (name) => {
        if (/^[A-Za-z0-9](?:[A-Za-z0-9-]{0,30}[A-Za-z0-9])?$/.test(name)) return undefined;
        const suggestion = repaired(name, allowed, () => rule);
        return { message: text, ...(suggestion !== undefined && { suggestion }) };
      },
    ],
  };
  return rule;
})();

const IP_ADDRESS = /^\d{1,3}(?:\.\d{1,3}){3}$/;
const RESERVED_BUCKET_PREFIXES = ['xn--', 'sthree-', 'amzn-s3-demo-'];
const RESERVED_BUCKET_SUFFIXES = ['-s3alias', '--ol-s3', '.mrap', '--x-s3', '--table-s3'];

/**
 * S3 general purpose bucket names (the S3 User Guide's bucket naming rules): 3 to 63 lowercase
 * letters, digits, periods or hyphens, beginning and ending with a letter or digit, no two adjacent
 * periods, not an IP address, none of the prefixes and suffixes S3 reserves.
 */
export const BUCKET_NAME: NameRule = (() => {
  const what = 'S3 bucket name';
  const rule: NameRule = {
    what,
    checks: [
      (name) => {
        if (/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(name)) return undefined;
        const suggestion = repaired(
          name.toLowerCase(),
          (c) => /^[a-z0-9.-]$/.test(c),
          () => rule,
        );
        return {
          message:
            'expected an S3 bucket name: 3 to 63 lowercase letters, digits, dots or hyphens, starting and ending with a letter or digit',
          ...(suggestion !== undefined && { suggestion }),
        };
      },
      pattern(
        (name) => !name.includes('..'),
        "expected an S3 bucket name without two adjacent periods (S3's rule)",
      ),
      pattern(
        (name) => !IP_ADDRESS.test(name),
        "expected an S3 bucket name that is not an IP address (S3's rule)",
      ),
      (name) => {
        const prefix = RESERVED_BUCKET_PREFIXES.find((p) => name.startsWith(p));
        const suffix = RESERVED_BUCKET_SUFFIXES.find((s) => name.endsWith(s));
        if (prefix === undefined && suffix === undefined) return undefined;
        const part =
          prefix !== undefined ? `starting with ${quote(prefix)}` : `ending with ${quote(suffix ?? '')}`;
        return { message: `expected an S3 bucket name not ${part} (S3 reserves it)` };
      },
    ],
  };
  return rule;
})();

/** The longest key greenlight appends to the prefix: a 40-character commit id and `.zip`, `.tar` or `.tgz`. */
const BUNDLE_NAME_BYTES = 40 + 4;

/**
 * The S3 key prefix bundles go under. S3 allows any UTF-8 up to 1,024 bytes per key (prefix
 * included), so the prefix leaves room for `<commit>.zip`; its object key naming guidelines list
 * control characters among those to avoid. greenlight also refuses a leading "/" and "." or ".."
 * segments: tools that map keys to paths (`aws s3 sync` into a directory, the console's folders)
 * resolve them.
 */
export const KEY_PREFIX: NameRule = (() => {
  const what = 'S3 key prefix';
  const rule: NameRule = {
    what,
    emptyAllowed: true,
    checks: [
      maxLength(
        what,
        1024 - BUNDLE_NAME_BYTES,
        "S3's 1,024-byte key limit, less the commit id and extension greenlight appends",
        'bytes',
      ),
      characters(
        what,
        (c) => !CONTROL.test(c),
        "S3's naming guidelines say to avoid control characters; greenlight refuses them",
        () => rule,
      ),
      (name) =>
        name.startsWith('/')
          ? {
              message:
                'expected an S3 key prefix without a leading "/" (S3 keys are not absolute paths; greenlight refuses it)',
              ...(name.replace(/^\/+/, '') !== '' && { suggestion: name.replace(/^\/+/, '') }),
            }
          : undefined,
      pattern(
        (name) => !name.split('/').some((segment) => segment === '.' || segment === '..'),
        'expected an S3 key prefix without "." or ".." segments (greenlight refuses keys that read as relative paths)',
      ),
    ],
  };
  return rule;
})();

/**
 * `owner/repository` on GitHub. The owner is GitHub's account name: letters, digits and hyphens, not
 * starting with one, at most 39 (older accounts may end with a hyphen, so that is let through). The
 * repository: letters, digits, ".", "_" and "-", at most 100, and GitHub refuses "." and "..".
 */
export const GITHUB_REPOSITORY: NameRule = (() => {
  const what = 'GitHub repository';
  const rule: NameRule = {
    what,
    checks: [
      (name) => {
        if (/^[A-Za-z0-9][A-Za-z0-9-]{0,38}\/[A-Za-z0-9._-]{1,100}$/.test(name)) return undefined;
        // A URL of the repository, pasted whole: its last two segments are what is meant.
        const fromUrl = /github\.com[/:]([^/\s]+\/[^/\s]+?)(?:\.git)?\/?$/.exec(name)?.[1];
        const suggestion =
          fromUrl !== undefined && checkName(rule, fromUrl) === undefined ? fromUrl : undefined;
        return {
          message: 'expected a GitHub repository as owner/repo',
          ...(suggestion !== undefined && { suggestion }),
        };
      },
      pattern(
        (name) => !/\/\.{1,2}$/.test(name),
        'expected a GitHub repository whose name is not "." or ".." (GitHub refuses them)',
      ),
    ],
  };
  return rule;
})();
